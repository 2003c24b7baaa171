"""Draw the static lecture figures of :mod:`convarith.figures.static` with matplotlib (Agg).

Like :mod:`convarith.figures.animation_render` for the animations, nothing here computes:
every cell, size, label and number comes from the diagram's data. Colours, text sizes and the
writer are :mod:`convarith.figures.style`'s: Okabe & Ito's (2008) colours, 8 inches wide (800
px at 100 dpi), a pure white background, files written atomically and deterministically by
:func:`convarith.atomic.write_figure`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from convarith.errors import ConvArithError
from convarith.figures.static import (
    Architecture,
    Channels,
    FormulaSheet,
    RFGrowth,
    architecture,
    channels,
    formula_sheet,
    rf_growth,
)
from convarith.figures.style import (
    CAPTION_PT,
    LABEL_PT,
    OKABE_ITO,
    TITLE_PT,
    WIDTH_IN,
    Theme,
    save_figure,
    theme_named,
    wrap_text,
)

#: Caption lines of the static figures are wrapped at this many characters (11 pt).
WRAP = 84


def _figure(height: float, dpi: float, theme: Theme) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height), dpi=dpi, facecolor=theme.background)
    FigureCanvasAgg(figure)
    return figure


def _canvas_axes(figure: Any, width: float, height: float) -> Any:
    """One axes over the whole figure, in inches, y downwards."""
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    return ax


# --------------------------------------------------------------------------- receptive field


def draw_rf(growth: RFGrowth, *, dpi: float = 100, theme: str = "light") -> Any:
    """Levels left to right (input first); at each, the cells one output unit sees."""
    from matplotlib.patches import Rectangle

    colours = theme_named(theme)
    # each level's drawn extent: its cells plus any padding positions the unit sees
    spans = []
    for level, size in enumerate(growth.sizes):
        seen = growth.seen[level]
        spans.append((min(0, seen[0]), max(size - 1, seen[-1])))
    widths = [hi - lo + 1 for lo, hi in spans]
    gap, least = 0.35, 1.05  # inches between levels; the narrowest slot (room for its label)
    cell = 0.34
    while cell > 0.02 and (sum(max(w * cell, least) for w in widths)
                           + gap * (len(widths) - 1) > WIDTH_IN - 0.4):
        cell *= 0.95
    slots = [max(w * cell, least) for w in widths]
    tallest = max(widths) * cell
    import textwrap

    first, last = growth.interval
    summary = (f"output unit ({growth.unit}, {growth.unit}) of the last layer sees input rows "
               f"and columns {first} to {last}: {growth.rows[-1].r}×{growth.rows[-1].r} "
               f"(Araujo, Norris & Sim, Distill 2019)")
    lines = [part for line in growth.caption for part in wrap_text(line, WRAP)]
    lines += textwrap.wrap(summary, WRAP, subsequent_indent="    ")
    head, foot = 1.05, 0.3 + 0.24 * len(lines)
    height = head + tallest + foot
    figure = _figure(height, dpi, colours)
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height, "Receptive-field growth: what one output unit sees",
                ha="center", va="top", fontsize=TITLE_PT, fontweight="bold", color=colours.text)
    x = (WIDTH_IN - sum(slots) - gap * (len(slots) - 1)) / 2
    boxes = []
    seen_fill = colours.mix(OKABE_ITO["orange"], 0.75)
    unit_fill = colours.mix(OKABE_ITO["vermillion"], 0.85)
    for level, size in enumerate(growth.sizes):
        lo, hi = spans[level]
        top = head + (tallest - widths[level] * cell) / 2
        x_slot, x = x, x + (slots[level] - widths[level] * cell) / 2
        seen = set(growth.seen[level])
        lw = 0.5 if cell < 0.15 else 0.8
        for r in range(lo, hi + 1):
            for c in range(lo, hi + 1):
                inside = 0 <= r < size and 0 <= c < size
                picked = r in seen and c in seen
                fill = colours.background
                if inside:
                    fill = colours.mix(OKABE_ITO["sky blue"], 0.35)
                if picked:
                    last_level = level == len(growth.sizes) - 1
                    fill = unit_fill if last_level else seen_fill
                ax.add_patch(Rectangle(
                    (x + (c - lo) * cell, top + (r - lo) * cell), cell, cell, facecolor=fill,
                    edgecolor=colours.line if inside else colours.faint, linewidth=lw,
                    linestyle="-" if inside else (0, (3, 2))))
        chosen = growth.seen[level]
        boxes.append((x + (chosen[0] - lo) * cell, top + (chosen[0] - lo) * cell,
                      (chosen[-1] - chosen[0] + 1) * cell))
        name = "input" if level == 0 else f"layer {level}\n{growth.layers[level - 1].label}"
        ax.text(x + widths[level] * cell / 2, top - 0.08, f"{name}\n{size}×{size}",
                ha="center", va="bottom", fontsize=LABEL_PT, color=colours.text)
        x = x_slot + slots[level] + gap
    # the cone: each level's seen block joined to the block it reads in the level below
    for (x0, y0, s0), (x1, y1, s1) in zip(boxes, boxes[1:]):
        for dy0, dy1 in ((0, 0), (s0, s1)):
            ax.plot([x0 + s0, x1], [y0 + dy0, y1 + dy1], color=OKABE_ITO["vermillion"],
                    linewidth=0.9, alpha=0.8)
    y = head + tallest + 0.25
    for line in lines:
        ax.text(0.25, y, line, ha="left", va="top", fontsize=CAPTION_PT, color=colours.text)
        y += 0.24
    return figure


# --------------------------------------------------------------------------- architecture


def _operation_lines(operation: str) -> str:
    """An operation label on at most three short lines: "conv 11×11," / "s 4, p 2"."""
    parts = operation.split(", ")
    lines, line = [], ""
    for part in parts:
        candidate = f"{line}, {part}" if line else part
        if line and len(candidate) > 13:
            lines.append(line + ",")
            line = part
        else:
            line = candidate
    lines.append(line)
    return "\n".join(lines)


def draw_architecture(arch: Architecture, *, dpi: float = 100, theme: str = "light") -> Any:
    """Feature maps as stacked planes with their sizes, vectors as bars (LeCun et al. 1998,
    Fig. 2); a network split across GPUs as two towers, with crossing arrows where a layer
    reads both (Krizhevsky et al. 2012, Fig. 2). Every operation is written above its arrow,
    also where a row wraps (the next row starts with that arrow)."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    colours = theme_named(theme)
    figure = _figure(3.0, dpi, colours)
    renderer = figure.canvas.get_renderer()

    def width_of(text: str, points: float, weight: str = "normal") -> float:
        label = figure.text(0, 0, text, fontsize=points, fontweight=weight)
        wide = label.get_window_extent(renderer).width / dpi
        label.remove()
        return wide

    towered = any(block.towers > 1 for block in arch.blocks)
    biggest = 0.5 if towered else 0.75  # the largest plane's side, inches
    maps = [b for b in arch.blocks if b.kind == "maps"]
    largest = max(b.height for b in maps) if maps else 1
    widest = max(b.channels for b in arch.blocks)

    def plane_side(block: Any) -> float:
        return 0.15 + (biggest - 0.15) * (block.height / largest) ** 0.55

    def planes(block: Any) -> int:
        return min(block.channels // block.towers, 6)

    def drawn_width(block: Any) -> float:
        if block.kind != "maps":
            return 0.14
        count = planes(block)
        step = min(0.04, 0.2 / count) if count > 1 else 0
        return plane_side(block) + step * (count - 1)

    ops = [_operation_lines(block.operation) for block in arch.blocks]
    op_w = [max((width_of(line, LABEL_PT) for line in op.split("\n")), default=0)
            for op in ops]
    names = [block.label.partition(": ") for block in arch.blocks]
    label_w = [max(width_of(name, LABEL_PT + 0.5, "bold"), width_of(size, LABEL_PT))
               for name, _, size in names]
    gaps = [max(0.45, w + 0.16) for w in op_w]
    # flow the blocks into rows; a row break keeps the operation's arrow at the new row's start
    margin, right_edge = 0.2, WIDTH_IN - 0.2
    rows: list[list[tuple[int, float]]] = [[]]
    x = margin
    for n, block in enumerate(arch.blocks):
        half = max(drawn_width(block), label_w[n]) / 2
        if n == 0:
            centre = x + half
        else:
            previous, p_centre = rows[-1][-1] if rows[-1] else (None, None)
            if previous is not None:
                p_half = drawn_width(arch.blocks[previous]) / 2
                centre = max(p_centre + p_half + gaps[n] + drawn_width(block) / 2,
                             p_centre + (label_w[previous] + label_w[n]) / 2 + 0.12)
            else:
                centre = x + gaps[n] + half
            if centre + half > right_edge and rows[-1]:
                rows.append([])
                centre = margin + gaps[n] + max(drawn_width(block) / 2, label_w[n] / 2)
        rows[-1].append((n, centre))
    tower_gap = 0.12
    half_tall = (biggest + 0.12 + tower_gap / 2 + biggest / 2) if towered else biggest / 2 + 0.15
    half_tall = max(half_tall, 0.85)
    row_h = 2 * half_tall + 0.75
    height = 0.6 + len(rows) * row_h + 0.1
    figure.set_size_inches(WIDTH_IN, height)
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height,
                f"{arch.title or arch.model}: {arch.params:,} parameters",
                ha="center", va="top", fontsize=TITLE_PT, fontweight="bold", color=colours.text)
    plane_fill = [colours.mix(OKABE_ITO["sky blue"], 0.55), colours.mix(OKABE_ITO["blue"], 0.35)]
    # each block's arrow ends: (left x, right x, [y of each tower's centre])
    ends: dict[int, tuple[float, float, list[float]]] = {}
    for row_index, row in enumerate(rows):
        cy = 0.6 + row_index * row_h + half_tall
        for n, centre in row:
            block = arch.blocks[n]
            if block.kind == "maps":
                side = plane_side(block)
                count = planes(block)
                step = min(0.04, 0.2 / count) if count > 1 else 0
                offset = side / 2 + tower_gap / 2 + 0.06
                centres = [cy] if block.towers == 1 else [cy - offset, cy + offset]
                x0 = centre - drawn_width(block) / 2
                for ty in centres:
                    y0 = ty - (side - step * (count - 1)) / 2
                    for p in range(count - 1, -1, -1):  # back planes first
                        ax.add_patch(Rectangle((x0 + p * step, y0 - p * step), side, side,
                                               facecolor=plane_fill[p % 2],
                                               edgecolor=colours.line, linewidth=0.7))
                ends[n] = (x0, x0 + drawn_width(block), centres)
                bottom = max(centres) + side / 2 + 0.08
            else:
                tall = 0.25 + 1.2 * math.log(block.channels + 1) / math.log(widest + 1)
                ax.add_patch(Rectangle((centre - 0.07, cy - tall / 2), 0.14, tall,
                                       facecolor=colours.mix(OKABE_ITO["bluish green"], 0.55),
                                       edgecolor=colours.line, linewidth=0.7))
                ends[n] = (centre - 0.07, centre + 0.07, [cy])
                bottom = cy + tall / 2 + 0.08
            name, _, size = names[n]
            bottom = max(bottom, cy + half_tall - 0.05)
            ax.text(centre, bottom, name, ha="center", va="top", fontsize=LABEL_PT + 0.5,
                    fontweight="bold", color=colours.text)
            ax.text(centre, bottom + 0.2, size, ha="center", va="top", fontsize=LABEL_PT,
                    color=colours.text)
            if n == 0:
                continue
            left = ends[n][0]
            if row and row[0][0] == n:  # a row break: the arrow comes in from the margin
                start_x, starts = left - gaps[n] + 0.06, [cy]
            else:
                p_right, starts = ends[n - 1][1], ends[n - 1][2]
                start_x = p_right
            targets = ends[n][2]
            if len(starts) == len(targets) and not block.crossover:
                pairs = list(zip(starts, targets))
            else:  # a layer reading every tower (or one input feeding both): every pair
                pairs = [(a, b) for a in starts for b in targets]
            for y_from, y_to in pairs:
                ax.add_patch(FancyArrowPatch((start_x + 0.04, y_from), (left - 0.04, y_to),
                                             arrowstyle="-|>", mutation_scale=9,
                                             color=colours.line, linewidth=0.9))
            top_arrow = min(min(starts), min(targets))
            ax.text((start_x + left) / 2, top_arrow - 0.07, ops[n], ha="center", va="bottom",
                    fontsize=LABEL_PT, color=colours.text, linespacing=1.1)
        if row_index + 1 < len(rows):  # the row goes on: an arrow out to the right margin
            last = row[-1][0]
            x_end = ends[last][1]
            for y in ends[last][2]:
                ax.add_patch(FancyArrowPatch((x_end + 0.04, y), (min(x_end + 0.4, WIDTH_IN - 0.05),
                                                                 cy), arrowstyle="-|>",
                                             mutation_scale=9, color=colours.line,
                                             linewidth=0.9))
    return figure


