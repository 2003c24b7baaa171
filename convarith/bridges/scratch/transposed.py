"""Transposed convolution in numpy, built two ways that must agree.

1. :func:`conv_transpose` is the gradient of a convolution with respect to its input: every
   input element spreads ``x * w`` over the window it would have been read by (col2im), the
   result then loses ``p`` on each side. This is how PyTorch defines ``ConvTranspose``.
2. :func:`conv_transpose_by_stretching` is Dumoulin & Visin's construction
   (arXiv:1603.07285, section 4.6, Relationship 14): stretch the input by putting ``s - 1``
   zeros between its elements, pad each side by ``d(k-1) - p`` (plus ``output_padding`` on
   the right), and convolve with stride 1 using the kernel flipped in space and with its
   input and output channels swapped.

The output size comes from the formula core (:func:`convarith.conv_transpose_output_size`).

>>> import numpy as np
>>> x = np.array([[[1.0, 2.0]]])
>>> w = np.array([[[1.0, 10.0, 100.0]]])
>>> conv_transpose(x, w, stride=2)
array([[[  1.,  10., 102.,  20., 200.]]])
>>> conv_transpose_by_stretching(x, w, stride=2)
array([[[  1.,  10., 102.,  20., 200.]]])
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from convarith.bridges.scratch.conv import (
    check_channels,
    conv,
    convolve,
    group_rows,
    input_gradient,
    weight_gradient,
)
from convarith.bridges.scratch.im2col import pad
from convarith.bridges.scratch.layer import SCRATCH, ScratchLayer
from convarith.errors import ConvArithError
from convarith.formulas.normalise import Geometry, broadcast
from convarith.formulas.output_size import (
    conv_transpose_output_size,
    stretched_size,
    transposed_padding,
    window_reach,
)


def _geometry(x: np.ndarray, weight: np.ndarray, stride: Any, padding: Any,
              output_padding: Any, dilation: Any) -> tuple[Geometry, tuple[int, ...]]:
    """The geometry of the convolution this one is the transpose of, and its input size."""
    n = x.ndim - 2
    k = tuple(weight.shape[2:])
    s, p = broadcast(stride, n), broadcast(padding, n)
    a, d = broadcast(output_padding, n), broadcast(dilation, n)
    size = conv_transpose_output_size(tuple(x.shape[2:]), k, stride=s, padding=p,
                                      output_padding=a, dilation=d)
    # the forward convolution reads windows of the output (size `size`) and yields x's size
    g = Geometry(n, (), k, s, tuple((pp, pp) for pp in p), d, o=tuple(x.shape[2:]))
    return g, tuple(size)


def conv_transpose(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                   stride: Any = 1, padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                   dilation: Any = 1) -> np.ndarray:
    """N-d transposed convolution, ``weight (C_in, C_out/groups, *k)``, as in PyTorch.

    The gradient of a convolution: ``x`` plays the output gradient, the result the input's.
    """
    x, weight = np.asarray(x), np.asarray(weight)
    check_channels(x, weight, groups, transposed=True, bias=bias)
    g, size = _geometry(x, weight, stride, padding, output_padding, dilation)
    batch, c_in = x.shape[:2]
    c_out = weight.shape[1] * groups
    w = weight.reshape(groups, c_in // groups, -1)  # (G, C_in/G, C_out/G K)
    # W^T x: every input element's contribution to each window tap, then col2im
    columns = w.transpose(0, 2, 1) @ group_rows(x, groups)  # (N, G, C_out/G K, P)
    y = input_gradient(columns, (batch, c_out, *size), _with_room(g, size), groups)
    if bias is not None:
        y = y + np.asarray(bias).reshape(1, c_out, *(1,) * len(size))
    return y


def _with_room(g: Geometry, size: tuple[int, ...]) -> Geometry:
    """Padding pairs that make ``size`` plus padding hold every window, incl. output_padding.

    The right padding grows by the rows the forward convolution never reached (the
    ``output_padding`` rows, plus any uncovered remainder): they receive no contribution.
    """
    pairs = []
    for i, (left, _), k, s, d, o in zip(size, g.p, g.k, g.s, g.d, g.o):
        pairs.append((left, max(window_reach(o, k, s, d) - i - left, 0)))
    return dataclasses.replace(g, p=tuple(pairs))


def conv_transpose_backward(dy: np.ndarray, x: np.ndarray, weight: np.ndarray, *,
                            stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                            groups: int = 1, dilation: Any = 1, bias: bool = True
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients ``(dx, dweight, dbias)`` of :func:`conv_transpose`.

    The transpose of a transpose is the convolution: ``dx`` is ``dy`` convolved with the same
    weight over x's positions; ``dweight`` is that convolution's weight gradient with the
    roles of input and output gradient swapped.
    """
    x, weight, dy = np.asarray(x), np.asarray(weight), np.asarray(dy)
    g, size = _geometry(x, weight, stride, padding, output_padding, dilation)
    g = _with_room(g, size)
    dx = convolve(dy, weight, g, groups)
    dweight = weight_gradient(x, dy, g, groups, weight.shape)
    dbias = dy.sum(axis=(0, *range(2, dy.ndim))) if bias else None
    return dx, dweight, dbias


