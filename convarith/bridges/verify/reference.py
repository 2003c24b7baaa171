"""PyTorch, the reference implementation: the real modules and functions for a LayerCase.

torch is the judge of every check in :mod:`convarith.verify`: shapes come from the real
``torch.nn`` modules run on a tiny CPU tensor (the meta device is not used as the judge: in
torch 2.13 it accepts ``ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)``, which the CPU
kernels reject), values and gradients from ``torch.nn.functional`` in float64.

>>> from convarith.verify.cases import LayerCase
>>> torch_shape(LayerCase("max_pool2d", (1, 1, 5, 5), kernel_size=(2, 2), stride=(2, 2),
...                       padding=(1, 1), ceil_mode=True))
(1, 1, 3, 3)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.registry import TORCH_FORWARD, TORCH_MODULE, entry

#: What torch raises for a configuration it rejects.
TORCH_REJECTS = (RuntimeError, ValueError)


def torch_padding(case: LayerCase) -> tuple[Any, tuple[int, ...]]:
    """``(padding for the torch layer, (left, right, ...) for F.pad)``.

    torch's layers pad symmetrically, so asymmetric pairs become an explicit ``F.pad`` first.
    """
    padding = case.padding
    if isinstance(padding, str) or not padding or not isinstance(padding[0], (tuple, list)):
        return padding, ()
    if all(left == right for left, right in padding):
        return tuple(left for left, _ in padding), ()
    pad: list[int] = []
    for left, right in reversed(padding):  # F.pad lists the last axis first
        pad += [left, right]
    return (0,) * len(padding), tuple(pad)


def torch_module(case: LayerCase) -> nn.Module:
    """The ``torch.nn`` module of the case (asymmetric padding: ZeroPad then the layer)."""
    return entry(TORCH_MODULE, case.layer)(case)


@TORCH_MODULE.register("conv")
def _conv_module(case: LayerCase) -> nn.Module:
    padding, pad = torch_padding(case)
    conv = getattr(nn, f"Conv{case.ndim}d")(case.in_channels, case.out_channels,
                                           case.kernel_size, stride=case.stride,
                                           padding=padding, dilation=case.dilation,
                                           groups=case.groups, bias=case.bias,
                                           dtype=torch.float64)
    return nn.Sequential(_ZeroPad(pad), conv) if pad else conv


@TORCH_MODULE.register("conv_transpose")
def _conv_transpose_module(case: LayerCase) -> nn.Module:
    return getattr(nn, f"ConvTranspose{case.ndim}d")(
        case.in_channels, case.out_channels, case.kernel_size, stride=case.stride,
        padding=case.padding, output_padding=case.output_padding, groups=case.groups,
        bias=case.bias, dilation=case.dilation, dtype=torch.float64)


@TORCH_MODULE.register("max_pool")
def _max_pool_module(case: LayerCase) -> nn.Module:
    return getattr(nn, f"MaxPool{case.ndim}d")(case.kernel_size, stride=case.stride,
                                              padding=case.padding, dilation=case.dilation,
                                              ceil_mode=case.ceil_mode)


@TORCH_MODULE.register("avg_pool")
def _avg_pool_module(case: LayerCase) -> nn.Module:
    return getattr(nn, f"AvgPool{case.ndim}d")(case.kernel_size, stride=case.stride,
                                              padding=case.padding, ceil_mode=case.ceil_mode,
                                              count_include_pad=case.count_include_pad)


@TORCH_MODULE.register("lp_pool")
def _lp_pool_module(case: LayerCase) -> nn.Module:
    # torch 2.13's lp_pool1d multiplies by kernel_size, so it wants ints, not 1-tuples
    kernel, stride = ((case.kernel_size[0], case.stride and case.stride[0]) if case.ndim == 1
                      else (case.kernel_size, case.stride))
    return getattr(nn, f"LPPool{case.ndim}d")(case.norm_type, kernel, stride=stride,
                                             ceil_mode=case.ceil_mode)


@TORCH_MODULE.register("adaptive_avg_pool")
def _adaptive_module(case: LayerCase) -> nn.Module:
    return getattr(nn, f"AdaptiveAvgPool{case.ndim}d")(case.output_size)


@TORCH_MODULE.register("unfold")
def _unfold_module(case: LayerCase) -> nn.Module:
    return nn.Unfold(case.kernel_size, dilation=case.dilation, padding=case.padding,
                     stride=case.stride)


@TORCH_MODULE.register("linear")
def _linear_module(case: LayerCase) -> nn.Module:
    return nn.Linear(case.input_shape[-1], case.out_channels, bias=case.bias,
                     dtype=torch.float64)


@TORCH_MODULE.register("relu", "tanh")
def _activation_module(case: LayerCase) -> nn.Module:
    return nn.ReLU() if case.layer == "relu" else nn.Tanh()


@TORCH_MODULE.register("cross_entropy")
def _loss_module(case: LayerCase) -> nn.Module:
    return nn.CrossEntropyLoss()


class _ZeroPad(nn.Module):
    def __init__(self, pad: tuple[int, ...]) -> None:
        super().__init__()
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pad)


def torch_shape(case: LayerCase) -> tuple[int, ...]:
    """The output shape of the real torch module on a zero input (raises where torch rejects)."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # e.g. "Initializing zero-element tensors is a no-op"
        if case.layer == "cross_entropy":
            return ()
        module = torch_module(case)
        return tuple(module(torch.zeros(case.input_shape, dtype=torch.float64)).shape)


def torch_forward(case: LayerCase, x: Any, weight: Any = None, bias: Any = None) -> Any:
    """``torch.nn.functional`` applied to tensors (or arrays, turned into float64 tensors).

    For "cross_entropy", ``weight`` holds the integer class targets.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "padding='same' with even kernel lengths ..."
        return _forward(case, _tensor(x), _tensor(weight), _tensor(bias))


def _forward(case: LayerCase, x: Any, weight: Any, bias: Any) -> Any:
    return entry(TORCH_FORWARD, case.layer)(case, x, weight, bias)


@TORCH_FORWARD.register("conv")
def _conv_forward(case: LayerCase, x: Any, weight: Any, bias: Any) -> Any:
    padding, pad = torch_padding(case)
    if pad:
        x = F.pad(x, pad)
    return getattr(F, f"conv{case.ndim}d")(x, weight, bias, stride=case.stride,
                                           padding=padding, dilation=case.dilation,
                                           groups=case.groups)


@TORCH_FORWARD.register("conv_transpose")
def _conv_transpose_forward(case: LayerCase, x: Any, weight: Any, bias: Any) -> Any:
    return getattr(F, f"conv_transpose{case.ndim}d")(
        x, weight, bias, stride=case.stride, padding=case.padding,
        output_padding=case.output_padding, groups=case.groups, dilation=case.dilation)


@TORCH_FORWARD.register("linear")
def _linear_forward(case: LayerCase, x: Any, weight: Any, bias: Any) -> Any:
    return F.linear(x, weight, bias)


@TORCH_FORWARD.register("cross_entropy")
def _loss_forward(case: LayerCase, x: Any, weight: Any, bias: Any) -> Any:
    return F.cross_entropy(x, weight)


@TORCH_FORWARD.register("max_pool", "avg_pool", "lp_pool", "adaptive_avg_pool", "unfold",
                        "relu", "tanh")
def _module_forward(case: LayerCase, x: Any, weight: Any, bias: Any) -> Any:
    """Layers without parameters: the module itself."""
    return torch_module(case)(x)


def _tensor(value: Any) -> Any:
    if value is None or isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    return torch.from_numpy(array.astype(np.int64 if array.dtype.kind in "iu" else np.float64))
