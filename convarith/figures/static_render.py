"""Draw the static lecture figures of :mod:`convarith.diagram` with matplotlib (Agg).

Like :mod:`convarith.render` for the animations, nothing here computes: every cell, size,
label and number comes from the diagram's data. Colours are Okabe & Ito's (2008; see
:data:`convarith.render.OKABE_ITO`), figures are 8 inches wide (800 px at 100 dpi), files are
written atomically and deterministically by :func:`convarith.render.save_figure`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from convarith.errors import ConvArithError
from convarith.figures.animation_render import OKABE_ITO, WIDTH_IN, Theme, save_figure, theme_named
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
    lines = list(growth.caption)
    first, last = growth.interval
    lines.append(f"output unit ({growth.unit}, {growth.unit}) of the last layer sees input rows "
                 f"and columns {first} to {last}: {growth.rows[-1].r}×{growth.rows[-1].r} "
                 f"(Araujo, Norris & Sim, Distill 2019)")
    head, foot = 0.95, 0.3 + 0.2 * len(lines)
    height = head + tallest + foot
    figure = _figure(height, dpi, colours)
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height, "Receptive-field growth: what one output unit sees",
                ha="center", va="top", fontsize=12.5, fontweight="bold", color=colours.text)
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
                ha="center", va="bottom", fontsize=8.5, color=colours.text)
        x = x_slot + slots[level] + gap
    # the cone: each level's seen block joined to the block it reads in the level below
    for (x0, y0, s0), (x1, y1, s1) in zip(boxes, boxes[1:]):
        for dy0, dy1 in ((0, 0), (s0, s1)):
            ax.plot([x0 + s0, x1], [y0 + dy0, y1 + dy1], color=OKABE_ITO["vermillion"],
                    linewidth=0.9, alpha=0.8)
    y = head + tallest + 0.25
    for line in lines:
        ax.text(0.25, y, line, ha="left", va="top", fontsize=8.5, color=colours.text)
        y += 0.2
    return figure


# --------------------------------------------------------------------------- architecture


def draw_architecture(arch: Architecture, *, dpi: float = 100, theme: str = "light") -> Any:
    """Feature maps as stacked planes with their sizes, vectors as bars (LeCun et al. 1998,
    Fig. 2), at most seven stages to a row."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    colours = theme_named(theme)
    count = len(arch.blocks)
    per_row = count if count <= 8 else math.ceil(count / math.ceil(count / 8))
    rows = math.ceil(count / per_row)
    slot = (WIDTH_IN - 0.3) / per_row
    row_h = 2.45
    height = 0.6 + rows * row_h + 0.25
    figure = _figure(height, dpi, colours)
    renderer = figure.canvas.get_renderer()
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height, f"{arch.model}: {arch.params:,} parameters",
                ha="center", va="top", fontsize=12.5, fontweight="bold", color=colours.text)
    largest = max(b.height for b in arch.blocks if b.kind == "maps")
    widest = max(b.channels for b in arch.blocks)
    plane_fill = [colours.mix(OKABE_ITO["sky blue"], 0.55), colours.mix(OKABE_ITO["blue"], 0.35)]
    previous = None
    for n, block in enumerate(arch.blocks):
        row, col = divmod(n, per_row)
        cx = 0.15 + (col + 0.5) * slot
        cy = 0.6 + row * row_h + 0.95  # centre line of the drawings
        if block.kind == "maps":
            side = 0.15 + (0.6 * slot - 0.15) * (block.height / largest) ** 0.55
            planes = min(block.channels, 8)
            step = min(0.04, 0.2 / planes) if planes > 1 else 0
            x0 = cx - (side + step * (planes - 1)) / 2
            y0 = cy - (side - step * (planes - 1)) / 2
            for p in range(planes - 1, -1, -1):  # back planes first
                ax.add_patch(Rectangle((x0 + p * step, y0 - p * step), side, side,
                                       facecolor=plane_fill[p % 2], edgecolor=colours.line,
                                       linewidth=0.7))
            right = x0 + side + step * (planes - 1)
            left = x0
        else:
            tall = 0.25 + 1.2 * math.log(block.channels + 1) / math.log(widest + 1)
            left, right = cx - 0.07, cx + 0.07
            ax.add_patch(Rectangle((left, cy - tall / 2), 0.14, tall,
                                   facecolor=colours.mix(OKABE_ITO["bluish green"], 0.55),
                                   edgecolor=colours.line, linewidth=0.7))
        name, _, size = block.label.partition(": ")
        for text, dy, weight, points in ((name, 0.82, "bold", 9.5), (size, 1.02, "normal", 9)):
            label = ax.text(cx, cy + dy, text, ha="center", va="top", fontsize=points,
                            fontweight=weight, color=colours.text)
            # labels wider than their slot (VGG's 128@112×112) are set smaller, not overlapped
            wide = label.get_window_extent(renderer).width / dpi
            if wide > slot - 0.08:
                label.set_fontsize(points * (slot - 0.08) / wide)
        if previous is not None:
            p_right, p_row, p_cy = previous
            if p_row == row:
                ax.add_patch(FancyArrowPatch((p_right + 0.04, cy), (left - 0.04, cy),
                                             arrowstyle="-|>", mutation_scale=9,
                                             color=colours.line, linewidth=0.9))
                mid = (p_right + left) / 2
            else:  # the row wraps: the operation is written before the stage
                mid = left - 0.05
            operation = block.operation.replace(", ", ",\n")
            if "\n" not in operation and len(operation) > 14:
                operation = operation.replace(" ", "\n", 1)
            ax.text(mid, cy - 0.9, operation, ha="center",
                    va="bottom", fontsize=7.5, color=colours.text, style="italic")
        previous = (right, row, cy)
    return figure


