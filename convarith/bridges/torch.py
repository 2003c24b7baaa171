"""Layer spec <-> ``torch.nn`` module: one table, read in both directions.

Each entry of :data:`TORCH` (keyed by kind name, filled by :func:`bridge`) pairs a spec class with the torch
module classes it stands for, a ``build(spec, input_shape)`` that makes the module and a
``read(module)`` that gives the spec back (None when the module is configured in a way the
spec cannot say, e.g. a convolution with ``padding_mode="reflect"``). ``Layer.to_torch`` and
the tracer both go through it, ``tests/test_kinds.py`` names any kind it misses, and a test
walks every kind both ways:
``read(build(spec)) == spec``.

>>> from convarith.specs import layers as L
>>> module = to_torch(L.Conv(8, 3, stride=2, padding=1), (3, 32, 32))
>>> type(module).__name__, module.stride
('Conv2d', (2, 2))
>>> spec_of(module)
Conv(name='', note='', out_channels=8, kernel_size=3, stride=2, padding=1, dilation=1, groups=1, bias=True, convention='torch')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from convarith import kinds
from convarith.errors import ConvArithError
from convarith.formulas.normalise import collapse
from convarith.specs import layers as L
from convarith.specs.layers import Shape


@dataclass(frozen=True)
class Bridge:
    """One layer kind as both sides see it."""

    spec: type[L.Layer]
    modules: Callable[[], tuple[type, ...]]  # the torch classes (imported lazily)
    build: Callable[[Any, Shape], Any]
    read: Callable[[Any], L.Layer | None]


#: Kind name -> its bridge; every spec class has one (``tests/test_kinds.py`` names any kind
#: it misses).
TORCH = kinds.table("torch", covers=lambda kind: not kind.functional_only,
                    doc="the spec <-> torch.nn module bridge")


def bridge(spec: type[L.Layer], modules: Callable[[], tuple[type, ...]]) -> Callable[..., Any]:
    """Register ``build`` (decorated) with ``read`` given as ``build.read``."""

    def register(build: Callable[[Any, Shape], Any]) -> Callable[[Any, Shape], Any]:
        read = getattr(build, "read", None)
        if read is None:
            raise TypeError(f"the bridge of {spec.kind} needs a read function")
        TORCH.add(spec.kind_name, Bridge(spec, modules, build, read))
        return build

    return register


def reads(read: Callable[[Any], L.Layer | None]) -> Callable[..., Any]:
    """Attach the module -> spec direction to a build function (applied first)."""

    def attach(build: Callable[[Any, Shape], Any]) -> Callable[[Any, Shape], Any]:
        build.read = read  # type: ignore[attr-defined]
        return build

    return attach


def to_torch(spec: L.Layer, input_shape: Shape) -> Any:
    """The torch module of ``spec`` at ``input_shape`` (channels first, no batch)."""
    entry = TORCH.get(spec.kind_name)
    if entry is None:
        raise ConvArithError(
            f"Error building the torch module of {spec.label}: kind {spec.kind!r} has no "
            "bridge. Register one in convarith.bridges.torch."
        )
    return entry.build(spec, tuple(input_shape))


def spec_of(module: Any) -> L.Layer | None:
    """The layer spec equivalent to a torch module, when convarith knows its kind exactly
    (None also for a module whose arguments a spec refuses, e.g. zero output channels, which
    torch builds).

    >>> import torch
    >>> spec_of(torch.nn.Conv2d(3, 0, 3)) is None
    True
    """
    for entry in TORCH.entries.values():
        if type(module) in entry.modules():
            try:
                return entry.read(module)
            except ConvArithError:
                return None
    return None


def _dims(spec: L.Layer, input_shape: Shape) -> int:
    dims = len(input_shape) - 1
    if not 1 <= dims <= 3:
        raise ConvArithError(
            f"Error building the torch module of {spec.label}: input {input_shape} has "
            f"{dims} spatial axes. Give C x L, C x H x W or C x D x H x W."
        )
    return dims


def _nn() -> Any:
    import torch.nn as nn

    return nn


def _ours() -> Any:
    from convarith.bridges import torch_modules

    return torch_modules


# --------------------------------------------------------------------------- convolutions


def _read_conv(m: Any) -> L.Layer | None:
    if m.padding_mode != "zeros":
        return None  # the pad is its own operator; the spec has zero padding only
    return L.Conv(m.out_channels, collapse(m.kernel_size), stride=collapse(m.stride),
                  padding=m.padding if isinstance(m.padding, str) else collapse(m.padding),
                  dilation=collapse(m.dilation), groups=m.groups, bias=m.bias is not None)


def _read_padded_conv(m: Any) -> L.Layer | None:
    inner = _read_conv(m.conv)
    if inner is None:
        return None
    flat = m.pad  # F.pad order: last axis first
    pairs = tuple((flat[i], flat[i + 1]) for i in range(len(flat) - 2, -1, -2))
    return L.Conv(inner.out_channels, inner.kernel_size, stride=inner.stride,
                  padding=pairs, dilation=inner.dilation, groups=inner.groups,
                  bias=inner.bias)


@bridge(L.Conv, lambda: (*_conv_classes(), _ours().PaddedConv))
@reads(lambda m: _read_padded_conv(m) if type(m).__name__ == "PaddedConv" else _read_conv(m))
def _build_conv(spec: L.Conv, shape: Shape) -> Any:
    dims = _dims(spec, shape)
    if spec.convention == "torch" and _torch_takes(spec.padding):
        padding = spec.padding  # as torch takes it: torch, not convarith, judges the values
    else:  # pairs, "full", or Keras' "same" (which pads by the input size)
        pairs = spec.window(shape).padding
        if not all(a == b for a, b in pairs):
            return _ours().PaddedConv(_conv(spec, shape, dims, 0), pairs)
        padding = collapse(tuple(a for a, _ in pairs))
    return _conv(spec, shape, dims, padding)


def _conv(spec: L.Conv, shape: Shape, dims: int, padding: Any) -> Any:
    return _conv_classes()[dims - 1](shape[0], spec.out_channels, spec.kernel_size,
                                     stride=spec.stride, padding=padding,
                                     dilation=spec.dilation, groups=spec.groups,
                                     bias=spec.bias)


def _torch_takes(padding: Any) -> bool:
    """Whether ``nn.Conv*d`` takes this padding as it is: an int, one per axis, or a mode."""
    if isinstance(padding, str):
        return padding in ("same", "valid")
    return not isinstance(padding, (tuple, list)) or not any(
        isinstance(p, (tuple, list)) for p in padding)


def _conv_classes() -> tuple[type, ...]:
    nn = _nn()
    return (nn.Conv1d, nn.Conv2d, nn.Conv3d)


@bridge(L.ConvTranspose,
        lambda: (_nn().ConvTranspose1d, _nn().ConvTranspose2d, _nn().ConvTranspose3d))
@reads(lambda m: L.ConvTranspose(m.out_channels, collapse(m.kernel_size), stride=collapse(m.stride),
                                 padding=collapse(m.padding), output_padding=collapse(m.output_padding),
                                 dilation=collapse(m.dilation), groups=m.groups,
                                 bias=m.bias is not None))
def _build_transposed(spec: L.ConvTranspose, shape: Shape) -> Any:
    nn = _nn()
    dims = _dims(spec, shape)
    if spec.convention == "keras":
        from convarith.bridges.keras import torch_module
        from convarith.formulas.solve import torch_equivalent

        return torch_module(torch_equivalent(
            "conv_transpose", tuple(shape[1:]), spec.kernel_size, stride=spec.stride,
            padding=spec.padding, dilation=spec.dilation,
            output_padding=spec.output_padding), shape[0], spec.out_channels, bias=spec.bias)
    cls = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[dims - 1]
    return cls(shape[0], spec.out_channels, spec.kernel_size, stride=spec.stride,
               padding=spec.padding, output_padding=spec.output_padding,
               dilation=spec.dilation, groups=spec.groups, bias=spec.bias)


# --------------------------------------------------------------------------- pooling


def _keras_pool(spec: L.MaxPool | L.AvgPool, shape: Shape) -> Any:
    """The torch layers that pool as a Keras-convention pooling spec does at ``shape``."""
    from convarith.bridges.keras import torch_module
    from convarith.formulas.solve import torch_equivalent

    return torch_module(torch_equivalent(
        f"{spec.pool_kind}_pool", tuple(shape[1:]), spec.kernel_size,
        stride=spec.actual_stride(), padding=spec.padding))


def _pool_stride(m: Any) -> Any:
    """None when the stride is the kernel, as the specs (and torch's default) write it."""
    return None if collapse(m.stride) == collapse(m.kernel_size) else collapse(m.stride)


@bridge(L.MaxPool, lambda: (_nn().MaxPool1d, _nn().MaxPool2d, _nn().MaxPool3d))
@reads(lambda m: L.MaxPool(collapse(m.kernel_size), stride=_pool_stride(m), padding=collapse(m.padding),
                           dilation=collapse(m.dilation), ceil_mode=m.ceil_mode))
def _build_max_pool(spec: L.MaxPool, shape: Shape) -> Any:
    if spec.convention == "keras":
        return _keras_pool(spec, shape)
    nn = _nn()
    cls = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[_dims(spec, shape) - 1]
    return cls(spec.kernel_size, stride=spec.actual_stride(), padding=spec.padding,
               dilation=spec.dilation, ceil_mode=spec.ceil_mode)


def _read_avg_pool(m: Any) -> L.Layer | None:
    if getattr(m, "divisor_override", None) is not None:
        return None
    return L.AvgPool(collapse(m.kernel_size), stride=_pool_stride(m), padding=collapse(m.padding),
                     ceil_mode=m.ceil_mode, count_include_pad=m.count_include_pad)


@bridge(L.AvgPool, lambda: (_nn().AvgPool1d, _nn().AvgPool2d, _nn().AvgPool3d))
@reads(_read_avg_pool)
def _build_avg_pool(spec: L.AvgPool, shape: Shape) -> Any:
    if spec.convention == "keras":
        return _keras_pool(spec, shape)
    nn = _nn()
    cls = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[_dims(spec, shape) - 1]
    return cls(spec.kernel_size, stride=spec.actual_stride(), padding=spec.padding,
               ceil_mode=spec.ceil_mode, count_include_pad=spec.count_include_pad)


@bridge(L.LPPool, lambda: (_nn().LPPool1d, _nn().LPPool2d, _nn().LPPool3d))
@reads(lambda m: L.LPPool(m.norm_type, collapse(m.kernel_size), stride=_pool_stride(m),
                          ceil_mode=m.ceil_mode))
def _build_lp_pool(spec: L.LPPool, shape: Shape) -> Any:
    nn = _nn()
    dims = _dims(spec, shape)
    cls = (nn.LPPool1d, nn.LPPool2d, nn.LPPool3d)[dims - 1]
    kernel, stride = spec.kernel_size, spec.actual_stride()
    if dims == 1:  # torch 2.13's lp_pool1d multiplies by kernel_size: it wants an int
        kernel, stride = (v[0] if isinstance(v, (tuple, list)) else v for v in (kernel, stride))
    return cls(spec.norm_type, kernel, stride=stride, ceil_mode=spec.ceil_mode)


def _read_adaptive(m: Any) -> L.Layer | None:
    size = m.output_size
    if size is None or (isinstance(size, (tuple, list)) and None in size):
        return None
    return L.AdaptiveAvgPool(collapse(size))


@bridge(L.AdaptiveAvgPool,
        lambda: (_nn().AdaptiveAvgPool1d, _nn().AdaptiveAvgPool2d, _nn().AdaptiveAvgPool3d))
@reads(_read_adaptive)
def _build_adaptive(spec: L.AdaptiveAvgPool, shape: Shape) -> Any:
    nn = _nn()
    cls = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)
    return cls[_dims(spec, shape) - 1](spec.output_size)


