"""Solvers: which padding keeps a size, which paddings give a size, which inputs fit evenly.

Each solver only searches and calls the output-size formulas; none restates them.

>>> same_padding(5)
(4, 2, 2)
>>> padding_for(32, 16, kernel_size=3, stride=2)
[1]
>>> valid_input_sizes(kernel_size=11, stride=4, low=220, high=230)
[223, 227]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convarith.choices import EQUIVALENT_LAYERS, KERAS_PADDINGS
from convarith.errors import ConvArithError
from convarith.formulas.normalise import integer, ndim_of, per_dim, torch_pad_order
from convarith.formulas.output_size import (
    conv_arguments,
    conv_axis,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel,
    keras_pool_arguments,
    keras_transpose_arguments,
    keras_transpose_crop_axis,
    lost_axis,
    pool_output_size,
)


def same_padding(kernel_size: Any, *, dilation: Any = 1) -> Any:
    """``(total, left, right)`` padding that keeps the size at stride 1, as PyTorch's "same".

    The total is ``d(k-1)``; when it is odd the extra one goes on the right/bottom.

    >>> same_padding(4)
    (3, 1, 2)
    >>> same_padding((3, 3), dilation=2)
    ((4, 2, 2), (4, 2, 2))
    """
    context = f"Error computing 'same' padding for kernel_size={kernel_size!r}"
    n = ndim_of(kernel_size, dilation)
    k = per_dim("kernel_size", kernel_size, n or 1, minimum=1, context=context)
    d = per_dim("dilation", dilation, n or 1, minimum=1, context=context)
    out = []
    for kk, dd in zip(k, d):
        total = effective_kernel(kk, dd) - 1
        out.append((total, total // 2, total - total // 2))
    return out[0] if n is None else tuple(out)


def padding_for(
    input_size: int,
    output_size: int,
    *,
    kernel_size: int,
    stride: int = 1,
    dilation: int = 1,
) -> list[int]:
    """Every symmetric padding ``p >= 0`` that gives ``output_size`` (empty when none does).

    >>> padding_for(32, 32, kernel_size=5)
    [2]
    >>> padding_for(32, 32, kernel_size=4)
    []
    >>> padding_for(7, 4, kernel_size=3, stride=2)
    [1]
    >>> padding_for(7, 3, kernel_size=3, stride=3)
    [1, 2]
    """
    context = "Error solving for the padding"
    i = integer("input_size", input_size, minimum=1, context=context)
    o = integer("output_size", output_size, minimum=1, context=context)
    k = integer("kernel_size", kernel_size, minimum=1, context=context)
    s = integer("stride", stride, minimum=1, context=context)
    d = integer("dilation", dilation, minimum=1, context=context)
    # o grows with p; once 2p exceeds (o*s + k*) - i no larger p can give o.
    limit = max(0, (o * s + effective_kernel(k, d) - i) // 2 + 1)
    found = []
    for p in range(limit + 1):
        if i + 2 * p < effective_kernel(k, d):
            continue
        if conv_axis(i, k, s, (p, p), d, context=context) == o:
            found.append(p)
    return found


def no_padding_found(input_size: int, output_size: int, *, kernel_size: int, stride: int = 1,
                     dilation: int = 1) -> str:
    """What to say when :func:`padding_for` finds nothing: that no symmetric padding does,
    and, where one exists (stride 1, the size kept), the asymmetric padding that does.

    >>> no_padding_found(32, 32, kernel_size=4)
    "No symmetric padding maps 32 to 32 with kernel 4, stride 1, dilation 1. Asymmetric padding does: 1 on the left and 2 on the right (PyTorch's padding='same')."
    """
    message = (f"No symmetric padding maps {input_size} to {output_size} with kernel "
               f"{kernel_size}, stride {stride}, dilation {dilation}.")
    if stride == 1 and input_size == output_size:
        total, left, right = same_padding(kernel_size, dilation=dilation)
        message += (f" Asymmetric padding does: {left} on the left and {right} on the right "
                    f"(PyTorch's padding='same').")
    return message


def valid_input_sizes(
    *,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    low: int = 1,
    high: int = 512,
) -> list[int]:
    """Input sizes in ``[low, high]`` whose every row is covered by a window (no lost input).

    >>> valid_input_sizes(kernel_size=3, stride=2, padding=1, low=1, high=10)
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    >>> valid_input_sizes(kernel_size=3, stride=2, low=1, high=10)
    [3, 5, 7, 9]
    """
    context = "Error listing valid input sizes"
    k = integer("kernel_size", kernel_size, minimum=1, context=context)
    s = integer("stride", stride, minimum=1, context=context)
    p = integer("padding", padding, minimum=0, context=context)
    d = integer("dilation", dilation, minimum=1, context=context)
    lo = integer("low", low, minimum=1, context=context)
    hi = integer("high", high, minimum=lo, context=context)
    return [
        i for i in range(lo, hi + 1)
        if i + 2 * p >= effective_kernel(k, d) and lost_axis(i, k, s, (p, p), d) == 0
    ]


def check_output_size(input_size: Any, output_size: Any, **conv: Any) -> None:
    """Raise unless a convolution maps ``input_size`` to ``output_size``.

    >>> check_output_size(32, 16, kernel_size=3, stride=2, padding=1)
    >>> check_output_size(32, 15, kernel_size=3, stride=2, padding=1)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: A convolution with kernel_size=3, stride=2, padding=1 maps 32 to 16, not 15. Use padding_for() to find a padding that gives 15.
    """
    got = conv_output_size(input_size, **conv)
    if got != output_size:
        args = ", ".join(f"{k}={v}" for k, v in conv.items())
        raise ConvArithError(
            f"A convolution with {args} maps {input_size} to {got}, not {output_size}. "
            f"Use padding_for() to find a padding that gives {output_size}."
        )


# --------------------------------------------------------------------------- Keras


def keras_padding_for(
    input_size: int,
    output_size: int,
    *,
    kernel_size: int,
    stride: int = 1,
    dilation: int = 1,
) -> list[str]:
    """Keras' padding modes ("valid", "same") that map ``input_size`` to ``output_size``.

    >>> keras_padding_for(7, 4, kernel_size=3, stride=2)
    ['same']
    >>> keras_padding_for(8, 4, kernel_size=1, stride=2)
    ['valid', 'same']
    """
    context = "Error solving for Keras' padding"
    i = integer("input_size", input_size, minimum=1, context=context)
    o = integer("output_size", output_size, minimum=1, context=context)
    found = []
    for mode in KERAS_PADDINGS:
        try:
            got = conv_output_size(i, kernel_size, stride=stride, padding=mode,
                                   dilation=dilation, convention="keras")
        except ConvArithError:
            if mode == "same":
                raise  # a geometry Keras rejects whatever the padding
            continue
        if got == o:
            found.append(mode)
    return found


@dataclass(frozen=True)
class TorchEquivalent:
    """The PyTorch layer that computes what a Keras layer computes, at one input size.

    ``padding``/``output_padding`` go to the torch layer itself; ``pad`` holds the extra
    ``(before, after)`` cells per axis (in axis order): for a convolution or pooling, the
    input is padded with them first (``F.pad``; -inf for max pooling); for a transposed
    convolution, they are cut from its output (``F.pad`` with the negated amounts).
    ``divide_by_inside``: average pooling divides each window by the cells inside the input.
    """

    layer: str
    dims: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[int, ...]
    pad: tuple[tuple[int, int], ...] | None = None
    output_padding: tuple[int, ...] | None = None
    divide_by_inside: bool = False

    def f_pad(self) -> tuple[int, ...]:
        """``pad`` in ``F.pad``'s order: the last axis first, ``(before, after)`` each."""
        if self.pad is None:
            return ()
        return torch_pad_order(self.pad)

    def code(self) -> list[str]:
        """The torch code, one step a line (C_in, C_out: the channels)."""
        n = self.dims
        args = [_tuple_text(self.kernel_size)]
        if self.layer in ("conv", "conv_transpose"):
            args = ["C_in", "C_out", *args]
        if self.stride != self.kernel_size or self.layer in ("conv", "conv_transpose"):
            if set(self.stride) != {1}:
                args.append(f"stride={_tuple_text(self.stride)}")
        if set(self.padding) != {0}:
            args.append(f"padding={_tuple_text(self.padding)}")
        if self.output_padding is not None and set(self.output_padding) != {0}:
            args.append(f"output_padding={_tuple_text(self.output_padding)}")
        if set(self.dilation) != {1}:
            args.append(f"dilation={_tuple_text(self.dilation)}")
        name = {"conv": "Conv", "conv_transpose": "ConvTranspose", "max_pool": "MaxPool",
                "avg_pool": "AvgPool"}[self.layer]
        if self.layer == "avg_pool":
            args.append("count_include_pad=False")
        layer = f"nn.{name}{n}d({', '.join(args)})"
        pads = self.f_pad()
        if not pads:
            return [layer]
        if self.layer == "conv_transpose":
            cut = ", ".join(str(-x) for x in pads)
            return [layer, f"then F.pad(y, ({cut}))  # negative: cut from the output"]
        if self.layer == "conv":
            front = (f"nn.ZeroPad{n}d({pads})" if n > 1 else f"nn.ZeroPad1d({pads})")
            return [f"{front}  # = F.pad(x, {pads})", f"then {layer}"]
        if self.layer == "max_pool":
            return [f"F.pad(x, {pads}, value=-inf)", f"then {layer}"]
        pool = f"F.avg_pool{n}d(F.pad({{}}, {pads}), {', '.join(args[:-1])})"
        return [f"{pool.format('x')} / {pool.format('torch.ones_like(x)')}",
                "# each window divided by the cells inside the input (Keras' and TensorFlow's rule)"]


