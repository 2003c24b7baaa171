"""Scenes: what a convolution-arithmetic animation shows, as data.

A scene is the plan of an animation: the grid the kernel slides over (real input, zero
padding, the zeros a transposed convolution inserts, rows no window reaches), and one frame
per output position with the kernel's taps, the output cell being written and, when values
are shown, the number computed. :mod:`convarith.figures.animation_render` draws it; tests assert on it.

Every geometric fact comes from the formula core (:mod:`convarith.formulas.output_size`): the number of
frames is the output size, the window of output ``n`` starts at ``n*s - p`` (Dumoulin & Visin,
"A guide to convolution arithmetic for deep learning", arXiv:1603.07285), the lost rows and
columns are :func:`~convarith.formulas.output_size.lost_axis`, and the caption is the derivation of
:mod:`convarith.formulas.explain` with the numbers put in.

>>> scene = conv_scene(5, kernel_size=3, stride=2, padding=1)
>>> scene.output_shape, len(scene.frames)
((3, 3), 9)
>>> scene.frames[1].window_start
(-1, 1)
>>> print(scene.caption[0])
o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊(5 + 2·1 − 3)/2⌋ + 1 = ⌊4/2⌋ + 1 = 2 + 1 = 3
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convarith import kinds as layer_kinds
from convarith.choices import POOL_MODES
from convarith.errors import ConvArithError
from convarith.formulas.explain import (
    Derivations,
    explain_conv,
    explain_conv_transpose,
    explain_pool,
)
from convarith.formulas.notation import show_axes, show_pads
from convarith.formulas.output_size import (
    conv_arguments,
    conv_axis,
    conv_output_size,
    conv_transpose_output_size,
    lost_axis,
    pool_output_size,
    stretched_size,
    transposed_padding,
    window_reach,
)

#: What a grid cell is, in the order that wins when a row and a column disagree (a cell in a
#: padding row and an input column is padding).
CELL_KINDS: tuple[str, ...] = ("beyond", "cropped", "unreached", "padding", "lost", "inserted",
                               "input")

#: Seconds each frame is shown: numerical and pooling frames carry a sum or a maximum in their
#: note, so they stay twice as long; the last frame is held :data:`HOLD_FACTOR` times as long.
FRAME_SECONDS: dict[str, float] = {"conv": 1.0, "transposed": 1.0, "numerical": 2.0,
                                   "pool": 2.0}
HOLD_FACTOR = 3

#: The values of Figure 1.1 of arXiv:1603.07285 (Dumoulin & Visin), the classic numerical
#: convolution: a 5x5 input and a 3x3 kernel giving 12 12 17 / 10 17 19 / 9 6 14.
PAPER_INPUT: tuple[tuple[int, ...], ...] = (
    (3, 3, 2, 1, 0), (0, 0, 1, 3, 1), (3, 1, 2, 2, 3), (2, 0, 0, 2, 2), (2, 0, 0, 0, 1),
)
PAPER_KERNEL: tuple[tuple[int, ...], ...] = ((0, 1, 2), (2, 2, 0), (0, 1, 2))

#: The pooling figures' 5x5 input: each 3x3 window (stride 1) has its maximum in a different
#: cell (9 7 8 / 6 4 5 / 8 7 9), and so do the 2x2 windows of stride 2, so the reader sees
#: the maximum move; no window holds a tie.
POOL_INPUT: tuple[tuple[int, ...], ...] = (
    (9, 1, 7, 2, 8), (2, 4, 0, 3, 1), (6, 1, 3, 0, 5), (0, 2, 1, 2, 1), (8, 0, 7, 2, 9),
)

#: Animations longer than this are refused: no lecture needs them and they take minutes.
MAX_FRAMES = 1024

Cell = tuple[int, int]


@dataclass(frozen=True)
class Grid:
    """The cells the kernel slides over: their kinds and (optionally) their values.

    Grid cell ``(0, 0)`` is cell ``origin`` of the unpadded input (negative: padding), so
    input cell ``(r, c)`` sits at grid cell ``(r - origin[0], c - origin[1])``. For a
    transposed convolution the input is the stretched one (zeros inserted).
    """

    kinds: tuple[tuple[str, ...], ...]
    values: tuple[tuple[float | None, ...], ...] | None = None
    origin: Cell = (0, 0)

    @property
    def shape(self) -> Cell:
        return len(self.kinds), len(self.kinds[0])

    def count(self, kind: str) -> int:
        """How many cells are of ``kind``.

        >>> conv_scene(4, kernel_size=3, padding=1).input.count("padding")
        20
        """
        return sum(row.count(kind) for row in self.kinds)


@dataclass(frozen=True)
class Frame:
    """One step: the kernel over one window, writing one output cell."""

    step: int
    output_cell: Cell
    window_start: Cell  # in input coordinates: index*stride - padding, per axis
    taps: tuple[Cell, ...]  # grid cells under the kernel's taps (dilation leaves gaps)
    window: tuple[Cell, Cell]  # grid cells of the window's first and last corner
    weights: tuple[float, ...] | None = None  # kernel weight of each tap (numerical)
    chosen: tuple[Cell, ...] = ()  # grid cells holding the maximum (max pooling)
    value: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Scene:
    """An animation: the grid, the output's shape and values, one frame per output cell."""

    kind: str
    title: str
    input: Grid
    output_shape: Cell
    input_size: Cell  # the real input, before padding (or stretching)
    frames: tuple[Frame, ...]
    caption: tuple[str, ...]  # the output-size formula with the numbers, one line per axis
    notes: tuple[str, ...] = ()
    output_values: tuple[tuple[float, ...], ...] | None = None
    kernel_values: tuple[tuple[float, ...], ...] | None = None
    subtitle: str = ""  # a transposed convolution names the convolution it transposes
    input_label: str = ""  # "input 3×3, stretched and padded to 8×8"
    #: the legend's words for a padding cell: what the kind's window reads there
    padding_name: str = "zero padding"

    @property
    def window_name(self) -> str:
        """What slides over the input: a pooling layer has a window, not a kernel."""
        return "window" if self.kind == "pool" else "kernel"

    def durations(self, fps: float | None = None) -> tuple[float, ...]:
        """Seconds per frame: :data:`FRAME_SECONDS` of the kind (or ``1/fps``), the last
        frame held :data:`HOLD_FACTOR` times as long.

        >>> conv_scene(3, kernel_size=2).durations()
        (1.0, 1.0, 1.0, 3.0)
        >>> pool_scene(4, kernel_size=2).durations(fps=4)
        (0.25, 0.25, 0.25, 0.75)
        """
        base = FRAME_SECONDS[self.kind] if fps is None else 1 / fps
        return (base,) * (len(self.frames) - 1) + (HOLD_FACTOR * base,)