@bridge(L.GlobalAvgPool, lambda: (_ours().GlobalAvgPool,))
@reads(lambda m: L.GlobalAvgPool())
def _build_global(spec: L.GlobalAvgPool, shape: Shape) -> Any:
    return _ours().GlobalAvgPool()


# --------------------------------------------------------------------------- dense part


@bridge(L.Flatten, lambda: (_nn().Flatten,))
@reads(lambda m: L.Flatten() if (m.start_dim, m.end_dim) == (1, -1) else None)
def _build_flatten(spec: L.Flatten, shape: Shape) -> Any:
    return _nn().Flatten()


@bridge(L.Linear, lambda: (_nn().Linear,))
@reads(lambda m: L.Linear(m.out_features, bias=m.bias is not None))
def _build_linear(spec: L.Linear, shape: Shape) -> Any:
    return _nn().Linear(shape[-1], spec.out_features, bias=spec.bias)


# --------------------------------------------------------------------------- element-wise


@bridge(L.ReLU, lambda: (_nn().ReLU,))
@reads(lambda m: L.ReLU())
def _build_relu(spec: L.ReLU, shape: Shape) -> Any:
    return _nn().ReLU()


@bridge(L.Tanh, lambda: (_nn().Tanh,))
@reads(lambda m: L.Tanh())
def _build_tanh(spec: L.Tanh, shape: Shape) -> Any:
    return _nn().Tanh()


