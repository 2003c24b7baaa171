"""Right answers, worked solutions and the command that shows them, from the formula core.

A problem's numbers are a *config*: a dict with a ``kind`` and the layer's numbers (square
sizes, so ``i`` stands for ``i x i``). :func:`answer_of` asks the formula functions for the
answer (``"invalid"`` when they reject the configuration, with PyTorch's rule in the
message); :func:`solution_of` gives the worked solution, the very text ``convarith size ...
--explain`` (or ``convarith rf ... --explain``) prints, from the same library calls; and
:func:`command_of` the command that prints it.

>>> config = {"kind": "conv", "i": 32, "k": 5, "s": 1, "p": 2, "d": 1, "c_in": 3, "c_out": 10,
...           "volume": True}
>>> answer_of(config)
(32, 32, 10)
>>> command_of(config)
'convarith size conv --input 32x32 --kernel 5 --stride 1 --padding 2 --explain'
>>> print(solution_of(config))
Convolution output size (every dimension):
  o = ⌊(i + 2p − k)/s⌋ + 1
    = ⌊(32 + 2·2 − 5)/1⌋ + 1
    = 31 + 1
    = 32
Depth: one channel per filter, 10; the output volume is 32x32x10.
"""

from __future__ import annotations

import shlex
from typing import Any

from convarith.errors import ConvArithError
from convarith.exercises.answers import INVALID, Answer
from convarith.formulas.counting import conv_params, conv_transpose_params, linear_params
from convarith.formulas.explain import explain_conv, explain_conv_transpose, explain_pool
from convarith.formulas.notation import parse_layers
from convarith.formulas.output_size import (
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
)
from convarith.formulas.receptive import explain_receptive_field, receptive_field
from convarith.formulas.solve import padding_for, same_padding

Config = dict[str, Any]


def square(config: Config) -> tuple[int, int]:
    """The input as the 2-D layer sees it."""
    return (config["i"], config["i"])


def output_size(config: Config) -> int:
    """The output size of a conv, pool or transposed config (raises ConvArithError)."""
    kind = config["kind"]
    if kind == "conv":
        out = conv_output_size(square(config), config["k"], stride=config["s"],
                               padding=config["p"], dilation=config["d"])
    elif kind == "pool":
        out = pool_output_size(square(config), config["k"], stride=config["s"],
                               padding=config["p"], dilation=config["d"],
                               ceil_mode=config["ceil"])
    elif kind == "transposed":
        out = conv_transpose_output_size(square(config), config["k"], stride=config["s"],
                                         padding=config["p"], output_padding=config["a"],
                                         dilation=config["d"])
    else:
        raise ConvArithError(f"Error solving an exercise: kind={kind!r} has no output size.")
    assert out[0] == out[1]
    return out[0]


def rf_notation(layers: list[dict[str, Any]]) -> str:
    """A stack in ``convarith rf``'s notation: ``"conv k=3 s=2; pool k=2 s=2"``."""
    parts = []
    for layer in layers:
        text = f"{layer['kind']} k={layer['k']} s={layer['s']}"
        text += f" p={layer['p']}" if layer.get("p") else ""
        text += f" d={layer['d']}" if layer.get("d", 1) != 1 else ""
        parts.append(text)
    return "; ".join(parts)


def answer_of(config: Config) -> Answer:
    """The right answer of a config, from the formula core (``"invalid"`` if it rejects it)."""
    try:
        return _answer(config)
    except ConvArithError:
        return INVALID


def _answer(config: Config) -> Answer:
    kind = config["kind"]
    if kind in ("conv", "pool", "transposed"):
        o = output_size(config)
        return (o, o, config["c_out"]) if config.get("volume") else o
    if kind == "conv_params":
        return conv_params(config["c_in"], config["c_out"], config["k"], groups=config["g"],
                           bias=config["bias"])
    if kind == "transposed_params":
        return conv_transpose_params(config["c_in"], config["c_out"], config["k"],
                                     bias=config["bias"])
    if kind == "linear_params":
        return linear_params(config["n_in"], config["n_out"], bias=config["bias"])
    if kind == "rf":
        return receptive_field(parse_layers(rf_notation(config["layers"])))[-1].r
    if kind == "same":
        _, left, right = same_padding(config["k"], dilation=config["d"])
        if config.get("pair"):
            return (left, right)
        assert left == right
        return left
    raise ConvArithError(f"Error solving an exercise: kind={kind!r} is not known.")


def rejection(config: Config) -> str | None:
    """The formula core's message when it rejects the config (PyTorch's rule), else None."""
    try:
        _answer(config)
    except ConvArithError as error:
        return " ".join(str(error).split())
    return None


