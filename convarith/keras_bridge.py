"""Keras <-> convarith and PyTorch: a ``keras.Model`` as table records, and the torch layer
that computes what a Keras layer computes.

Keras is optional (``pip install "convarith[keras]"``; it runs on PyTorch with
``KERAS_BACKEND=torch``). Nothing here imports keras or torch at import time: a Keras model
is read through its layers' own ``get_config()`` and shapes, and its conv and pooling layers
become convarith specs with ``convention="keras"``, so every number of a Keras table comes
from the formula core (and the tests compare them with Keras' own shapes).

Keras is channels-last: a Keras shape ``(H, W, C)`` is ``(C, H, W)`` here.
"""

from __future__ import annotations

import functools
from typing import Any

from convarith.errors import ConvArithError
from convarith.solve import TorchEquivalent

# --------------------------------------------------------------------------- torch side


def torch_module(eq: TorchEquivalent, in_channels: int = 1, out_channels: int = 1, *,
                 bias: bool = True) -> Any:
    """The ``torch.nn`` module that :func:`convarith.solve.torch_equivalent` describes.

    >>> from convarith.solve import torch_equivalent
    >>> torch_module(torch_equivalent("conv", (8, 8), 3, stride=2, padding="same"), 3, 4)
    Sequential(
      (0): ZeroPad2d((0, 1, 0, 1))
      (1): Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2))
    )
    """
    import torch.nn as nn

    n = eq.dims
    if eq.layer == "conv":
        layer = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[n - 1](
            in_channels, out_channels, eq.kernel_size, stride=eq.stride, padding=eq.padding,
            dilation=eq.dilation, bias=bias)
        if eq.pad is None:
            return layer
        return nn.Sequential((nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d)[n - 1](eq.f_pad()),
                             layer)
    if eq.layer == "transposed":
        layer = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[n - 1](
            in_channels, out_channels, eq.kernel_size, stride=eq.stride, padding=eq.padding,
            output_padding=eq.output_padding, dilation=eq.dilation, bias=bias)
        if eq.pad is None:
            return layer
        return nn.Sequential(layer, _Pad(tuple(-x for x in eq.f_pad())))
    if eq.layer == "max-pool":
        layer = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[n - 1](
            eq.kernel_size, stride=eq.stride, padding=eq.padding)
        if eq.pad is None:
            return layer
        return nn.Sequential(_Pad(eq.f_pad(), float("-inf")), layer)
    if eq.pad is None:
        return (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[n - 1](
            eq.kernel_size, stride=eq.stride, padding=eq.padding, count_include_pad=False)
    return _InsideAverage(eq)


@functools.cache
def _pad_class() -> Any:
    """The module classes, made on first use: importing this file never imports torch."""
    import torch.nn as nn
    import torch.nn.functional as F

    class Pad(nn.Module):
        """``F.pad`` with fixed amounts (negative amounts cut)."""

        def __init__(self, amounts: tuple[int, ...], value: float = 0.0) -> None:
            super().__init__()
            self.amounts, self.value = amounts, value

        def forward(self, x: Any) -> Any:
            return F.pad(x, self.amounts, value=self.value)

        def extra_repr(self) -> str:
            return f"{self.amounts}" + (f", value={self.value}" if self.value else "")

    class InsideAverage(nn.Module):
        """Average pooling after unequal padding that divides each window by the cells
        inside the input (Keras' and TensorFlow's "same"): the mean of the zero-padded input
        over the mean of the zero-padded ones."""

        def __init__(self, eq: TorchEquivalent) -> None:
            super().__init__()
            self.eq = eq
            self.pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[eq.dims - 1]

        def forward(self, x: Any) -> Any:
            import torch

            pads = self.eq.f_pad()
            ones = torch.ones_like(x[:1, :1])
            total = self.pool(F.pad(x, pads), self.eq.kernel_size, self.eq.stride)
            inside = self.pool(F.pad(ones, pads), self.eq.kernel_size, self.eq.stride)
            return total / inside

    return Pad, InsideAverage


def _Pad(amounts: tuple[int, ...], value: float = 0.0) -> Any:  # noqa: N802 (a class maker)
    return _pad_class()[0](amounts, value)


def _InsideAverage(eq: TorchEquivalent) -> Any:  # noqa: N802
    return _pad_class()[1](eq)


def copy_keras_weights(keras_layer: Any, module: Any) -> None:
    """Give a torch conv (or transposed conv) module the weights of a Keras one.

    Keras keeps a kernel as ``(*k, C_in, C_out)`` (transposed: ``(*k, C_out, C_in)``);
    torch as ``(C_out, C_in, *k)`` (transposed: ``(C_in, C_out, *k)``).
    """
    import torch

    weights = [torch.as_tensor(_numpy(w)) for w in keras_layer.get_weights()]
    target = module if hasattr(module, "weight") else next(
        m for m in module.modules() if hasattr(m, "weight") and m.weight is not None)
    kernel = weights[0]
    n = kernel.ndim - 2
    with torch.no_grad():
        target.weight.copy_(kernel.permute(n + 1, n, *range(n)))
        if len(weights) > 1 and target.bias is not None:
            target.bias.copy_(weights[1])


def _numpy(value: Any) -> Any:
    import numpy as np

    return np.asarray(value)