# --------------------------------------------------------------------------- arguments


def _two_d(value: Any, name: str, what: str) -> Any:
    """A scalar as ``(v, v)``; a pair as it is; anything else is an error."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConvArithError(
                f"Error building the {what} animation: {name}={value!r} has {len(value)} "
                f"entries, but animations are 2-D. Give one number or rows x cols, e.g. 4x4."
            )
        return tuple(value)
    return (value, value)


def _padding_2d(padding: Any, what: str) -> Any:
    if isinstance(padding, str):
        return padding
    return _two_d(padding, "padding", what)


def _limit(frames: int, what: str, shape: Cell) -> None:
    if frames > MAX_FRAMES:
        raise ConvArithError(
            f"Error building the {what} animation: the output is {shape[0]}x{shape[1]}, "
            f"{frames} frames, more than {MAX_FRAMES}. Use a smaller input or a larger stride."
        )


def _caption(derivations: Derivations) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One line per axis, ``o = formula = numbers = ... = result``, and the notes.

    The lines are :meth:`Derivation.text`'s own, joined (so the caption is the derivation).
    """
    axes = {" (dimension 1)": "rows: ", " (dimension 2)": "cols: "}
    lines, notes = [], []
    for derivation in derivations:
        text = derivation.text().splitlines()
        formula = text[1].strip()
        steps = [line.strip() for line in text[2:2 + len(derivation.steps)]]
        lines.append(axes.get(derivation.axis, "") + " ".join([formula, *steps]))
        prefix = axes.get(derivation.axis, "")
        notes += [prefix + note for note in derivation.notes]
    return tuple(lines), tuple(notes)


def _cell_kind(row: str, col: str) -> str:
    return row if CELL_KINDS.index(row) <= CELL_KINDS.index(col) else col


