"""From-scratch numpy layers, written to be read and fast enough to use (issue 4).

Every layer takes PyTorch's arguments (``torch.nn.functional`` names and order) with numpy
arrays in and out, and gets its output size from the formula core. Each has a backward
pass returning the gradients with respect to its input, weights and bias. numpy only:
importing this package does not import torch.

>>> import numpy as np
>>> from convarith.scratch import conv2d, max_pool2d
>>> max_pool2d(conv2d(np.ones((1, 1, 6, 6)), np.ones((2, 1, 3, 3)), padding=1), 2).shape
(1, 2, 3, 3)
"""

from typing import Any, NamedTuple

from convarith import kinds
from convarith.bridges.scratch.conv import conv as _conv_nd  # the module keeps the name conv
from convarith.bridges.scratch.conv import (
    conv1d,
    conv1d_loop,
    conv2d,
    conv2d_loop,
    conv3d,
    conv_backward,
    unfold,
)
from convarith.bridges.scratch.dense import (
    linear,
    linear_backward,
    relu,
    relu_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
    tanh,
    tanh_backward,
)
from convarith.bridges.scratch.gradcheck import gradcheck, numerical_gradient
from convarith.bridges.scratch.pool import (
    adaptive_avg_pool,
    adaptive_avg_pool2d,
    adaptive_avg_pool_backward,
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    avg_pool_backward,
    lp_pool,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    lp_pool_backward,
    max_pool,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_pool_backward,
)
from convarith.bridges.scratch.transposed import (
    conv_transpose,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    conv_transpose_backward,
    conv_transpose_by_stretching,
)


class ScratchLayer(NamedTuple):
    """A kind's N-d numpy forward function and its backward (None: it has none)."""

    forward: Any
    backward: Any


#: The scratch layer of every kind :mod:`convarith.verify` checks value by value.
SCRATCH = kinds.table("scratch", covers=lambda kind: kind.scratch,
                      doc="numpy forward and backward (ScratchLayer)")
SCRATCH.add("conv", ScratchLayer(_conv_nd, conv_backward))
SCRATCH.add("conv_transpose", ScratchLayer(conv_transpose, conv_transpose_backward))
SCRATCH.add("max_pool", ScratchLayer(max_pool, max_pool_backward))
SCRATCH.add("avg_pool", ScratchLayer(avg_pool, avg_pool_backward))
SCRATCH.add("lp_pool", ScratchLayer(lp_pool, lp_pool_backward))
SCRATCH.add("adaptive_avg_pool", ScratchLayer(adaptive_avg_pool, adaptive_avg_pool_backward))
SCRATCH.add("unfold", ScratchLayer(unfold, None))
SCRATCH.add("linear", ScratchLayer(linear, linear_backward))
SCRATCH.add("relu", ScratchLayer(relu, relu_backward))
SCRATCH.add("tanh", ScratchLayer(tanh, tanh_backward))
SCRATCH.add("cross_entropy", ScratchLayer(softmax_cross_entropy,
                                          softmax_cross_entropy_backward))

__all__ = [
    "adaptive_avg_pool", "adaptive_avg_pool2d", "adaptive_avg_pool_backward",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "avg_pool_backward",
    "conv1d", "conv1d_loop", "conv2d", "conv2d_loop", "conv3d", "conv_backward",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv_transpose_backward",
    "conv_transpose_by_stretching", "gradcheck", "linear", "linear_backward",
    "lp_pool", "lp_pool1d", "lp_pool2d", "lp_pool3d", "lp_pool_backward",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool_backward", "numerical_gradient",
    "relu", "relu_backward", "softmax_cross_entropy", "softmax_cross_entropy_backward",
    "tanh", "tanh_backward", "unfold",
]
