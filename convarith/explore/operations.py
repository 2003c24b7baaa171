"""The operation view's data: every configuration the page's controls can reach, computed
by the formula core, the derivations and the scenes, so the page only looks things up.

The page is 2-D, but every fact it shows is per axis: the output size, the derivation, the
error (the first failing axis wins, as the formula functions loop over the axes), the cells
of the padded input and the taps each output index reads. So the data holds one entry per
*per-axis* configuration, and the page puts two of them side by side. What couples the axes
is kept apart: the checks made before any axis (``padding="same"`` with a stride, average
pooling with a dilation) are looked up by the page's whole spelling in ``pre``.

An entry is computed from a 2-D call whose other axis is a neutral one (input 1, kernel 1,
stride 1, no padding): the derivation is :mod:`convarith.formulas.explain`'s own text, the error is
``Error: `` and :func:`~convarith.errors.one_line` of the raised
:class:`~convarith.errors.ConvArithError` (the line ``convarith size`` prints), once for
each dimension, and the cells are read from the scene of :mod:`convarith.figures.animation` (its grid
column 0 and the taps of the frames in output column 0).

Computing every entry takes a minute, so the result ships as package data
(``operations.json.gz``, rebuilt with ``python -m convarith.explore.operations``); the tests
recompute a sample of it and the browser tests compare the page with the real command line.

>>> entry = axis_entry("conv", (5, 3, 2, "1:1", 1))
>>> entry["o"], entry["lines"][0]
(3, '  o = ⌊(i + 2p − k)/s⌋ + 1')
>>> axis_entry("conv", (5, 7, 1, "0:0", 1))["errors"][1]
'Error: computing the output size of a convolution along dimension 2 for i=5, k=7, s=1, p=0, d=1: the effective kernel (7) is larger than the padded input (5). Use p >= 1, or k <= 5.'
"""

from __future__ import annotations

import gzip
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from convarith.choices import PADDING_MODES
from convarith.errors import ConvArithError, one_line

#: The range of each control, per axis (inclusive). Every value in them has an entry.
#: Chosen to keep the page under 1 MB: output padding reaches every value torch accepts
#: (``a < max(s, d) <= 3``) and one it rejects.
RANGES: dict[str, tuple[int, int]] = {
    "input": (1, 16),
    "kernel": (1, 7),
    "stride": (1, 3),
    "padding": (0, 3),
    "dilation": (1, 3),
    "output_padding": (0, 2),
}

#: The operations of the page, keyed by kind name (:mod:`convarith.kinds`): label, the
#: ``convarith size`` arguments naming it, the per-axis fields of its key (in order), whether
#: it pads each side apart (and by mode name), and the pooling mode.
OPERATIONS: dict[str, dict[str, Any]] = {
    "conv": {"label": "convolution", "command": "conv", "per_side": True,
             "fields": ("input", "kernel", "stride", "padding", "dilation")},
    "conv_transpose": {"label": "transposed convolution", "command": "transposed",
                       "per_side": False,
                       "fields": ("input", "kernel", "stride", "padding", "dilation",
                                  "output_padding")},
    "max_pool": {"label": "max pooling", "command": "pool --pool max", "per_side": False,
                 "pool": "max",
                 "fields": ("input", "kernel", "stride", "padding", "dilation", "ceil_mode")},
    "avg_pool": {"label": "average pooling", "command": "pool --pool avg", "per_side": False,
                 "pool": "avg",
                 "fields": ("input", "kernel", "stride", "padding", "dilation", "ceil_mode")},
}

#: Where the shipped data lives.
DATA_FILE = Path(__file__).with_name("operations.json.gz")

Axis = tuple[Any, ...]  # one axis' values, in the order of the operation's "fields"
Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]  # function, input, keywords


def _span(name: str) -> range:
    low, high = RANGES[name]
    return range(low, high + 1)


def field_values(kind: str) -> dict[str, list[Any]]:
    """The values each per-axis field of ``kind`` takes, in the order of the entries.

    A convolution's padding is ``"left:right"`` or a mode name (the mode is then the same on
    both axes); the others pad both sides alike; ceil mode is 0 or 1.

    >>> field_values("conv")["padding"][:3], field_values("max_pool")["ceil_mode"]
    (['0:0', '0:1', '0:2'], [0, 1])
    """
    values: dict[str, list[Any]] = {}
    for name in OPERATIONS[kind]["fields"]:
        if name == "ceil_mode":
            values[name] = [0, 1]
        elif name == "padding" and OPERATIONS[kind]["per_side"]:
            values[name] = [f"{left}:{right}" for left in _span("padding")
                            for right in _span("padding")] + list(PADDING_MODES)
        else:
            values[name] = list(_span(name))
    return values


