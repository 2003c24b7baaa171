"""Pooling in numpy: max (ceil mode, dilation), average (count_include_pad), power-average
(LPPool), adaptive average.

Windows are the same im2col view as the convolution's. The output size comes from the
formula core (:func:`convarith.pool_output_size` with PyTorch's ceil-mode rule, and
:func:`convarith.adaptive_pool_bins`); the input is padded on the right just far enough for
ceil mode's last, partial window.

Average pooling divides as ATen's ``avg_pool2d`` does (aten/src/ATen/native/cpu/AvgPoolKernel.cpp):
a window starting at ``u s - p`` is cut at ``i + p`` and counts that many cells when
``count_include_pad``; otherwise it counts only the cells of the real input it covers.

>>> import numpy as np
>>> x = np.arange(25.0).reshape(1, 1, 5, 5)
>>> max_pool2d(x, 2, stride=2, padding=1, ceil_mode=True)[0, 0]
array([[ 0.,  2.,  4.],
       [10., 12., 14.],
       [20., 22., 24.]])
>>> avg_pool2d(np.ones((1, 1, 3, 3)), 2, padding=1)[0, 0]
array([[0.25, 0.5 ],
       [0.5 , 1.  ]])
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from convarith.bridges.scratch.im2col import col2im, pad, windows
from convarith.bridges.scratch.layer import SCRATCH, ScratchLayer
from convarith.errors import ConvArithError
from convarith.formulas.normalise import Geometry, broadcast
from convarith.formulas.output_size import adaptive_pool_bins, pool_output_size, window_reach


def _geometry(x: np.ndarray, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, kind: str) -> Geometry:
    n = x.ndim - 2
    k = broadcast(kernel_size, n)
    s = k if stride is None or stride == () else broadcast(stride, n)
    p, d = broadcast(padding, n), broadcast(dilation, n)
    o = pool_output_size(tuple(x.shape[2:]), k, stride=s, padding=p, dilation=d,
                         ceil_mode=ceil_mode, kind=kind)
    # right padding: p, or more when ceil mode's last window reaches past it
    pairs = tuple(
        (pp, max(pp, window_reach(oo, kk, ss, dd) - i - pp))
        for i, kk, ss, pp, dd, oo in zip(x.shape[2:], k, s, p, d, o)
    )
    return Geometry(n, tuple(x.shape[2:]), tuple(k), tuple(s), pairs, tuple(d),
                        o=tuple(o))


def _crop(dxp: np.ndarray, g: Geometry, spatial: tuple[int, ...]) -> np.ndarray:
    return dxp[(Ellipsis, *(slice(left, left + i) for (left, _), i in zip(g.p, spatial)))]


def max_pool(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
             dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """N-d max pooling of ``x (N, C, *i)``; padding counts as minus infinity."""
    x = np.asarray(x)
    g = _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max")
    view = windows(pad(x, g.p, -np.inf), k=g.k, s=g.s, d=g.d, o=g.o)
    return view.reshape(*view.shape[:x.ndim], -1).max(axis=-1)


def max_pool_backward(dy: np.ndarray, x: np.ndarray, kernel_size: Any, stride: Any = None,
                      padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
                      ) -> np.ndarray:
    """Gradient of :func:`max_pool`: each window's gradient goes to its (first) maximum."""
    x, dy = np.asarray(x), np.asarray(dy)
    g = _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max")
    view = windows(pad(x, g.p, -np.inf), k=g.k, s=g.s, d=g.d, o=g.o)
    winner = view.reshape(*view.shape[:x.ndim], -1).argmax(axis=-1)  # first max, as ATen
    onehot = np.zeros((*winner.shape, math.prod(g.k)), dtype=dy.dtype)
    np.put_along_axis(onehot, winner[..., None], dy[..., None], axis=-1)
    cols = onehot.reshape(*winner.shape, *g.k)
    return _crop(col2im(cols, g.padded(x.shape[2:]), k=g.k, s=g.s, d=g.d), g, x.shape[2:])


def _divisor(x: np.ndarray, g: Geometry, count_include_pad: bool) -> np.ndarray:
    """Cells each average divides by, shape ``o`` (ATen's rule, see the module doc)."""
    per_axis = []
    for i, k, s, (p, _), o in zip(x.shape[2:], g.k, g.s, g.p, g.o):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, i + p)
        if count_include_pad:
            per_axis.append(end - start)
        else:
            per_axis.append(np.minimum(end, i) - np.maximum(start, 0))
    return math.prod(np.ix_(*per_axis)) if per_axis else np.ones(())


