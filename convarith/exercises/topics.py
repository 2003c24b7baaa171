"""Problem generators, one per topic and level, each drawing a config and its target mistakes.

A generator takes a ``random.Random`` and returns ``(config, targets)``: the numbers of one
problem (see :mod:`convarith.exercises.solutions`) and the names of the mistakes it is built
to catch. :func:`draw` re-draws until the configuration is one PyTorch accepts (except in the
validity topic, where rejection is the point), every mistake that applies gives a wrong
answer, and every target mistake applies and gives a wrong answer of its own.

Levels: 1 the notes' formula with square sizes; 2 dilation, uneven division (lost input),
ceil-mode pooling, transposed convolution with output padding; 3 receptive fields through
strides, parameter counts with groups and bias, and whole networks (the table topic).

>>> import random
>>> config, targets = draw("size", 1, random.Random(7))
>>> config["kind"], targets
('conv', ('forgot_padding', 'padding_one_side', 'forgot_plus_one', 'kept_input_depth'))
"""

from __future__ import annotations

import random
from collections.abc import Callable

from convarith.errors import ConvArithError
from convarith.exercises.answers import INVALID
from convarith.exercises.mistakes import MISTAKES, mistakes_of
from convarith.exercises.solutions import Config, answer_of
from convarith.formulas.output_size import effective_kernel

#: A generator draws one config and its targets (None: draw again).
Generator = Callable[[random.Random], "tuple[Config, tuple[str, ...]] | None"]

#: Tries before giving up on a topic (every generator succeeds within a few in practice).
ATTEMPTS = 500

_SIZES = (13, 15, 17, 27, 28, 31, 32, 55, 56, 63, 64, 96, 112, 224, 227)