def _tuple_text(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def torch_equivalent(
    layer: str,
    input_size: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: str = "valid",
    dilation: Any = 1,
    output_padding: Any = None,
) -> TorchEquivalent:
    """Which PyTorch layer reproduces a Keras layer: symmetric padding where it exists, else
    the ``F.pad`` amounts (a ``ZeroPad2d`` in front), for ``layer`` in
    :data:`convarith.choices.EQUIVALENT_LAYERS` ("same" padding depends on the input size).

    >>> torch_equivalent("conv", 7, 3, stride=2, padding="same").code()
    ['nn.Conv1d(C_in, C_out, 3, stride=2, padding=1)']
    >>> torch_equivalent("conv", (8, 8), 3, stride=2, padding="same").code()
    ['nn.ZeroPad2d((0, 1, 0, 1))  # = F.pad(x, (0, 1, 0, 1))', 'then nn.Conv2d(C_in, C_out, 3, stride=2)']
    >>> torch_equivalent("conv_transpose", 4, 3, stride=2, padding="same").code()
    ['nn.ConvTranspose1d(C_in, C_out, 3, stride=2)', 'then F.pad(y, (0, -1))  # negative: cut from the output']
    """
    if layer not in EQUIVALENT_LAYERS:
        raise ConvArithError(
            f"Error finding the PyTorch layer for a Keras layer: layer={layer!r} is not known. "
            f"Use one of {', '.join(EQUIVALENT_LAYERS)}."
        )
    if layer == "conv_transpose":
        conv_transpose_output_size(input_size, kernel_size, stride=1 if stride is None
                                   else stride, padding=padding, output_padding=output_padding,
                                   dilation=dilation, convention="keras")
        a, op = keras_transpose_arguments(input_size, kernel_size, 1 if stride is None
                                          else stride, padding, output_padding, dilation)
        return _transposed_equivalent(a, op)
    if layer == "conv":
        conv_output_size(input_size, kernel_size, stride=1 if stride is None else stride,
                         padding=padding, dilation=dilation, convention="keras")
        a = conv_arguments(input_size, kernel_size, 1 if stride is None else stride, padding,
                           dilation, convention="keras")
    else:
        pool_output_size(input_size, kernel_size, stride=stride, padding=padding,
                         convention="keras", kind=layer.split("_")[0])
        a = keras_pool_arguments(input_size, kernel_size, stride, padding)
    dims = len(a.i)
    symmetric = all(left == right for left, right in a.p)
    return TorchEquivalent(
        layer, dims, a.k, a.s, a.d,
        padding=tuple(left for left, _ in a.p) if symmetric else (0,) * dims,
        pad=None if symmetric else a.p,
        divide_by_inside=layer == "avg_pool",
    )


def _transposed_equivalent(a: Any, op: tuple[Any, ...]) -> TorchEquivalent:
    """ConvTranspose crops ``p`` on the left and ``p - a`` on the right of its full output
    (``a < max(s, d)``): that reproduces Keras' crops where it can; the rest is cut after."""
    dims = len(a.i)
    crops = [keras_transpose_crop_axis(a.i[x], a.k[x], a.s[x], op[x], a.d[x], a.mode)
             for x in range(dims)]
    padding, extra, cut = [], [], []
    for x, (left, right) in enumerate(crops):
        limit = max(a.s[x], a.d[x])
        if left >= 0 and 0 <= left - right < limit:
            padding.append(left)
            extra.append(left - right)
            cut.append((0, 0))
        else:
            p = max(min(left, right), 0)
            padding.append(p)
            extra.append(0)
            cut.append((left - p, right - p))
    exact = all(c == (0, 0) for c in cut)
    return TorchEquivalent("conv_transpose", dims, a.k, a.s, a.d, padding=tuple(padding),
                           pad=None if exact else tuple(cut), output_padding=tuple(extra))