def command_of(config: Config) -> str:
    """The convarith command that prints this config's answer and its derivation."""
    kind = config["kind"]
    i, k = config.get("i"), config.get("k")
    if kind in ("conv", "pool", "transposed"):
        words = ["convarith", "size", kind, "--input", f"{i}x{i}", "--kernel", str(k),
                 "--stride", str(config["s"]), "--padding", str(config["p"])]
        if config["d"] != 1:
            words += ["--dilation", str(config["d"])]
        if kind == "transposed" and config["a"]:
            words += ["--output-padding", str(config["a"])]
        if kind == "pool" and config["ceil"]:
            words += ["--ceil-mode"]
        return shlex.join([*words, "--explain"])
    if kind in ("conv_params", "transposed_params"):
        words = ["convarith", "params", "conv" if kind == "conv_params" else "transposed",
                 "--in-channels", str(config["c_in"]), "--out-channels", str(config["c_out"]),
                 "--kernel", str(k)]
        if config.get("g", 1) != 1:
            words += ["--groups", str(config["g"])]
        if not config["bias"]:
            words += ["--no-bias"]
        words += ["--input", str(i), "--stride", str(config["s"]), "--padding", str(config["p"])]
        if config.get("d", 1) != 1:
            words += ["--dilation", str(config["d"])]
        return shlex.join(words)
    if kind == "linear_params":
        words = ["convarith", "params", "linear", "--in-features", str(config["n_in"]),
                 "--out-features", str(config["n_out"])]
        return shlex.join(words + ([] if config["bias"] else ["--no-bias"]))
    if kind == "rf":
        return shlex.join(["convarith", "rf", rf_notation(config["layers"]), "--explain"])
    if kind == "same":
        if not config.get("pair") and config["d"] == 1:
            return shlex.join(["convarith", "solve", "padding", "--input", str(i), "--output",
                               str(i), "--kernel", str(k)])
        return shlex.join(["convarith", "solve", "same", "--kernel", str(k), "--dilation",
                           str(config["d"])])
    raise ConvArithError(f"Error solving an exercise: kind={kind!r} is not known.")


def derivation_of(config: Config) -> Any:
    """The :class:`~convarith.formulas.explain.Derivation` ``convarith size ... --explain`` prints."""
    kind, i = config["kind"], square(config)
    if kind == "conv":
        return explain_conv(i, config["k"], stride=config["s"], padding=config["p"],
                            dilation=config["d"])
    if kind == "pool":
        return explain_pool(i, config["k"], stride=config["s"], padding=config["p"],
                            dilation=config["d"], ceil_mode=config["ceil"])
    return explain_conv_transpose(i, config["k"], stride=config["s"], padding=config["p"],
                                  output_padding=config["a"], dilation=config["d"])


def solution_of(config: Config, *, latex: bool = False) -> str:
    """The worked solution: for sizes and receptive fields the text of ``--explain`` (or
    ``--latex``), for parameters and padding the count with the numbers put in."""
    kind = config["kind"]
    message = rejection(config)
    if message is not None:
        return f"PyTorch rejects this configuration. {message}"
    if kind in ("conv", "pool", "transposed"):
        derivation = derivation_of(config)
        text = derivation.latex() if latex else derivation.text()
        if config.get("volume"):
            o, c = output_size(config), config["c_out"]
            depth = (f"one channel per filter, {c}" if kind == "conv"
                     else f"pooling keeps the {c} channels")
            text += f"\nDepth: {depth}; the output volume is {o}x{o}x{c}."
        return text
    if kind == "rf":
        steps = explain_receptive_field(parse_layers(rf_notation(config["layers"])))
        return "\n".join(step.text() for step in steps)
    if kind == "same":
        return _same_solution(config)
    return _params_solution(config)


def _params_solution(config: Config) -> str:
    kind, bias = config["kind"], config["bias"]
    if kind == "linear_params":
        weights = linear_params(config["n_in"], config["n_out"], bias=False)
        total = linear_params(config["n_in"], config["n_out"], bias=bias)
        return (f"weights: n_in x n_out = {config['n_in']} x {config['n_out']} = {weights:,}; "
                f"biases: {total - weights:,} (one per output); total {total:,}.")
    c_in, c_out, k, g = config["c_in"], config["c_out"], config["k"], config.get("g", 1)
    if kind == "conv_params":
        weights = conv_params(c_in, c_out, k, groups=g, bias=False)
        total = conv_params(c_in, c_out, k, groups=g, bias=bias)
        shape = (f"C_out x C_in/groups x k x k = {c_out} x {c_in}/{g} x {k} x {k}" if g != 1
                 else f"C_out x C_in x k x k = {c_out} x {c_in} x {k} x {k}")
    else:
        weights = conv_transpose_params(c_in, c_out, k, bias=False)
        total = conv_transpose_params(c_in, c_out, k, bias=bias)
        shape = f"C_in x C_out x k x k = {c_in} x {c_out} x {k} x {k}"
    biases = (f"biases: one per output channel, {total - weights:,}" if bias
              else "no biases (bias=False)")
    return (f"weights: {shape} = {weights:,}; {biases}; total {total:,}. The input size does "
            f"not change the count: every output position shares the same weights.")


def _same_solution(config: Config) -> str:
    k, d = config["k"], config["d"]
    total, left, right = same_padding(k, dilation=d)
    kernel = f"k - 1 = {k} - 1" if d == 1 else f"d(k-1) = {d}*({k}-1)"
    text = (f"Stride 1 keeps the size when the padding adds up to {kernel} = {total}: "
            f"{left} on the left/top and {right} on the right/bottom")
    if left != right:
        return text + " (PyTorch's padding='same' puts the odd one on the right/bottom)."
    found = padding_for(config["i"], config["i"], kernel_size=k, dilation=d)
    assert found == [left]
    return text + f"; p = {left} is the only symmetric padding that keeps {config['i']}."