# --------------------------------------------------------------------------- formula sheet

#: One Okabe-Ito colour per symbol, the same in every panel.
_SYMBOL_COLOURS = {"i": "blue", "p": "orange", "d": "reddish purple", "k": "bluish green",
                   "s": "vermillion", "a": "sky blue"}


def draw_formula(sheet: FormulaSheet, *, dpi: float = 100, theme: str = "light") -> Any:
    """Each formula in large type with every symbol in its own colour, a key naming each
    term with its value, and the derivation with every term substituted."""
    import textwrap

    colours = theme_named(theme)
    notes = [[line for note in p.notes for line in textwrap.wrap(note, 92)]
             for p in sheet.panels]
    term_rows = [math.ceil(len(p.terms) / 2) for p in sheet.panels]
    panel_h = [1.05 + 0.26 * rows + 0.26 * len(p.example) + 0.22 * len(wrapped) + 0.1
               for p, rows, wrapped in zip(sheet.panels, term_rows, notes)]
    height = 0.6 + sum(panel_h) + 0.1
    figure = _figure(height, dpi, colours)
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height, sheet.title, ha="center", va="top", fontsize=TITLE_PT,
                fontweight="bold", color=colours.text)
    renderer = figure.canvas.get_renderer()
    y = 0.6
    for panel, h, wrapped, rows in zip(sheet.panels, panel_h, notes, term_rows):
        ax.text(0.25, y, panel.name, ha="left", va="top", fontsize=CAPTION_PT,
                fontweight="bold", color=colours.text)
        x, fy = 0.45, y + 0.62
        symbols = {t.symbol for t in panel.terms} - {"o"}
        for piece in panel.pieces:
            colour = OKABE_ITO[_SYMBOL_COLOURS[piece]] if piece in symbols else colours.text
            text = ax.text(x, fy, piece, ha="left", va="baseline", fontsize=19, color=colour,
                           fontweight="bold" if piece in symbols else "normal")
            box = text.get_window_extent(renderer)
            x += box.width / dpi
        ty = fy + 0.3
        for n, term in enumerate(panel.terms):
            col, row = n % 2, n // 2
            colour = (OKABE_ITO[_SYMBOL_COLOURS[term.symbol]] if term.symbol in _SYMBOL_COLOURS
                      else colours.text)
            tx = 0.45 + col * 3.75
            ax.text(tx, ty + row * 0.26, term.symbol, ha="left", va="top", fontsize=12,
                    fontweight="bold", color=colour)
            ax.text(tx + 0.22, ty + row * 0.26 + 0.02, f"{term.meaning} = {term.value}",
                    ha="left", va="top", fontsize=10, color=colours.text)
        ey = ty + 0.26 * rows + 0.06
        for line in panel.example:
            ax.text(0.45, ey, "o = " + line, ha="left", va="top", fontsize=CAPTION_PT,
                    color=colours.text)
            ey += 0.26
        for note in wrapped:
            ax.text(0.45, ey, note, ha="left", va="top", fontsize=10, color=colours.text,
                    style="italic")
            ey += 0.22
        y += h
    return figure