def avg_pool(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
             ceil_mode: bool = False, count_include_pad: bool = True) -> np.ndarray:
    """N-d average pooling of ``x (N, C, *i)`` (``torch.nn.functional.avg_pool2d``'s rules)."""
    x = np.asarray(x)
    g = _geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg")
    view = windows(pad(x, g.p), k=g.k, s=g.s, d=g.d, o=g.o)
    sums = view.reshape(*view.shape[:x.ndim], -1).sum(axis=-1)
    return sums / _divisor(x, g, count_include_pad)


def avg_pool_backward(dy: np.ndarray, x: np.ndarray, kernel_size: Any, stride: Any = None,
                      padding: Any = 0, ceil_mode: bool = False,
                      count_include_pad: bool = True) -> np.ndarray:
    """Gradient of :func:`avg_pool`: ``dy / divisor`` to every real cell of the window."""
    x, dy = np.asarray(x), np.asarray(dy)
    g = _geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg")
    share = dy / _divisor(x, g, count_include_pad)
    n = len(g.k)
    cols = np.broadcast_to(share.reshape(*share.shape, *(1,) * n), (*share.shape, *g.k))
    return _crop(col2im(cols, g.padded(x.shape[2:]), k=g.k, s=g.s, d=g.d), g, x.shape[2:])


def _lp_power_mean(x: np.ndarray, g: Geometry, p: float) -> np.ndarray:
    """``S = (K / n) sum x^p`` over each window, as torch's LPPool computes it: the average of
    ``x^p`` (divided by the ``n`` cells a ceil-mode window keeps) times the kernel's ``K`` cells."""
    with np.errstate(invalid="ignore"):
        view = windows(pad(np.power(x, p), g.p), k=g.k, s=g.s, d=g.d, o=g.o)
    sums = view.reshape(*view.shape[:x.ndim], -1).sum(axis=-1)
    return sums / _divisor(x, g, True) * math.prod(g.k)


def lp_pool(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None,
            ceil_mode: bool = False) -> np.ndarray:
    """N-d power-average pooling ``(sum x^p)^(1/p)`` (``torch.nn.functional.lp_pool2d``).

    torch runs it as ``(K * avg_pool(x^p))^(1/p)``: no padding, no dilation, and in ceil mode
    a partial window of ``n`` cells is scaled by ``K/n``. ``p = inf`` is max pooling of ``|x|``.
    A negative sum with a fractional ``1/p`` gives NaN, as in torch.

    >>> lp_pool(np.array([[[3.0, 4.0, 1.0]]]), 2, 2)
    array([[[5.]]])
    """
    x = np.asarray(x)
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        return sign * max_pool(sign * np.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    g = _geometry(x, kernel_size, stride, 0, 1, ceil_mode, "lp")
    with np.errstate(invalid="ignore"):
        return np.power(_lp_power_mean(x, g, norm_type), 1.0 / norm_type)


def lp_pool_backward(dy: np.ndarray, x: np.ndarray, norm_type: float, kernel_size: Any,
                     stride: Any = None, ceil_mode: bool = False) -> np.ndarray:
    """Gradient of :func:`lp_pool`: ``dy S^(1/p - 1) (K/n) x^(p-1)`` summed over the windows
    holding each cell; a window with ``S = 0`` passes no gradient (torch's rule)."""
    x, dy = np.asarray(x), np.asarray(dy)
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        return np.sign(x) * max_pool_backward(dy, sign * np.abs(x), kernel_size, stride, 0, 1,
                                              ceil_mode)
    g = _geometry(x, kernel_size, stride, 0, 1, ceil_mode, "lp")
    p = float(norm_type)
    with np.errstate(invalid="ignore", divide="ignore"):
        power_mean = _lp_power_mean(x, g, p)
        coefficient = np.where(power_mean == 0, 0.0, dy * np.power(power_mean, 1 / p - 1))
        share = coefficient * math.prod(g.k) / _divisor(x, g, True)
        n = len(g.k)
        cols = np.broadcast_to(share.reshape(*share.shape, *(1,) * n), (*share.shape, *g.k))
        summed = _crop(col2im(cols, g.padded(x.shape[2:]), k=g.k, s=g.s, d=g.d), g,
                       x.shape[2:])
        return summed * np.power(x, p - 1)


def adaptive_avg_pool(x: np.ndarray, output_size: Any) -> np.ndarray:
    """N-d adaptive average pooling: cell ``j`` averages ``[floor(j i/o), ceil((j+1) i/o))``."""
    x = np.asarray(x)
    bins = _bins(x, output_size)
    y = np.empty((*x.shape[:2], *(len(b) for b in bins)), dtype=x.dtype)
    for cell in itertools.product(*(range(len(b)) for b in bins)):
        region = tuple(slice(*bins[axis][j]) for axis, j in enumerate(cell))
        size = math.prod(end - start for start, end in (bins[a][j] for a, j in enumerate(cell)))
        with np.errstate(invalid="ignore"):  # an empty input averages to NaN, as in torch
            y[(Ellipsis, *cell)] = x[(Ellipsis, *region)].sum(axis=tuple(range(2, x.ndim))) / size
    return y


def adaptive_avg_pool_backward(dy: np.ndarray, x: np.ndarray, output_size: Any) -> np.ndarray:
    """Gradient of :func:`adaptive_avg_pool`: each cell's gradient shared over its bin."""
    x, dy = np.asarray(x), np.asarray(dy)
    bins = _bins(x, output_size)
    dx = np.zeros(x.shape, dtype=dy.dtype)
    for cell in itertools.product(*(range(len(b)) for b in bins)):
        region = tuple(slice(*bins[axis][j]) for axis, j in enumerate(cell))
        size = math.prod(end - start for start, end in (bins[a][j] for a, j in enumerate(cell)))
        share = dy[(Ellipsis, *cell)] / size
        dx[(Ellipsis, *region)] += share.reshape(*share.shape, *(1,) * len(cell))
    return dx


def _bins(x: np.ndarray, output_size: Any) -> tuple[list[tuple[int, int]], ...]:
    n = x.ndim - 2
    bins = adaptive_pool_bins(tuple(x.shape[2:]), broadcast(output_size, n))
    return tuple(bins)


def _check_axes(name: str, x: Any, n: int) -> None:
    if np.ndim(x) != n + 2:
        raise ConvArithError(
            f"Error in the scratch {name}: the input has shape {np.shape(x)}; {name} takes "
            f"{n + 2} axes (N, C and {n} spatial). Add the missing axes, e.g. x[None]."
        )


def max_pool1d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """1-D :func:`max_pool`."""
    _check_axes("max_pool1d", x, 1)
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """2-D :func:`max_pool` (``torch.nn.functional.max_pool2d``'s signature)."""
    _check_axes("max_pool2d", x, 2)
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool3d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """3-D :func:`max_pool`."""
    _check_axes("max_pool3d", x, 3)
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode)