def _kinds(rows: Sequence[str], cols: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Cell kinds from the row's and the column's, the earlier in :data:`CELL_KINDS` winning
    (the explorer page combines the per-axis kinds by the same rule)."""
    return tuple(tuple(_cell_kind(r, c) for c in cols) for r in rows)


def _axis_kinds(i: int, left: int, right: int, *, lost: int = 0, extent: int | None = None,
                stretch: int = 1, reach: int | None = None) -> list[str]:
    """Per-axis kinds: ``left`` padding, the input (every ``stretch``-th cell real, the rest
    inserted zeros, the last ``lost`` real ones lost), ``right`` padding (from ``reach`` on,
    where no window gets, unreached), then cells beyond the padded input up to ``extent``
    (ceil-mode pooling windows hang over the end)."""
    span = stretched_size(i, stretch)
    kinds = ["padding"] * left
    for x in range(span):
        if x % stretch:
            kinds.append("inserted")
        else:
            kinds.append("lost" if x // stretch >= i - lost else "input")
    kinds += ["padding"] * right
    if reach is not None:
        kinds = [("unreached" if kind == "padding" and x >= reach else kind)
                 for x, kind in enumerate(kinds)]
    if extent is not None and extent > len(kinds):
        kinds += ["beyond"] * (extent - len(kinds))
    return kinds


def _taps(start: int, k: int, d: int, offset: int) -> list[int]:
    """Grid positions of a kernel's taps along one axis: ``start + a*d``, shifted to grid."""
    return [start + a * d + offset for a in range(k)]


def _frames(
    o: Cell, k: Cell, s: Cell, p: Cell, d: Cell, offset: Cell
) -> list[tuple[Cell, Cell, list[Cell], tuple[Cell, Cell]]]:
    """Output cell, window start (input coordinates), taps and window corners (grid), in
    raster order: the window of output ``n`` starts at ``n*s - p`` (arXiv:1603.07285)."""
    out = []
    for r in range(o[0]):
        for c in range(o[1]):
            start = (r * s[0] - p[0], c * s[1] - p[1])
            rows = _taps(start[0], k[0], d[0], offset[0])
            cols = _taps(start[1], k[1], d[1], offset[1])
            taps = [(tr, tc) for tr in rows for tc in cols]
            out.append(((r, c), start, taps, ((rows[0], cols[0]), (rows[-1], cols[-1]))))
    return out


def _start_note(cell: Cell, s: Cell, p: Cell, start: Cell) -> str:
    """``start = n·s − p``, per axis, with the numbers."""
    parts = [f"{n}·{ss} − {format_value(pp) if pp >= 0 else f'({format_value(pp)})'} = "
             f"{format_value(st)}" for n, ss, pp, st in zip(cell, s, p, start)]
    return f"output ({cell[0]}, {cell[1]}): window starts at row {parts[0]}, col {parts[1]}"


def format_value(value: float) -> str:
    """A value as the figures print it: integers without a point, others to two places.

    >>> format_value(3.0), format_value(2.25), format_value(-math.inf)
    ('3', '2.25', '−∞')
    """
    if value == -math.inf:
        return "−∞"
    if value == math.inf:
        return "∞"
    if float(value).is_integer():
        return str(int(value)).replace("-", "−")
    return f"{value:.2f}".rstrip("0").replace("-", "−")


def demo_values(shape: Cell, *, low: int = 0, high: int = 3, seed: int = 0
                ) -> tuple[tuple[int, ...], ...]:
    """Small integers for a figure, the same on every run (numpy's PCG64 with a fixed seed).

    >>> demo_values((2, 3), seed=1)
    ((1, 2, 3), (3, 0, 0))
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    table = rng.integers(low, high + 1, size=shape)
    return tuple(tuple(int(v) for v in row) for row in table)


# --------------------------------------------------------------------------- convolution


def conv_scene(
    input_size: Any,
    *,
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    values: bool = False,
    input_values: Sequence[Sequence[float]] | None = None,
    kernel_values: Sequence[Sequence[float]] | None = None,
) -> Scene:
    """The scene of a convolution sliding over a zero-padded input.

    With ``values`` (the numerical convolution) every cell shows its number, every tap its
    kernel weight and every step its sum of products. Without given values, a 5x5 input with a
    3x3 kernel uses the paper's Figure 1.1; other sizes use :func:`demo_values`.

    >>> scene = conv_scene(5, kernel_size=3, values=True)
    >>> scene.output_values
    ((12, 12, 17), (10, 17, 19), (9, 6, 14))
    >>> scene.frames[0].note
    'o(0, 0) = 3·0 + 3·1 + 2·2 + 0·2 + 0·2 + 1·0 + 3·0 + 1·1 + 2·2 = 12'
    >>> conv_scene(5, kernel_size=2, stride=2).input.count("lost")
    9
    """
    what = "numerical convolution" if values else "convolution"
    i2 = _two_d(input_size, "input_size", what)
    a = conv_arguments(i2, _two_d(kernel_size, "kernel_size", what),
                       _two_d(stride, "stride", what), _padding_2d(padding, what),
                       _two_d(dilation, "dilation", what), what=f"{what} animation")
    o = conv_output_size(a.i, kernel_size=a.k, stride=a.s, padding=a.p, dilation=a.d)
    _limit(o[0] * o[1], what, o)
    lost = [lost_axis(a.i[x], a.k[x], a.s[x], a.p[x], a.d[x]) for x in range(2)]
    axes = [_axis_kinds(a.i[x], a.p[x][0], a.p[x][1], lost=lost[x],
                        reach=window_reach(o[x], a.k[x], a.s[x], a.d[x])) for x in range(2)]
    left = (a.p[0][0], a.p[1][0])
    grid_values = None
    weights = None
    if values:
        image, weights = _numbers(a.i, a.k, input_values, kernel_values)
        grid_values = tuple(
            tuple(0 if kind_r in ("padding", "unreached") or kind_c in ("padding", "unreached")
                  else image[r - left[0]][c - left[1]]
                  for c, kind_c in enumerate(axes[1]))
            for r, kind_r in enumerate(axes[0]))
    grid = Grid(_kinds(*axes), grid_values, (-left[0], -left[1]))
    frames, results = [], []
    flat_weights = None if weights is None else tuple(w for row in weights for w in row)
    for n, (cell, start, taps, window) in enumerate(_frames(o, a.k, a.s, left, a.d, left)):
        value, note = None, _start_note(cell, a.s, left, start)
        if grid_values is not None and flat_weights is not None:
            products = [(grid_values[r][c], w) for (r, c), w in zip(taps, flat_weights)]
            value = sum(x * w for x, w in products)
            terms = [f"{format_value(x)}·{format_value(w)}" for x, w in products]
            if len(terms) > 12:
                terms = terms[:10] + [f"… ({len(products)} products)"]
            note = f"o({cell[0]}, {cell[1]}) = {' + '.join(terms)} = {format_value(value)}"
            results.append(value)
        frames.append(Frame(n, cell, start, tuple(taps), window, flat_weights, (), value, note))
    caption, notes = _caption(explain_conv(a.i, kernel_size=a.k, stride=a.s, padding=a.p,
                                           dilation=a.d))
    title = (f"{'Numerical convolution' if values else 'Convolution'}: "
             f"i = {show_axes(a.i)}, k = {show_axes(a.k)}, s = {show_axes(a.s)}, "
             f"p = {show_pads(a.p)}" + ("" if set(a.d) == {1} else f", d = {show_axes(a.d)}"))
    return Scene(
        kind="numerical" if values else "conv", title=title, input=grid, output_shape=o,
        input_size=a.i,
        frames=tuple(frames), caption=caption, notes=notes,
        output_values=_rows(results, o) if values else None,
        kernel_values=weights,
        input_label=_input_label(a.i, grid.shape, padded=grid.shape != a.i),
    )


def _numbers(i: Cell, k: Cell, input_values: Any, kernel_values: Any) -> tuple[Any, Any]:
    """The input's and the kernel's values: given, the paper's, or :func:`demo_values`."""
    if input_values is None:
        input_values = PAPER_INPUT if i == (5, 5) and k == (3, 3) else demo_values(i)
    if kernel_values is None:
        kernel_values = PAPER_KERNEL if i == (5, 5) and k == (3, 3) else demo_values(
            k, high=2, seed=1)
    image = tuple(tuple(row) for row in input_values)
    weights = tuple(tuple(row) for row in kernel_values)
    for name, table, shape in (("input", image, i), ("kernel", weights, k)):
        if len(table) != shape[0] or any(len(row) != shape[1] for row in table):
            raise ConvArithError(
                f"Error building the numerical convolution: the {name} values are not "
                f"{shape[0]}x{shape[1]}. Give one row of {shape[1]} numbers per row."
            )
    return image, weights


def _input_label(i: Cell, shape: Cell, *, padded: bool, stretched: bool = False) -> str:
    """``input 5×5``, then what was done to it, only when something was."""
    done = " and ".join(word for word, yes in (("stretched", stretched), ("padded", padded))
                        if yes)
    return f"input {i[0]}×{i[1]}" + (f", {done} to {shape[0]}×{shape[1]}" if done else "")


def _rows(flat: Sequence[Any], shape: Cell) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(flat[r * shape[1]:(r + 1) * shape[1]]) for r in range(shape[0]))


