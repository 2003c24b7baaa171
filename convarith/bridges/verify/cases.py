"""One layer configuration to check: a layer spec and the input it meets.

A :class:`LayerCase` is what the hypothesis strategies draw and what every checker takes: a
spec of :mod:`convarith.specs.layers` (the one description of a layer) and the full input
shape ``(N, C, *spatial)``. Everything else is read from the spec: its shape by the formula
core (``spec.output_shape``, so a wrong formula shows up as a disagreement with torch and with
the scratch layers), its torch module through the one spec -> module mapping
(:mod:`convarith.bridges.torch`), its scratch layer from the scratch table. The two kinds that
are functions rather than layers of a network, ``unfold`` and ``cross_entropy``, have a small
record each here (:data:`FUNCTIONAL`), which plays the spec's part.

A case is written as the layer's ``torch.nn.functional`` name and its arguments, and reads
back one value per spatial axis for each of them (the view the homework conventions use):

>>> case = LayerCase("conv2d", (1, 3, 7, 7), kernel_size=(3, 3), stride=(2, 2),
...                  padding=(1, 1), out_channels=4)
>>> case.spec
Conv(name='', note='', out_channels=4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=1, groups=1, bias=True, convention='torch')
>>> case.describe()
'input 1x3x7x7, kernel 3, stride 2, padding 1, 4 output channels'
>>> case.dilation, case.groups
((1, 1), 1)
>>> expected_shape(case)
(1, 4, 4, 4)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from convarith import kinds
from convarith.errors import ConvArithError
from convarith.formulas.output_size import unfold_blocks
from convarith.specs.layers import SPECS, Layer

#: The records of the kinds that are functions, not layers of a network (keyed by kind).
FUNCTIONAL = kinds.table("verify functional",
                         covers=lambda kind: kind.functional_only and kind.scratch,
                         doc="the spec-like record of a function verify checks")


@FUNCTIONAL.register("unfold")
@dataclass(frozen=True)
class Unfold:
    """``nn.Unfold`` (im2col): every window of the input as one column."""

    kernel_size: Any
    dilation: Any = 1
    padding: Any = dataclasses.field(default=0, metadata={"forms": ("int", "axes")})
    stride: Any = 1

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        blocks = unfold_blocks(tuple(input_shape[1:]), self.kernel_size,
                               dilation=self.dilation, padding=self.padding, stride=self.stride)
        return (input_shape[0] * math.prod(_per_axis(self.kernel_size, 2)), blocks)

    def torch_module(self) -> Any:
        from torch import nn

        return nn.Unfold(self.kernel_size, dilation=self.dilation, padding=self.padding,
                         stride=self.stride)


@FUNCTIONAL.register("cross_entropy")
@dataclass(frozen=True)
class CrossEntropy:
    """``F.cross_entropy`` of logits ``(N, classes)`` and integer targets (the "weight")."""

    batched = True  # its input shape is the whole (N, classes) and its output a number

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return ()

    def arrays(self, rng: Any, input_shape: tuple[int, ...]) -> tuple[Any, Any, Any]:
        x = rng.standard_normal(input_shape)
        return x, rng.integers(0, input_shape[1], size=input_shape[0]), None

    def torch_module(self) -> Any:
        from torch import nn

        return nn.CrossEntropyLoss()

    def torch_call(self, x: Any, targets: Any, bias: Any) -> Any:
        import torch.nn.functional as F

        return F.cross_entropy(x, targets)


def spec_class(kind: str) -> type:
    """The spec class of a kind (its record, for a function)."""
    return FUNCTIONAL[kind] if kinds.get(kind).functional_only else SPECS[kind]


def drawn_spec(cls: type, **arguments: Any) -> Any:
    """A spec of ``cls`` as drawn, checks left for later: a case may be one torch rejects,
    and :func:`expected_shape` then raises convarith's error for it (:meth:`Layer.unchecked`).
    """
    if issubclass(cls, Layer):
        return cls.unchecked(**arguments)
    return cls(**arguments)


def kind_of(spec: Any) -> kinds.Kind:
    """The kind a spec (or record) is registered as."""
    for table in (SPECS, FUNCTIONAL):
        for name, cls in table.entries.items():
            if type(spec) is cls:
                return kinds.get(name)
    raise ConvArithError(f"{type(spec).__name__} is not a spec of any layer kind. Use a spec "
                         "of convarith.specs.layers.")


#: Per-axis arguments: read back one value per spatial axis.
_PER_AXIS = ("kernel_size", "stride", "padding", "dilation", "output_padding", "output_size")
#: What a layer without the argument does (the per-axis view of every case reads these).
_ABSENT: dict[str, Any] = {"kernel_size": (), "stride": 1, "padding": 0, "dilation": 1,
                           "output_padding": 0, "output_size": (), "groups": 1,
                           "ceil_mode": False, "count_include_pad": True, "bias": False,
                           "out_channels": None}
#: The specs' names for what the case calls otherwise (a linear layer's out_channels).
_ALIASES = {"out_channels": "out_features"}


def _per_axis(value: Any, n: int) -> Any:
    if isinstance(value, (str, tuple, list)) or value is None:
        return tuple(value) if isinstance(value, list) else value
    return (value,) * n


def _field_names(cls: type) -> tuple[str, ...]:
    """A spec's own arguments (not its name and note; cases are in torch's convention)."""
    own = {f.name for f in dataclasses.fields(Layer)} | {"convention"}
    return tuple(f.name for f in dataclasses.fields(cls) if f.init and f.name not in own)


@dataclass(frozen=True, init=False)
class LayerCase:
    """A layer spec and a full input shape ``(N, C, *spatial)``.

    ``LayerCase(spec, shape)``, or ``LayerCase("max_pool2d", shape, kernel_size=...)``: the
    spec of that kind built from the arguments. An argument the kind does not have is
    accepted only at the value that means "none" (``groups=1``, ``ceil_mode=False``, ...).
    """

    spec: Any
    input_shape: tuple[int, ...]

    def __init__(self, spec: Any, input_shape: tuple[int, ...], **arguments: Any) -> None:
        if isinstance(spec, str):
            kind, _ = kinds.split_layer_name(spec)
            spec = drawn_spec(spec_class(kind.name),
                              **self._arguments(spec_class(kind.name), arguments,
                                                len(input_shape) - 2))
        elif arguments:
            raise TypeError("give the arguments either in the spec or with a layer name")
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "input_shape", tuple(input_shape))

    @staticmethod
    def _arguments(cls: type, given: dict[str, Any], n: int) -> dict[str, Any]:
        names = _field_names(cls)
        out: dict[str, Any] = {}
        for name, value in given.items():
            field_name = name if name in names else _ALIASES.get(name, name)
            if field_name in names:
                out[field_name] = value
            elif name not in _ABSENT or _per_axis(value, n) != _per_axis(_ABSENT[name], n):
                raise ConvArithError(
                    f"Error building a case of {cls.__name__}: it has no {name} (given "
                    f"{value!r}). Leave {name} out.")
        if "out_features" in names and "out_features" not in out:
            out["out_features"] = 1
        if "out_channels" in names and "out_channels" not in out:
            out["out_channels"] = 1
        return out

    def replace(self, **changes: Any) -> LayerCase:
        """The case with some arguments changed (``input_shape=`` too)."""
        shape = changes.pop("input_shape", self.input_shape)
        arguments = self._arguments(type(self.spec), changes, len(shape) - 2)
        given = {f.name: getattr(self.spec, f.name) for f in dataclasses.fields(self.spec)
                 if f.init}
        return LayerCase(drawn_spec(type(self.spec), **{**given, **arguments}), shape)

    def with_input(self, shape: tuple[int, ...]) -> LayerCase:
        return LayerCase(self.spec, shape)

    @property
    def kind(self) -> str:
        """The layer kind: "conv", "max_pool", ..."""
        return kind_of(self.spec).name

    @property
    def layer(self) -> str:
        """The ``torch.nn.functional`` name: "conv2d", "relu", ..."""
        names = kind_of(self.spec).layer_names
        return names[0] if len(names) == 1 else f"{self.kind}{self.ndim}d"

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.input_shape) - 2

    @property
    def spatial(self) -> tuple[int, ...]:
        return self.input_shape[2:]

    @property
    def in_channels(self) -> int:
        return self.input_shape[1]

    def __getattr__(self, name: str) -> Any:
        # the per-axis view: a spec's argument, or what a layer without it does
        if name.startswith("__") or name in ("spec", "input_shape"):
            raise AttributeError(name)
        spec = self.spec
        for key in (name, _ALIASES.get(name, "")):
            if key and hasattr(spec, key):
                value = getattr(spec, key)
                return _per_axis(value, self.ndim) if name in _PER_AXIS else value
        if name in _ABSENT:
            value = _ABSENT[name]
            return _per_axis(value, self.ndim) if name in _PER_AXIS else value
        raise AttributeError(f"{type(spec).__name__} has no {name}")

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """The weight and bias shapes, from the spec (torch's layout)."""
        shapes = getattr(self.spec, "parameter_shapes", None)
        return shapes(self.input_shape[1:]) if shapes else {}

    def weight_shape(self) -> tuple[int, ...]:
        return self.parameter_shapes().get("weight", ())

    def bias_shape(self) -> tuple[int, ...] | None:
        return self.parameter_shapes().get("bias")

    def describe(self) -> str:
        """The configuration in words, for reports ("input 1x3x7x7, kernel 3, ...")."""
        names = _field_names(type(self.spec))
        words = [f"input {'x'.join(map(str, self.input_shape))}"]
        if "kernel_size" in names:
            words.append(f"kernel {_axes(self.kernel_size)}")
        for name in names:  # the arguments of one kind only (a norm_type)
            if name not in _WORDS and name not in _ABSENT and name != "out_features":
                value = getattr(self.spec, name)
                words.append(f"{name} {value:g}" if isinstance(value, float)
                             else f"{name} {value}")
        for name, say in _WORDS.items():
            if name in names:
                word = say(getattr(self, name))
                if word:
                    words.append(word)
        units = [n for n in ("out_channels", "out_features") if n in names]
        if units:
            count = getattr(self.spec, units[0])
            unit = "output feature" if units[0] == "out_features" else "output channel"
            words.append(f"{count} {unit}{'s' if count != 1 else ''}")
            if "bias" in names and not self.spec.bias:
                words.append("no bias")
        if "output_size" in names:
            words.append(f"output size {_axes(self.output_size)}")
        return ", ".join(words)


def _stride_words(stride: Any) -> str:
    if stride is None:
        return "stride = kernel"
    return f"stride {_axes(stride)}" if any(s != 1 for s in stride) else ""


#: How each argument reads in a case's description, in order ("" : not worth saying).
_WORDS: dict[str, Any] = {
    "stride": _stride_words,
    "padding": lambda p: _padding_words(p),
    "dilation": lambda d: f"dilation {_axes(d)}" if any(x != 1 for x in d) else "",
    "output_padding": lambda a: f"output_padding {_axes(a)}" if any(x != 0 for x in a) else "",
    "groups": lambda g: f"groups {g}" if g != 1 else "",
    "ceil_mode": lambda c: "ceil_mode" if c else "",
    "count_include_pad": lambda c: "" if c else "count_include_pad=False",
}


def _axes(values: tuple[int, ...]) -> str:
    """``3`` when every axis agrees, else ``3x5``."""
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def _padding_words(padding: Any) -> str:
    if isinstance(padding, str):
        return f"padding '{padding}'"
    if not padding:
        return ""
    if all(isinstance(p, (tuple, list)) for p in padding):
        if all(left == right for left, right in padding):
            padding = tuple(left for left, _ in padding)
        else:
            return "padding " + "x".join(f"({left}, {right})" for left, right in padding)
    return "" if all(p == 0 for p in padding) else f"padding {_axes(padding)}"


def expected_shape(case: LayerCase) -> tuple[int, ...]:
    """The output shape the formula core gives (raises ConvArithError where it rejects).

    >>> expected_shape(LayerCase("max_pool1d", (1, 1, 5), kernel_size=(2,), stride=(2,),
    ...                          padding=(1,), dilation=(1,), ceil_mode=True))
    (1, 1, 3)
    >>> expected_shape(LayerCase("unfold", (2, 3, 5, 5), kernel_size=(2, 2), stride=(2, 2),
    ...                          padding=(1, 1), dilation=(1, 1)))
    (2, 12, 9)
    """
    spec = case.spec.checked() if isinstance(case.spec, Layer) else case.spec  # its own rules
    if getattr(spec, "batched", False):
        return tuple(spec.output_shape(case.input_shape))
    return (case.input_shape[0], *spec.output_shape(case.input_shape[1:]))


def has_empty_window(case: LayerCase) -> bool:
    """Whether a max-pooling window lies wholly in the padding (possible with dilation).

    torch 2.13 accepts such a layer and outputs -inf there, but its backward pass then
    writes outside the input (seen here as a crash, "free(): invalid size"), so the
    checkers compare only the forward pass of these cases. It is torch's max_pool kernel
    that crashes, so only that kind is asked.

    >>> has_empty_window(LayerCase("max_pool1d", (1, 1, 1), kernel_size=(2,), stride=(2,),
    ...                            padding=(1,), dilation=(2,)))
    True
    """
    if case.kind != "max_pool":
        return False
    shape = expected_shape(case)
    stride = case.stride or case.kernel_size
    for axis, i in enumerate(case.spatial):
        k, s, p, d = case.kernel_size[axis], stride[axis], case.padding[axis], case.dilation[axis]
        for u in range(shape[2 + axis]):
            if not any(0 <= u * s - p + a * d < i for a in range(k)):
                return True
    return False
