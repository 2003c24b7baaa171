"""Shape tables: a network, layer by layer, with every number from the formula core.

>>> t = table("alexnet")
>>> [row.name for row in t.rows][:4]
['input', 'conv1', 'pool1', 'conv2']
>>> t.rows[1].output_shape, t.rows[1].params
((96, 55, 55), 34944)
>>> t.totals["params"]
62378344
>>> print(table("lenet5-modern", columns=["layer", "output", "params"]).to_markdown())
| layer   | output (HxWxC) | params |
|:--------|:---------------|-------:|
| input   | 32x32x1        |        |
| C1      | 28x28x6        |    156 |
| S2      | 14x14x6        |        |
| C3      | 10x10x16       |  2,416 |
| S4      | 5x5x16         |        |
| flatten | 400            |        |
| C5      | 120            | 48,120 |
| F6      | 84             | 10,164 |
| output  | 10             |    850 |
| total   |                | 61,706 |
<BLANKLINE>
*lenet5-modern, input 1x32x32 (C x H x W).*

Rows are the network's layers; activations and dropout are folded into the row before them
("conv + relu"), unless ``fold=False``. The first row is the input.

The JSON schema (``to_dict()`` / ``to_json()``), ``"schema": "convarith.table/1"``::

    {
      "schema": "convarith.table/1",
      "model": str,                 # zoo name, "file.py:Net", or the module's class name
      "input_shape": [C, H, W],     # without the batch; ints, or strings when symbolic
      "shape_order": "hwc" | "chw", # how the text formats write shapes (JSON is always C,H,W)
      "dtype": str, "batch": int,   # what "memory" was counted for
      "columns": [str, ...],        # the columns the text formats show
      "rows": [{
          "index": int,             # 0 for the input, then 1-based position of the first layer
          "layers": [int, ...],     # positions of the layers folded into this row
          "name": str, "type": str,
          "kernel": str, "stride": str, "padding": str, "dilation": str, "groups": str,
          "input_shape": [..] | null, "output_shape": [..],
          "params": int, "buffers": int, "connections": int, "macs": int,
          "memory": int,            # bytes of the row's output
          "rf": [int per axis] | null, "jump": [int per axis] | null,
          "left": [int | null per axis] | null,  # first input pixel unit 0 sees (< 0: padding)
          "lost": [int per axis] | null,  # input rows/columns no window reaches
          "note": str
      }, ...],
      "totals": {"params", "buffers", "connections", "macs", "memory": int},
      "footnotes": [str, ...]
    }

Unit ``n`` of a row sees input pixels ``left + n jump`` to ``left + n jump + rf - 1`` per
axis (:meth:`RFRow.pixels`); ``left`` is null on an axis where the field repeats with a
period instead (after a transposed convolution or an upsampling: its jump is then often a
fraction, ``"1/2"``). :mod:`convarith.tables.schema` reads a file back.

A traced module's table adds ``"inputs": [{"name", "shape", "dtype"}, ...]``, ``"calls"``
(``"2/6"`` or ``""``) and ``"frozen"`` to every row, and ``"frozen"`` to the totals.

Counts are ints; in a symbolic table, sizes that depend on H and W are strings.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from convarith import kinds
from convarith.atomic import atomic_write
from convarith.choices import SHAPE_ORDERS, TABLE_COLUMNS, TABLE_FORMATS
from convarith.errors import ConvArithError
from convarith.formulas.notation import closing_bracket, show_axes
from convarith.formulas.receptive import RFLayer, RFRow, receptive_field
from convarith.specs.layers import Shape
from convarith.specs.network import Network
from convarith.specs.records import Record, spec_record
from convarith.tables.records import record_describe, record_geometry

#: Layer kinds folded into the row before them: element-wise, without parameters (the
#: activation and dropout families of :mod:`convarith.kinds`, by the titles records carry).
FOLDED_KINDS: tuple[str, ...] = tuple(kind.title for family in ("activation", "dropout")
                                      for kind in kinds.of_family(family))

BUFFERS_NOTE = ("Buffers: numbers kept with the model but not trained (batch norm's running "
                "mean and variance per channel and PyTorch's batch counter; fixed RBF "
                "prototypes); they are not in the parameter count.")

#: Columns shown when none are chosen ("dilation", "groups": only where not all 1).
DEFAULT_COLUMNS: tuple[str, ...] = ("index", "layer", "calls", "type", "kernel", "stride",
                                    "padding", "dilation", "groups", "output", "params",
                                    "frozen", "buffers", "macs", "memory", "rf", "jump", "note")
#: Columns shown in a symbolic table (MACs and memory would be long expressions).
SYMBOLIC_COLUMNS: tuple[str, ...] = ("index", "layer", "type", "kernel", "stride", "padding",
                                     "dilation", "groups", "output", "params", "buffers", "rf",
                                     "jump", "note")
# hidden when every row is empty
_OPTIONAL = ("dilation", "groups", "buffers", "note", "calls", "frozen")
_NUMERIC = ("index", "params", "buffers", "connections", "macs", "memory", "rf", "jump",
            "calls", "frozen")
_COUNTS = ("params", "buffers", "connections", "macs", "memory")
#: The count columns (a count of 0 shows as an empty cell, except memory).
COUNT_COLUMNS = _COUNTS


# --------------------------------------------------------------------------- records


def network_records(net: Network, *, dtype: str = "float32", batch: int = 1) -> list[Record]:
    return [spec_record(layer, i, o, dtype=dtype, batch=batch)
            for layer, (i, o) in zip(net.layers, net.flow())]


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One row of a table: a layer, with the element-wise layers after it folded in."""

    index: int
    layers: tuple[int, ...]
    name: str
    type: str
    kernel: str
    stride: str
    padding: str
    dilation: str
    groups: str
    input_shape: Shape | None
    output_shape: Shape
    params: Any
    buffers: Any
    connections: Any
    macs: Any
    memory: Any
    rf: tuple[int, ...] | None
    jump: tuple[int, ...] | None
    lost: tuple[Any, ...] | None
    note: str
    #: the receptive field per spatial axis (None on an axis no window has touched yet; the
    #: whole tuple None where ``rf`` is; a traced row's rf comes from its graph instead)
    fields: tuple[RFRow | None, ...] | None = None
    calls: str = ""
    frozen: Any = 0
    #: the kind of the row's first layer, as ``type`` writes it (what ``layer`` shows when
    #: the layer has no name)
    kind: str = ""

    @property
    def left(self) -> tuple[int | None, ...] | None:
        """Per spatial axis, the first input pixel output unit 0 sees (negative: in the
        padding), from the same fields as ``rf`` and ``jump``, so that unit ``n`` sees
        ``left + n jump`` to ``left + n jump + rf - 1``. None on an axis where no such rule
        holds: a field that repeats with a period (after a transposed convolution or an
        upsampling, :class:`~convarith.formulas.receptive.Field`; ``fields`` has every
        unit), or one that sees no input cell."""
        if self.rf is None:
            return None
        if self.fields is None:  # an input row: each unit sees itself
            return (0,) * len(self.rf)
        return tuple(0 if f is None else f.left if getattr(f, "period", 1) == 1 else None
                     for f in self.fields)