# --------------------------------------------------------------------------- channels


def _matrix(ax: Any, values: Any, *, x: float, y: float, cell: float, tint: str | None,
            colours: Theme, fontsize: float) -> None:
    """A matrix of 0-255 numbers, each cell shaded by its value (grey, or one channel's
    colour), the number in black or white, whichever reads on the shade."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    for r, row in enumerate(values):
        for c, value in enumerate(row):
            level = value / 255
            if tint is None:
                fill = (level, level, level)
            else:
                base = to_rgb(tint)
                fill = tuple(level * b for b in base)
            ax.add_patch(Rectangle((x + c * cell, y + r * cell), cell, cell, facecolor=fill,
                                   edgecolor=colours.faint, linewidth=0.5))
            light = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2] > 0.5
            ax.text(x + (c + 0.5) * cell, y + (r + 0.5) * cell, str(value), ha="center",
                    va="center", fontsize=fontsize, color="black" if light else "white")


def draw_channels(data: Channels, *, dpi: float = 100, theme: str = "light") -> Any:
    """A greyscale image beside its 0-255 matrix; an RGB image beside its R, G and B
    matrices (the three channels a convolution's first layer reads)."""
    colours = theme_named(theme)
    grey_cell, rgb_cell = 0.3, 0.27
    n_grey, n_rgb = len(data.grey), len(data.rgb[0])
    top1 = 0.65
    top2 = top1 + n_grey * grey_cell + 0.85
    height = top2 + n_rgb * rgb_cell + 0.55
    figure = _figure(height, dpi, colours)
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height, "Images are matrices of numbers", ha="center",
                va="top", fontsize=TITLE_PT, fontweight="bold", color=colours.text)
    side = n_grey * grey_cell
    x_img = (WIDTH_IN - 2 * side - 0.8) / 2
    ax.imshow([[v for v in row] for row in data.grey], cmap="gray", vmin=0, vmax=255,
              interpolation="nearest", extent=(x_img, x_img + side, top1 + side, top1),
              zorder=1)
    ax.text(x_img + side / 2, top1 - 0.08, "greyscale image", ha="center", va="bottom",
            fontsize=9.5, color=colours.text)
    x_mat = x_img + side + 0.8
    _matrix(ax, data.grey, x=x_mat, y=top1, cell=grey_cell, tint=None, colours=colours,
            fontsize=7.5)
    ax.text(x_mat + side / 2, top1 - 0.08, f"its {n_grey}×{n_grey} matrix (0 = black, "
            "255 = white)", ha="center", va="bottom", fontsize=9.5, color=colours.text)
    ax.text(WIDTH_IN / 2, top1 + side + 0.12, data.grey_source, ha="center", va="top",
            fontsize=8, color=colours.text, style="italic")
    side = n_rgb * rgb_cell
    gap = (WIDTH_IN - 4 * side) / 5
    x = gap
    image = [[tuple(data.rgb[ch][r][c] for ch in range(3)) for c in range(n_rgb)]
             for r in range(n_rgb)]
    ax.imshow(image, interpolation="nearest", extent=(x, x + side, top2 + side, top2),
              zorder=1)
    ax.text(x + side / 2, top2 - 0.08, "RGB image", ha="center", va="bottom", fontsize=9.5,
            color=colours.text)
    # the three channels in their own colours: red, green and blue light
    for ch, (name, tint) in enumerate((("R", "#FF0000"), ("G", "#00FF00"), ("B", "#0000FF"))):
        x += side + gap
        _matrix(ax, data.rgb[ch], x=x, y=top2, cell=rgb_cell, tint=tint, colours=colours,
                fontsize=6.5)
        ax.text(x + side / 2, top2 - 0.08, f"channel {name}", ha="center", va="bottom",
                fontsize=9.5, color=colours.text)
    ax.text(WIDTH_IN / 2, top2 + side + 0.12, data.rgb_source + f": a 3×{n_rgb}×{n_rgb} "
            "tensor", ha="center", va="top", fontsize=8, color=colours.text, style="italic")
    ax.set_xlim(0, WIDTH_IN)
    ax.set_ylim(height, 0)
    return figure


# --------------------------------------------------------------------------- files


def static_figure(kind: str, *, dpi: float = 100, theme: str = "light", **params: Any) -> Any:
    """The matplotlib figure of one static kind (rf, architecture, formula, channels)."""
    if kind == "rf":
        return draw_rf(rf_growth(params.pop("layers", "conv k=3; conv k=3; conv k=3"),
                                 **params), dpi=dpi, theme=theme)
    if kind == "architecture":
        return draw_architecture(architecture(params.pop("model", "lenet5")), dpi=dpi,
                                 theme=theme)
    if kind == "formula":
        return draw_formula(formula_sheet(**params), dpi=dpi, theme=theme)
    if kind == "channels":
        return draw_channels(channels(**params), dpi=dpi, theme=theme)
    raise ConvArithError(f"Error drawing a figure: kind={kind!r} is not a static figure. Use "
                         "rf, architecture, formula or channels.")


def save_static(kind: str, path: str | os.PathLike[str], *, dpi: float = 100,
                theme: str = "light", **params: Any) -> Path:
    """Draw one static figure into ``path`` (.png, .svg or .pdf, by the suffix)."""
    path = Path(path)
    save_figure(static_figure(kind, dpi=dpi, theme=theme, **params), path, dpi=dpi)
    return path