# --------------------------------------------------------------------------- transposed


def transposed_scene(
    input_size: Any,
    *,
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
) -> Scene:
    """A transposed convolution as Dumoulin & Visin draw it (arXiv:1603.07285, section 4).

    The input is stretched with ``s - 1`` zeros between units, padded with ``k* - p - 1`` on
    each side (plus ``a``, the output padding, on the bottom/right; a negative amount crops),
    and a unit-stride convolution runs over it. The frame count is
    :func:`~convarith.formulas.output_size.conv_transpose_output_size`.

    >>> scene = transposed_scene(3, kernel_size=3, stride=2, padding=1, output_padding=1)
    >>> scene.output_shape, scene.input.shape, scene.input.count("inserted")
    ((6, 6), (8, 8), 16)
    """
    what = "transposed convolution"
    i2 = _two_d(input_size, "input_size", what)
    k2, s2 = _two_d(kernel_size, "kernel_size", what), _two_d(stride, "stride", what)
    p2, d2 = _two_d(padding, "padding", what), _two_d(dilation, "dilation", what)
    a2 = _two_d(output_padding, "output_padding", what)
    o = conv_transpose_output_size(i2, kernel_size=k2, stride=s2, padding=p2,
                                   output_padding=a2, dilation=d2)
    _limit(o[0] * o[1], what, o)
    a = conv_arguments(i2, k2, s2, p2, d2, what=f"{what} animation", extra=(a2,))
    # The equivalent convolution: stride 1 over the stretched input, padding q = k* - p - 1
    # on the left/top and q + a on the right/bottom.
    q = [transposed_padding(a.k[x], a.p[x][0], a.d[x]) for x in range(2)]
    right = [q[x] + a2[x] for x in range(2)]
    span = [stretched_size(a.i[x], a.s[x]) for x in range(2)]
    for x in range(2):
        equivalent = conv_axis(span[x], a.k[x], 1, (q[x], right[x]), a.d[x], context=what)
        assert equivalent == o[x], "the stretched convolution must give the transposed size"
    axes = []
    for x in range(2):
        kinds = _axis_kinds(a.i[x], max(q[x], 0), max(right[x], 0), stretch=a.s[x])
        # A negative padding crops the stretched input: those cells are drawn, but dimmed.
        if q[x] < 0:
            kinds[:-q[x]] = ["cropped"] * -q[x]
        if right[x] < 0:
            kinds[len(kinds) + right[x]:] = ["cropped"] * -right[x]
        axes.append(kinds)
    offset = (max(q[0], 0), max(q[1], 0))
    grid = Grid(_kinds(*axes), None, (-offset[0], -offset[1]))
    frames = []
    for n, (cell, start, taps, window) in enumerate(
            _frames(o, a.k, (1, 1), (q[0], q[1]), a.d, offset)):
        note = _start_note(cell, (1, 1), (q[0], q[1]), start) + " (stretched input)"
        frames.append(Frame(n, cell, start, tuple(taps), window, note=note))
    caption, notes = _caption(explain_conv_transpose(
        a.i, kernel_size=a.k, stride=a.s, padding=tuple(p for p, _ in a.p),
        output_padding=a2, dilation=a.d))
    extra = "" if set(a2) == {0} else f", a = {show_axes(a2)}"
    extra += "" if set(a.d) == {1} else f", d = {show_axes(a.d)}"
    title = (f"Transposed convolution: i = {show_axes(a.i)}, k = {show_axes(a.k)}, s = {show_axes(a.s)}, "
             f"p = {show_axes([p for p, _ in a.p])}{extra}")
    # the convolution this one transposes maps the o-sized input back to i (Relationship 14)
    # (an output padding a >= s, which dilation allows, has no such convolution)
    forward = conv_output_size(o, kernel_size=a.k, stride=a.s, padding=[p for p, _ in a.p],
                               dilation=a.d)
    subtitle = "" if tuple(forward) != tuple(a.i) else (
        f"the transpose of the convolution i = {show_axes(o)}, k = {show_axes(a.k)}, "
        f"s = {show_axes(a.s)}, p = {show_axes([p for p, _ in a.p])}"
        + ("" if set(a.d) == {1} else f", d = {show_axes(a.d)}") + f" (output {show_axes(a.i)})")
    stretched = any(s > 1 for s in a.s)
    padded = any(q[x] > 0 or right[x] > 0 for x in range(2))
    label = _input_label(a.i, grid.shape, padded=padded, stretched=stretched)
    if any(q[x] < 0 or right[x] < 0 for x in range(2)):
        label += " (cropped where p > k* − 1)"
    return Scene(kind="transposed", title=title, input=grid, output_shape=o, input_size=a.i,
                 frames=tuple(frames), caption=caption, notes=notes, subtitle=subtitle,
                 input_label=label)


