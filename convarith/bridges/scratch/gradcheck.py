"""Numerical gradients by central differences, to check a hand-written backward pass.

For a layer ``y = f(x)`` and any upstream gradient ``dy``, the scalar ``L = sum(f(x) * dy)``
has ``dL/dx`` equal to the backward pass's ``dx``; central differences estimate it with an
error of order ``eps**2`` (float64 only: float32 has too few digits for this).

>>> import numpy as np
>>> numerical_gradient(lambda x: float(np.sum(x ** 2)), np.array([1.0, -2.0]))
array([ 2., -4.])
>>> from convarith.scratch.dense import tanh, tanh_backward
>>> x, dy = np.array([0.3, -1.2]), np.array([1.0, 2.0])
>>> gradcheck(lambda v: float(np.sum(tanh(v) * dy)), x, tanh_backward(dy, x)).ok
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, *,
                       eps: float = 1e-6, indices: Sequence[int] | None = None) -> np.ndarray:
    """``(f(x + eps e_i) - f(x - eps e_i)) / 2 eps`` for every element ``i`` of ``x``.

    ``indices`` (into the flattened ``x``) limits the work to those elements; the others
    are left at 0.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for index in range(flat.size) if indices is None else indices:
        keep = flat[index]
        flat[index] = keep + eps
        up = f(x)
        flat[index] = keep - eps
        down = f(x)
        flat[index] = keep
        out[index] = (up - down) / (2 * eps)
    return grad


@dataclass(frozen=True)
class GradCheck:
    """The largest difference between the analytic and the numerical gradient."""

    max_error: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.max_error <= self.tolerance


def gradcheck(f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, *,
              eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7,
              samples: int | None = None, seed: int = 0) -> GradCheck:
    """Compare ``analytic`` with :func:`numerical_gradient` of ``f`` at ``x``.

    ``samples`` checks only that many elements, drawn with ``seed`` (for large inputs).
    """
    x = np.asarray(x, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        return GradCheck(float("inf"), 0.0)
    indices = None
    if samples is not None and samples < x.size:
        indices = np.random.default_rng(seed).choice(x.size, size=samples, replace=False)
        mask = np.zeros(x.size, dtype=bool)
        mask[indices] = True
        analytic = np.where(mask.reshape(x.shape), analytic, 0.0)
    numeric = numerical_gradient(f, x, eps=eps, indices=indices)
    tolerance = atol + rtol * float(np.max(np.abs(numeric), initial=0.0))
    error = float(np.max(np.abs(analytic - numeric), initial=0.0))
    return GradCheck(error, tolerance)


__all__ = ["gradcheck", "numerical_gradient"]