def _known_positive(value: Any) -> bool:
    return isinstance(value, int) and value > 0


def _lost_note(lost: tuple[Any, ...] | None) -> str:
    if not lost or not any(_known_positive(x) for x in lost):
        return ""
    axes = {1: ("position",), 2: ("row", "column"), 3: ("depth slice", "row", "column")}
    parts = [f"last {x} {axis}{'s' if x > 1 else ''}"
             for x, axis in zip(lost, axes[len(lost)]) if _known_positive(x)]
    return "never covered: " + " and ".join(parts) + " of its input"


def build_rows(input_shape: Shape, records: Sequence[Record], *, fold: bool = True,
               dtype: str = "float32", batch: int = 1,
               inputs: Sequence[tuple[str, Shape, Any]] = ()) -> list[Row]:
    """Rows from records: the input row, then one per record (folding element-wise layers).

    The receptive field of spec records stops at the first record whose effect is "global";
    a traced record carries its own (read from the graph, through every branch).
    ``inputs`` (name, shape, rf) gives one input row each instead of the single
    ``input_shape`` row (a traced model).
    """
    from convarith.formulas import counting

    groups: list[list[int]] = []
    for position, record in enumerate(records):
        if fold and groups and record.kind in FOLDED_KINDS:
            groups[-1].append(position)
        else:
            groups.append([position])

    dims = max(len(input_shape) - 1, 1)
    steps: list[list[RFLayer]] = [[] for _ in range(dims)]
    alive = len(input_shape) >= 2
    rows = [Row(0, (), "input", "input", "", "", "", "", "", None, tuple(input_shape),
                "", "", "", "", counting.activation_bytes(input_shape, dtype=dtype, batch=batch),
                (1,) * dims if alive else None, (1,) * dims if alive else None, None, "")]
    if inputs:
        rows = [Row(0, (), name, "input", "", "", "", "", "", None, tuple(shape), "", "", "",
                    "", counting.activation_bytes(shape, dtype=dtype, batch=batch),
                    rf, rf, None, "") for name, shape, rf in inputs]
    for group in groups:
        first, last = records[group[0]], records[group[-1]]
        for record in (records[p] for p in group):
            if record.rf_effect == "global":
                alive = False
            elif record.rf_effect == "window" and alive and record.rf_steps:
                if len(record.rf_steps) != dims:
                    alive = False
                else:
                    for axis, step in enumerate(record.rf_steps):
                        steps[axis].append(step)
        rf = jump = fields = None
        if last.traced:
            rf, jump, fields = last.rf, last.jump, last.fields
        elif alive:
            fields = [receptive_field(s)[-1] if s else None for s in steps]
            rf = tuple(f.r if f else 1 for f in fields)
            jump = tuple(f.j if f else 1 for f in fields)
        parts = [first.kind] + [record_describe(records[p]) for p in group[1:]]
        notes = [n for n in (first.note, _lost_note(first.lost)) if n]
        geometry = record_geometry(first)
        rows.append(Row(
            index=group[0] + 1, layers=tuple(p + 1 for p in group), name=first.name,
            type=" + ".join(parts), kernel=geometry.get("kernel", ""),
            stride=geometry.get("stride", ""), padding=geometry.get("padding", ""),
            dilation=geometry.get("dilation", ""), groups=geometry.get("groups", ""),
            input_shape=first.input_shape, output_shape=last.output_shape,
            params=sum(records[p].params for p in group),
            buffers=sum(records[p].buffers for p in group),
            connections=sum(records[p].connections for p in group),
            macs=sum(records[p].macs for p in group),
            memory=last.memory, rf=rf, jump=jump, lost=first.lost, note="; ".join(notes),
            fields=None if fields is None else tuple(fields),
            calls=first.calls, frozen=sum(records[p].frozen for p in group), kind=first.kind,
        ))
    return rows


