"""How a layer spec reads in a shape table: its few words (the "type" column) and its kernel,
stride, padding, dilation and groups cells. The specs hold numbers only; this is their text,
one function per kind, keyed by kind name (:mod:`convarith.kinds`; a kind without an entry
is shown by its title, with no cells).

>>> from convarith.specs import layers as L
>>> describe(L.Conv(96, 11, stride=4, padding=2))
'conv 11/4, 96'
>>> geometry(L.Conv(8, (2, 3), padding=((1, 2), (0, 0))), (3, 8, 8))
{'kernel': '2x3', 'stride': '1', 'padding': '1:2x0'}
>>> describe(L.MaxPool(3, stride=2)), describe(L.LPPool(2, 3)), describe(L.ReLU())
('max-pool 3/2', 'lp-pool p=2 3/3', 'relu')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convarith import kinds
from convarith.errors import ConvArithError
from convarith.formulas.notation import show_axes
from convarith.specs.layers import Layer, Shape, Window
from convarith.specs.records import Record


def _pooled(layer: Any) -> str:
    # a power-average pooling also says its power
    power = f"p={layer.norm_type:g} " if hasattr(layer, "norm_type") else ""
    return (f"{layer.kind} {power}{show_axes(layer.kernel_size)}/"
            f"{show_axes(layer.actual_stride())}")


def _conv(layer: Any) -> str:
    extra = "" if layer.groups == 1 else f" g{layer.groups}"
    return (f"{layer.kind} {show_axes(layer.kernel_size)}/{show_axes(layer.stride)}, "
            f"{layer.out_channels}{extra}")


#: The few words of each kind that says more than its title, by kind name (the pooling
#: kinds by their family).
DESCRIBE: dict[str, Callable[[Any], str]] = {
    **{kind.name: _pooled for kind in kinds.of_family("pool", sized=True)},
    "conv": _conv,
    "conv_transpose": lambda layer: (f"{layer.kind} {show_axes(layer.kernel_size)}/"
                                     f"{show_axes(layer.stride)}, {layer.out_channels}"),
    "adaptive_avg_pool": lambda layer: f"{layer.kind} -> {show_axes(layer.output_size)}",
    "linear": lambda layer: f"{layer.kind} {layer.out_features}",
    "dropout": lambda layer: f"{layer.kind} {layer.p:g}",
    "spatial_dropout": lambda layer: f"{layer.kind} {layer.p:g}",
    "local_response_norm": lambda layer: f"{layer.kind} n={layer.size}",
    "partial_conv": lambda layer: (f"{layer.kind} {show_axes(layer.kernel_size)}, "
                                   f"{layer.out_channels}"),
    "subsampling": lambda layer: f"{layer.kind} {layer.kernel_size}/{layer.kernel_size}",
    "rbf_output": lambda layer: f"{layer.kind} {layer.units}",
}


def describe(layer: Layer) -> str:
    """The spec in a few words, as the "type" column shows it: ``conv 11/4, 96``."""
    words = DESCRIBE.get(layer.kind_name)
    return words(layer) if words else layer.kind


def window_cells(window: Window, convention: str = "torch", padding: Any = 0) -> dict[str, str]:
    """A window as the table prints it: ``11``, ``2x3``; padding ``2``, ``1:2`` (before:after),
    ``1:2x0`` per axis; dilation and groups only where they are not 1 (Keras' padding of a
    symbolic size: its mode, ``padding``)."""
    sides = [str(a) if a == b else f"{a}:{b}" for a, b in window.padding]
    out = {"kernel": show_axes(window.kernel), "stride": show_axes(window.stride),
           "padding": show_axes(sides)}
    if convention == "keras" and not all(isinstance(x, int) for p in window.padding for x in p):
        out["padding"] = str(padding)
    if show_axes(window.dilation) != "1":
        out["dilation"] = show_axes(window.dilation)
    if window.groups != 1:
        out["groups"] = str(window.groups)
    return out


def _windowed(layer: Any, input_shape: Shape) -> dict[str, str]:
    return window_cells(layer.window(input_shape), getattr(layer, "convention", "torch"),
                        getattr(layer, "padding", 0))


def _transposed(layer: Any, input_shape: Shape) -> dict[str, str]:
    # its own arguments (Keras': the padding mode), not the window of the convolution it
    # transposes
    out = {"kernel": show_axes(layer.kernel_size), "stride": show_axes(layer.stride),
           "padding": show_axes(layer.padding)}
    if show_axes(layer.dilation) != "1":
        out["dilation"] = show_axes(layer.dilation)
    if layer.groups != 1:
        out["groups"] = str(layer.groups)
    return out


#: The kernel/stride/padding cells of each kind that has them, by kind name (every
#: convolution and pooling kind: the cells of its window).
GEOMETRY: dict[str, Callable[[Any, Shape], dict[str, str]]] = {
    **{kind.name: _windowed for family in ("conv", "pool") for kind in kinds.of_family(family)},
    "conv_transpose": _transposed,
    "adaptive_avg_pool": lambda layer, shape: {"kernel": f"-> {show_axes(layer.output_size)}"},
}


def geometry(layer: Layer, input_shape: Shape) -> dict[str, str]:
    """Kernel, stride, padding, dilation and groups as the table prints them ({}: none)."""
    cells = GEOMETRY.get(layer.kind_name)
    return cells(layer, input_shape) if cells else {}


def record_describe(record: Record) -> str:
    """A record's "type" words: from its spec, else the text it carries (a module's class)."""
    return describe(record.spec) if record.spec is not None else record.describe


def record_geometry(record: Record) -> dict[str, str]:
    """A record's cells, from the spec it shows (a traced module's: {} where that spec cannot
    read the traced input)."""
    spec = record.window_spec if record.window_spec is not None else record.spec
    if spec is None or not record.input_shape:
        return {}
    try:
        return geometry(spec, record.input_shape)
    except ConvArithError:
        if not record.traced:
            raise
        return {}