def _conv_l1(rng: random.Random) -> tuple[Config, tuple[str, ...]] | None:
    k = rng.choice((3, 5, 7, 11))
    s = rng.choice((1, 1, 2, 4))
    p = rng.randint(1, k // 2)
    i = rng.choice(_SIZES)
    c_in, c_out = rng.choice((1, 3, 16, 32, 64)), rng.choice((6, 8, 10, 16, 32, 64, 96))
    config = {"kind": "conv", "i": i, "k": k, "s": s, "p": p, "d": 1, "c_in": c_in,
              "c_out": c_out, "volume": True}
    if (i + 2 * p - k) % s:  # the notes' formula divides evenly
        return None
    return config, ("forgot_padding", "padding_one_side", "forgot_plus_one", "kept_input_depth")


def _conv_l2(rng: random.Random) -> tuple[Config, tuple[str, ...]] | None:
    k, s, d = rng.choice((2, 3, 5, 7)), rng.choice((2, 3, 4)), rng.choice((1, 2, 3))
    if s > effective_kernel(k, d):
        return None  # windows that skip input are a curiosity, not an exercise
    config = {"kind": "conv", "i": rng.choice(_SIZES), "k": k, "s": s,
              "p": rng.randint(0, effective_kernel(k, d) // 2), "d": d}
    targets = ("rounded_up",) + (("forgot_dilation",) if d > 1 else ())
    return config, targets


def _pool_ceil(rng: random.Random, *, dilated: bool = False) -> tuple[Config, tuple[str, ...]]:
    k = rng.choice((2, 3, 3, 5))
    d = rng.choice((1, 2)) if dilated else 1
    config = {"kind": "pool", "i": rng.choice(_SIZES), "k": k, "s": rng.choice((2, 3)),
              "p": rng.randint(0, k // 2), "d": d, "ceil": True}
    targets = ("rounded_down",) + (("forgot_dilation",) if d > 1 else ())
    return config, targets


def _transposed(rng: random.Random, *, dilated: bool = False) -> tuple[Config, tuple[str, ...]]:
    s = rng.choice((2, 3))
    d = rng.choice((1, 2)) if dilated else 1
    k = rng.choice([k for k in (2, 3, 4, 5) if k >= s])  # windows that overlap or touch
    config = {"kind": "transposed", "i": rng.choice((3, 4, 5, 7, 8, 14, 16, 28)), "k": k,
              "s": s, "p": rng.randint(1, min(2, k - 1)), "a": rng.randint(1, max(s, d) - 1),
              "d": d}
    targets = ("forgot_output_padding", "convolution_formula", "padding_once_transposed")
    return config, targets + (("forgot_dilation",) if d > 1 else ())


def _pool_dilated(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    return _pool_ceil(rng, dilated=True)


def _transposed_dilated(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    return _transposed(rng, dilated=True)


def _params_l1(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    k = rng.choice((1, 3, 5, 7, 11))
    config = {"kind": "conv_params", "c_in": rng.choice((1, 3, 16, 32, 64)),
              "c_out": rng.choice((6, 8, 10, 16, 32, 64, 96)), "k": k, "g": 1, "bias": True,
              "i": rng.choice(_SIZES), "s": rng.choice((1, 2)), "p": k // 2}
    return config, ("forgot_bias", "bias_per_position", "forgot_input_channels")


def _params_l2(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    config = {"kind": "transposed_params", "c_in": rng.choice((16, 32, 64, 128)),
              "c_out": rng.choice((3, 8, 16, 32, 64)), "k": rng.choice((2, 3, 4, 5)),
              "bias": True, "i": rng.choice((4, 7, 8, 14, 16)), "s": 2, "p": rng.randint(0, 1)}
    return config, ("forgot_bias", "bias_per_position", "bias_per_input_channel")


def _params_l3(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    c_in = rng.choice((16, 32, 48, 64, 96, 128))
    c_out = c_in * rng.choice((1, 2, 4))
    g = rng.choice((2, 4, c_in))
    bias = rng.random() < 0.5
    config = {"kind": "conv_params", "c_in": c_in, "c_out": c_out, "k": rng.choice((3, 5)),
              "g": g, "bias": bias, "i": rng.choice((13, 14, 27, 28, 56)), "s": 1, "p": 1}
    targets = ("forgot_groups",) + (("forgot_bias", "bias_per_position") if bias
                                    else ("bias_counted_anyway",))
    return config, targets


def _rf_layers(rng: random.Random, n: int, *, strides: bool, dilation: bool) -> list[dict]:
    layers = []
    for _ in range(n):
        if strides and rng.random() < 0.35:
            k = rng.choice((2, 3))
            layers.append({"kind": "pool", "k": k, "s": rng.choice((2, k)), "p": 0, "d": 1})
            continue
        k = rng.choice((3, 3, 5, 7))
        layers.append({"kind": "conv", "k": k, "s": rng.choice((1, 2, 2, 4)) if strides else 1,
                       "p": rng.choice((0, k // 2)),
                       "d": rng.choice((1, 2, 3)) if dilation else 1})
    return layers


def _rf_l1(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    layers = _rf_layers(rng, rng.randint(2, 4), strides=False, dilation=False)
    return {"kind": "rf", "layers": layers}, ("summed_kernels",)


def _rf_l2(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    layers = _rf_layers(rng, rng.randint(2, 4), strides=False, dilation=True)
    return {"kind": "rf", "layers": layers}, ("summed_kernels", "forgot_dilation")


def _rf_l3(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    layers = _rf_layers(rng, rng.randint(3, 5), strides=True, dilation=rng.random() < 0.3)
    config = {"kind": "rf", "layers": layers}
    targets = ("own_stride_shortcut", "ignored_strides")
    if any(layer["d"] != 1 for layer in layers):
        targets += ("forgot_dilation",)
    return config, targets


def _padding_l1(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    config = {"kind": "same", "i": rng.choice(_SIZES), "k": rng.choice((3, 5, 7, 9, 11)), "d": 1}
    return config, ("total_on_each_side", "half_kernel_rounded_up")


def _padding_l2(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    config = {"kind": "same", "i": rng.choice(_SIZES), "k": rng.choice((3, 5, 7)),
              "d": rng.choice((2, 3, 4))}
    return config, ("forgot_dilation", "total_on_each_side")


def _padding_l3(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    d = rng.choice((1, 1, 3))
    config = {"kind": "same", "i": rng.choice(_SIZES), "k": rng.choice((2, 4, 6, 8)), "d": d,
              "pair": True}
    return config, ("odd_one_on_the_left", "dropped_the_odd_one", "total_on_each_side")


def _fits_with_padding(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    i = rng.randint(2, 6)
    k = rng.choice([k for k in (3, 5, 7) if k > i] or [7])
    config = {"kind": "conv", "i": i, "k": k, "s": rng.choice((1, 2)), "p": rng.randint(1, 3),
              "d": 1}
    return config, ("forgot_padding",)


def _too_big(rng: random.Random, *, dilated: bool = False) -> tuple[Config, tuple[str, ...]]:
    d = rng.choice((2, 3)) if dilated else 1
    config = {"kind": "conv", "i": rng.randint(2, 9), "k": rng.choice((3, 5, 7)), "s": 1,
              "p": 0 if not dilated else rng.randint(0, 2), "d": d}
    return config, (("forgot_dilation",) if dilated else ("no_validity_check",))


def _pool_padding_limit(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    k = rng.choice((2, 3, 4))
    config = {"kind": "pool", "i": rng.choice((9, 13, 16, 27)), "k": k, "s": rng.choice((1, 2)),
              "p": k // 2 + 1, "d": rng.choice((2, 3)), "ceil": False}
    return config, ("effective_kernel_limit",)


def _output_padding_dilation(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    d, s = rng.choice((2, 3)), rng.choice((1, 2))
    config = {"kind": "transposed", "i": rng.randint(3, 8), "k": rng.choice((2, 3)), "s": s,
              "p": rng.randint(0, 1), "a": rng.randint(s, d - 1) if d > s else s, "d": d}
    return config, ("output_padding_below_stride",)


def _output_padding_too_big(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    s = rng.choice((2, 3))
    config = {"kind": "transposed", "i": rng.randint(3, 8), "k": rng.choice((2, 3, 4)), "s": s,
              "p": rng.randint(0, 1), "a": s, "d": 1}
    return config, ("output_padding_up_to_stride",)


def _too_big_dilated(rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    return _too_big(rng, dilated=True)


#: topic -> level -> the problem variants (one is picked, then re-drawn until it holds).
GENERATORS: dict[str, dict[int, tuple[Generator, ...]]] = {
    "size": {1: (_conv_l1,), 2: (_conv_l2, _pool_ceil, _transposed),
             3: (_conv_l2, _pool_dilated, _transposed_dilated)},
    "params": {1: (_params_l1,), 2: (_params_l2,), 3: (_params_l3,)},
    "rf": {1: (_rf_l1,), 2: (_rf_l2,), 3: (_rf_l3,)},
    "padding": {1: (_padding_l1,), 2: (_padding_l2,), 3: (_padding_l3,)},
    "validity": {
        1: (_fits_with_padding, _too_big),
        2: (_too_big_dilated, _pool_padding_limit, _output_padding_dilation,
            _output_padding_too_big),
        3: (_fits_with_padding, _too_big, _too_big_dilated, _pool_padding_limit,
            _output_padding_dilation, _output_padding_too_big),
    },
}


def targets_hold(config: Config, targets: tuple[str, ...]) -> bool:
    """Every mistake that applies gives a wrong answer; every target mistake applies, and
    each gives a wrong answer of its own."""
    right = answer_of(config)
    if any(wrong == right for _, wrong in mistakes_of(config)):
        return False
    answers = []
    for name in targets:
        if name not in MISTAKES:
            return False
        wrong = MISTAKES[name].answer(config)
        if wrong is None or wrong == right or wrong in answers:
            return False
        answers.append(wrong)
    return True


def draw(topic: str, level: int, rng: random.Random) -> tuple[Config, tuple[str, ...]]:
    """One problem's config and target mistakes (re-drawn until the targets hold)."""
    generator = rng.choice(GENERATORS[topic][level])
    for _ in range(ATTEMPTS):
        drawn = generator(rng)
        if drawn is None:
            continue
        config, targets = drawn
        right = answer_of(config)
        if topic != "validity" and right == INVALID:
            continue
        if config["kind"] in ("conv", "pool") and right != INVALID and not _covers(config):
            continue
        if targets_hold(config, targets):
            return config, targets
    raise ConvArithError(  # pragma: no cover - every generator succeeds well before this
        f"Error generating a {topic} exercise at level {level}: no draw in {ATTEMPTS} tries "
        "gave every target mistake its own answer. Try another seed.")


def _covers(config: Config) -> bool:
    """Sizes and kernels a sheet can state without a microscope (k* at most the input)."""
    return effective_kernel(config["k"], config["d"]) <= config["i"] + 2 * config["p"]