# --------------------------------------------------------------------------- pooling


#: The pooling kinds a scene draws, by their short names (``max``, ``avg``, ...): the sized
#: "pool" kinds :mod:`convarith.kinds` marks animated, each with its window
#: (:class:`~convarith.kinds.Window`).
POOL_SCENE_KINDS: dict[str, layer_kinds.Kind] = {
    k.short: k for k in layer_kinds.of_family("pool", sized=True) if k.animated}


def pool_options(kind: layer_kinds.Kind, options: dict[str, Any], what: str) -> dict[str, float]:
    """The values of the kind's own arguments (its window's options): given, or the default;
    one another kind takes, or an unknown one, is an error naming it.

    >>> pool_options(layer_kinds.get("max_pool"), {"norm_type": None}, "max pooling")
    {}
    """
    own = {option.name: option for option in kind.window.options} if kind.window else {}
    values = {}
    for name, value in options.items():
        if name in own:
            continue
        if value is None:  # not given (the command line passes every option)
            continue
        takers = [k.short for k in POOL_SCENE_KINDS.values()
                  if k.window and any(o.name == name for o in k.window.options)]
        if not takers:
            raise ConvArithError(f"Error building the {what} animation: {name}= is not an "
                                 f"argument of pool_scene. Drop it.")
        raise ConvArithError(f"Error building the {what} animation: {name}={value!r} is an "
                             f"argument of {' and '.join(takers)} pooling, not {kind.short}. "
                             f"Drop it, or use kind={takers[0]!r}.")
    for name, option in own.items():
        value = options.get(name)
        value = option.default if value is None else value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ConvArithError(f"Error building the {what} animation: {name}={value!r} is not "
                                 f"a positive number. Give {option.symbol} > 0, e.g. "
                                 f"{name}={option.default:g} (inf allowed).")
        values[name] = float(value)
    return values