def axis_keys(kind: str) -> Iterator[Axis]:
    """Every per-axis configuration of ``kind`` the controls reach, in the entries' order
    (the last field varies fastest).

    >>> next(axis_keys("conv")), next(axis_keys("max_pool"))
    ((1, 1, 1, '0:0', 1), (1, 1, 1, 0, 1, 0))
    """
    yield from itertools.product(*field_values(kind).values())


def _neutral(kind: str, axis: Axis) -> Axis:
    """An axis that is valid alone and leaves the other axis' messages as they are."""
    if kind == "conv":
        mode = axis[3] if axis[3] in PADDING_MODES else "0:0"
        return (1, 1, 1, mode, 1)
    if kind == "conv_transpose":
        return (1, 1, 1, 0, 1, 0)
    return (1, 1, 1, 0, 1, axis[5])


def _pair(a: Any, b: Any) -> Any:
    """Two axes' values as ``convarith size`` reads ``a`` (when equal) or ``axb``."""
    return a if a == b else (a, b)


def _padding(rows: Any, cols: Any) -> Any:
    """A convolution's padding as the command line reads the page's spelling."""
    if rows in PADDING_MODES:
        return rows
    pairs = [tuple(int(x) for x in p.split(":")) for p in (rows, cols)]
    if all(left == right for left, right in pairs):
        return _pair(pairs[0][0], pairs[1][0])
    return tuple(pairs)


def size_call(kind: str, rows: Axis, cols: Axis) -> Call:
    """The formula call ``convarith size`` makes for the page's two axes: function, input
    and keyword arguments, the values spelled as the page's command spells them."""
    from convarith.formulas import output_size as formulas

    sizes = (rows[0], cols[0])
    arguments: dict[str, Any] = {"kernel_size": _pair(rows[1], cols[1]),
                                 "stride": _pair(rows[2], cols[2]),
                                 "dilation": _pair(rows[4], cols[4])}
    if kind == "conv":
        arguments["padding"] = _padding(rows[3], cols[3])
        return formulas.conv_output_size, sizes, arguments
    arguments["padding"] = _pair(rows[3], cols[3])
    if kind == "conv_transpose":
        arguments["output_padding"] = _pair(rows[5], cols[5])
        return formulas.conv_transpose_output_size, sizes, arguments
    arguments["ceil_mode"] = bool(rows[5])
    arguments["kind"] = OPERATIONS[kind]["pool"]
    return formulas.pool_output_size, sizes, arguments


def error_line(error: ConvArithError) -> str:
    """The line ``convarith size`` prints for ``error``."""
    return f"Error: {one_line(error)}"


def _error(kind: str, rows: Axis, cols: Axis) -> str | None:
    compute, sizes, arguments = size_call(kind, rows, cols)
    try:
        compute(sizes, **arguments)
    except ConvArithError as error:
        return error_line(error)
    return None


def pre_key(kind: str, rows: Axis, cols: Axis) -> str:
    """The key of the checks that look at both axes at once: padding mode, strides,
    dilations.

    >>> pre_key("conv", (5, 3, 2, "same", 1), (5, 3, 1, "same", 1))
    'same 2 1 1 1'
    """
    mode = rows[3] if kind == "conv" and rows[3] in PADDING_MODES else "n"
    return f"{mode} {rows[2]} {cols[2]} {rows[4]} {cols[4]}"


def _pre_checks(kind: str) -> dict[str, str]:
    """The error of every (mode, strides, dilations) with neutral sizes, where there is one."""
    out = {}
    tail = () if kind == "conv" else (0,)
    for mode in ("n", *(PADDING_MODES if kind == "conv" else ())):
        padding = 0 if kind != "conv" else "0:0" if mode == "n" else mode
        for s1, s2, d1, d2 in itertools.product(_span("stride"), _span("stride"),
                                                _span("dilation"), _span("dilation")):
            text = _error(kind, (16, 1, s1, padding, d1, *tail), (16, 1, s2, padding, d2, *tail))
            if text is not None:
                out[f"{mode} {s1} {s2} {d1} {d2}"] = text
    return out