def conv_transpose_by_stretching(x: np.ndarray, weight: np.ndarray,
                                 bias: np.ndarray | None = None, stride: Any = 1,
                                 padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                                 dilation: Any = 1) -> np.ndarray:
    """Dumoulin & Visin's construction: stretch by ``s``, pad by ``d(k-1) - p``, convolve.

    Padding below zero (``p > d(k-1)``) crops instead, as in the paper's Relationship 14.
    """
    x, weight = np.asarray(x), np.asarray(weight)
    check_channels(x, weight, groups, transposed=True, bias=bias)
    g, size = _geometry(x, weight, stride, padding, output_padding, dilation)
    n = len(g.k)
    batch, c_in = x.shape[:2]
    # stretch: s - 1 zeros between neighbours
    stretched = np.zeros((batch, c_in, *(stretched_size(i, s) for i, s in zip(x.shape[2:], g.s))),
                         dtype=x.dtype)
    stretched[(Ellipsis, *(slice(None, None, s) for s in g.s))] = x
    # pad by q = d(k-1) - p on each side (+ output_padding on the right); crop where q < 0
    a = broadcast(output_padding, n)
    pairs, crop = [], []
    for k, d, (p, _), extra in zip(g.k, g.d, g.p, a):
        q = transposed_padding(k, p, d)
        pairs.append((max(q, 0), max(q + extra, 0)))
        crop.append(slice(max(-q, 0), None if q + extra >= 0 else q + extra))
    # pad where the amount is positive, then crop where it is negative
    stretched = pad(stretched, pairs)[(Ellipsis, *crop)]
    # the kernel flipped in space, input and output channels swapped within each group
    c_out_group = weight.shape[1]
    w = weight.reshape(groups, c_in // groups, c_out_group, *g.k).swapaxes(1, 2)
    w = w.reshape(groups * c_out_group, c_in // groups, *g.k)
    w = w[(Ellipsis, *(slice(None, None, -1) for _ in range(n)))]
    y = conv(stretched, w, bias, stride=1, padding=0, dilation=g.d, groups=groups)
    if tuple(y.shape[2:]) != tuple(size):
        raise ConvArithError(
            f"Error in the scratch transposed convolution: the stretched construction gives "
            f"{y.shape[2:]} but the formula core gives {size}."
        )
    return y


def _check_axes(name: str, x: Any, n: int) -> None:
    if np.ndim(x) != n + 2:
        raise ConvArithError(
            f"Error in the scratch {name}: the input has shape {np.shape(x)}; {name} takes "
            f"{n + 2} axes (N, C and {n} spatial). Add the missing axes, e.g. x[None]."
        )


def conv_transpose1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> np.ndarray:
    """1-D :func:`conv_transpose`."""
    _check_axes("conv_transpose1d", x, 1)
    return conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> np.ndarray:
    """2-D :func:`conv_transpose` (``torch.nn.functional.conv_transpose2d``'s signature)."""
    _check_axes("conv_transpose2d", x, 2)
    return conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> np.ndarray:
    """3-D :func:`conv_transpose`."""
    _check_axes("conv_transpose3d", x, 3)
    return conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)


SCRATCH.add("conv_transpose", ScratchLayer(conv_transpose, conv_transpose_backward))

__all__ = [
    "conv_transpose", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "conv_transpose_backward", "conv_transpose_by_stretching",
]
