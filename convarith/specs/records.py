"""One layer as a shape table sees it: the numbers of a spec at one input shape, or of a
traced module (:mod:`convarith.bridges.trace`); :mod:`convarith.tables.table` turns records
into rows, and :mod:`convarith.tables.records` writes a record's spec as text (a record
holds the spec, not its words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convarith.formulas.receptive import RFLayer
from convarith.specs.layers import Layer, Shape


@dataclass(frozen=True)
class Record:
    """One layer as a table sees it, from a spec or from a traced module."""

    name: str
    kind: str
    describe: str  # the "type" words of a record without a spec (a module's class); else ""
    input_shape: Shape
    output_shape: Shape
    params: Any
    buffers: Any = 0
    connections: Any = 0
    macs: Any = 0
    memory: Any = 0
    spec: Layer | None = None  # the layer the record is, when a spec says it exactly
    window_spec: Layer | None = None  # the spec whose kernel/stride/padding it shows (default: spec)
    lost: tuple[Any, ...] | None = None
    note: str = ""
    rf_effect: str = "pointwise"  # "window", "pointwise" or "global" (see convarith.layers)
    rf_steps: tuple[RFLayer, ...] | None = None
    # a traced record carries its receptive field (read from the graph, every path)
    traced: bool = False
    rf: tuple[Any, ...] | None = None
    jump: tuple[Any, ...] | None = None
    fields: tuple[Any, ...] | None = None  # per axis, a receptive.Field
    calls: str = ""  # "2/6": the 2nd of a module's 6 calls
    frozen: Any = 0  # parameters with requires_grad=False (included in params)


def spec_record(layer: Layer, input_shape: Shape, output_shape: Shape, *, dtype: str,
                batch: int, name: str = "") -> Record:
    """The record of one spec at one input shape (every number from the spec)."""
    steps = layer.rf_layers(input_shape) if layer.rf_effect == "window" else None
    effect = layer.rf_effect if layer.rf_effect != "window" or steps else "global"
    return Record(
        name=name or layer.name, kind=layer.kind, describe="", spec=layer,
        input_shape=input_shape, output_shape=output_shape,
        params=layer.params(input_shape), buffers=layer.buffers(input_shape),
        connections=layer.connections(input_shape), macs=layer.macs(input_shape),
        memory=layer.activation_bytes(input_shape, dtype=dtype, batch=batch),
        lost=layer.lost(input_shape), note=layer.note,
        rf_effect=effect, rf_steps=steps,
    )