def axis_entry(kind: str, axis: Axis, pre: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Everything the page shows about one axis: output size, derivation lines, cells and
    taps; or the error line for dimension 1 and for dimension 2. None when a check on both
    axes (``pre``) already rejects it."""
    neutral = _neutral(kind, axis)
    text = _error(kind, axis, neutral)
    if text is not None:
        if pre is not None and pre.get(pre_key(kind, axis, neutral)) == text:
            return None
        return {"errors": (text, _error(kind, neutral, axis))}
    derivation = _derivation(kind, axis)
    scene = _scene(kind, axis, neutral)
    kinds = [row[0] for row in scene.input.kinds]
    taps = [[tap[0] for tap in frame.taps] for frame in scene.frames if frame.output_cell[1] == 0]
    return {"o": scene.output_shape[0], "what": derivation.what,
            "lines": derivation.text().splitlines()[1:], "kinds": kinds, "taps": taps}


def _derivation(kind: str, axis: Axis) -> Any:
    from convarith.formulas import explain

    i, k, s, p, d = axis[:5]
    if kind == "conv":
        padding = p if p in PADDING_MODES else (tuple(int(x) for x in p.split(":")),)
        return explain.explain_conv(i, k, stride=s, padding=padding, dilation=d)
    if kind == "conv_transpose":
        return explain.explain_conv_transpose(i, k, stride=s, padding=p, dilation=d,
                                              output_padding=axis[5])
    return explain.explain_pool(i, k, stride=s, padding=p, dilation=d, ceil_mode=bool(axis[5]))


def _scene(kind: str, rows: Axis, cols: Axis) -> Any:
    from convarith.figures import animation as scene

    _, sizes, arguments = size_call(kind, rows, cols)
    if kind == "conv":
        return scene.conv_scene(sizes, **arguments)
    if kind == "conv_transpose":
        return scene.transposed_scene(sizes, **arguments)
    return scene.pool_scene(sizes, **arguments)


def derivation_labels() -> dict[str, Any]:
    """The axis labels of a 2-D derivation, read from :mod:`convarith.formulas.explain` itself."""
    from convarith.formulas.explain import explain_conv

    every = explain_conv((3, 3), 1).axis
    first, second = (d.axis for d in explain_conv((3, 4), 1))
    return {"every": every, "dims": [first, second]}


# --------------------------------------------------------------------------- the payload


def build(progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The whole operation payload (some seconds of computing; :func:`load` reads the
    shipped one).

    ``operations[kind]["axes"]`` holds one entry per :func:`axis_keys` configuration, in that
    order: ``[o, lines, kinds, taps]``, or ``[dimension-1 error, dimension-2 error]``, or 0
    where ``pre`` (keyed by :func:`pre_key`) rejects every use of it. A text is inline when
    it occurs once and an index into ``lines`` when it recurs; ``kinds`` (a string of digits
    indexing ``cell_kinds``) and ``taps`` (the grid rows each output index reads) index
    ``lists``.
    """
    from convarith.figures.animation import CELL_KINDS

    raw: dict[str, list[Any]] = {}
    pres: dict[str, dict[str, str]] = {}
    whats: dict[str, str] = {}
    uses: dict[str, int] = {}
    for kind in OPERATIONS:
        pres[kind] = _pre_checks(kind)
        raw[kind] = []
        for axis in axis_keys(kind):
            entry = axis_entry(kind, axis, pres[kind])
            raw[kind].append(entry)
            texts = [] if entry is None else entry.get("errors") or entry["lines"]
            for text in texts:
                uses[text] = uses.get(text, 0) + 1
            if entry is not None and "what" in entry:
                whats[kind] = entry["what"]
        if progress:
            progress(f"{kind}: {len(raw[kind])} axis entries")
    lines: list[str] = sorted(t for t, n in uses.items() if n > 1)
    line_index = {t: n for n, t in enumerate(lines)}
    lists: list[Any] = []
    list_index: dict[str, int] = {}

    def text(t: str) -> Any:
        return line_index.get(t, t)

    def stored(item: Any) -> int:
        key = json.dumps(item)
        if key not in list_index:
            list_index[key] = len(lists)
            lists.append(item)
        return list_index[key]

    operations = {}
    for kind, info in OPERATIONS.items():
        axes: list[Any] = []
        for entry in raw[kind]:
            if entry is None:
                axes.append(0)
            elif "errors" in entry:
                axes.append([text(t) for t in entry["errors"]])
            else:
                kinds = "".join(str(CELL_KINDS.index(c)) for c in entry["kinds"])
                axes.append([entry["o"], [text(t) for t in entry["lines"]], stored(kinds),
                             stored(entry["taps"])])
        operations[kind] = {"label": info["label"], "command": info["command"],
                            "per_side": info["per_side"],
                            "values": field_values(kind), "what": whats[kind],
                            "pre": dict(pres[kind]), "axes": axes}
    return {"schema": "convarith.explore/1", "ranges": {k: list(v) for k, v in RANGES.items()},
            "padding_modes": list(PADDING_MODES), "cell_kinds": list(CELL_KINDS),
            "labels": derivation_labels(), "lines": lines, "lists": lists,
            "operations": operations}


def dumps(payload: dict[str, Any]) -> bytes:
    """The payload as compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def write(path: Path = DATA_FILE) -> int:
    """Rebuild the shipped data file (atomically); returns its size in bytes."""
    from convarith.atomic import atomic_write

    data = gzip.compress(dumps(build(lambda m: print(m, file=sys.stderr))), 9, mtime=0)
    with atomic_write(path) as out:
        out.write(data)
    return len(data)


def load() -> dict[str, Any]:
    """The shipped payload."""
    return json.loads(gzip.decompress(DATA_FILE.read_bytes()))


if __name__ == "__main__":
    print(f"{DATA_FILE}: {write():,} bytes")
