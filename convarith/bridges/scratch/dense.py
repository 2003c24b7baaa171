"""Fully connected layer, activations and the softmax cross-entropy loss in numpy, with gradients.

>>> import numpy as np
>>> linear(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), np.array([0.5]))
array([[11.5]])
>>> round(float(softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))), 6)
0.693147
"""

from __future__ import annotations

import numpy as np

from convarith.bridges.scratch.layer import SCRATCH, ScratchLayer


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``y = x W^T + b`` for ``x (..., in)``, ``W (out, in)``, as ``torch.nn.functional.linear``."""
    y = np.asarray(x) @ np.asarray(weight).T
    return y if bias is None else y + bias


def linear_backward(dy: np.ndarray, x: np.ndarray, weight: np.ndarray, *, bias: bool = True
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(dx, dW, db)``: ``dx = dy W``, ``dW = dy^T x`` summed over leading axes, ``db = sum dy``."""
    x, dy = np.asarray(x), np.asarray(dy)
    rows_x = x.reshape(-1, x.shape[-1])
    rows_dy = dy.reshape(-1, dy.shape[-1])
    db = rows_dy.sum(axis=0) if bias else None
    return dy @ weight, rows_dy.T @ rows_x, db


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``."""
    return np.maximum(x, 0)


def relu_backward(dy: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The gradient passes where ``x > 0`` (0 at 0, as torch)."""
    return dy * (np.asarray(x) > 0)


def tanh(x: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent."""
    return np.tanh(x)


def tanh_backward(dy: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``d tanh(x) / dx = 1 - tanh(x)^2``."""
    return dy * (1 - np.tanh(x) ** 2)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``z - log(sum(exp z))`` along the last axis, shifted by the maximum for stability."""
    z = logits - np.max(logits, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Mean over the batch of ``-log softmax(logits)[target]`` (``F.cross_entropy``'s default)."""
    logits, targets = np.asarray(logits), np.asarray(targets)
    picked = np.take_along_axis(log_softmax(logits), targets[:, None], axis=1)
    return -picked.mean()


def softmax_cross_entropy_backward(logits: np.ndarray, targets: np.ndarray,
                                   dloss: float = 1.0) -> np.ndarray:
    """``(softmax(logits) - onehot(targets)) / N``, times the upstream gradient."""
    logits, targets = np.asarray(logits), np.asarray(targets)
    grad = np.exp(log_softmax(logits))
    grad[np.arange(len(targets)), targets] -= 1
    return grad * (dloss / len(targets))


SCRATCH.add("linear", ScratchLayer(linear, linear_backward))
SCRATCH.add("relu", ScratchLayer(relu, relu_backward))
SCRATCH.add("tanh", ScratchLayer(tanh, tanh_backward))
# the loss's second array is the targets (verify passes them as the weight); its backward
# takes the upstream gradient last
SCRATCH.add("cross_entropy", ScratchLayer(
    softmax_cross_entropy, softmax_cross_entropy_backward,
    call=lambda spec, x, targets, bias: np.asarray(softmax_cross_entropy(x, targets)),
    call_backward=lambda spec, dy, x, targets, bias: (
        softmax_cross_entropy_backward(x, targets, float(dy)), None, None)))

__all__ = [
    "linear", "linear_backward", "log_softmax", "relu", "relu_backward",
    "softmax_cross_entropy", "softmax_cross_entropy_backward", "tanh", "tanh_backward",
]