def pool_option_help(name: str) -> str:
    """Help for a pooling kind's own argument, from the kinds that take it.

    >>> pool_option_help("norm_type").startswith("Pool ")
    True
    """
    takers = [(k, o) for k in POOL_SCENE_KINDS.values() if k.window
              for o in k.window.options if o.name == name]
    option = takers[0][1]
    return (f"Pool {' and '.join(k.short for k, _ in takers)}: {option.help} "
            f"[{option.default:g}].")


def pool_scene(
    input_size: Any,
    *,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    kind: str = "max",
    input_values: Sequence[Sequence[float]] | None = None,
    mode: str | None = None,
    **options: Any,
) -> Scene:
    """Pooling (``kind``, as :func:`pool_output_size` names it: max, avg, lp) with the
    numbers in the cells. ``mode=`` is the old name of ``kind=`` (deprecated); ``options``
    are the kind's own arguments (power-average pooling's ``norm_type``, 2 if not given).

    What a window reads and writes is the kind's :class:`~convarith.kinds.Window`: max
    pooling marks the chosen maximum (padding is -inf, as in PyTorch); average pooling
    writes the mean out, dividing by the window's cells inside the padded input
    (``count_include_pad=True``, PyTorch's default; ATen's avg_pool2d clips the window to
    ``i + p`` before counting); power-average pooling writes ``(K/n · sum x^p)^(1/p)`` as
    torch's LPPool does. In ceil mode the last window may hang over the padded input:
    those cells are "beyond" and count for nothing. In floor mode, input no window reaches is
    "lost", as in :func:`conv_scene`.

    >>> scene = pool_scene(4, kernel_size=2, input_values=[[1, 2, 0, 1], [3, 0, 1, 1],
    ...                                                    [0, 0, 5, 2], [1, 1, 0, 0]])
    >>> scene.output_values
    ((3, 1), (1, 5))
    >>> pool_scene(5, kernel_size=2, ceil_mode=True).input.count("beyond")
    11
    >>> pool_scene(5, kernel_size=2).input.count("lost")
    9
    """
    if mode is not None:
        import warnings

        warnings.warn("pool_scene(mode=...) is deprecated; use kind=..., the name "
                      "pool_output_size and explain_pool use.", DeprecationWarning, stacklevel=2)
        kind = mode
    if kind not in POOL_MODES:  # the kinds convarith.kinds marks animated
        raise ConvArithError(f"Error building the pooling animation: kind={kind!r} is not a "
                             f"pooling kind it draws. Use {' or '.join(POOL_MODES)}.")
    this = POOL_SCENE_KINDS[kind]
    window = this.window
    if window is None:
        raise ConvArithError(f"Error building the pooling animation: the kind {this.name!r} has "
                             "no window in convarith.kinds. Give it one (kinds.Window).")
    mode = kind
    what = f"{mode} pooling"
    chosen_options = pool_options(this, options, what)
    i2 = _two_d(input_size, "input_size", what)
    k2 = _two_d(kernel_size, "kernel_size", what)
    s2 = k2 if stride is None else _two_d(stride, "stride", what)
    p2, d2 = _two_d(padding, "padding", what), _two_d(dilation, "dilation", what)
    o = pool_output_size(i2, kernel_size=k2, stride=s2, padding=p2, dilation=d2,
                         ceil_mode=ceil_mode, kind=mode)
    _limit(o[0] * o[1], what, o)
    a = conv_arguments(i2, k2, s2, p2, d2, what=f"{what} animation")
    left = (a.p[0][0], a.p[1][0])
    # the grid reaches the end of the last window (ceil mode can hang over the padding)
    extent = [max(a.i[x] + 2 * left[x], window_reach(o[x], a.k[x], a.s[x], a.d[x]))
              for x in range(2)]
    # floor mode can leave the last rows/columns out, as a convolution does; ceil mode exists
    # so that it does not (a window it drops would start in the right padding)
    lost = [0 if ceil_mode else lost_axis(a.i[x], a.k[x], a.s[x], a.p[x], a.d[x])
            for x in range(2)]
    axes = [_axis_kinds(a.i[x], left[x], left[x], lost=lost[x], extent=extent[x],
                        reach=window_reach(o[x], a.k[x], a.s[x], a.d[x])) for x in range(2)]
    if input_values is None:
        input_values = POOL_INPUT if a.i == (5, 5) else demo_values(a.i, high=9, seed=2)
    image = tuple(tuple(row) for row in input_values)
    if len(image) != a.i[0] or any(len(row) != a.i[1] for row in image):
        raise ConvArithError(f"Error building the pooling animation: the input values are not "
                             f"{a.i[0]}x{a.i[1]}. Give one row of {a.i[1]} numbers per row.")
    cells = _kinds(*axes)

    def value_at(r: int, c: int) -> float | None:
        if cells[r][c] in ("input", "lost"):
            return image[r - left[0]][c - left[1]]
        return window.padding if cells[r][c] in ("padding", "unreached") else None

    grid_values = tuple(tuple(value_at(r, c) for c in range(extent[1]))
                        for r in range(extent[0]))
    grid = Grid(cells, grid_values, (-left[0], -left[1]))
    frames, results = [], []
    for n, (cell, start, taps, corners) in enumerate(_frames(o, a.k, a.s, left, a.d, left)):
        # the cells the window reads: the input, and the padding if the kind reads it
        read = [(r, c) for r, c in taps if grid_values[r][c] is not None]
        values = [grid_values[r][c] for r, c in read]
        value, picked = window.write(values, len(taps), chosen_options)
        chosen = tuple(read[x] for x in picked)
        shown = window.show([format_value(v) for v in values], len(taps), chosen_options)
        note = f"o({cell[0]}, {cell[1]}) = {shown} = {format_value(value)}"
        results.append(value)
        frames.append(Frame(n, cell, start, tuple(taps), corners, None, chosen, value, note))
    caption, notes = _caption(explain_pool(a.i, kernel_size=a.k, stride=a.s,
                                           padding=tuple(left), dilation=a.d,
                                           ceil_mode=ceil_mode, kind=mode))
    name = this.noun or f"{this.short} pooling"
    own = {option.name: option for option in window.options}
    # the kind's own arguments, said once (the title writes them by their letter)
    notes += tuple(f"{own[key].symbol} = {format_value(v)} is {this.torch_name}'s {key}, "
                   f"{own[key].help}"
                   + (f"; the formula's p, the padding, is 0 ({this.torch_name} has none)."
                      if "padding" in this.lacks else ".")
                   for key, v in chosen_options.items())
    settings = "".join(f" ({own[key].symbol} = {format_value(v)})"
                       for key, v in chosen_options.items())
    title = (f"{name[:1].upper()}{name[1:]}{settings}: i = {show_axes(a.i)}, "
             f"k = {show_axes(a.k)}, s = {show_axes(a.s)}"
             + ("" if "padding" in this.lacks else f", p = {show_axes(left)}")
             + ("" if set(a.d) == {1} else f", d = {show_axes(a.d)}")
             + (", ceil mode" if ceil_mode else ""))
    return Scene(kind="pool", title=title, input=grid, output_shape=o, input_size=a.i,
                 frames=tuple(frames),
                 caption=caption, notes=notes, output_values=_rows(results, o),
                 input_label=_input_label(a.i, (a.i[0] + 2 * left[0], a.i[1] + 2 * left[1]),
                                          padded=any(left)),
                 # a window that reads no padding pads with -inf, as torch's max pooling does
                 padding_name="zero padding" if window.padding is not None
                 else "padding (−∞ for max)")



