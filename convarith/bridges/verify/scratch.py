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
from convarith.bridges.verify.registry import SCRATCH_BACKWARD, SCRATCH_FORWARD, entry


def scratch_forward(case: LayerCase, x: np.ndarray, weight: Any = None, bias: Any = None
                    ) -> np.ndarray:
    """The scratch layer's output (for "cross_entropy", ``weight`` holds the targets)."""
    return entry(SCRATCH_FORWARD, case.layer)(case, x, weight, bias)


@SCRATCH_FORWARD.register("conv")
def _conv(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return conv_module.conv(x, weight, bias, case.stride, case.padding, case.dilation,
                            case.groups)


@SCRATCH_FORWARD.register("conv_transpose")
def _conv_transpose(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return transposed.conv_transpose(x, weight, bias, case.stride, case.padding,
                                     case.output_padding, case.groups, case.dilation)


@SCRATCH_FORWARD.register("max_pool")
def _max_pool(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return pool.max_pool(x, case.kernel_size, case.stride, case.padding, case.dilation,
                         case.ceil_mode)


@SCRATCH_FORWARD.register("avg_pool")
def _avg_pool(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return pool.avg_pool(x, case.kernel_size, case.stride, case.padding, case.ceil_mode,
                         case.count_include_pad)


@SCRATCH_FORWARD.register("lp_pool")
def _lp_pool(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return pool.lp_pool(x, case.norm_type, case.kernel_size, case.stride, case.ceil_mode)


@SCRATCH_FORWARD.register("adaptive_avg_pool")
def _adaptive(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return pool.adaptive_avg_pool(x, case.output_size)


@SCRATCH_FORWARD.register("linear")
def _linear(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return dense.linear(x, weight, bias)


@SCRATCH_FORWARD.register("relu")
def _relu(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return dense.relu(x)


@SCRATCH_FORWARD.register("tanh")
def _tanh(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return dense.tanh(x)


@SCRATCH_FORWARD.register("cross_entropy")
def _cross_entropy(case: LayerCase, x: np.ndarray, weight: Any, bias: Any) -> np.ndarray:
    return np.asarray(dense.softmax_cross_entropy(x, weight))


@SCRATCH_FORWARD.register("unfold")
def _unfold(case: LayerCase, x: np.ndarray, weight: Any = None, bias: Any = None
            ) -> np.ndarray:
    return conv_module.unfold(x, case.kernel_size, case.dilation, case.padding, case.stride)


def scratch_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any = None,
                     bias: Any = None) -> tuple[np.ndarray, Any, Any]:
    """``(dx, dweight, dbias)`` of the scratch layer (None where the layer has none)."""
    return entry(SCRATCH_BACKWARD, case.layer)(case, dy, x, weight, bias)


@SCRATCH_BACKWARD.register("conv")
def _conv_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any, bias: Any
                   ) -> tuple[np.ndarray, Any, Any]:
    return conv_module.conv_backward(dy, x, weight, stride=case.stride, padding=case.padding,
                                     dilation=case.dilation, groups=case.groups,
                                     bias=bias is not None)


@SCRATCH_BACKWARD.register("conv_transpose")
def _conv_transpose_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                             bias: Any) -> tuple[np.ndarray, Any, Any]:
    return transposed.conv_transpose_backward(
        dy, x, weight, stride=case.stride, padding=case.padding,
        output_padding=case.output_padding, groups=case.groups, dilation=case.dilation,
        bias=bias is not None)


@SCRATCH_BACKWARD.register("max_pool")
def _max_pool_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                       bias: Any) -> tuple[np.ndarray, Any, Any]:
    return pool.max_pool_backward(dy, x, case.kernel_size, case.stride, case.padding,
                                  case.dilation, case.ceil_mode), None, None


@SCRATCH_BACKWARD.register("avg_pool")
def _avg_pool_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                       bias: Any) -> tuple[np.ndarray, Any, Any]:
    return pool.avg_pool_backward(dy, x, case.kernel_size, case.stride, case.padding,
                                  case.ceil_mode, case.count_include_pad), None, None


@SCRATCH_BACKWARD.register("lp_pool")
def _lp_pool_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                      bias: Any) -> tuple[np.ndarray, Any, Any]:
    return pool.lp_pool_backward(dy, x, case.norm_type, case.kernel_size, case.stride,
                                 case.ceil_mode), None, None


@SCRATCH_BACKWARD.register("adaptive_avg_pool")
def _adaptive_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                       bias: Any) -> tuple[np.ndarray, Any, Any]:
    return pool.adaptive_avg_pool_backward(dy, x, case.output_size), None, None


@SCRATCH_BACKWARD.register("linear")
def _linear_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                     bias: Any) -> tuple[np.ndarray, Any, Any]:
    return dense.linear_backward(dy, x, weight, bias=bias is not None)


@SCRATCH_BACKWARD.register("relu")
def _relu_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                   bias: Any) -> tuple[np.ndarray, Any, Any]:
    return dense.relu_backward(dy, x), None, None


@SCRATCH_BACKWARD.register("tanh")
def _tanh_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                   bias: Any) -> tuple[np.ndarray, Any, Any]:
    return dense.tanh_backward(dy, x), None, None


@SCRATCH_BACKWARD.register("cross_entropy")
def _cross_entropy_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                            bias: Any) -> tuple[np.ndarray, Any, Any]:
    return dense.softmax_cross_entropy_backward(x, weight, float(dy)), None, None


@SCRATCH_BACKWARD.register("unfold")
def _no_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any,
                 bias: Any) -> tuple[np.ndarray, Any, Any]:
    """nn.Unfold has no scratch backward: :func:`has_backward` says so, and the checks skip it."""
    raise ValueError(f"no scratch backward for {case.layer!r}")


def has_backward(case: LayerCase) -> bool:
    """Every scratch layer but Unfold has a backward pass."""
    return case.family != "unfold"