@bridge(L.Sigmoid, lambda: (_nn().Sigmoid,))
@reads(lambda m: L.Sigmoid())
def _build_sigmoid(spec: L.Sigmoid, shape: Shape) -> Any:
    return _nn().Sigmoid()


def _read_scaled_tanh(m: Any) -> L.Layer | None:
    same = (m.A, m.S) == (L.SCALED_TANH_A, L.SCALED_TANH_S)
    return L.ScaledTanh() if same else None


@bridge(L.ScaledTanh, lambda: (_ours().ScaledTanh,))
@reads(_read_scaled_tanh)
def _build_scaled_tanh(spec: L.ScaledTanh, shape: Shape) -> Any:
    return _ours().ScaledTanh(L.SCALED_TANH_A, L.SCALED_TANH_S)


@bridge(L.Dropout, lambda: (_nn().Dropout,))
@reads(lambda m: L.Dropout(m.p))
def _build_dropout(spec: L.Dropout, shape: Shape) -> Any:
    return _nn().Dropout(spec.p)


@bridge(L.SpatialDropout, lambda: (_nn().Dropout1d, _nn().Dropout2d, _nn().Dropout3d))
@reads(lambda m: L.SpatialDropout(m.p))
def _build_spatial_dropout(spec: L.SpatialDropout, shape: Shape) -> Any:
    nn = _nn()
    return (nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)[_dims(spec, shape) - 1](spec.p)


