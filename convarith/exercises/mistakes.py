"""The common mistakes, each a small named function: the answer a student who makes it gets.

A mistake model takes a problem's config (see :mod:`convarith.exercises.solutions`) and
returns the wrong answer, or None when the problem does not exercise the rule it gets wrong
(no dilation to forget, no bias to count per position). Most models are the right
computation, by the formula core, with one number changed (the padding left out, the
dilation taken as 1); the few that are a wrong formula write it out here, once, beside the
rule it breaks.

Generation re-draws a problem until every mistake that applies gives an answer different
from the right one (and the mistakes it is built around, one each), so the key can say
which mistake a wrong answer comes from.

>>> config = {"kind": "conv", "i": 32, "k": 5, "s": 1, "p": 2, "d": 1, "c_in": 3, "c_out": 10,
...           "volume": True}
>>> MISTAKES["forgot_padding"].answer(config)
(28, 28, 10)
>>> MISTAKES["forgot_dilation"].answer(config) is None
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from convarith.errors import ConvArithError
from convarith.exercises.answers import INVALID, Answer
from convarith.exercises.solutions import Config, answer_of, output_size, rf_notation
from convarith.formulas.notation import parse_layers
from convarith.formulas.output_size import conv_output_size, effective_kernel, pool_axis
from convarith.formulas.receptive import explain_receptive_field
from convarith.formulas.solve import same_padding

SIZED = ("conv", "pool", "transposed")
PARAMS = ("conv_params", "transposed_params", "linear_params")


@dataclass(frozen=True)
class MistakeModel:
    """A named mistake: what the student does, and the answer it leads to."""

    name: str
    says: str
    answer: Callable[[Config], Answer | None]


#: name -> model, filled by :func:`mistake` (the key and the grader look mistakes up here).
MISTAKES: dict[str, MistakeModel] = {}


def mistake(name: str, says: str) -> Callable[[Callable[[Config], Answer | None]],
                                              Callable[[Config], Answer | None]]:
    """Register a mistake model under ``name``; ``says`` is how the key names it."""
    def register(function: Callable[[Config], Answer | None]) -> Callable[[Config], Answer | None]:
        MISTAKES[name] = MistakeModel(name, says, function)
        return function
    return register


def changed(config: Config, **values: Any) -> Answer:
    """The right answer of the config with some numbers changed (the mistaken inputs)."""
    return answer_of({**config, **values})


def _volume(config: Config, o: Any) -> Answer:
    if o == INVALID:
        return INVALID
    return (o, o, config["c_out"]) if config.get("volume") else o


# ----------------------------------------------------------------- output sizes


@mistake("forgot_padding", "left the padding out of the formula (p = 0)")
def forgot_padding(config: Config) -> Answer | None:
    if config["kind"] not in SIZED or not config.get("p"):
        return None
    return changed(config, p=0)


@mistake("padding_one_side", "added the padding once instead of on both sides (p, not 2p)")
def padding_one_side(config: Config) -> Answer | None:
    if config["kind"] != "conv" or not config.get("p"):
        return None
    p = config["p"]
    try:
        o = conv_output_size(config["i"], config["k"], stride=config["s"], padding=((p, 0),),
                             dilation=config["d"])[0]
    except ConvArithError:
        return INVALID
    return _volume(config, o)


@mistake("forgot_plus_one", "forgot the + 1 at the end of the formula")
def forgot_plus_one(config: Config) -> Answer | None:
    if config["kind"] not in ("conv", "pool"):
        return None
    right = answer_of(config)
    if right == INVALID:
        return None
    return _volume(config, output_size(config) - 1)


@mistake("forgot_dilation", "used the kernel size k instead of the dilated kernel d(k-1)+1")
def forgot_dilation(config: Config) -> Answer | None:
    if config["kind"] == "rf":
        if all(layer.get("d", 1) == 1 for layer in config["layers"]):
            return None
        return changed(config, layers=[{**layer, "d": 1} for layer in config["layers"]])
    if config.get("d", 1) == 1 or config["kind"] not in (*SIZED, "same"):
        return None
    if config["kind"] == "pool" and 2 * config["p"] > config["k"]:
        return None  # torch rejects the padding on the plain kernel: dilation plays no part
    return changed(config, d=1)


@mistake("rounded_up", "rounded the division up instead of down (PyTorch floors)")
def rounded_up(config: Config) -> Answer | None:
    if config["kind"] not in ("conv", "pool") or config.get("ceil"):
        return None
    i, k, s, p, d = config["i"], config["k"], config["s"], config["p"], config["d"]
    numerator = i + 2 * p - effective_kernel(k, d)
    if answer_of(config) == INVALID or numerator % s == 0:
        return None
    return _volume(config, -(-numerator // s) + 1)  # ceil instead of floor


@mistake("rounded_down", "rounded down although the pooling uses ceil mode")
def rounded_down(config: Config) -> Answer | None:
    if config["kind"] != "pool" or not config["ceil"] or answer_of(config) == INVALID:
        return None
    i, k, s, p, d = config["i"], config["k"], config["s"], config["p"], config["d"]
    if (i + 2 * p - effective_kernel(k, d)) % s == 0:
        return None  # an even division: floor and ceil agree, there is nothing to round
    return changed(config, ceil=False)


@mistake("kept_window_in_padding",
         "rounded up but kept the last window, which would start in the right padding "
         "(PyTorch drops it)")
def kept_window_in_padding(config: Config) -> Answer | None:
    if config["kind"] != "pool" or not config["ceil"] or answer_of(config) == INVALID:
        return None
    i, k, s, p, d = config["i"], config["k"], config["s"], config["p"], config["d"]
    kept = -(-(i + 2 * p - effective_kernel(k, d)) // s) + 1  # ceil, without the drop rule
    return None if kept == answer_of(config) else kept


@mistake("kept_input_depth", "gave the output the input's depth instead of one channel per filter")
def kept_input_depth(config: Config) -> Answer | None:
    if not config.get("volume") or config["c_in"] == config["c_out"]:
        return None
    right = answer_of(config)
    return INVALID if right == INVALID else (right[0], right[1], config["c_in"])


@mistake("forgot_output_padding", "left the output padding out")
def forgot_output_padding(config: Config) -> Answer | None:
    if config["kind"] != "transposed" or not config["a"]:
        return None
    return changed(config, a=0)


@mistake("convolution_formula",
         "used the convolution formula for a transposed convolution")
def convolution_formula(config: Config) -> Answer | None:
    if config["kind"] != "transposed":
        return None
    return changed(config, kind="conv")


@mistake("padding_once_transposed",
         "subtracted the padding once instead of on both sides (p, not 2p)")
def padding_once_transposed(config: Config) -> Answer | None:
    if config["kind"] != "transposed" or not config["p"]:
        return None
    i, k, s, p, a, d = (config[x] for x in ("i", "k", "s", "p", "a", "d"))
    return (i - 1) * s - p + d * (k - 1) + a + 1  # Relationship 14 with p once


# ----------------------------------------------------------------- validity


@mistake("no_validity_check",
         "put the numbers into the formula without checking that the kernel fits")
def no_validity_check(config: Config) -> Answer | None:
    if config["kind"] != "conv" or answer_of(config) != INVALID:
        return None
    i, k, s, p, d = config["i"], config["k"], config["s"], config["p"], config["d"]
    return (i + 2 * p - effective_kernel(k, d)) // s + 1  # unchecked: zero or negative


@mistake("effective_kernel_limit",
         "allowed pooling padding up to half the dilated kernel (torch 2.13 checks half the "
         "plain kernel_size)")
def effective_kernel_limit(config: Config) -> Answer | None:
    k, p, d = config.get("k"), config.get("p"), config.get("d")
    if config["kind"] != "pool" or not k < 2 * p <= effective_kernel(k, d):
        return None  # both limits agree unless 2p lies between the plain and dilated kernel
    try:
        return pool_axis(config["i"], config["k"], config["s"], config["p"], config["d"],
                         config["ceil"], context="", plain_limit=False)
    except ConvArithError:
        return INVALID


@mistake("output_padding_below_stride",
         "required output_padding < stride (PyTorch accepts output_padding < max(stride, "
         "dilation))")
def output_padding_below_stride(config: Config) -> Answer | None:
    if config["kind"] != "transposed" or not config["s"] <= config["a"] < config["d"]:
        return None  # the two rules agree unless stride <= output_padding < dilation
    return INVALID


@mistake("output_padding_up_to_stride",
         "allowed output_padding up to the stride (it must be smaller than stride or dilation)")
def output_padding_up_to_stride(config: Config) -> Answer | None:
    if config["kind"] != "transposed" or config["a"] != max(config["s"], config["d"]):
        return None
    i, k, s, p, a, d = (config[x] for x in ("i", "k", "s", "p", "a", "d"))
    return (i - 1) * s - 2 * p + d * (k - 1) + a + 1  # Relationship 14, unchecked


# ----------------------------------------------------------------- parameters


@mistake("forgot_bias", "counted the weights but not the biases")
def forgot_bias(config: Config) -> Answer | None:
    if config["kind"] not in PARAMS or not config["bias"]:
        return None
    return changed(config, bias=False)


@mistake("bias_counted_anyway", "counted biases although the layer has bias=False")
def bias_counted_anyway(config: Config) -> Answer | None:
    if config["kind"] not in PARAMS or config["bias"]:
        return None
    return changed(config, bias=True)


@mistake("bias_per_position",
         "counted a bias for every output position instead of one per output channel")
def bias_per_position(config: Config) -> Answer | None:
    if config["kind"] not in ("conv_params", "transposed_params") or not config["bias"]:
        return None
    sized = {"kind": "conv" if config["kind"] == "conv_params" else "transposed",
             "d": config.get("d", 1), "a": 0,
             "i": config["i"], "k": config["k"], "s": config["s"], "p": config["p"]}
    o = output_size(sized)
    if o == 1:
        return None  # one output position: one bias per channel either way
    return changed(config, bias=False) + o * o * config["c_out"]


@mistake("forgot_input_channels",
         "counted one k x k kernel per filter, forgetting that it spans the input channels")
def forgot_input_channels(config: Config) -> Answer | None:
    if config["kind"] != "conv_params" or config["c_in"] == config["g"]:
        return None
    return changed(config, c_in=config["g"])


@mistake("forgot_groups", "ignored the groups (each filter sees only C_in/groups channels)")
def forgot_groups(config: Config) -> Answer | None:
    if config["kind"] != "conv_params" or config["g"] == 1:
        return None
    return changed(config, g=1)


@mistake("bias_per_input_channel",
         "counted one bias per input channel (a transposed convolution has one per output "
         "channel)")
def bias_per_input_channel(config: Config) -> Answer | None:
    if config["kind"] != "transposed_params" or not config["bias"]:
        return None
    return changed(config, bias=False) + config["c_in"]


# ----------------------------------------------------------------- receptive fields


@mistake("summed_kernels", "added up the kernel sizes")
def summed_kernels(config: Config) -> Answer | None:
    if config["kind"] != "rf" or len(config["layers"]) < 2:
        return None
    return sum(layer["k"] for layer in config["layers"])


@mistake("own_stride_shortcut",
         "used each layer's own stride in R_n = R_(n-1) + (k-1) x S instead of the product of "
         "the earlier strides")
def own_stride_shortcut(config: Config) -> Answer | None:
    if config["kind"] != "rf" or all(layer["s"] == 1 for layer in config["layers"]):
        return None  # with every stride 1 the shortcut is the recurrence
    r = 1
    for step in explain_receptive_field(parse_layers(rf_notation(config["layers"]))):
        layer = step.row.layer
        r += (effective_kernel(layer.k, layer.d) - 1) * layer.stride  # the shortcut, all along
    return r


@mistake("ignored_strides", "ignored the strides (as if every layer had stride 1)")
def ignored_strides(config: Config) -> Answer | None:
    if config["kind"] != "rf" or all(layer["s"] == 1 for layer in config["layers"][:-1]):
        return None
    return changed(config, layers=[{**layer, "s": 1} for layer in config["layers"]])


# ----------------------------------------------------------------- padding


@mistake("total_on_each_side", "put the whole d(k-1) on each side instead of splitting it")
def total_on_each_side(config: Config) -> Answer | None:
    if config["kind"] != "same":
        return None
    total, _, _ = same_padding(config["k"], dilation=config["d"])
    return (total, total) if config.get("pair") else total


@mistake("half_kernel_rounded_up", "took half the kernel rounded up, ceil(k/2)")
def half_kernel_rounded_up(config: Config) -> Answer | None:
    if config["kind"] != "same" or config.get("pair"):
        return None
    return -(-config["k"] // 2)


@mistake("odd_one_on_the_left",
         "put the odd padding cell on the left/top (PyTorch puts it on the right/bottom)")
def odd_one_on_the_left(config: Config) -> Answer | None:
    if config["kind"] != "same" or not config.get("pair"):
        return None
    left, right = answer_of(config)
    return None if left == right else (right, left)


@mistake("dropped_the_odd_one", "split the total evenly and dropped the odd cell")
def dropped_the_odd_one(config: Config) -> Answer | None:
    if config["kind"] != "same" or not config.get("pair"):
        return None
    left, right = answer_of(config)
    return None if left == right else (left, left)


def mistakes_of(config: Config) -> list[tuple[MistakeModel, Answer]]:
    """Every mistake that applies to the config, with the answer it gives."""
    found = []
    for model in MISTAKES.values():
        wrong = model.answer(config)
        if wrong is not None:
            found.append((model, wrong))
    return found
