"""The transposed-convolution identities of Dumoulin & Visin (arXiv:1603.07285), checked on torch.

1. **Convolution as a matrix** (section 4.1): a convolution is a linear map, so there is a
   matrix ``C`` with ``conv(x) = C x`` on the flattened input; it is built here by convolving
   every basis vector. The transposed convolution with the same kernel, stride, padding and
   dilation is multiplication by ``C^T``, once its ``output_padding`` restores the input
   size: ``a = (i + 2p - d(k-1) - 1) mod s``, the rows the forward convolution never
   reached (:func:`convarith.output_size.uncovered_axis`).
2. **Stretch, pad, convolve** (section 4.6, Relationship 14): torch's ``conv_transpose2d``
   equals torch's ``conv2d`` with stride 1 over the input with ``s - 1`` zeros between
   neighbours, padded by ``d(k-1) - p`` (plus ``a`` on the right), with the kernel flipped
   and its input and output channels swapped.

Both are also checked for the scratch layers (:mod:`convarith.scratch.transposed`).

>>> from convarith.verify.cases import LayerCase
>>> check_transposed_identities(LayerCase("conv2d", (1, 1, 5, 5), kernel_size=(3, 3),
...                                       stride=(2, 2), padding=(1, 1)))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.checks import Mismatch, case_arrays, case_rng, compare
from convarith.formulas.output_size import uncovered_axis


def output_padding_for_inverse(case: LayerCase) -> tuple[int, ...]:
    """The ``output_padding`` that makes the transposed convolution return the input's size."""
    return tuple(uncovered_axis(i, k, s, (p, p), d) for i, k, s, p, d in
                 zip(case.spatial, case.kernel_size, case.stride, case.padding, case.dilation))


def conv_matrix(case: LayerCase, weight: Any) -> np.ndarray:
    """The matrix ``C`` of the convolution, ``(C_out * prod(o), C_in * prod(i))``, from torch."""
    import torch
    import torch.nn.functional as F

    size = math.prod(case.input_shape[1:])
    basis = torch.eye(size, dtype=torch.float64).reshape(size, *case.input_shape[1:])
    images = F.conv2d(basis, torch.as_tensor(weight), stride=case.stride, padding=case.padding,
                      dilation=case.dilation, groups=case.groups)
    return images.reshape(size, -1).T.numpy()


def stretched_transpose(case: LayerCase, y: Any, weight: Any, output_padding: tuple[int, ...]
                        ) -> Any:
    """Relationship 14's construction with torch's own ``conv2d`` (see the module doc)."""
    import torch
    import torch.nn.functional as F

    y = torch.as_tensor(y)
    n, c_in, h, w = y.shape
    (sh, sw), (dh, dw), (kh, kw) = case.stride, case.dilation, case.kernel_size
    stretched = torch.zeros(n, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1, dtype=y.dtype)
    stretched[:, :, ::sh, ::sw] = y
    qh, qw = dh * (kh - 1) - case.padding[0], dw * (kw - 1) - case.padding[1]
    ah, aw = output_padding
    # F.pad with negative amounts crops, which is what q < 0 asks for
    stretched = F.pad(stretched, (qw, qw + aw, qh, qh + ah))
    groups = case.groups
    weight = torch.as_tensor(weight)  # (C_in_T, C_out_T/G, kh, kw) of the transposed conv
    c_group = weight.shape[0] // groups
    flipped = weight.reshape(groups, c_group, weight.shape[1], kh, kw).transpose(1, 2)
    flipped = flipped.reshape(groups * weight.shape[1], c_group, kh, kw).flip(-1, -2)
    return F.conv2d(stretched, flipped, dilation=case.dilation, groups=groups)


def check_transposed_identities(case: LayerCase) -> None:
    """Both identities on torch, and the scratch transposed convolution against ``C^T``."""
    import torch
    import torch.nn.functional as F

    from convarith.bridges.scratch.transposed import conv_transpose, conv_transpose_by_stretching

    x, weight, _ = case_arrays(case)
    c = conv_matrix(case, weight)
    forward = F.conv2d(torch.as_tensor(x), torch.as_tensor(weight), stride=case.stride,
                       padding=case.padding, dilation=case.dilation, groups=case.groups)
    batch = x.shape[0]
    compare(case, "C x (the convolution as a matrix)",
            (x.reshape(batch, -1) @ c.T).reshape(forward.shape), forward.numpy(),
            who="the matrix")
    # the transposed convolution maps the output space back: y -> C^T y
    a = output_padding_for_inverse(case)
    y = case_rng(case, "y").standard_normal(tuple(forward.shape))
    transposed = F.conv_transpose2d(torch.as_tensor(y), torch.as_tensor(weight),
                                    stride=case.stride, padding=case.padding, output_padding=a,
                                    groups=case.groups, dilation=case.dilation).numpy()
    if transposed.shape != x.shape:
        raise Mismatch(case, f"conv_transpose2d with output_padding {a} gives shape "
                             f"{transposed.shape}, not the input's {x.shape}")
    want = (y.reshape(batch, -1) @ c).reshape(x.shape)  # each sample's C^T y
    compare(case, "C^T y", transposed, want, who="torch's conv_transpose2d")
    args = (case.stride, case.padding, a, case.groups, case.dilation)
    compare(case, "C^T y", conv_transpose(y, weight, None, *args), want,
            who="the scratch conv_transpose")
    compare(case, "stretched, padded, convolved y", stretched_transpose(case, y, weight, a).numpy(),
            transposed, who="torch's conv2d over the stretched input")
    compare(case, "stretched, padded, convolved y",
            conv_transpose_by_stretching(y, weight, None, *args), transposed,
            who="the scratch stretched construction")