# --------------------------------------------------------------------------- formatting


def _is_expression(value: Any) -> bool:
    return not isinstance(value, (int, float, str)) and value is not None


def show_value(value: Any) -> str:
    """An int with thousands separators, or an expression as a reader writes it."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    if _is_expression(value):
        from convarith.formulas.explain import tidy

        return str(tidy(merge_floors(value)))
    return str(value)


def merge_floors(expression: Any) -> Any:
    """Nested floors merged for display: ``floor((floor(x) + m)/c) = floor((x + m)/c)`` for
    integer m and positive integer c (Graham, Knuth & Patashnik, Concrete Mathematics,
    eq. 3.11), so two strided layers read ``floor((H - 7)/8)``, not ``floor(floor(..)/2)``.

    >>> import sympy
    >>> H = sympy.Symbol("H", integer=True, positive=True)
    >>> merge_floors(sympy.floor((sympy.floor((H - 7) / 4) - 2) / 2) + 1)
    floor(H/8 - 7/8)
    """
    import sympy

    def merged(floor: Any) -> Any:
        numerator, c = sympy.fraction(sympy.together(floor.args[0]))
        if not (c.is_Integer and c > 0):
            return None
        terms = sympy.Add.make_args(sympy.expand(numerator))
        inner = [t for t in terms if isinstance(t, sympy.floor)]
        if len(inner) != 1:
            return None
        rest = sympy.Add(*[t for t in terms if t is not inner[0]])
        if rest.is_integer is not True:
            return None
        return sympy.floor((inner[0].args[0] + rest) / c)

    while True:
        nested = [f for f in expression.atoms(sympy.floor)
                  if f.args[0].atoms(sympy.floor)]
        for floor in sorted(nested, key=sympy.count_ops):
            replacement = merged(floor)
            if replacement is not None:
                expression = expression.xreplace({floor: replacement})
                break
        else:
            return expression


def _atom(value: Any) -> str:
    """A shape entry that reads as one factor: ``55``, ``H``, ``floor((H - 7)/8)``,
    ``(floor((H - 7)/4) + 1)``."""
    text = show_value(value).replace(",", "")
    if not any(c in text for c in " +-*/"):
        return text
    if text.startswith("floor(") and closing_bracket(text, len("floor")) == len(text) - 1:
        return text
    return f"({text})"


def show_shape(shape: Shape | None, order: str) -> str:
    """``55x55x96`` (hwc) or ``96x55x55`` (chw); a vector is its length."""
    if shape is None:
        return ""
    if len(shape) == 1:
        return show_value(shape[0]).replace(",", "")
    parts = [_atom(x) for x in shape]
    if order == "hwc" and len(parts) > 1:
        parts = parts[1:] + parts[:1]
    plain = all(p.isalnum() for p in parts)
    return "x".join(parts) if plain else " x ".join(parts)


def human_count(value: Any) -> str:
    """``117.6K``, ``105.4M``, ``1.14G``; small numbers exactly.

    >>> human_count(105415200), human_count(840), human_count(1135906176)
    ('105.4M', '840', '1.14G')
    """
    if not isinstance(value, int):
        return show_value(value)
    for size, unit, digits in ((10**9, "G", 2), (10**6, "M", 1), (10**3, "K", 1)):
        if value >= size:
            return f"{value / size:.{digits}f}{unit}"
    return str(value)


def human_bytes(value: Any) -> str:
    """``1.1 MiB``, ``18.4 KiB``, ``840 B``.

    >>> human_bytes(1161600), human_bytes(18816), human_bytes(40)
    ('1.1 MiB', '18.4 KiB', '40 B')
    """
    if not isinstance(value, int):
        return show_value(value)
    for size, unit in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def _plain(value: Any) -> Any:
    """A JSON-ready value: ints stay, expressions become strings, tuples become lists."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Fraction):
        return str(value)
    return show_value(value)


