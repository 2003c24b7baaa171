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

from convarith.bridges.scratch.conv import (
    conv1d,
    conv1d_loop,
    conv2d,
    conv2d_loop,
    conv3d,
    conv_backward,
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
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    avg_pool_backward,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_pool_backward,
)
from convarith.bridges.scratch.transposed import (
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    conv_transpose_backward,
    conv_transpose_by_stretching,
)

__all__ = [
    "adaptive_avg_pool", "adaptive_avg_pool2d", "adaptive_avg_pool_backward",
    "avg_pool1d", "avg_pool2d", "avg_pool3d", "avg_pool_backward",
    "conv1d", "conv1d_loop", "conv2d", "conv2d_loop", "conv3d", "conv_backward",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv_transpose_backward",
    "conv_transpose_by_stretching", "gradcheck", "linear", "linear_backward",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool_backward", "numerical_gradient",
    "relu", "relu_backward", "softmax_cross_entropy", "softmax_cross_entropy_backward",
    "tanh", "tanh_backward",
]