# --------------------------------------------------------------------------- formula sheet

#: One Okabe-Ito colour per symbol, the same in every panel.
_SYMBOL_COLOURS = {"i": "blue", "p": "orange", "d": "reddish purple", "k": "bluish green",
                   "s": "vermillion", "a": "sky blue"}


def draw_formula(sheet: FormulaSheet, *, dpi: float = 100, theme: str = "light") -> Any:
    """Each formula in large type with every symbol in its own colour, a key naming each
    term with its value, and the derivation with the numbers put in."""
    import textwrap

    colours = theme_named(theme)
    notes = [[line for note in p.notes for line in textwrap.wrap(note, 120)]
             for p in sheet.panels]
    panel_h = [1.05 + 0.24 * math.ceil(len(p.terms) / 3) + 0.22 * len(p.example)
               + 0.2 * len(wrapped) for p, wrapped in zip(sheet.panels, notes)]
    height = 0.55 + sum(panel_h) + 0.1
    figure = _figure(height, dpi, colours)
    ax = _canvas_axes(figure, WIDTH_IN, height)
    figure.text(0.5, 1 - 0.1 / height, sheet.title, ha="center", va="top", fontsize=12.5,
                fontweight="bold", color=colours.text)
    renderer = figure.canvas.get_renderer()
    y = 0.6
    for panel, h, wrapped in zip(sheet.panels, panel_h, notes):
        ax.text(0.25, y, panel.name, ha="left", va="top", fontsize=10.5, fontweight="bold",
                color=colours.text)
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
            col, row = n % 3, n // 3
            colour = (OKABE_ITO[_SYMBOL_COLOURS[term.symbol]] if term.symbol in _SYMBOL_COLOURS
                      else colours.text)
            tx = 0.45 + col * 2.5
            ax.text(tx, ty + row * 0.24, term.symbol, ha="left", va="top", fontsize=11,
                    fontweight="bold", color=colour)
            ax.text(tx + 0.2, ty + row * 0.24 + 0.02, f"{term.meaning} = {term.value}",
                    ha="left", va="top", fontsize=8.5, color=colours.text)
        ey = ty + 0.24 * math.ceil(len(panel.terms) / 3) + 0.06
        for line in panel.example:
            ax.text(0.45, ey, "o = " + line, ha="left", va="top", fontsize=9.5,
                    color=colours.text)
            ey += 0.22
        for note in wrapped:
            ax.text(0.45, ey, note, ha="left", va="top", fontsize=8, color=colours.text,
                    style="italic")
            ey += 0.2
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
                va="top", fontsize=12.5, fontweight="bold", color=colours.text)
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
