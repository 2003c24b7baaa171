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

from typing import Any

from convarith.errors import ConvArithError
from convarith.formulas.normalise import integer, ndim_of, per_dim
from convarith.formulas.output_size import conv_axis, conv_output_size, effective_kernel, lost_axis


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