# --------------------------------------------------------------------------- by kind


def _numerical_scene(input_size: Any, **params: Any) -> Scene:
    params.pop("values", None)
    return conv_scene(input_size, values=True, **params)


#: The animations by kind (Dumoulin & Visin's kinds, arXiv:1603.07285, and pooling): the one
#: table ``convarith animate``, the lecture set and the tests dispatch on.
SCENE_BUILDERS: dict[str, Any] = {
    "conv": conv_scene,
    "transposed": transposed_scene,
    "pool": pool_scene,
    "numerical": _numerical_scene,
}

#: Kinds of animation, in the order ``convarith animate`` lists them.
ANIMATION_KINDS: tuple[str, ...] = tuple(SCENE_BUILDERS)

#: The scene of each layer kind :mod:`convarith.kinds` marks animated. The pooling kinds'
#: entries are written from the kinds' data (one :func:`pool_scene` draws them all, from each
#: kind's window), so a pooling kind marked animated has its scene with no line here.
SCENES = layer_kinds.table("scene", covers=lambda kind: kind.animated,
                     doc="the scene of each animated layer kind, convarith.figures.animation")
SCENES.add("conv", conv_scene)
SCENES.add("conv_transpose", transposed_scene)
for _pool in POOL_SCENE_KINDS.values():
    SCENES.add(_pool.name, functools.partial(pool_scene, kind=_pool.short))