def _read_batch_norm(m: Any) -> L.Layer | None:
    if not m.track_running_stats or m.momentum is None:
        return None
    return L.BatchNorm(eps=m.eps, momentum=m.momentum, affine=m.affine)


@bridge(L.BatchNorm, lambda: (_nn().BatchNorm1d, _nn().BatchNorm2d, _nn().BatchNorm3d))
@reads(_read_batch_norm)
def _build_batch_norm(spec: L.BatchNorm, shape: Shape) -> Any:
    nn = _nn()
    cls = (nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[len(shape) - 1]
    return cls(shape[0], eps=spec.eps, momentum=spec.momentum, affine=spec.affine)


# PyTorch divides its alpha by size; the spec keeps the paper's alpha
@bridge(L.LocalResponseNorm, lambda: (_nn().LocalResponseNorm,))
@reads(lambda m: L.LocalResponseNorm(m.size, m.alpha / m.size, m.beta, m.k))
def _build_lrn(spec: L.LocalResponseNorm, shape: Shape) -> Any:
    return _nn().LocalResponseNorm(spec.size, alpha=spec.alpha * spec.size, beta=spec.beta,
                                   k=spec.k)


# --------------------------------------------------------------------------- LeNet-5


@bridge(L.PartialConv, lambda: (_ours().PartialConv2d,))
@reads(lambda m: L.PartialConv(m.table, m.kernel_size, stride=m.stride, padding=m.padding))
def _build_partial(spec: L.PartialConv, shape: Shape) -> Any:
    spec.links(shape)  # the table checked against the input's channels
    return _ours().PartialConv2d(shape[0], spec.table, spec.kernel_size, stride=spec.stride,
                                 padding=spec.padding)


@bridge(L.Subsampling, lambda: (_ours().Subsampling2d,))
@reads(lambda m: L.Subsampling(m.kernel_size))
def _build_subsampling(spec: L.Subsampling, shape: Shape) -> Any:
    return _ours().Subsampling2d(shape[0], spec.kernel_size)


@bridge(L.RBFOutput, lambda: (_ours().RBFOutput,))
@reads(lambda m: L.RBFOutput(m.prototypes.shape[0]))
def _build_rbf(spec: L.RBFOutput, shape: Shape) -> Any:
    spec.output_shape(shape)
    return _ours().RBFOutput(shape[0], spec.units)


def same_spec(a: L.Layer, b: L.Layer) -> bool:
    """Whether two specs describe the same layer (names and notes aside)."""
    skip = {"name", "note"}
    return type(a) is type(b) and all(getattr(a, f.name) == getattr(b, f.name)
                                      for f in fields(a) if f.name not in skip)
