"""One layer configuration to check, its shape by the formula core, and its description in words.

A :class:`LayerCase` is what the hypothesis strategies draw and what every checker takes:
the layer kind (a name of :data:`convarith.choices.VERIFY_LAYERS`, as in
``torch.nn.functional``), the full input shape ``(N, C, *spatial)`` and the layer's
arguments, one entry per spatial dimension. The expected output shape comes from the formula
core only, so a wrong formula shows up as a disagreement with torch and with the scratch layers.

>>> case = LayerCase("conv2d", (1, 3, 7, 7), kernel_size=(3, 3), stride=(2, 2),
...                  padding=(1, 1), out_channels=4)
>>> case.describe()
'input 1x3x7x7, kernel 3, stride 2, padding 1, 4 output channels'
>>> expected_shape(case)
(1, 4, 4, 4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from convarith.bridges.verify.registry import SHAPE, entry, family_of
from convarith.formulas.output_size import (
    adaptive_pool_bins,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
    unfold_blocks,
)


@dataclass(frozen=True)
class LayerCase:
    """A layer configuration and an input shape; every per-axis argument is a tuple.

    ``padding`` is a tuple of ints (both sides), a tuple of ``(left, right)`` pairs, or one
    of "same" / "valid". ``stride`` may be None for pooling (the kernel size, as in torch).
    For "linear", ``out_channels`` is the number of output features; for "cross_entropy",
    ``input_shape`` is ``(N, classes)``.
    """

    layer: str
    input_shape: tuple[int, ...]
    kernel_size: tuple[int, ...] = ()
    stride: tuple[int, ...] | None = ()
    padding: Any = ()
    dilation: tuple[int, ...] = ()
    output_padding: tuple[int, ...] = ()
    groups: int = 1
    out_channels: int = 1
    bias: bool = True
    ceil_mode: bool = False
    count_include_pad: bool = True
    output_size: tuple[int, ...] = ()
    norm_type: float = 2.0  # lp_pool's p

    def __post_init__(self) -> None:
        # Unset per-axis arguments take torch's defaults, one entry per spatial dimension.
        if self.family in ("relu", "tanh", "linear", "cross_entropy", "adaptive_avg_pool"):
            return
        n = self.ndim
        defaults = {"padding": (0,) * n, "dilation": (1,) * n, "output_padding": (0,) * n,
                    "stride": None if "pool" in self.family else (1,) * n}
        for name, default in defaults.items():
            if getattr(self, name) == ():
                object.__setattr__(self, name, default)

    @property
    def family(self) -> str:
        """The layer without its dimension: "conv", "conv_transpose", "max_pool", ..."""
        return family_of(self.layer)

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.input_shape) - 2

    @property
    def spatial(self) -> tuple[int, ...]:
        return self.input_shape[2:]

    @property
    def in_channels(self) -> int:
        return self.input_shape[1]

    def weight_shape(self) -> tuple[int, ...]:
        """The weight's shape in torch's layout (transposed: ``(C_in, C_out/groups, *k)``)."""
        if self.family == "conv":
            return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        if self.family == "conv_transpose":
            return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        if self.layer == "linear":
            return (self.out_channels, self.input_shape[-1])
        return ()

    def bias_shape(self) -> tuple[int, ...] | None:
        if self.family in ("conv", "conv_transpose", "linear") and self.bias:
            return (self.out_channels,)
        return None

    def with_input(self, shape: tuple[int, ...]) -> LayerCase:
        return replace(self, input_shape=shape)

    def describe(self) -> str:
        """The configuration in words, for reports ("input 1x3x7x7, kernel 3, ...")."""
        words = [f"input {'x'.join(map(str, self.input_shape))}"]
        if self.kernel_size:
            words.append(f"kernel {_axes(self.kernel_size)}")
        if self.family == "lp_pool":
            words.append(f"norm_type {self.norm_type:g}")
        if self.family in ("conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool",
                           "unfold"):
            if self.stride is None:
                words.append("stride = kernel")
            elif any(s != 1 for s in self.stride):
                words.append(f"stride {_axes(self.stride)}")
            pad = _padding_words(self.padding)
            if pad:
                words.append(pad)
            if self.dilation and any(d != 1 for d in self.dilation):
                words.append(f"dilation {_axes(self.dilation)}")
        if self.output_padding and any(a != 0 for a in self.output_padding):
            words.append(f"output_padding {_axes(self.output_padding)}")
        if self.groups != 1:
            words.append(f"groups {self.groups}")
        if self.family in ("max_pool", "avg_pool", "lp_pool") and self.ceil_mode:
            words.append("ceil_mode")
        if self.family == "avg_pool" and not self.count_include_pad:
            words.append("count_include_pad=False")
        if self.family in ("conv", "conv_transpose", "linear"):
            unit = "output feature" if self.layer == "linear" else "output channel"
            words.append(f"{self.out_channels} {unit}{'s' if self.out_channels != 1 else ''}")
            if not self.bias:
                words.append("no bias")
        if self.output_size:
            words.append(f"output size {_axes(self.output_size)}")
        return ", ".join(words)


def _axes(values: tuple[int, ...]) -> str:
    """``3`` when every axis agrees, else ``3x5``."""
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def _padding_words(padding: Any) -> str:
    if isinstance(padding, str):
        return f"padding '{padding}'"
    if not padding:
        return ""
    if all(isinstance(p, (tuple, list)) for p in padding):
        if all(left == right for left, right in padding):
            padding = tuple(left for left, _ in padding)
        else:
            return "padding " + "x".join(f"({left}, {right})" for left, right in padding)
    return "" if all(p == 0 for p in padding) else f"padding {_axes(padding)}"


def expected_shape(case: LayerCase) -> tuple[int, ...]:
    """The output shape the formula core gives (raises ConvArithError where it rejects).

    >>> expected_shape(LayerCase("max_pool1d", (1, 1, 5), kernel_size=(2,), stride=(2,),
    ...                          padding=(1,), dilation=(1,), ceil_mode=True))
    (1, 1, 3)
    >>> expected_shape(LayerCase("unfold", (2, 3, 5, 5), kernel_size=(2, 2), stride=(2, 2),
    ...                          padding=(1, 1), dilation=(1, 1)))
    (2, 12, 9)
    """
    return entry(SHAPE, case.layer)(case)


@SHAPE.register("conv")
def _conv_shape(case: LayerCase) -> tuple[int, ...]:
    o = conv_output_size(case.spatial, case.kernel_size, stride=case.stride,
                         padding=case.padding, dilation=case.dilation)
    return (case.input_shape[0], case.out_channels, *o)


@SHAPE.register("conv_transpose")
def _conv_transpose_shape(case: LayerCase) -> tuple[int, ...]:
    o = conv_transpose_output_size(case.spatial, case.kernel_size, stride=case.stride,
                                   padding=case.padding, output_padding=case.output_padding,
                                   dilation=case.dilation)
    return (case.input_shape[0], case.out_channels, *o)


@SHAPE.register("max_pool", "avg_pool", "lp_pool")
def _pool_shape(case: LayerCase) -> tuple[int, ...]:
    family = case.family
    kind = family.removesuffix("_pool")
    if family == "lp_pool" and case.norm_type in (float("inf"), float("-inf")):
        kind = "max"
    o = pool_output_size(case.spatial, case.kernel_size, stride=case.stride,
                         padding=case.padding,
                         dilation=case.dilation if family == "max_pool" else 1,
                         ceil_mode=case.ceil_mode, kind=kind)
    return (*case.input_shape[:2], *o)


@SHAPE.register("adaptive_avg_pool")
def _adaptive_shape(case: LayerCase) -> tuple[int, ...]:
    bins = adaptive_pool_bins(case.spatial, case.output_size)
    return (*case.input_shape[:2], *(len(b) for b in bins))


@SHAPE.register("unfold")
def _unfold_shape(case: LayerCase) -> tuple[int, ...]:
    blocks = unfold_blocks(case.spatial, case.kernel_size, dilation=case.dilation,
                           padding=case.padding, stride=case.stride)
    n, c = case.input_shape[:2]
    return (n, c * math.prod(case.kernel_size), blocks)


@SHAPE.register("linear")
def _linear_shape(case: LayerCase) -> tuple[int, ...]:
    return (*case.input_shape[:-1], case.out_channels)


@SHAPE.register("relu", "tanh")
def _elementwise_shape(case: LayerCase) -> tuple[int, ...]:
    return case.input_shape


@SHAPE.register("cross_entropy")
def _loss_shape(case: LayerCase) -> tuple[int, ...]:
    return ()


def has_empty_window(case: LayerCase) -> bool:
    """Whether a max-pooling window lies wholly in the padding (possible with dilation).

    torch 2.13 accepts such a layer and outputs -inf there, but its backward pass then
    writes outside the input (seen here as a crash, "free(): invalid size"), so the
    checkers compare only the forward pass of these cases.

    >>> has_empty_window(LayerCase("max_pool1d", (1, 1, 1), kernel_size=(2,), stride=(2,),
    ...                            padding=(1,), dilation=(2,)))
    True
    """
    if case.family != "max_pool":
        return False
    shape = expected_shape(case)
    stride = case.stride or case.kernel_size
    for axis, i in enumerate(case.spatial):
        k, s, p, d = case.kernel_size[axis], stride[axis], case.padding[axis], case.dilation[axis]
        for u in range(shape[2 + axis]):
            if not any(0 <= u * s - p + a * d < i for a in range(k)):
                return True
    return False