#: Options only some kinds take, with the value that means "not given".
_ONLY_FOR: dict[str, tuple[tuple[str, ...], Any]] = {
    "output_padding": (("transposed",), 0),
    "ceil_mode": (("pool",), False),
    "kind": (("pool",), "max"),
    "norm_type": (("pool",), None),
    "values": (("conv", "numerical"), False),
}


def animation_scene(kind: str, input_size: Any, /, **params: Any) -> Scene:
    """The scene of animation ``kind`` (:data:`ANIMATION_KINDS`); an option that does not
    apply to the kind is an error, not silently dropped. ``stride=None`` means the kind's
    default (1 for convolutions, the window for pooling); ``kind=`` among the parameters is
    the pooling kind (:data:`~convarith.choices.POOL_MODES`), ``norm_type=`` its power when
    it has one (None: the kind's default).

    >>> animation_scene("pool", 4, kernel_size=2, stride=None).output_shape
    (2, 2)
    >>> animation_scene("conv", 4, kernel_size=3, ceil_mode=True)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: --ceil-mode applies to pool, not conv. Drop it.
    """
    if kind not in SCENE_BUILDERS:
        raise ConvArithError(f"Error building an animation: kind={kind!r} is not an animation. "
                             f"Use one of {', '.join(ANIMATION_KINDS)}.")
    given = dict(params)
    for name, (kinds, unset) in _ONLY_FOR.items():
        if name in given and kind not in kinds:
            value = given.pop(name)
            if value not in (unset, (unset, unset)):
                # named as the command line spells it, the one place these options come from
                option = "--" + {"kind": "pool"}.get(name, name).replace("_", "-")
                raise ConvArithError(f"{option} applies to {' and '.join(kinds)}, not {kind}. "
                                     "Drop it.")
    from convarith.figures.render_budget import check_grid

    check_grid(input_size, kernel=given.get("kernel_size"), stride=given.get("stride"),
               padding=given.get("padding", 0), dilation=given.get("dilation", 1), kind=kind)
    if given.get("stride", 0) is None and kind != "pool":
        given["stride"] = 1
    return SCENE_BUILDERS[kind](input_size, **given)
