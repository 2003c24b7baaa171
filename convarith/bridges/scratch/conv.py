"""Convolution (cross-correlation, as in deep learning) in numpy, written twice.

* :func:`conv2d_loop` / :func:`conv1d_loop`: the textbook sum, one output element at a time,
  ``y[n, o, u, v] = b[o] + sum_{c, a, b} x_pad[n, g C/G + c, u s + a d, v s + b d] w[o, c, a, b]``
  with ``g = o // (O/G)`` the group of output channel ``o``;
* :func:`conv` (and :func:`conv1d`, :func:`conv2d`, :func:`conv3d`): im2col through stride
  tricks, then one matrix product per group.

Arguments are PyTorch's (``torch.nn.functional.conv2d``): stride, padding (an int, one per
axis, ``(left, right)`` pairs per axis, "same" or "valid"), dilation, groups, bias. The output
size comes from the formula core (:func:`convarith.conv_output_size`), so a wrong formula
shows up here as a wrong shape.

>>> import numpy as np
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> w = np.ones((1, 1, 3, 3))
>>> conv2d(x, w)[0, 0]
array([[45., 54.],
       [81., 90.]])
>>> np.array_equal(conv2d_loop(x, w, padding=1, stride=2), conv2d(x, w, padding=1, stride=2))
True
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from convarith.bridges.scratch.im2col import col2im, pad, windows
from convarith.bridges.scratch.layer import SCRATCH, ScratchLayer
from convarith.errors import ConvArithError
from convarith.formulas.normalise import Geometry, broadcast
from convarith.formulas.output_size import conv_arguments, conv_output_size


def geometry(spatial: tuple[int, ...], kernel_size: Any = None,
             stride: Any = 1, padding: Any = 0, dilation: Any = 1, *,
             kernel: tuple[int, ...] | None = None) -> Geometry:
    """Normalise torch-style arguments once, and take the output size from the formula core.

    ``kernel=`` is the old name of ``kernel_size=`` (deprecated: torch's name is the rule).

    >>> geometry((5, 5), kernel_size=3, stride=2, padding=1).o
    (3, 3)
    """
    if kernel is not None:
        import warnings

        warnings.warn("geometry(kernel=...) is deprecated; use kernel_size=..., torch's name.",
                      DeprecationWarning, stacklevel=2)
        kernel_size = kernel
    if kernel_size is None:
        raise ConvArithError("Error in the scratch convolution's geometry: no kernel_size. Give "
                             "the kernel's spatial shape, e.g. kernel_size=(3, 3).")
    n = len(spatial)
    kernel = broadcast(kernel_size, n)
    stride, dilation = broadcast(stride, n), broadcast(dilation, n)
    padding = padding if isinstance(padding, str) else broadcast(padding, n)
    a = conv_arguments(spatial, kernel, stride, padding, dilation)
    o = conv_output_size(spatial, kernel, stride=stride, padding=a.p, dilation=dilation)
    return dataclasses.replace(a, o=tuple(o))


def check_channels(x: np.ndarray, weight: np.ndarray, groups: int, *, transposed: bool = False,
                   bias: np.ndarray | None = None) -> None:
    """Raise ConvArithError when the channels do not fit the groups, as torch does."""
    what = "transposed convolution" if transposed else "convolution"
    c = x.shape[1]
    if x.ndim != weight.ndim:
        raise ConvArithError(
            f"Error in the scratch {what}: input of shape {x.shape} and weight of shape "
            f"{weight.shape} have different numbers of axes. Give x as (N, C, *spatial) "
            "and the weight with the same number of spatial axes."
        )
    if groups < 1 or c % groups:
        raise ConvArithError(
            f"Error in the scratch {what}: in_channels={c} is not divisible by groups={groups}. "
            "Use a groups value that divides the input channels."
        )
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if expected != c:
        raise ConvArithError(
            f"Error in the scratch {what}: the weight of shape {weight.shape} expects "
            f"{expected} input channels but the input has {c}. Give a weight of shape "
            f"{'(C_in, C_out/groups, *k)' if transposed else '(C_out, C_in/groups, *k)'}."
        )
    if not transposed and weight.shape[0] % groups:
        raise ConvArithError(
            f"Error in the scratch convolution: out_channels={weight.shape[0]} is not divisible "
            f"by groups={groups}. Use out_channels that is a multiple of groups."
        )
    out = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and bias.shape != (out,):
        raise ConvArithError(
            f"Error in the scratch {what}: bias of shape {bias.shape} does not match "
            f"{out} output channels. Give a bias of shape ({out},)."
        )


# --------------------------------------------------------------------------- loop version


def conv2d_loop(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                ) -> np.ndarray:
    """2-D convolution as the textbook sum, one output element at a time (slow, readable)."""
    check_channels(x, weight, groups, bias=bias)
    g = geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    xp = pad(x, g.p)
    n_batch = x.shape[0]
    c_out, c_group = weight.shape[:2]
    out_group = c_out // groups
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = g.k, g.s, g.d, g.o
    y = np.zeros((n_batch, c_out, oh, ow), dtype=np.result_type(x, weight))
    for n in range(n_batch):
        for o in range(c_out):
            first = (o // out_group) * c_group  # first input channel of o's group
            for u in range(oh):
                for v in range(ow):
                    window = xp[n, first:first + c_group,
                                u * sh: u * sh + dh * (kh - 1) + 1: dh,
                                v * sw: v * sw + dw * (kw - 1) + 1: dw]
                    y[n, o, u, v] = np.sum(window * weight[o])
            if bias is not None:
                y[n, o] += bias[o]
    return y


def conv1d_loop(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                ) -> np.ndarray:
    """1-D convolution as the textbook sum: a 2-D one over a height-1 input."""
    if isinstance(padding, (tuple, list)):
        padding = ((0, 0), *(p if isinstance(p, (tuple, list)) else (p, p) for p in padding))
    elif not isinstance(padding, str):
        padding = ((0, 0), (padding, padding))
    y = conv2d_loop(x[:, :, None, :], weight[:, :, None, :], bias,
                    stride=(1, *broadcast(stride, 1)), padding=padding,
                    dilation=(1, *broadcast(dilation, 1)), groups=groups)
    return y[:, :, 0, :]


# --------------------------------------------------------------------------- vectorised


def _columns(x: np.ndarray, g: Geometry, groups: int) -> np.ndarray:
    """im2col: ``(N, G, C/G * prod(k), prod(o))``, one column per output position.

    Per image and group, the rows run over (channel, tap) and the columns over output
    positions, so the copy out of the window view moves runs of neighbouring outputs and
    the product with the weight lands directly in the output's ``(N, C_out, *o)`` layout.
    """
    n = len(g.k)
    view = windows(pad(x, g.p), k=g.k, s=g.s, d=g.d, o=g.o)  # (N, C, *o, *k)
    order = (0, 1, *range(2 + n, 2 + 2 * n), *range(2, 2 + n))  # (N, C, *k, *o)
    return view.transpose(order).reshape(x.shape[0], groups, -1, math.prod(g.o))


def conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
         padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """N-d convolution of ``x (N, C, *i)`` with ``weight (O, C/groups, *k)``: im2col + matmul."""
    x, weight = np.asarray(x), np.asarray(weight)
    check_channels(x, weight, groups, bias=bias)
    g = geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    y = convolve(x, weight, g, groups)
    if bias is not None:
        y = y + np.asarray(bias).reshape(1, -1, *(1,) * len(g.o))
    return y


def convolve(x: np.ndarray, weight: np.ndarray, g: Geometry, groups: int) -> np.ndarray:
    """The convolution for a known geometry: ``Y = W X`` per image and group (X: im2col)."""
    batch, c_out = x.shape[0], weight.shape[0]
    w = weight.reshape(groups, c_out // groups, -1)  # (G, O/G, C/G K)
    return (w @ _columns(x, g, groups)).reshape(batch, c_out, *g.o)  # (N, G, O/G, P)


def group_rows(dy: np.ndarray, groups: int) -> np.ndarray:
    """Output gradient ``(N, O, *o)`` as ``(N, G, O/G, P)``, matching the im2col columns."""
    batch, c_out = dy.shape[:2]
    return dy.reshape(batch, groups, c_out // groups, -1)


def weight_gradient(dy: np.ndarray, x: np.ndarray, g: Geometry, groups: int,
                    weight_shape: tuple[int, ...]) -> np.ndarray:
    """``dW = sum over images of dY X^T`` per group (X the im2col matrix of x)."""
    columns = _columns(x, g, groups)
    return (group_rows(dy, groups) @ columns.transpose(0, 1, 3, 2)).sum(axis=0).reshape(weight_shape)


def conv_backward(dy: np.ndarray, x: np.ndarray, weight: np.ndarray, *, stride: Any = 1,
                  padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients ``(dx, dweight, dbias)`` of :func:`conv` given the output gradient ``dy``.

    With the im2col matrix ``X`` (columns: output positions) and ``Y = W X``:
    ``dW = dY X^T``, ``dX = W^T dY`` scattered back by col2im, ``db = sum of dY``.
    """
    x, weight, dy = np.asarray(x), np.asarray(weight), np.asarray(dy)
    g = geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    c_out = weight.shape[0]
    dweight = weight_gradient(dy, x, g, groups, weight.shape)
    w = weight.reshape(groups, c_out // groups, -1)
    dx = input_gradient(w.transpose(0, 2, 1) @ group_rows(dy, groups), x.shape, g, groups)
    dbias = dy.sum(axis=(0, *range(2, dy.ndim))) if bias else None
    return dx, dweight, dbias


def input_gradient(dcols: np.ndarray, input_shape: tuple[int, ...], g: Geometry,
                   groups: int) -> np.ndarray:
    """col2im of per-window gradients ``(N, G, C/G K, P)`` back onto the unpadded input."""
    n = len(g.k)
    batch, channels = input_shape[:2]
    dcols = dcols.reshape(batch, groups, channels // groups, *g.k, *g.o)
    # a view in the (N, C, *o, *k) layout col2im reads
    order = (0, 1, 2, *range(3 + n, 3 + 2 * n), *range(3, 3 + n))
    dcols = dcols.transpose(order).reshape(batch, channels, *g.o, *g.k)
    dxp = col2im(dcols, g.padded(input_shape[2:]), k=g.k, s=g.s, d=g.d)
    crop = tuple(slice(left, left + i) for (left, _), i in zip(g.p, input_shape[2:]))
    return dxp[(Ellipsis, *crop)]


def conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """1-D :func:`conv`: ``x (N, C, L)``, ``weight (O, C/groups, k)``."""
    _require_axes("conv1d", x, 1)
    return conv(x, weight, bias, stride, padding, dilation, groups)


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """2-D :func:`conv`: ``x (N, C, H, W)``, ``weight (O, C/groups, kh, kw)``."""
    _require_axes("conv2d", x, 2)
    return conv(x, weight, bias, stride, padding, dilation, groups)


def conv3d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """3-D :func:`conv`: ``x (N, C, D, H, W)``, ``weight (O, C/groups, kd, kh, kw)``."""
    _require_axes("conv3d", x, 3)
    return conv(x, weight, bias, stride, padding, dilation, groups)


def _require_axes(name: str, x: Any, n: int) -> None:
    if np.ndim(x) != n + 2:
        raise ConvArithError(
            f"Error in the scratch {name}: the input has shape {np.shape(x)}; {name} takes "
            f"{n + 2} axes (N, C and {n} spatial). Add the missing axes, e.g. x[None]."
        )


def unfold(x: np.ndarray, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> np.ndarray:
    """``torch.nn.functional.unfold`` from the im2col view: ``(N, C * prod(k), L)``,
    channel-major like torch.

    >>> unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2).shape
    (1, 4, 4)
    """
    x = np.asarray(x)
    _require_axes("unfold", x, 2)
    kernel = broadcast(kernel_size, 2)
    g = geometry(x.shape[2:], kernel, stride, padding, dilation)
    view = windows(pad(x, g.p), k=g.k, s=g.s, d=g.d, o=g.o)  # (N, C, oh, ow, kh, kw)
    batch, channels = x.shape[:2]
    return view.transpose(0, 1, 4, 5, 2, 3).reshape(batch, channels * view.shape[4]
                                                    * view.shape[5], -1)


SCRATCH.add("conv", ScratchLayer(conv, conv_backward))
SCRATCH.add("unfold", ScratchLayer(unfold))

__all__ = ["conv1d", "conv1d_loop", "conv2d", "conv2d_loop", "conv3d", "conv_backward", "unfold"]