# --------------------------------------------------------------------------- the table

#: Each column's header (``{layout}``: :meth:`Table.layout`).
HEADERS: dict[str, str] = {
    "index": "#", "layer": "layer", "type": "type", "kernel": "kernel", "stride": "stride",
    "padding": "pad", "dilation": "dil", "groups": "groups", "output": "output ({layout})",
    "params": "params", "buffers": "buffers", "connections": "connections", "macs": "MACs",
    "memory": "memory", "rf": "RF", "jump": "jump", "note": "note", "calls": "calls",
    "frozen": "frozen"}
#: The spatial axes' letters of an input of this many dimensions (channels first).
AXIS_LETTERS: dict[int, str] = {2: "L", 3: "HW", 4: "DHW"}


@dataclass(frozen=True)
class Table:
    """A shape table: ``rows`` (the first is the input), ``totals`` and renderers."""

    model: str
    input_shape: Shape
    rows: tuple[Row, ...]
    totals: dict[str, Any]
    columns: tuple[str, ...]
    footnotes: tuple[str, ...] = ()
    order: str = "hwc"
    dtype: str = "float32"
    batch: int = 1
    exact: bool = False
    channels_last: bool = False  # the caption writes the input H x W x C, as Keras does
    #: a traced module's inputs, as ``(name, shape, dtype)`` (a spec table has one input)
    inputs: tuple[tuple[str, Shape, str], ...] = ()

    # ------------------------------------------------------------- cells

    def header(self, column: str) -> str:
        return HEADERS[column].format(layout=self.layout())

    def layout(self) -> str:
        """How shapes are written: ``HxWxC``, ``CxHxW``, ``LxC``, ``DxHxWxC``, ..."""
        axes = AXIS_LETTERS.get(len(self.input_shape), "")
        letters = [*axes, "C"] if self.order == "hwc" else ["C", *axes]
        return "x".join(letters)

    def cell(self, row: Row | None, column: str) -> str:
        """The text of one cell (``row=None``: the totals row)."""
        if row is None:
            if column == "layer":
                return "total"
            if column in _COUNTS:
                return self._count(column, self.totals[column])
            if column == "frozen":
                return show_value(self.totals.get("frozen", 0) or "")
            return ""
        if column == "index":
            return str(row.index) if row.index else ""
        if column == "layer":
            return row.name or row.kind or row.type
        if column == "output":
            return show_shape(row.output_shape, self.order)
        if column in _COUNTS:
            value = getattr(row, column)
            if row.index == 0 and column != "memory":
                return ""
            if column != "memory" and value == 0:
                return ""
            return self._count(column, value)
        if column in ("rf", "jump"):
            return "" if getattr(row, column) is None else show_axes(getattr(row, column))
        if column == "frozen":
            return show_value(row.frozen) if row.frozen else ""
        return str(getattr(row, column))

    def _count(self, column: str, value: Any) -> str:
        if self.exact or column in ("params", "buffers", "connections"):
            return show_value(value)
        return human_bytes(value) if column == "memory" else human_count(value)

    @property
    def has_totals(self) -> bool:
        """Whether a totals row is shown: only when some count column is."""
        return any(c in _COUNTS for c in self.columns)

    def grid(self) -> tuple[list[str], list[list[str]], list[str] | None]:
        """Headers, the cells of every row, and the totals row (None: no count column)."""
        cells = [[self.cell(row, c) for c in self.columns] for row in self.rows]
        totals = [self.cell(None, c) for c in self.columns] if self.has_totals else None
        return [self.header(c) for c in self.columns], cells, totals

    def caption(self) -> str:
        if self.inputs:
            return self._traced_caption()
        shape = "x".join(show_value(x) for x in self.input_shape)
        counted = ""
        if any(c in self.columns for c in ("macs", "memory")):
            images = "one image" if self.batch == 1 else f"a batch of {self.batch}"
            counted = f"; MACs per image, memory of {self.dtype} outputs for {images}"
        letters = ["C", *{2: "L", 3: "HW", 4: "DHW"}.get(len(self.input_shape), "")]
        if self.channels_last and len(self.input_shape) > 1:
            letters = letters[1:] + letters[:1]
            shape = "x".join(show_value(x) for x in (*self.input_shape[1:],
                                                      self.input_shape[0]))
        return f"{self.model}, input {shape} ({' x '.join(letters)}){counted}."

    def _traced_caption(self) -> str:
        shown = []
        for name, shape, dtype in self.inputs:
            text = "x".join(str(x) for x in shape) or "a scalar"
            axes = " x ".join(["C", *{2: "L", 3: "HW", 4: "DHW"}.get(len(shape), "")]) \
                if len(shape) >= 2 and dtype.startswith(("float", "bfloat")) else ""
            text += f" ({axes})" if axes else ""
            text += f" {dtype}" if dtype != "float32" else ""
            automatic = name == "input" or name.startswith("input ")
            shown.append(text if automatic else f"{name} {text}")
        inputs = ("inputs " + ", ".join(shown)) if len(shown) > 1 else f"input {shown[0]}"
        counted = ""
        if any(c in self.columns for c in ("macs", "memory")):
            images = "one example" if self.batch == 1 else f"a batch of {self.batch}"
            counted = f"; MACs per example, memory of {self.dtype} outputs for {images}"
        return f"{self.model}, {inputs}{counted}."

    # ------------------------------------------------------------- renderers

    def render_terminal(self, *, color: bool = False) -> str:
        """Aligned plain text; ``color=True`` adds bold headers and totals (ANSI)."""
        headers, cells, totals = self.grid()
        every = cells + ([totals] if totals else [])
        widths = [max(len(h), *(len(r[i]) for r in every)) for i, h in enumerate(headers)]
        numeric = [c in _NUMERIC for c in self.columns]

        def line(values: list[str]) -> str:
            padded = [v.rjust(w) if n else v.ljust(w)
                      for v, w, n in zip(values, widths, numeric)]
            return "  ".join(padded).rstrip()

        def bold(text: str) -> str:
            return f"\x1b[1m{text}\x1b[0m" if color else text

        rule = "  ".join("-" * w for w in widths)
        out = [bold(line(headers)), rule, *(line(r) for r in cells)]
        if totals:
            out += [rule, bold(line(totals))]
        out += ["", self.caption(), *self.footnotes]
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        headers, cells, totals = self.grid()
        cells = cells + ([totals] if totals else [])
        widths = [max(len(h), *(len(r[i]) for r in cells), 3) for i, h in enumerate(headers)]
        numeric = [c in _NUMERIC for c in self.columns]

        def line(values: list[str]) -> str:
            padded = [v.rjust(w) if n else v.ljust(w)
                      for v, w, n in zip(values, widths, numeric)]
            return "| " + " | ".join(padded) + " |"

        rule = "|" + "|".join((("-" * (w + 1)) + ":") if n else (":" + "-" * (w + 1))
                              for w, n in zip(widths, numeric)) + "|"
        out = [line(headers), rule, *(line(r) for r in cells), "", f"*{self.caption()}*"]
        out += [f"\n{note}" for note in self.footnotes]
        return "\n".join(out) + "\n"

    def to_latex(self) -> str:
        """A booktabs ``tabular`` (``\\usepackage{booktabs}``), footnotes below it."""
        headers, cells, totals = self.grid()
        spec = "".join("r" if c in _NUMERIC else "l" for c in self.columns)
        out = [f"% {self.caption()}", f"\\begin{{tabular}}{{{spec}}}", r"\toprule",
               " & ".join(_latex(h) for h in headers) + r" \\", r"\midrule"]
        out += [" & ".join(_latex(v) for v in r) + r" \\" for r in cells]
        if totals:
            out += [r"\midrule", " & ".join(_latex(v) for v in totals) + r" \\"]
        out += [r"\bottomrule", r"\end{tabular}"]
        out += [f"\\par\\smallskip{{\\footnotesize {_latex(note)}}}" for note in self.footnotes]
        return "\n".join(out) + "\n"

    def to_csv(self) -> str:
        """One line per row then the totals; counts exact, shapes in the table's order."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for row in (*self.rows, None) if self.has_totals else self.rows:
            values = []
            for column in self.columns:
                if column in _COUNTS:
                    value = self.totals[column] if row is None else getattr(row, column)
                    values.append("" if row is not None and row.index == 0 and
                                  column != "memory" else _csv_value(value))
                else:
                    values.append(self.cell(row, column))
            writer.writerow(values)
        return buffer.getvalue()

    def to_dict(self) -> dict[str, Any]:
        """Everything in the table, in the schema of the module doc."""
        rows = []
        for row in self.rows:
            rows.append({
                "index": row.index, "layers": list(row.layers), "name": row.name,
                "type": row.type, "kernel": row.kernel, "stride": row.stride,
                "padding": row.padding, "dilation": row.dilation, "groups": row.groups,
                "input_shape": _plain(row.input_shape), "output_shape": _plain(row.output_shape),
                **{c: _plain(getattr(row, c) or 0) for c in _COUNTS},
                "rf": _plain(row.rf), "jump": _plain(row.jump), "left": _plain(row.left),
                "lost": _plain(row.lost),
                "note": row.note,
            })
            if self.inputs:
                rows[-1].update(calls=row.calls, frozen=row.frozen or 0)
        out = {
            "schema": "convarith.table/1", "model": self.model,
            "input_shape": _plain(self.input_shape), "shape_order": self.order,
            "dtype": self.dtype, "batch": self.batch, "columns": list(self.columns),
            "rows": rows, "totals": {c: _plain(v) for c, v in self.totals.items()},
            "footnotes": list(self.footnotes),
        }
        if self.inputs:  # a traced module: every input, by name
            out["inputs"] = [{"name": n, "shape": list(s), "dtype": d}
                             for n, s, d in self.inputs]
        return out

    def to_json(self, *, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent) + "\n"

    def write(self, path: str | os.PathLike[str], format: str | None = None) -> str:
        """Write the table to ``path`` atomically (temporary file, then rename); the format
        defaults from the suffix (.md, .tex, .csv, .json, else terminal text)."""
        target = Path(path)
        if format is None:
            by_suffix = {".md": "markdown", ".tex": "latex", ".csv": "csv", ".json": "json",
                         ".txt": "terminal", "": "terminal"}
            if target.suffix.lower() not in by_suffix:
                raise ConvArithError(
                    f"Error writing the table to {target}: {target.suffix} is not a format "
                    "convarith writes (terminal text would land in it). Use .md, .tex, .csv, "
                    ".json or .txt, or name the format with --format."
                )
            format = by_suffix[target.suffix.lower()]
        text = self.render(format)
        with atomic_write(target, text=True, what="the table") as out:
            out.write(text)
        return format

    def render(self, format: str = "terminal", *, color: bool = False) -> str:
        """The table in one of :data:`convarith.choices.TABLE_FORMATS`."""
        if format not in TABLE_FORMATS:
            raise ConvArithError(
                f"Error rendering a table: format={format!r} is not known. "
                f"Use one of {', '.join(TABLE_FORMATS)}."
            )
        if format == "terminal":
            return self.render_terminal(color=color)
        return {"markdown": self.to_markdown, "latex": self.to_latex, "csv": self.to_csv,
                "json": self.to_json}[format]()

    # ------------------------------------------------------------- notebooks

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        headers, cells, totals = self.grid()
        align = ["right" if c in _NUMERIC else "left" for c in self.columns]

        def tr(values: list[str], tag: str) -> str:
            return "<tr>" + "".join(f'<{tag} style="text-align:{a}">{html.escape(v)}</{tag}>'
                                    for v, a in zip(values, align)) + "</tr>"

        body = "".join(tr(r, "td") for r in cells) + (tr(totals, "th") if totals else "")
        notes = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in self.footnotes)
        return (f"<table><caption>{html.escape(self.caption())}</caption>"
                f"<thead>{tr(headers, 'th')}</thead><tbody>{body}</tbody></table>{notes}")

    def __str__(self) -> str:
        return self.render_terminal()


def _csv_value(value: Any) -> str:
    return str(value) if isinstance(value, int) else show_value(value)


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}"}


def _latex(text: str) -> str:
    escaped = "".join(_LATEX_SPECIAL.get(c, c) for c in text)
    # 55x55x96 -> 55$\times$55$\times$96 (only between digits or closing brackets)
    import re

    return re.sub(r"(?<=[\d)CDHLW])( x |x)(?=[\d(CDHLWf])", r"$\\times$", escaped)


# --------------------------------------------------------------------------- building


def _choose_columns(columns: Iterable[str] | None, rows: Sequence[Row], *, symbolic: bool,
                    extra: Sequence[str] = ()) -> tuple[str, ...]:
    if columns is not None:
        chosen = [c.strip() for c in (columns.split(",") if isinstance(columns, str)
                                      else columns)]
        unknown = [c for c in chosen if c not in TABLE_COLUMNS]
        if unknown:
            raise ConvArithError(
                f"Error choosing table columns: {', '.join(map(repr, unknown))} not known. "
                f"Use some of {', '.join(TABLE_COLUMNS)}."
            )
        return tuple(chosen)
    base = list(SYMBOLIC_COLUMNS if symbolic else DEFAULT_COLUMNS)
    for column in extra:
        if column not in base:
            base.insert(base.index("params") + 1, column)
    return tuple(c for c in base
                 if c not in _OPTIONAL or any(getattr(r, c) for r in rows))


def _input_shape(net_shape: Shape, input: Any, *, symbolic: bool) -> Shape:
    """The input shape asked for: ``(C, H, W)``, ``(H, W)`` or one size (square)."""
    if isinstance(input, str):
        from convarith.notation import parse_size

        input = parse_size(input)
    if isinstance(input, list):
        raise ConvArithError(
            f"Error building a table: a zoo model or Network has one input, not {len(input)}. "
            "Give one --input."
        )
    if input is None:
        shape = tuple(net_shape)
    elif isinstance(input, int):
        shape = (net_shape[0],) + (input,) * (len(net_shape) - 1)
    else:
        shape = tuple(input)
        if len(shape) == len(net_shape) - 1:
            shape = (net_shape[0], *shape)
    if symbolic:
        import sympy

        names = {2: "L", 3: "HW", 4: "DHW"}[len(shape)]
        symbols = [sympy.Symbol(n, integer=True, positive=True) for n in names]
        shape = (shape[0], *symbols)
    return shape


def resolve(model: Any, **options: Any) -> Network | Any:
    """A zoo name, ``file.py:Name`` / ``package.module:factory``, a Network or a module."""
    if isinstance(model, Network):
        return model
    if isinstance(model, str):
        if ":" in model or model.endswith(".py"):  # user code: FILE.py:NAME, module:NAME
            from convarith.bridges.trace import load

            # a Keras model file runs Keras on the torch backend (the "keras" extra)
            os.environ.setdefault("KERAS_BACKEND", "torch")

            return load(model, **options)
        from convarith.specs import zoo

        return zoo.get(model, **options)
    return model


def table(model: Any, input: Any = None, *, columns: Iterable[str] | str | None = None,
          symbolic: bool = False, order: str = "hwc", dtype: str = "float32", batch: int = 1,
          fold: bool = True, exact: bool = False, channels_last: bool | None = None,
          depth: int | None = None, mode: str = "eval", device: str = "meta",
          **options: Any) -> Table:
    """The shape table of a zoo model (by name), a :class:`Network`, or any
    ``torch.nn.Module`` (traced on the meta device, :func:`convarith.trace.trace`; give
    ``input``: a shape, ``"16:int64"``, an example tensor, a list of them, or a dict of
    keyword inputs; ``depth``, ``mode`` and ``device`` are the tracer's).

    For a zoo model, ``input`` is ``(C, H, W)`` (``(H, W)`` or one size keep the model's
    channels);
    ``symbolic=True`` writes every size as an expression of H and W; ``columns`` picks
    among :data:`convarith.choices.TABLE_COLUMNS`; ``order`` is "hwc" (course notes) or
    "chw" (PyTorch); ``options`` go to the zoo (``in_channels``, ``num_classes``, ...).
    ``channels_last=True``: ``input`` is ``(H, W, C)`` (Keras' order) and the caption writes
    it so; the default is True for a ``keras.Model`` (its layers become specs with Keras'
    convention, see :mod:`convarith.bridges.keras`), False otherwise.

    >>> table("alexnet", (3, 227, 227)).rows[1].output_shape
    (96, 56, 56)
    >>> show_value(table("alexnet", symbolic=True).rows[1].output_shape[1])
    'floor((H - 7)/4) + 1'
    """
    if order not in SHAPE_ORDERS:
        raise ConvArithError(
            f"Error building a table: order={order!r} is not known. "
            f"Use one of {', '.join(SHAPE_ORDERS)}."
        )
    resolved = resolve(model, **options)
    from convarith.bridges.keras import channels_first, is_keras_model

    if channels_last is None:
        channels_last = is_keras_model(resolved)
    if isinstance(input, str) and (is_keras_model(resolved) or isinstance(resolved, Network)):
        from convarith.formulas.notation import parse_size

        input = parse_size(input)  # one size, as --input gives it
    if channels_last and isinstance(input, (tuple, list)):
        input = channels_first(input)
    if is_keras_model(resolved):
        from convarith.bridges.keras import keras_records

        shape, records, notes = keras_records(resolved, input, dtype=dtype, batch=batch)
        name = model if isinstance(model, str) else resolved.name
        footnotes, extra = tuple(notes), ()
    elif isinstance(resolved, Network):
        shape = _input_shape(resolved.input_shape, input, symbolic=symbolic)
        net = resolved.with_input(shape)
        records = network_records(net, dtype=dtype, batch=batch)
        name, footnotes, extra = net.name, net.footnotes, net.table_columns
    else:
        from convarith.bridges.trace import trace

        if input is None:
            raise ConvArithError(
                f"Error tracing {type(resolved).__name__}: no input shape. "
                "Give one, e.g. input=(3, 224, 224) or --input 3x224x224."
            )
        if symbolic:
            raise ConvArithError(
                f"Error tracing {type(resolved).__name__}: symbolic sizes need a zoo model "
                "or a Network; a traced module runs on numbers. Drop symbolic."
            )
        traced = trace(resolved, input, dtype=dtype, batch=batch, depth=depth, mode=mode,
                       device=device)
        shape, records = traced.input_shape, traced.records
        name = model if isinstance(model, str) else type(resolved).__name__
        footnotes, extra = traced.footnotes, ()
        inputs = tuple((d.name, d.shape, d.dtype) for d in traced.inputs)
        first_rf = [(1,) * (len(d.shape) - 1) if len(d.shape) >= 2 and
                    d.dtype.startswith(("float", "bfloat")) else None for d in traced.inputs]
        rows = build_rows(shape, records, fold=fold, dtype=dtype, batch=batch,
                          inputs=[(n, s, rf) for (n, s, _), rf in zip(inputs, first_rf)])
        if not any(rf for rf in first_rf):
            order = "chw"  # tokens or feature vectors: shapes as torch writes them
        counted = [r for r in rows if r.index]
        totals = {c: sum(getattr(r, c) for r in counted) for c in _COUNTS}
        totals["frozen"] = sum(r.frozen for r in counted)
        chosen = _choose_columns(columns, rows, symbolic=False, extra=extra)
        if "buffers" in chosen:
            footnotes = (*footnotes, BUFFERS_NOTE)
        return Table(name, shape, tuple(rows), totals, chosen, tuple(footnotes), order, dtype,
                     batch, exact, inputs=inputs)
    rows = build_rows(shape, records, fold=fold, dtype=dtype, batch=batch)
    totals = {c: sum(getattr(r, c) for r in rows[1:]) for c in _COUNTS}
    chosen = _choose_columns(columns, rows, symbolic=symbolic, extra=extra)
    if "buffers" in chosen:
        footnotes = (*footnotes, BUFFERS_NOTE)
    return Table(name, shape, tuple(rows), totals, chosen, tuple(footnotes), order, dtype,
                 batch, exact, channels_last)


def verify(model: Any, input: Any = None, **options: Any) -> list[str]:
    """Check a model's rows against torch: a zoo model or Network is built with
    ``to_torch()`` and compared layer by layer; a module is traced on the meta device and
    compared with a real forward on CPU (every row's output shape) and with
    ``model.parameters()`` (the unique total), and each module convarith knows is compared
    with its spec. The mismatches, one line each (empty: all agree).

    >>> verify("alexnet", (3, 227, 227))
    []
    """
    from convarith.bridges.keras import channels_first, is_keras_model, keras_mismatches
    from convarith.bridges.trace import compare_with_real_forward

    mode = options.pop("mode", "eval")
    resolved = resolve(model, **options)
    if is_keras_model(resolved):  # against Keras' own shapes, at the model's own input
        own = channels_first(tuple(resolved.inputs[0].shape)[1:])
        if input is not None and channels_first(input) != own:
            raise ConvArithError(
                f"Error verifying the Keras model {resolved.name}: Keras knows its shapes at "
                f"its own input {'x'.join(map(str, (*own[1:], own[0])))} (H x W x C) only. "
                "Drop --input to verify.")
        return keras_mismatches(resolved)
    if isinstance(resolved, Network):
        return resolved.with_input(_input_shape(resolved.input_shape, input,
                                                symbolic=False)).check_torch()
    if input is None:
        raise ConvArithError(
            f"Error verifying {type(resolved).__name__}: no input shape. "
            "Give one, e.g. input=(3, 224, 224) or --input 3x224x224."
        )
    return compare_with_real_forward(resolved, input, mode=mode)


class _CallableModule(types.ModuleType):
    """``convarith.table`` is this module and also the function: importing the submodule
    sets the package attribute ``table`` to the module, which would hide a function of the
    same name, so the module itself answers ``convarith.table("alexnet")``."""

    def __call__(self, model: Any, input: Any = None, **options: Any) -> Table:
        return table(model, input, **options)


sys.modules[__name__].__class__ = _CallableModule
