"""The from-scratch numpy layers (:mod:`convarith.scratch`) called for a LayerCase.

>>> import numpy as np
>>> from convarith.verify.cases import LayerCase
>>> case = LayerCase("avg_pool1d", (1, 1, 4), kernel_size=(2,))
>>> scratch_forward(case, np.array([[[1.0, 3.0, 5.0, 7.0]]]))
array([[[2., 6.]]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convarith.bridges.scratch import conv as conv_module
from convarith.bridges.scratch import dense, pool, transposed
from convarith.bridges.verify.cases import LayerCase


def scratch_forward(case: LayerCase, x: np.ndarray, weight: Any = None, bias: Any = None
                    ) -> np.ndarray:
    """The scratch layer's output (for "cross_entropy", ``weight`` holds the targets)."""
    family = case.family
    if family in ("conv", "unfold"):
        if family == "unfold":
            return _unfold(case, x)
        return conv_module.conv(x, weight, bias, case.stride, case.padding, case.dilation,
                                case.groups)
    if family == "conv_transpose":
        return transposed.conv_transpose(x, weight, bias, case.stride, case.padding,
                                         case.output_padding, case.groups, case.dilation)
    if family == "max_pool":
        return pool.max_pool(x, case.kernel_size, case.stride, case.padding, case.dilation,
                             case.ceil_mode)
    if family == "avg_pool":
        return pool.avg_pool(x, case.kernel_size, case.stride, case.padding, case.ceil_mode,
                             case.count_include_pad)
    if family == "lp_pool":
        return pool.lp_pool(x, case.norm_type, case.kernel_size, case.stride, case.ceil_mode)
    if family == "adaptive_avg_pool":
        return pool.adaptive_avg_pool(x, case.output_size)
    if family == "linear":
        return dense.linear(x, weight, bias)
    if family == "relu":
        return dense.relu(x)
    if family == "tanh":
        return dense.tanh(x)
    if family == "cross_entropy":
        return np.asarray(dense.softmax_cross_entropy(x, weight))
    raise ValueError(f"no scratch layer for {case.layer!r}")


def _unfold(case: LayerCase, x: np.ndarray) -> np.ndarray:
    return conv_module.unfold(x, case.kernel_size, case.dilation, case.padding, case.stride)


def scratch_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any = None,
                     bias: Any = None) -> tuple[np.ndarray, Any, Any]:
    """``(dx, dweight, dbias)`` of the scratch layer (None where the layer has none)."""
    family = case.family
    has_bias = bias is not None
    if family == "conv":
        return conv_module.conv_backward(dy, x, weight, stride=case.stride,
                                         padding=case.padding, dilation=case.dilation,
                                         groups=case.groups, bias=has_bias)
    if family == "conv_transpose":
        return transposed.conv_transpose_backward(
            dy, x, weight, stride=case.stride, padding=case.padding,
            output_padding=case.output_padding, groups=case.groups, dilation=case.dilation,
            bias=has_bias)
    if family == "max_pool":
        return pool.max_pool_backward(dy, x, case.kernel_size, case.stride, case.padding,
                                      case.dilation, case.ceil_mode), None, None
    if family == "avg_pool":
        return pool.avg_pool_backward(dy, x, case.kernel_size, case.stride, case.padding,
                                      case.ceil_mode, case.count_include_pad), None, None
    if family == "lp_pool":
        return pool.lp_pool_backward(dy, x, case.norm_type, case.kernel_size, case.stride,
                                     case.ceil_mode), None, None
    if family == "adaptive_avg_pool":
        return pool.adaptive_avg_pool_backward(dy, x, case.output_size), None, None
    if family == "linear":
        return dense.linear_backward(dy, x, weight, bias=has_bias)
    if family == "relu":
        return dense.relu_backward(dy, x), None, None
    if family == "tanh":
        return dense.tanh_backward(dy, x), None, None
    if family == "cross_entropy":
        return dense.softmax_cross_entropy_backward(x, weight, float(dy)), None, None
    raise ValueError(f"no scratch backward for {case.layer!r}")


def has_backward(case: LayerCase) -> bool:
    """Every scratch layer but Unfold has a backward pass."""
    return case.family != "unfold"
