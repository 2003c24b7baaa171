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

# every numpy module registers its layers in the scratch table (.layer) and lists its
# public functions in __all__
from convarith.bridges.scratch import conv, dense, pool, transposed
from convarith.bridges.scratch.conv import *  # noqa: F403
from convarith.bridges.scratch.dense import *  # noqa: F403
from convarith.bridges.scratch.gradcheck import gradcheck, numerical_gradient
from convarith.bridges.scratch.layer import SCRATCH, ScratchLayer
from convarith.bridges.scratch.pool import *  # noqa: F403
from convarith.bridges.scratch.transposed import *  # noqa: F403

__all__ = [
    "SCRATCH", "ScratchLayer", "gradcheck", "numerical_gradient",
    *conv.__all__, *dense.__all__, *pool.__all__, *transposed.__all__,
]
