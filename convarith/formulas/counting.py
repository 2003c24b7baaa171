"""Parameters, multiply-accumulates (MACs), FLOPs and activation memory.

Conventions, stated once:

* a MAC is one multiplication and one addition into an accumulator; bias additions are not
  MACs and are counted separately (``bias_adds``);
* FLOPs = 2 x MACs, plus the bias additions when ``include_bias=True``;
* a transposed convolution multiplies every *input* position by the whole kernel, so its MACs
  are ``input positions x C_in x C_out/groups x kernel volume``, not (as several peer tools
  count) the same product over the output positions.

>>> conv_params(3, 96, 11)
34944
>>> conv_macs((224, 224), 3, 96, 11, stride=4, padding=2)
105415200
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from convarith.choices import DTYPE_BYTES
from convarith.errors import ConvArithError
from convarith.formulas.normalise import broadcast, integer, ndim_of, per_dim
from convarith.formulas.output_size import conv_output_size, conv_transpose_output_size


def channels(in_channels: int | None, out_channels: int, groups: int,
             what: str) -> tuple[int | None, int, int]:
    """Channels and groups checked as PyTorch wants them: at least 1, both channel counts
    divisible by ``groups`` (``in_channels=None``: not known yet, as in a layer spec).

    >>> channels(None, 8, 3, "convolution")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error counting the parameters of a convolution: out_channels=8 is not divisible by groups=3, as PyTorch requires. Use a groups value that divides 8.
    """
    context = f"Error counting the parameters of a {what}"
    c_in = (None if in_channels is None
            else integer("in_channels", in_channels, minimum=1, context=context))
    c_out = integer("out_channels", out_channels, minimum=1, context=context)
    g = integer("groups", groups, minimum=1, context=context)
    counts = (("out_channels", c_out),) if c_in is None else (("in_channels", c_in),
                                                               ("out_channels", c_out))
    for name, c in counts:
        if c % g:
            divides = f"both {c_in} and {c_out}" if c_in is not None else str(c_out)
            raise ConvArithError(
                f"{context}: {name}={c} is not divisible by groups={g}, as PyTorch requires. "
                f"Use a groups value that divides {divides}."
            )
    return c_in, c_out, g


def _channels(in_channels: int, out_channels: int, groups: int, what: str) -> tuple[int, int, int]:
    c_in, c_out, g = channels(in_channels, out_channels, groups, what)
    assert c_in is not None
    return c_in, c_out, g


def _volume(kernel_size: Any, what: str, dims: int) -> int:
    """Kernel volume; an int kernel is a cube of ``dims`` dimensions (2: square, as Conv2d)."""
    n = ndim_of(kernel_size)
    k = per_dim("kernel_size", kernel_size, n or dims, minimum=1,
                context=f"Error counting the parameters of a {what}")
    return math.prod(k)


def conv_params(
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    *,
    groups: int = 1,
    bias: bool = True,
    dims: int = 2,
) -> int:
    """Weights and biases of ``nn.Conv{1,2,3}d``: ``C_out x C_in/groups x prod(k) (+ C_out)``.

    An int ``kernel_size`` is square (``dims=2``, as ``nn.Conv2d(3, 32, 3)``); give a tuple
    or ``dims`` for 1-D and 3-D kernels.

    >>> conv_params(3, 32, 3)
    896
    >>> conv_params(48, 128, (5, 5), groups=2)
    76928
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups, "convolution")
    return c_out * (c_in // g) * _volume(kernel_size, "convolution", dims) + (c_out if bias else 0)


def conv_transpose_params(
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    *,
    groups: int = 1,
    bias: bool = True,
    dims: int = 2,
) -> int:
    """Weights and biases of ``nn.ConvTranspose{1,2,3}d``: ``C_in x C_out/groups x prod(k) (+ C_out)``.

    >>> conv_transpose_params(16, 8, 4, groups=2)
    1032
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups, "transposed convolution")
    return c_in * (c_out // g) * _volume(kernel_size, "transposed convolution", dims) + (
        c_out if bias else 0
    )


def linear_params(in_features: int, out_features: int, *, bias: bool = True) -> int:
    """Weights and biases of ``nn.Linear``.

    >>> linear_params(9216, 4096)
    37752832
    """
    n_in, n_out = features(in_features, out_features)
    assert n_in is not None
    return n_in * n_out + (n_out if bias else 0)


def features(in_features: int | None, out_features: int) -> tuple[int | None, int]:
    """A linear layer's feature counts checked: at least 1 each (``in_features=None``: not
    known yet, as in a layer spec).

    >>> features(None, 0)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error counting the parameters of a linear layer: out_features=0 must be at least 1. Use out_features >= 1.
    """
    context = "Error counting the parameters of a linear layer"
    n_in = (None if in_features is None
            else integer("in_features", in_features, minimum=1, context=context))
    return n_in, integer("out_features", out_features, minimum=1, context=context)


def batch_norm_params(num_features: int, *, affine: bool = True) -> int:
    """Trainable parameters of ``nn.BatchNorm{1,2,3}d``: a scale and a shift per channel.

    The running mean and variance (and the batch counter) are buffers, not parameters:
    see :func:`batch_norm_buffers`.

    >>> batch_norm_params(64)
    128
    """
    c = integer("num_features", num_features, minimum=1,
                context="Error counting the parameters of a batch norm")
    return 2 * c if affine else 0


def batch_norm_buffers(num_features: int, *, track_running_stats: bool = True) -> int:
    """Non-trainable running statistics of a batch norm: mean and variance per channel, plus
    PyTorch's one-element ``num_batches_tracked`` counter.

    >>> batch_norm_buffers(64)
    129
    """
    c = integer("num_features", num_features, minimum=1,
                context="Error counting the buffers of a batch norm")
    return 2 * c + 1 if track_running_stats else 0


def depthwise_separable_params(
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    *,
    depth_multiplier: int = 1,
    bias: bool = True,
    dims: int = 2,
) -> int:
    """A depthwise convolution (groups = C_in) followed by a 1x1 pointwise convolution.

    >>> depthwise_separable_params(32, 64, 3)
    2432
    """
    mid = in_channels * depth_multiplier
    depthwise = conv_params(in_channels, mid, kernel_size, groups=in_channels, bias=bias,
                            dims=dims)
    pointwise = conv_params(mid, out_channels, 1, bias=bias, dims=ndim_of(kernel_size) or dims)
    return depthwise + pointwise


def conv_macs(
    input_size: Any,
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> int:
    """MACs of one convolution on one image: output positions x C_out x C_in/groups x prod(k).

    The number of dimensions is that of ``input_size`` (an int input is 1-D).

    >>> conv_macs((32, 32), 1, 6, 5)
    117600
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups, "convolution")
    out = conv_output_size(input_size, kernel_size, stride=stride, padding=padding,
                           dilation=dilation)
    positions = math.prod(out) if isinstance(out, tuple) else out
    dims = len(out) if isinstance(out, tuple) else 1
    return positions * c_out * (c_in // g) * _volume(kernel_size, "convolution", dims)


def conv_transpose_macs(
    input_size: Any,
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    *,
    groups: int = 1,
) -> int:
    """MACs of a transposed convolution: every input position scatters the whole kernel,
    ``input positions x C_in x C_out/groups x prod(k)`` (stride and padding change where the
    products land, not how many there are).

    >>> conv_transpose_macs((4, 4), 8, 4, 3)
    4608
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups, "transposed convolution")
    n = ndim_of(input_size, kernel_size)
    i = per_dim("input_size", input_size, n or 1, minimum=1,
                context="Error counting the MACs of a transposed convolution")
    k = per_dim("kernel_size", kernel_size, n or 1, minimum=1,
                context="Error counting the MACs of a transposed convolution")
    return math.prod(i) * c_in * (c_out // g) * math.prod(k)


def linear_macs(in_features: int, out_features: int) -> int:
    """MACs of ``nn.Linear`` on one input vector.

    >>> linear_macs(4096, 1000)
    4096000
    """
    return linear_params(in_features, out_features, bias=False)


def flops(macs: int, *, bias_adds: int = 0, include_bias: bool = False) -> int:
    """FLOPs under convarith's convention: 2 x MACs, plus bias additions if asked.

    >>> flops(4200, bias_adds=4704, include_bias=True)
    13104
    """
    return 2 * macs + (bias_adds if include_bias else 0)


def activation_bytes(shape: Any, *, dtype: str = "float32", batch: int = 1) -> int:
    """Bytes to hold one activation tensor of ``shape`` (channels and sizes) for a batch.

    >>> activation_bytes((96, 55, 55))
    1161600
    >>> activation_bytes((96, 55, 55), dtype="float16", batch=2)
    1161600
    """
    if dtype not in DTYPE_BYTES:
        raise ConvArithError(
            f"Error counting activation memory: dtype={dtype!r} is not known. "
            f"Use one of {', '.join(DTYPE_BYTES)}."
        )
    dims = shape if isinstance(shape, (tuple, list)) else (shape,)
    context = "Error counting activation memory"
    size = math.prod(integer("shape", x, minimum=0, context=context) for x in dims)
    return size * DTYPE_BYTES[dtype] * integer("batch", batch, minimum=1, context=context)


def matmul_macs(m: int, k: int, n: int, *, batch: int = 1) -> int:
    """MACs of ``batch`` products of an ``m x k`` and a ``k x n`` matrix (``torch.mm``,
    ``torch.bmm``; ``nn.Linear`` on ``m`` vectors is ``m x in`` times ``in x out``).

    >>> matmul_macs(1, 4096, 1000) == linear_macs(4096, 1000)
    True
    """
    return batch * m * k * n


@dataclass(frozen=True)
class LayerCount:
    """What ``convarith params`` reports about one layer: parameters split into weights and
    biases, and (given an input size) the output size, MACs and bias additions."""

    params: int
    weights: int
    biases: int
    output: tuple[int, ...] | None = None  # spatial output size (conv), None without input
    macs: int | None = None
    bias_adds: int = 0


def linear_count(in_features: int, out_features: int, *, bias: bool = True) -> LayerCount:
    """Parameters and MACs of ``nn.Linear``.

    >>> linear_count(9216, 4096)
    LayerCount(params=37752832, weights=37748736, biases=4096, output=None, macs=37748736, bias_adds=4096)
    """
    total = linear_params(in_features, out_features, bias=bias)
    weights = linear_params(in_features, out_features, bias=False)
    return LayerCount(total, weights, total - weights, None,
                      linear_macs(in_features, out_features), total - weights)


def conv_count(
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    *,
    transposed: bool = False,
    input_size: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    bias: bool = True,
) -> LayerCount:
    """Parameters of a (transposed) convolution and, given ``input_size``, its output size and
    MACs. An int ``input_size`` or kernel is square (2-D), as ``nn.Conv2d`` takes it.

    >>> conv_count(3, 96, 11, input_size=224, stride=4, padding=2).macs
    105415200
    """
    dims = len(input_size) if isinstance(input_size, (tuple, list)) else (
        len(kernel_size) if isinstance(kernel_size, (tuple, list)) else 2)
    count = conv_transpose_params if transposed else conv_params
    total = count(in_channels, out_channels, kernel_size, groups=groups, bias=bias, dims=dims)
    weights = count(in_channels, out_channels, kernel_size, groups=groups, bias=False, dims=dims)
    if input_size is None:
        return LayerCount(total, weights, total - weights)
    spatial = broadcast(input_size, dims)
    if transposed:
        out = conv_transpose_output_size(spatial, kernel_size, stride=stride, padding=padding,
                                         dilation=dilation)
        macs = conv_transpose_macs(spatial, in_channels, out_channels, kernel_size,
                                   groups=groups)
    else:
        out = conv_output_size(spatial, kernel_size, stride=stride, padding=padding,
                               dilation=dilation)
        macs = conv_macs(spatial, in_channels, out_channels, kernel_size, stride=stride,
                         padding=padding, dilation=dilation, groups=groups)
    bias_adds = math.prod(out) * out_channels if bias else 0
    return LayerCount(total, weights, total - weights, tuple(out), macs, bias_adds)
