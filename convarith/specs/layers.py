"""Layer specs: frozen descriptions of layers that know their own arithmetic.

A spec holds what a layer *is* (kernel, stride, channels out, ...); the input shape is given
when asked, so the same spec works at 224x224 and at 227x227, and in-channels are never
written twice. Shapes are ``(C, *spatial)`` without the batch (``(3, 224, 224)``), or
``(features,)`` after a flatten. Every number comes from the formula core
(:mod:`convarith.output_size`, :mod:`convarith.counting`, :mod:`convarith.receptive`).

Each spec answers, for an input shape:

* ``output_shape`` -- the shape it produces (errors name the layer and the values);
* ``params`` -- trainable parameters; ``buffers`` -- non-trainable state (running statistics,
  fixed prototypes);
* ``connections`` -- links into output units, a bias counting as one link (LeCun et al. 1998
  count them this way; they differ from ``params`` where weights are shared); pooling windows
  count their inputs; element-wise layers count 0;
* ``macs`` -- multiply-accumulates of one image (convention of :mod:`convarith.counting`:
  weighted layers only; pooling, activations and norms count 0);
* ``activation_bytes`` -- memory of the output tensor;
* ``rf_layers`` -- the steps it adds to the receptive-field recurrence, one per axis (None:
  none);
* ``to_torch`` -- the ``torch.nn.Module`` (torch is imported only there).

>>> conv = Conv(96, 11, stride=4, padding=2)
>>> conv.output_shape((3, 224, 224))
(96, 55, 55)
>>> conv.params((3, 224, 224)), conv.macs((3, 224, 224))
(34944, 105415200)
>>> Subsampling().connections((6, 28, 28))
5880
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from convarith import kinds
from convarith.errors import ConvArithError
from convarith.formulas import counting
from convarith.formulas.normalise import (
    Geometry,
    broadcast,
    collapse,
    collapse_padding,
    conv_arguments,
    integer,
    ndim_of,
    padding_pairs,
    per_dim,
    pool_arguments,
)
from convarith.formulas.notation import show_size
from convarith.formulas.output_size import (
    adaptive_output_size,
    adaptive_pool_bins,
    adaptive_window,
    conv_output_size,
    conv_transpose_output_size,
    conv_transpose_window,
    lost_input,
    pool_output_size,
    pool_window,
)
from convarith.formulas.receptive import RFLayer

#: A shape without the batch: ``(C, H, W)``, ``(C, L)``, ``(C, D, H, W)`` or ``(features,)``.
Shape = tuple[Any, ...]

# LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document recognition",
# Proc. IEEE 1998, appendix A: f(a) = A tanh(S a) with A = 1.7159 and S = 2/3.
SCALED_TANH_A = 1.7159
SCALED_TANH_S = 2 / 3

#: The spec class of every layer kind a network can hold (:mod:`convarith.kinds`).
SPECS = kinds.table("spec", covers=lambda kind: not kind.functional_only,
                    doc="the frozen spec class")


def _spec(name: str) -> Callable[[type[Any]], type[Any]]:
    """Register a spec class as the kind ``name``, which also gives it its kind name and the
    title tables and errors show (:attr:`convarith.kinds.Kind.title`)."""
    def register(cls: type[Any]) -> type[Any]:
        cls.kind_name = name
        cls.kind = kinds.get(name).title
        return SPECS.register(name)(cls)

    return register


def _spatial(shape: Shape, what: str, *, spec: Any) -> tuple[Any, ...]:
    """The spatial sizes of a ``(C, *spatial)`` shape, checked to have 1 to 3 of them, and as
    many as the spec's arguments were given for (``Conv(8, (3, 3))`` is a 2-D layer, though
    it keeps the one spelling ``kernel_size=3``)."""
    name = spec.name
    if not 2 <= len(shape) <= 4:
        raise ConvArithError(
            f"Error applying {what}{_called(name)}: the input shape {show_size(shape)} is not "
            f"(C, L), (C, H, W) or (C, D, H, W). Put this layer before the flatten, or give "
            f"an input with channels and sizes, such as 3x224x224."
        )
    axes = spec.__dict__.get("_given_axes")
    if axes is not None and axes != len(shape) - 1:
        raise ConvArithError(
            f"Error applying {what}{_called(name)}: its arguments are given for {axes} spatial "
            f"axes, but the input shape {show_size(shape)} has {len(shape) - 1}. Give one value "
            f"per axis of the input, or a single number for every axis."
        )
    return tuple(shape[1:])


def _called(name: str) -> str:
    return f" {name}" if name else ""



#: The arguments given per spatial axis: a tuple of them fixes the spec's number of axes.
_PER_AXIS = ("kernel_size", "stride", "padding", "dilation", "output_padding", "output_size")


def _store(spec: Any, **values: Any) -> None:
    """Keep the canonical spelling of a frozen spec's arguments (from its ``__post_init__``),
    and, apart from the compared fields, how many spatial axes the given tuples named."""
    given = [getattr(spec, name) for name in values if name in _PER_AXIS and hasattr(spec, name)]
    axes = ndim_of(*(v for v in given if not isinstance(v, str)))
    if axes is not None:
        object.__setattr__(spec, "_given_axes", axes)
    for name, value in values.items():
        object.__setattr__(spec, name, value)


def _size_arg(value: Any) -> Any:
    """A spatial size tuple as the formula core takes it (1-D: a one-tuple stays a tuple)."""
    return tuple(value)


def _prod(values: Any) -> Any:
    return math.prod(values)


@dataclass(frozen=True)
class Window:
    """Where a sliding-window layer reads, per spatial axis, at one input: numbers, not text
    (the architecture figure labels its arrows from it; :func:`convarith.tables.records.geometry`
    writes it as the table's text).

    ``padding`` is ``(before, after)`` per axis, as torch would apply it (Keras' convention:
    where Keras pads this input).

    >>> Conv(96, 11, stride=4, padding=2).window((3, 224, 224))
    Window(kernel=(11, 11), stride=(4, 4), padding=((2, 2), (2, 2)), dilation=(1, 1), groups=1)
    """

    kernel: tuple[Any, ...]
    stride: tuple[Any, ...]
    padding: tuple[tuple[Any, Any], ...]
    dilation: tuple[Any, ...]
    groups: int = 1

    @classmethod
    def of(cls, a: Geometry, groups: int = 1) -> Window:
        """The window of the formula layer's geometry ``a`` (the one per-axis form)."""
        return cls(tuple(a.k), tuple(a.s), tuple(a.p), tuple(a.d), groups)


def _rf_steps(kind: str, window: Window, name: str) -> tuple[RFLayer, ...]:
    """A window's steps of the receptive-field recurrence, one per axis (left padding)."""
    return tuple(RFLayer(kind, k, s, p[0], d, name=name)
                 for k, s, p, d in zip(window.kernel, window.stride, window.padding,
                                       window.dilation))


@dataclass(frozen=True)
class Layer:
    """What every spec answers (see the module doc). Subclasses override what differs."""

    name: str = field(default="", kw_only=True)
    note: str = field(default="", kw_only=True)

    #: The kind's name (:mod:`convarith.kinds`: "conv", "max_pool", ...), set on registration.
    kind_name: ClassVar[str] = ""
    #: How tables and errors call the kind ("conv", "max-pool", ...): its title in
    #: :mod:`convarith.kinds`, set on registration (the specs write none themselves).
    kind: ClassVar[str] = "layer"
    #: How the layer acts on the receptive field: through a window ("window"), one position
    #: at a time ("pointwise": the field is unchanged), or over everything ("global": the
    #: field is the whole input, r and j stop meaning anything).
    rf_effect: ClassVar[str] = "pointwise"

    @property
    def label(self) -> str:
        """The layer's name, or its kind when it has none."""
        return self.name or self.kind

    @classmethod
    def unchecked(cls, **arguments: Any) -> Any:
        """The spec with its arguments as given, skipping the checks of ``__post_init__``.

        For ``convarith verify`` only, which hands torch configurations torch may reject to
        see that convarith rejects the same ones; :meth:`checked` runs the checks later.

        >>> MaxPool.unchecked(kernel_size=0).kernel_size
        0
        >>> MaxPool.unchecked(kernel_size=0).checked()
        Traceback (most recent call last):
        ...
        convarith.errors.ConvArithError: Error computing the output size of a pooling: kernel_size=0 must be at least 1. Use kernel_size >= 1.
        """
        values = {}
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            if f.name in arguments:
                values[f.name] = arguments.pop(f.name)
            elif f.default is not dataclasses.MISSING:
                values[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                values[f.name] = f.default_factory()
            else:
                raise TypeError(f"{cls.__name__}.unchecked() needs {f.name}")
        if arguments:
            raise TypeError(f"{cls.__name__} has no {', '.join(arguments)}")
        spec = object.__new__(cls)
        _store(spec, **values)
        return spec

    def checked(self) -> Any:
        """The spec built again through its checks (raises where they fail)."""
        return dataclasses.replace(self)

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def params(self, input_shape: Shape) -> Any:
        return 0

    def buffers(self, input_shape: Shape) -> Any:
        return 0

    def parameter_shapes(self, input_shape: Shape) -> dict[str, tuple[Any, ...]]:
        """The shape of each trainable tensor, by torch's name for it (``weight``, ``bias``),
        in the layout of torch and of the papers; the values are taken as given."""
        return {}

    def connections(self, input_shape: Shape) -> Any:
        return 0

    def macs(self, input_shape: Shape) -> Any:
        return 0

    def activation_bytes(
        self, input_shape: Shape, *, dtype: str = "float32", batch: int = 1
    ) -> Any:
        """Bytes of this layer's output for ``batch`` images."""
        return counting.activation_bytes(self.output_shape(input_shape), dtype=dtype,
                                         batch=batch)

    def rf_layers(self, input_shape: Shape) -> tuple[RFLayer, ...] | None:
        """One :class:`RFLayer` per spatial axis for a window layer; None otherwise."""
        return None

    def lost(self, input_shape: Shape) -> tuple[Any, ...] | None:
        """Input rows/columns (per axis) that no window reaches; None for non-window layers."""
        return None

    def window(self, input_shape: Shape) -> Window | None:
        """Kernel, stride, padding, dilation and groups per axis (a :class:`Window`) of a
        layer that slides a kernel; None for the others."""
        return None

    def to_torch(self, input_shape: Shape) -> Any:
        """The ``torch.nn`` module of this spec: a thin delegate to the one spec <-> module
        table, :func:`convarith.bridges.torch.to_torch` (lent to the specs through
        :func:`convarith.kinds.lent`: the bridges sit above the specs, which import nothing
        from them)."""
        return kinds.lent("to_torch")(self, input_shape)


# --------------------------------------------------------------------------- convolutions


@_spec("conv")
@dataclass(frozen=True)
class Conv(Layer):
    """``nn.Conv1d/2d/3d``; the dimension comes from the input shape.

    ``padding`` takes every form of the formula core: an int, one per axis, ``(left, right)``
    pairs per axis, or "valid", "same", "full".

    >>> Conv(32, 3).output_shape((3, 100, 100))
    (32, 98, 98)
    >>> Conv(32, 3).params((3, 100, 100))
    896
    >>> Conv(8, 3, padding="same").output_shape((4, 16))
    (8, 16)

    ``convention="keras"``: Keras' ``Conv1D/2D/3D``, padding "valid" or "same" (at any
    stride; where it pads depends on the input size):

    >>> Conv(8, 3, stride=2, padding="same", convention="keras").output_shape((3, 8, 8))
    (8, 4, 4)
    """

    out_channels: int
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    bias: bool = True
    convention: str = field(default="torch", kw_only=True)

    rf_effect: ClassVar[str] = "window"

    def __post_init__(self) -> None:
        # every rule that needs no input, by the formula layer's normaliser and counts
        a = conv_arguments(None, self.kernel_size, self.stride, self.padding, self.dilation,
                           convention=self.convention)
        _, c_out, g = counting.channels(None, self.out_channels, self.groups, "convolution")
        padding = a.mode or (self.padding if isinstance(self.padding, str)
                             else collapse_padding(a.p))
        _store(self, out_channels=c_out, kernel_size=collapse(a.k), stride=collapse(a.s),
               padding=padding, dilation=collapse(a.d), groups=g)

    def output_shape(self, input_shape: Shape) -> Shape:
        spatial = _spatial(input_shape, "a convolution", spec=self)
        self.params(input_shape)  # checks channels against groups
        out = conv_output_size(_size_arg(spatial), self.kernel_size, stride=self.stride,
                               padding=self.padding, dilation=self.dilation,
                               convention=self.convention)
        return (self.out_channels, *out)

    def _padding_at(self, spatial: tuple[Any, ...]) -> Any:
        """The padding as PyTorch's pairs would give it (Keras': where Keras pads)."""
        if self.convention == "torch":
            return self.padding
        return conv_arguments(_size_arg(spatial), self.kernel_size, self.stride, self.padding,
                              self.dilation, convention=self.convention).p

    def params(self, input_shape: Shape) -> Any:
        dims = len(_spatial(input_shape, "a convolution", spec=self))
        return counting.conv_params(input_shape[0], self.out_channels, self._kernel(dims),
                                    groups=self.groups, bias=self.bias, dims=dims)

    def parameter_shapes(self, input_shape: Shape) -> dict[str, tuple[Any, ...]]:
        """``weight`` ``(C_out, C_in / groups, *k)`` and ``bias`` ``(C_out,)``.

        >>> Conv(8, 3, groups=2).parameter_shapes((4, 9, 9))
        {'weight': (8, 2, 3, 3), 'bias': (8,)}
        """
        k = broadcast(self.kernel_size, len(input_shape) - 1)
        shapes = {"weight": (self.out_channels, input_shape[0] // self.groups, *k)}
        return {**shapes, "bias": (self.out_channels,)} if self.bias else shapes

    def macs(self, input_shape: Shape) -> Any:
        spatial = _spatial(input_shape, "a convolution", spec=self)
        return counting.conv_macs(_size_arg(spatial), input_shape[0], self.out_channels,
                                  self._kernel(len(spatial)), stride=self.stride,
                                  padding=self._padding_at(spatial), dilation=self.dilation,
                                  groups=self.groups)

    def connections(self, input_shape: Shape) -> Any:
        # every product, plus one bias link per output unit
        out = self.output_shape(input_shape)
        return self.macs(input_shape) + (_prod(out) if self.bias else 0)

    def _kernel(self, dims: int) -> tuple[Any, ...]:
        return per_dim("kernel_size", self.kernel_size, dims, minimum=1,
                       context=f"Error reading the convolution{_called(self.name)}")

    def _pairs(self, dims: int, spatial: tuple[Any, ...] = ()) -> tuple[tuple[Any, Any], ...]:
        if self.convention != "torch":
            return self._padding_at(spatial)
        context = f"Error reading the convolution{_called(self.name)}"
        k = self._kernel(dims)
        s = per_dim("stride", self.stride, dims, minimum=1, context=context)
        d = per_dim("dilation", self.dilation, dims, minimum=1, context=context)
        return padding_pairs(self.padding, dims, kernel_size=k, stride=s, dilation=d,
                             context=context)

    def rf_layers(self, input_shape: Shape) -> tuple[RFLayer, ...]:
        return _rf_steps("conv", self.window(input_shape), self.label)

    def window(self, input_shape: Shape) -> Window:
        spatial = _spatial(input_shape, "a convolution", spec=self)
        return Window.of(conv_arguments(_size_arg(spatial), self.kernel_size, self.stride,
                                        self.padding, self.dilation,
                                        convention=self.convention), self.groups)

    def lost(self, input_shape: Shape) -> tuple[Any, ...]:
        spatial = _spatial(input_shape, "a convolution", spec=self)
        return tuple(lost_input(_size_arg(spatial), self.kernel_size, stride=self.stride,
                                padding=self._pairs(len(spatial), spatial),
                                dilation=self.dilation))


@_spec("conv_transpose")
@dataclass(frozen=True)
class ConvTranspose(Layer):
    """``nn.ConvTranspose1d/2d/3d``.

    >>> ConvTranspose(8, 4, stride=2, padding=1).output_shape((16, 8, 8))
    (8, 16, 16)

    ``convention="keras"``: Keras' ``Conv2DTranspose`` (padding "valid" or "same";
    ``output_padding=None`` is Keras' default, which is not 0):

    >>> ConvTranspose(8, 3, stride=2, padding="same", output_padding=None,
    ...               convention="keras").output_shape((16, 4, 4))
    (8, 8, 8)
    """

    out_channels: int
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0
    output_padding: Any = 0
    dilation: Any = 1
    groups: int = 1
    bias: bool = True
    convention: str = field(default="torch", kw_only=True)

    rf_effect: ClassVar[str] = "global"  # the Distill recurrences do not cover upsampling

    def __post_init__(self) -> None:
        a, op = conv_transpose_window(self.kernel_size, self.stride, self.padding,
                                      self.output_padding, self.dilation,
                                      convention=self.convention)
        _, c_out, g = counting.channels(None, self.out_channels, self.groups,
                                        "transposed convolution")
        _store(self, out_channels=c_out, kernel_size=collapse(a.k), stride=collapse(a.s),
               padding=a.mode or collapse(tuple(left for left, _ in a.p)),
               output_padding=None if op[0] is None else collapse(op),
               dilation=collapse(a.d), groups=g)

    def output_shape(self, input_shape: Shape) -> Shape:
        spatial = _spatial(input_shape, "a transposed convolution", spec=self)
        self.params(input_shape)
        out = conv_transpose_output_size(
            _size_arg(spatial), self.kernel_size, stride=self.stride, padding=self.padding,
            output_padding=self.output_padding, dilation=self.dilation,
            convention=self.convention)
        return (self.out_channels, *out)

    def params(self, input_shape: Shape) -> Any:
        dims = len(_spatial(input_shape, "a transposed convolution", spec=self))
        return counting.conv_transpose_params(input_shape[0], self.out_channels,
                                              self._kernel(dims), groups=self.groups,
                                              bias=self.bias, dims=dims)

    def parameter_shapes(self, input_shape: Shape) -> dict[str, tuple[Any, ...]]:
        """``weight`` ``(C_in, C_out / groups, *k)`` (the convolution's, transposed) and
        ``bias`` ``(C_out,)``."""
        k = broadcast(self.kernel_size, len(input_shape) - 1)
        shapes = {"weight": (input_shape[0], self.out_channels // self.groups, *k)}
        return {**shapes, "bias": (self.out_channels,)} if self.bias else shapes

    def macs(self, input_shape: Shape) -> Any:
        spatial = _spatial(input_shape, "a transposed convolution", spec=self)
        return counting.conv_transpose_macs(_size_arg(spatial), input_shape[0],
                                            self.out_channels, self._kernel(len(spatial)),
                                            groups=self.groups)

    def connections(self, input_shape: Shape) -> Any:
        out = self.output_shape(input_shape)
        return self.macs(input_shape) + (_prod(out) if self.bias else 0)

    def _kernel(self, dims: int) -> tuple[Any, ...]:
        return per_dim("kernel_size", self.kernel_size, dims, minimum=1,
                       context=f"Error reading the transposed convolution{_called(self.name)}")

    def window(self, input_shape: Shape) -> Window | None:
        """The window of the convolution this one transposes (torch's ``padding`` is that
        convolution's); None in Keras' convention, where the crop follows the output size."""
        if self.convention != "torch":
            return None
        spatial = _spatial(input_shape, "a transposed convolution", spec=self)
        return Window.of(conv_arguments(_size_arg(spatial), self.kernel_size, self.stride,
                                        self.padding, self.dilation,
                                        what="transposed convolution"), self.groups)


# --------------------------------------------------------------------------- pooling


class _Windowed:
    """What the pooling specs share: their arithmetic, from the formula layer's pooling."""

    kernel_size: Any
    stride: Any
    padding: Any
    ceil_mode: bool
    dilation: Any
    name: str
    kind: ClassVar[str]
    label: str
    #: "keras": padding "valid" or "same" in Keras' convention (a field of MaxPool and AvgPool)
    convention: ClassVar[str] = "torch"

    rf_effect: ClassVar[str] = "window"
    pool_kind: ClassVar[str] = "max"  # the short kind name: torch's rules differ per kind

    def actual_stride(self) -> Any:
        """The stride torch uses: the window's size when none is given."""
        return self.kernel_size if self.stride is None else self.stride

    def __post_init__(self) -> None:
        # every rule that needs no input, by the formula layer's pooling normaliser; the
        # stride is None (torch's default) whenever it is the kernel
        a = pool_window(self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, kind=self.pool_kind,
                        convention=self.convention)
        values = {"kernel_size": collapse(a.k), "stride": None if a.s == a.k else collapse(a.s)}
        if "padding" in self.__dataclass_fields__:  # not LPPool's (a class constant)
            values["padding"] = a.mode or collapse(tuple(left for left, _ in a.p))
            values["dilation"] = collapse(a.d)
        _store(self, **values)

    def output_shape(self, input_shape: Shape) -> Shape:
        spatial = _spatial(input_shape, f"a {self.kind}", spec=self)
        out = pool_output_size(_size_arg(spatial), self.kernel_size, stride=self.actual_stride(),
                               padding=self.padding, dilation=self.dilation,
                               ceil_mode=self.ceil_mode, kind=self.pool_kind,
                               convention=self.convention)
        return (input_shape[0], *out)

    def _keras_pairs(self, input_shape: Shape) -> tuple[tuple[Any, Any], ...]:
        """Where Keras pads this input (before, after) per axis."""
        from convarith.formulas.normalise import keras_pool_arguments

        return keras_pool_arguments(_size_arg(input_shape[1:]), self.kernel_size,
                                    self.actual_stride(), self.padding).p

    def connections(self, input_shape: Shape) -> Any:
        dims = len(_spatial(input_shape, f"a {self.kind}", spec=self))
        k = per_dim("kernel_size", self.kernel_size, dims, minimum=1, context="pool")
        return _prod(self.output_shape(input_shape)) * _prod(k)

    def window(self, input_shape: Shape) -> Window:
        spatial = _size_arg(_spatial(input_shape, f"a {self.kind}", spec=self))
        if self.convention == "keras":
            from convarith.formulas.normalise import keras_pool_arguments

            return Window.of(keras_pool_arguments(spatial, self.kernel_size,
                                                  self.actual_stride(), self.padding))
        return Window.of(pool_arguments(spatial, self.kernel_size, self.actual_stride(),
                                        self.padding, self.dilation, kind=self.pool_kind))

    def rf_layers(self, input_shape: Shape) -> tuple[RFLayer, ...]:
        return _rf_steps("pool", self.window(input_shape), self.label)

    def lost(self, input_shape: Shape) -> tuple[Any, ...] | None:
        if self.ceil_mode:
            return None  # ceil mode adds a partial window instead of dropping input
        spatial = _spatial(input_shape, f"a {self.kind}", spec=self)
        padding = (self._keras_pairs(input_shape) if self.convention == "keras"
                   else self.padding)
        return tuple(lost_input(_size_arg(spatial), self.kernel_size, stride=self.actual_stride(),
                                padding=padding, dilation=self.dilation))


@dataclass(frozen=True)
class _Pool(_Windowed, Layer):
    kernel_size: Any
    stride: Any = None  # None: the kernel size, as in PyTorch
    padding: Any = 0
    ceil_mode: bool = False
    dilation: Any = 1
    convention: str = field(default="torch", kw_only=True)  # type: ignore[misc]


@_spec("max_pool")
@dataclass(frozen=True)
class MaxPool(_Pool):
    """``nn.MaxPool1d/2d/3d``.

    >>> MaxPool(3, stride=2).output_shape((96, 55, 55))
    (96, 27, 27)
    >>> MaxPool(2, padding="same", convention="keras").output_shape((8, 5, 5))
    (8, 3, 3)
    """



@_spec("avg_pool")
@dataclass(frozen=True)
class AvgPool(_Pool):
    """``nn.AvgPool1d/2d/3d``; the padding is counted in the mean unless
    ``count_include_pad=False`` (PyTorch's default counts it; the size is the same).

    >>> AvgPool(2).output_shape((6, 28, 28))
    (6, 14, 14)
    """

    count_include_pad: bool = True

    pool_kind: ClassVar[str] = "avg"


@_spec("lp_pool")
@dataclass(frozen=True)
class LPPool(_Windowed, Layer):
    """``nn.LPPool1d/2d/3d``: power-average pooling, ``(sum x^p)^(1/p)`` over each window
    (``p = norm_type``; p = 1 is sum pooling, p = inf max pooling of ``|x|``). torch gives it
    no padding and no dilation; its size is the average pooling's.

    >>> LPPool(2, 3, stride=2).output_shape((8, 15, 15))
    (8, 7, 7)
    """

    # sum pooling (1), the usual 2, an odd power, a fractional one, max of |x| (inf): the
    # values convarith verify draws
    norm_type: float = field(metadata={"examples": (1.0, 2.0, 3.0, 1.5, float("inf"))})
    kernel_size: Any
    stride: Any = None
    ceil_mode: bool = False

    padding: ClassVar[Any] = 0
    dilation: ClassVar[Any] = 1

    @property
    def pool_kind(self) -> str:  # type: ignore[override]
        """The pooling whose rules it follows: "lp", or "max" for ``p = +-inf``, where torch's
        ``lp_pool`` runs ``max_pool`` on ``|x|`` (so LPPool3d(inf) skips AvgPool3d's input
        check; seen with torch 2.13).

        >>> LPPool(2, 2).pool_kind, LPPool(float("inf"), 2).pool_kind
        ('lp', 'max')
        """
        return "max" if self.norm_type in (float("inf"), float("-inf")) else "lp"



@_spec("adaptive_avg_pool")
@dataclass(frozen=True)
class AdaptiveAvgPool(Layer):
    """``nn.AdaptiveAvgPool1d/2d/3d``: a fixed output size whatever the input.

    Bin ``j`` covers ``[floor(j i/o), ceil((j+1) i/o))`` (:func:`adaptive_pool_bins`).

    >>> AdaptiveAvgPool(6).output_shape((256, 13, 13))
    (256, 6, 6)
    """

    output_size: Any

    rf_effect: ClassVar[str] = "window"

    def __post_init__(self) -> None:
        _store(self, output_size=collapse(adaptive_window(self.output_size)))

    def _out(self, dims: int, minimum: int = 1) -> tuple[Any, ...]:
        return per_dim("output_size", self.output_size, dims, minimum=minimum,
                       context=f"Error reading the adaptive pooling{_called(self.name)}")

    def output_shape(self, input_shape: Shape) -> Shape:
        spatial = _spatial(input_shape, "an adaptive pooling", spec=self)
        self._out(len(spatial), minimum=0)  # named after this layer when it is wrong
        # the formula core's rules, torch's: an output size of 0 gives an empty output, an
        # empty input is refused unless the output size is 1
        return (input_shape[0], *adaptive_output_size(_size_arg(spatial), self.output_size))

    def connections(self, input_shape: Shape) -> Any:
        # each output cell averages its bin; bins overlap when o does not divide i
        spatial = _spatial(input_shape, "an adaptive pooling", spec=self)
        bins = adaptive_pool_bins(_size_arg(spatial), self._out(len(spatial)))
        cells = 1
        for axis_bins in bins:
            cells *= sum(end - start for start, end in axis_bins)
        return input_shape[0] * cells

    def rf_layers(self, input_shape: Shape) -> tuple[RFLayer, ...] | None:
        # equal, non-overlapping bins are an ordinary pooling with k = s = i/o
        spatial = _spatial(input_shape, "an adaptive pooling", spec=self)
        out = self._out(len(spatial))
        if any(not isinstance(i, int) or i % o for i, o in zip(spatial, out)):
            return None
        return tuple(RFLayer("pool", i // o, i // o, name=self.label)
                     for i, o in zip(spatial, out))




@_spec("global_avg_pool")
@dataclass(frozen=True)
class GlobalAvgPool(Layer):
    """Global average pooling: each feature map becomes its mean, ``(C, H, W) -> (C,)``.

    Lin, Chen & Yan, "Network In Network" (arXiv:1312.4400): replaces flatten + dense layers,
    without parameters. Same numbers as ``AdaptiveAvgPool2d(1)`` then ``Flatten``.

    >>> GlobalAvgPool().output_shape((512, 7, 7))
    (512,)
    >>> GlobalAvgPool().connections((512, 7, 7))
    25088
    """

    rf_effect: ClassVar[str] = "global"

    def output_shape(self, input_shape: Shape) -> Shape:
        _spatial(input_shape, "a global average pooling", spec=self)
        return (input_shape[0],)

    def connections(self, input_shape: Shape) -> Any:
        return _prod(input_shape)


# --------------------------------------------------------------------------- dense part


@_spec("flatten")
@dataclass(frozen=True)
class Flatten(Layer):
    """``nn.Flatten``: ``(C, H, W) -> (C*H*W,)``.

    >>> Flatten().output_shape((256, 6, 6))
    (9216,)
    """

    rf_effect: ClassVar[str] = "global"

    def output_shape(self, input_shape: Shape) -> Shape:
        return (_prod(input_shape),)


@_spec("linear")
@dataclass(frozen=True)
class Linear(Layer):
    """``nn.Linear`` on the last axis (in-features come from the input shape).

    >>> Linear(4096).params((9216,))
    37752832
    """

    out_features: int
    bias: bool = True

    rf_effect: ClassVar[str] = "global"

    def __post_init__(self) -> None:
        _store(self, out_features=counting.features(None, self.out_features)[1])

    def output_shape(self, input_shape: Shape) -> Shape:
        self.params(input_shape)
        return (*input_shape[:-1], self.out_features)

    def params(self, input_shape: Shape) -> Any:
        return counting.linear_params(input_shape[-1], self.out_features, bias=self.bias)

    def parameter_shapes(self, input_shape: Shape) -> dict[str, tuple[Any, ...]]:
        shapes = {"weight": (self.out_features, input_shape[-1])}
        return {**shapes, "bias": (self.out_features,)} if self.bias else shapes

    def macs(self, input_shape: Shape) -> Any:
        return _prod(input_shape[:-1]) * counting.linear_macs(input_shape[-1],
                                                              self.out_features)

    def connections(self, input_shape: Shape) -> Any:
        return _prod(input_shape[:-1]) * self.params(input_shape)



# --------------------------------------------------------------------------- element-wise


@dataclass(frozen=True)
class _Elementwise(Layer):
    """An element-wise activation of ``torch.nn`` without arguments: the shape is kept."""

    torch_name: ClassVar[str] = ""


def _elementwise(kind_name: str, torch_name: str, doc: str) -> Any:
    """A spec class for the torch activation ``torch_name``, registered as ``kind_name``."""
    namespace = {"__doc__": doc, "__module__": __name__, "torch_name": torch_name}
    return _spec(kind_name)(dataclass(frozen=True)(
        type(torch_name, (_Elementwise,), namespace)))


ReLU = _elementwise("relu", "ReLU", "``nn.ReLU``: ``max(0, a)``.")
Tanh = _elementwise("tanh", "Tanh", "``nn.Tanh``.")
Sigmoid = _elementwise("sigmoid", "Sigmoid", "``nn.Sigmoid``.")


@_spec("scaled_tanh")
@dataclass(frozen=True)
class ScaledTanh(Layer):
    """LeNet-5's squashing function ``f(a) = A tanh(S a)``, ``A = 1.7159``, ``S = 2/3``
    (LeCun et al. 1998, appendix A: chosen so that f(1) = 1 and f(-1) = -1)."""



def _probability(spec: Dropout | SpatialDropout) -> None:
    """torch's rule for a dropout: ``0 <= p <= 1`` ("dropout probability has to be between 0
    and 1")."""
    if isinstance(spec.p, bool) or not isinstance(spec.p, (int, float)) or not 0 <= spec.p <= 1:
        raise ConvArithError(
            f"Error reading the {spec.kind}{_called(spec.name)}: p={spec.p!r} is not a "
            "probability. Use a number with 0 <= p <= 1."
        )


@_spec("dropout")
@dataclass(frozen=True)
class Dropout(Layer):
    """``nn.Dropout``: each unit is zeroed with probability ``p`` in training."""

    p: float = 0.5


    def __post_init__(self) -> None:
        _probability(self)



@_spec("spatial_dropout")
@dataclass(frozen=True)
class SpatialDropout(Layer):
    """Spatial dropout: whole feature maps are zeroed with probability ``p`` (Tompson et al.,
    "Efficient Object Localization Using Convolutional Networks", CVPR 2015);
    ``nn.Dropout1d/2d/3d``."""

    p: float = 0.5


    def __post_init__(self) -> None:
        _probability(self)



@_spec("batch_norm")
@dataclass(frozen=True)
class BatchNorm(Layer):
    """``nn.BatchNorm1d/2d/3d``; on ``(C, H, W)`` this is spatial batch normalisation (Ioffe &
    Szegedy 2015, section 3.2): one mean and variance per channel, over the batch and every
    position. Trainable: a scale and a shift per channel; the running mean and variance (and
    PyTorch's batch counter) are buffers, not trainable.

    >>> bn = BatchNorm()
    >>> bn.params((64, 56, 56)), bn.buffers((64, 56, 56))
    (128, 129)
    """

    eps: float = 1e-5
    momentum: float = 0.1
    affine: bool = True


    def params(self, input_shape: Shape) -> Any:
        return counting.batch_norm_params(input_shape[0], affine=self.affine)

    def buffers(self, input_shape: Shape) -> Any:
        return counting.batch_norm_buffers(input_shape[0])


@_spec("local_response_norm")
@dataclass(frozen=True)
class LocalResponseNorm(Layer):
    """Local response normalisation across ``size`` neighbouring channels (Krizhevsky,
    Sutskever & Hinton 2012, section 3.3: ``k = 2, n = 5, alpha = 1e-4, beta = 0.75``).

    ``alpha`` is the paper's: ``b = a / (k + alpha * sum a^2)^beta``. PyTorch divides its alpha
    by ``size``, so :meth:`to_torch` passes ``alpha * size``.
    """

    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 2.0




# --------------------------------------------------------------------------- LeNet-5

#: LeNet-5's Table I: the S2 maps each C3 map reads (LeCun et al. 1998, section II.B).
LENET5_C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


@_spec("partial_conv")
@dataclass(frozen=True)
class PartialConv(Layer):
    """A convolution whose output map ``m`` reads only the input maps ``table[m]``
    (LeNet-5's C3): one kernel per connected pair, one bias per output map.

    >>> c3 = PartialConv(LENET5_C3_TABLE, 5)
    >>> c3.output_shape((6, 14, 14)), c3.params((6, 14, 14)), c3.connections((6, 14, 14))
    ((16, 10, 10), 1516, 151600)
    """

    table: tuple[tuple[int, ...], ...]
    kernel_size: Any
    stride: Any = 1
    padding: Any = 0

    rf_effect: ClassVar[str] = "window"

    def __post_init__(self) -> None:
        table = tuple(tuple(maps) for maps in self.table)
        conv = self._conv()  # the kernel's geometry, checked as a convolution's
        _store(self, table=table, kernel_size=conv.kernel_size, stride=conv.stride,
               padding=conv.padding)

    @property
    def out_channels(self) -> int:
        return len(self.table)

    def links(self, input_shape: Shape) -> int:
        """Connected (output map, input map) pairs, checked against the input channels."""
        c_in = input_shape[0]
        for m, maps in enumerate(self.table):
            bad = [x for x in maps if not 0 <= x < c_in]
            if bad or not maps or len(set(maps)) != len(maps):
                raise ConvArithError(
                    f"Error applying the partial convolution{_called(self.name)}: output map "
                    f"{m} reads input maps {maps}, but the input has {c_in} maps (0 to "
                    f"{c_in - 1}). List each input map once, between 0 and {c_in - 1}."
                )
        return sum(len(maps) for maps in self.table)

    def _conv(self) -> Conv:
        # the geometry of one kernel: a convolution from one map to one map
        return Conv(1, self.kernel_size, stride=self.stride, padding=self.padding,
                    name=self.name)

    def output_shape(self, input_shape: Shape) -> Shape:
        self.links(input_shape)
        out = self._conv().output_shape((1, *input_shape[1:]))
        return (self.out_channels, *out[1:])

    def params(self, input_shape: Shape) -> Any:
        links = self.links(input_shape)
        per_link = counting.conv_params(1, 1, self.kernel_size, bias=False,
                                        dims=len(input_shape) - 1)
        return links * per_link + self.out_channels

    def macs(self, input_shape: Shape) -> Any:
        links = self.links(input_shape)
        return links * counting.conv_macs(_size_arg(input_shape[1:]), 1, 1, self.kernel_size,
                                          stride=self.stride, padding=self.padding)

    def connections(self, input_shape: Shape) -> Any:
        return self.macs(input_shape) + _prod(self.output_shape(input_shape))

    def rf_layers(self, input_shape: Shape) -> tuple[RFLayer, ...]:
        return self._conv().rf_layers((1, *input_shape[1:]))


    def lost(self, input_shape: Shape) -> tuple[Any, ...]:
        return self._conv().lost((1, *input_shape[1:]))

    def window(self, input_shape: Shape) -> Window:
        return self._conv().window((1, *input_shape[1:]))



@_spec("subsampling")
@dataclass(frozen=True)
class Subsampling(Layer):
    """LeNet-5's S2/S4: each unit sums a ``k x k`` window, multiplies the sum by a trainable
    coefficient and adds a trainable bias, both one per map (LeCun et al. 1998, section II.B).

    >>> s2 = Subsampling()
    >>> s2.output_shape((6, 28, 28)), s2.params((6, 28, 28))
    ((6, 14, 14), 12)
    """

    kernel_size: int = 2

    rf_effect: ClassVar[str] = "window"

    def __post_init__(self) -> None:
        _store(self, kernel_size=self._pool().kernel_size)  # checked as an average pooling's

    def _pool(self) -> AvgPool:
        return AvgPool(self.kernel_size, name=self.name)

    def output_shape(self, input_shape: Shape) -> Shape:
        return self._pool().output_shape(input_shape)

    def params(self, input_shape: Shape) -> Any:
        return 2 * input_shape[0]  # a coefficient and a bias per map

    def macs(self, input_shape: Shape) -> Any:
        return _prod(self.output_shape(input_shape))  # coefficient x window sum

    def connections(self, input_shape: Shape) -> Any:
        # each unit: k*k window inputs plus its bias
        return self._pool().connections(input_shape) + _prod(self.output_shape(input_shape))

    def rf_layers(self, input_shape: Shape) -> tuple[RFLayer, ...]:
        return self._pool().rf_layers(input_shape)


    def lost(self, input_shape: Shape) -> tuple[Any, ...] | None:
        return self._pool().lost(input_shape)

    def window(self, input_shape: Shape) -> Window:
        return self._pool().window(input_shape)



@_spec("rbf_output")
@dataclass(frozen=True)
class RBFOutput(Layer):
    """LeNet-5's output layer: Euclidean radial basis units ``y_i = sum_j (x_j - w_ij)^2``,
    with fixed +-1 prototypes (LeCun et al. 1998, section II.B; the paper draws them as 7x12
    bitmaps of the characters). Nothing is trained: the prototypes are buffers.

    The torch module returns ``-y`` (negative squared distances), so the largest output is
    the nearest prototype and ``CrossEntropyLoss`` on it is the paper's discriminative loss
    (its equation 9) without the extra rubbish class.

    >>> rbf = RBFOutput(10)
    >>> rbf.output_shape((84,)), rbf.params((84,)), rbf.buffers((84,)), rbf.connections((84,))
    ((10,), 0, 840, 840)
    """

    units: int

    rf_effect: ClassVar[str] = "global"

    def __post_init__(self) -> None:
        _store(self, units=integer("units", self.units, minimum=1,
                                   context=f"Error reading the RBF output{_called(self.name)}"))

    def output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            raise ConvArithError(
                f"Error applying the RBF output{_called(self.name)}: the input shape "
                f"{show_size(input_shape)} is not a vector. Put a flatten or dense layer before it."
            )
        return (self.units,)

    def buffers(self, input_shape: Shape) -> Any:
        return counting.linear_params(input_shape[0], self.units, bias=False)

    def macs(self, input_shape: Shape) -> Any:
        return counting.linear_macs(input_shape[0], self.units)

    def connections(self, input_shape: Shape) -> Any:
        return self.buffers(input_shape)