def avg_pool1d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> np.ndarray:
    """1-D :func:`avg_pool`."""
    _check_axes("avg_pool1d", x, 1)
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> np.ndarray:
    """2-D :func:`avg_pool` (``torch.nn.functional.avg_pool2d``'s signature)."""
    _check_axes("avg_pool2d", x, 2)
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool3d(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> np.ndarray:
    """3-D :func:`avg_pool`."""
    _check_axes("avg_pool3d", x, 3)
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def lp_pool1d(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> np.ndarray:
    """1-D :func:`lp_pool`."""
    _check_axes("lp_pool1d", x, 1)
    return lp_pool(x, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> np.ndarray:
    """2-D :func:`lp_pool` (``torch.nn.functional.lp_pool2d``'s signature)."""
    _check_axes("lp_pool2d", x, 2)
    return lp_pool(x, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(x: np.ndarray, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> np.ndarray:
    """3-D :func:`lp_pool`."""
    _check_axes("lp_pool3d", x, 3)
    return lp_pool(x, norm_type, kernel_size, stride, ceil_mode)


def adaptive_avg_pool2d(x: np.ndarray, output_size: Any) -> np.ndarray:
    """2-D :func:`adaptive_avg_pool`."""
    _check_axes("adaptive_avg_pool2d", x, 2)
    return adaptive_avg_pool(x, output_size)


SCRATCH.add("max_pool", ScratchLayer(max_pool, max_pool_backward))
SCRATCH.add("avg_pool", ScratchLayer(avg_pool, avg_pool_backward))
SCRATCH.add("lp_pool", ScratchLayer(lp_pool, lp_pool_backward))
SCRATCH.add("adaptive_avg_pool", ScratchLayer(adaptive_avg_pool, adaptive_avg_pool_backward))

__all__ = [
    "adaptive_avg_pool", "adaptive_avg_pool2d", "adaptive_avg_pool_backward",
    "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "avg_pool_backward",
    "lp_pool", "lp_pool1d", "lp_pool2d", "lp_pool3d", "lp_pool_backward",
    "max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool_backward",
]
