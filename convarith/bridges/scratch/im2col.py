"""Sliding windows of a padded input (im2col) and their way back (col2im), for any number of axes.

``windows`` is a view, not a copy: numpy's ``sliding_window_view`` lays one window of the
effective size ``k* = d(k-1) + 1`` at every position; taking every ``s``-th position and every
``d``-th element inside the window leaves the dilated kernel's taps at the strided positions.
The number of positions ``o`` is given by the caller (from the formula core), and checked.

>>> import numpy as np
>>> x = np.arange(7.0).reshape(1, 1, 7)
>>> windows(x, k=(3,), s=(2,), d=(1,), o=(3,))[0, 0]
array([[0., 1., 2.],
       [2., 3., 4.],
       [4., 5., 6.]])
>>> col2im(np.ones((1, 1, 3, 3)), (7,), k=(3,), s=(2,), d=(1,))[0, 0]
array([1., 1., 2., 1., 2., 1., 1.])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pad(x: np.ndarray, pairs: Sequence[tuple[int, int]], value: float = 0.0) -> np.ndarray:
    """``x`` with ``(left, right)`` padding on each spatial axis (the last ``len(pairs)``)."""
    if all(left == 0 and right == 0 for left, right in pairs):
        return x
    width = [(0, 0)] * (x.ndim - len(pairs)) + [tuple(p) for p in pairs]
    return np.pad(x, width, constant_values=value)


def windows(xp: np.ndarray, *, k: Sequence[int], s: Sequence[int], d: Sequence[int],
            o: Sequence[int]) -> np.ndarray:
    """View of shape ``(N, C, *o, *k)``: window ``(u, ...)`` tap ``(a, ...)`` is
    ``xp[..., u*s + a*d, ...]``. ``xp`` is already padded."""
    n = len(k)
    axes = tuple(range(xp.ndim - n, xp.ndim))
    span = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
    view = sliding_window_view(xp, span, axis=axes)
    positions = tuple(slice(0, (oo - 1) * ss + 1, ss) for oo, ss in zip(o, s))
    taps = tuple(slice(None, None, dd) for dd in d)
    view = view[(Ellipsis, *positions, *taps)]
    got = view.shape[xp.ndim - n: xp.ndim]
    if tuple(got) != tuple(o):
        raise RuntimeError(
            f"im2col: the formula core promised {tuple(o)} windows but the padded input "
            f"{xp.shape[-n:]} holds {tuple(got)}: the output-size formula is wrong here."
        )
    return view


def col2im(cols: np.ndarray, padded: Sequence[int], *, k: Sequence[int], s: Sequence[int],
           d: Sequence[int]) -> np.ndarray:
    """The adjoint of :func:`windows`: add every window's taps back where they were read.

    ``cols`` has shape ``(N, C, *o, *k)``; the result has shape ``(N, C, *padded)``. Each
    input element receives the sum over the windows that read it (the chain rule of im2col).
    """
    n = len(k)
    lead = cols.shape[:-2 * n]
    o = cols.shape[-2 * n:-n]
    out = np.zeros((*lead, *padded), dtype=cols.dtype)
    for tap in itertools.product(*(range(kk) for kk in k)):
        target = tuple(slice(a * dd, a * dd + (oo - 1) * ss + 1, ss)
                       for a, dd, oo, ss in zip(tap, d, o, s))
        out[(Ellipsis, *target)] += cols[(Ellipsis, *tap)]
    return out
