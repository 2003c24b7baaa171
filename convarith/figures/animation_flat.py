"""The flat look of an animation frame: the input grid on the left, the output grid on the
right, drawn on one matplotlib Axes. :mod:`convarith.figures.animation_paper` is the other
look (Dumoulin & Visin's perspective planes), a subclass with the geometry replaced;
:mod:`convarith.figures.animation_render` puts either painter in a figure with its title,
legend and caption, and writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convarith.figures.animation import Scene, format_value
from convarith.figures.style import CAPTION_PT, CELL_IN, WEIGHT_PT, Theme, readable_text

# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where the input and output grids sit, in cell units (y grows downwards)."""

    in_shape: tuple[int, int]
    out_shape: tuple[int, int]
    out_x: float
    in_y: float
    out_y: float
    width: float
    height: float

    @staticmethod
    def of(scene: Scene) -> Layout:
        rows, cols = scene.input.shape
        o_rows, o_cols = scene.output_shape
        gap = max(1.5, 0.12 * (cols + o_cols))
        height = max(rows, o_rows)
        return Layout((rows, cols), (o_rows, o_cols), cols + gap, (height - rows) / 2,
                       (height - o_rows) / 2, cols + gap + o_cols, height)



def cell_style(theme: Theme, style: str, kind: str) -> dict[str, Any]:
    """Fill, edge, line style and hatch of a cell kind: lightness from the palette, and the
    kinds that share a lightness band told apart by hatching."""
    fill = theme.fill(style, kind)
    solid = "-"
    return {
        "input": dict(facecolor=fill, edgecolor=theme.line, linestyle=solid, hatch=None),
        "padding": dict(facecolor=fill, edgecolor=theme.line, linestyle=(0, (3, 2)), hatch=None),
        "unreached": dict(facecolor=fill, edgecolor=theme.line, linestyle=(0, (3, 2)),
                          hatch="\\\\\\"),
        "inserted": dict(facecolor=fill, edgecolor=theme.line, linestyle=(0, (1, 1.5)),
                         hatch=None),
        "lost": dict(facecolor=fill, edgecolor=theme.line, linestyle=solid, hatch="///"),
        "beyond": dict(facecolor="none", edgecolor=theme.faint, linestyle=(0, (1, 2)),
                       hatch=None),
        "cropped": dict(facecolor=fill, edgecolor=theme.faint, linestyle=solid, hatch="xx"),
    }[kind]


def tap_state(scene: Scene, r: int, c: int) -> str | None:
    """What the kernel covers at grid cell ``(r, c)``: input, a zero, or nothing drawn."""
    rows, cols = scene.input.shape
    if not (0 <= r < rows and 0 <= c < cols) or scene.input.kinds[r][c] == "beyond":
        return None
    return "kernel on input" if scene.input.kinds[r][c] in ("input", "lost") else "kernel on zero"


# --------------------------------------------------------------------------- drawing


class FlatPainter:
    """Draws one scene's frames on one matplotlib Axes, flat: the input grid on the left,
    the output grid on the right; ``frame(n)`` replaces the moving parts (kernel taps,
    output cells written so far, projection lines)."""

    style = "flat"
    max_height_in = 4.6  # the tallest drawing, inches
    cell_in = CELL_IN  # one cell wherever the drawing fits
    down = 1.0  # screen y of the next row: +1 when rows go down the axes, -1 when up
    # projection lines: drawn without anti-aliasing, so that a GIF frame changes few pixels
    line_width = 1.5

    def __init__(self, ax: Any, scene: Scene, theme: Theme, cell_px: float, *,
                 labels: bool = True) -> None:
        self.ax, self.scene, self.theme = ax, scene, theme
        self.layout = Layout.of(scene)
        self.cell_px = cell_px
        self.moving: list[Any] = []
        self.value_size = max(6.0, min(13.0, 0.36 * cell_px * 72 / 100))
        self.lw = 0.6 if cell_px < 25 else 1.0
        ax.set_xlim(-0.15, self.layout.width + 0.15)
        ax.set_ylim(self.layout.height + 0.15, -0.15)
        ax.set_aspect("equal")
        ax.axis("off")
        self._grid()
        if labels:
            self._labels()

    @staticmethod
    def extent(scene: Scene) -> tuple[float, float]:
        """Width and height of the drawing, in cells."""
        layout = Layout.of(scene)
        return layout.width, layout.height

    def _grid(self) -> None:
        from matplotlib.patches import Rectangle

        grid = self.scene.input
        rows, cols = grid.shape
        for r in range(rows):
            for c in range(cols):
                kind = grid.kinds[r][c]
                style = cell_style(self.theme, self.style, kind)
                self.ax.add_patch(Rectangle((c, r), 1, 1, linewidth=self.lw, **style))
                value = None if grid.values is None else grid.values[r][c]
                if value is not None and self._values_fit():
                    fill = style["facecolor"]
                    colour = (self.theme.faint if fill == "none"
                              else readable_text(fill) if kind in ("input", "lost")
                              else self.theme.faint)
                    self.ax.text(c + 0.5, r + 0.5, format_value(value), ha="center",
                                 va="center", fontsize=self.value_size, color=colour)
        x0, y0 = self.layout.out_x, self.layout.out_y
        o_rows, o_cols = self.scene.output_shape
        for r in range(o_rows):
            for c in range(o_cols):
                self.ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, linewidth=self.lw,
                                            facecolor=self.theme.fill(self.style, "output empty"),
                                            edgecolor=self.theme.faint))

    def _values_fit(self) -> bool:
        return self.cell_px >= 16

    def _labels(self) -> None:
        scene = self.scene
        cols = scene.input.shape[1]
        self.ax.text(cols / 2, self.layout.in_y - 0.2, scene.input_label, ha="center",
                     va="bottom", fontsize=CAPTION_PT, color=self.theme.text)
        o_rows, o_cols = scene.output_shape
        self.ax.text(self.layout.out_x + o_cols / 2, self.layout.out_y - 0.2,
                     f"output {o_rows}×{o_cols}", ha="center", va="bottom",
                     fontsize=CAPTION_PT, color=self.theme.text)

    # the moving parts, shared with the paper style through these three hooks
    def _cell_at(self, r: float, c: float, *, output: bool = False) -> list[tuple[float, float]]:
        """Corners of a cell (input grid, or output grid), clockwise from the top left."""
        x0, y0 = (self.layout.out_x, self.layout.out_y) if output else (0.0, 0.0)
        return [(x0 + c, y0 + r), (x0 + c + 1, y0 + r), (x0 + c + 1, y0 + r + 1),
                (x0 + c, y0 + r + 1)]

    def _box(self, r0: float, c0: float, r1: float, c1: float, *, output: bool = False
             ) -> list[tuple[float, float]]:
        """Corners of the block of cells ``(r0, c0)`` to ``(r1, c1)`` inclusive."""
        first, last = self._cell_at(r0, c0, output=output), self._cell_at(r1, c1, output=output)
        return [first[0], (last[2][0], first[0][1]), last[2], (first[0][0], last[2][1])]

    def _projection(self, window: list[tuple[float, float]], cell: list[tuple[float, float]]
                    ) -> list[tuple[list[float], list[float]]]:
        """Lines from the window to the output cell: right corners to left corners."""
        return [([window[1][0], cell[0][0]], [window[1][1], cell[0][1]]),
                ([window[2][0], cell[3][0]], [window[2][1], cell[3][1]])]

    def _inset(self, corners: list[tuple[float, float]], amount: float
               ) -> list[tuple[float, float]]:
        cx = sum(x for x, _ in corners) / 4
        cy = sum(y for _, y in corners) / 4
        return [(x + (cx - x) * amount, y + (cy - y) * amount) for x, y in corners]

    def frame(self, n: int) -> None:
        """Show step ``n``: the kernel over its window, the output written up to it, the
        current output cell outlined and joined to its window."""
        from matplotlib.patches import Polygon

        for artist in self.moving:
            artist.remove()
        self.moving = []
        scene, theme, ax = self.scene, self.theme, self.ax
        frame = scene.frames[n]
        grid = scene.input
        add = self.moving.append
        for index, (r, c) in enumerate(frame.taps):
            state = tap_state(scene, r, c)
            corners = self._inset(self._cell_at(r, c), 0.08)
            if state is None:  # a tap beyond the drawn grid: outline only
                add(ax.add_patch(Polygon(corners, closed=True, facecolor="none",
                                         edgecolor=theme.fill(self.style, "kernel on input"),
                                         linestyle=(0, (1, 1.5)), linewidth=1.0, zorder=3)))
                continue
            fill = theme.fill(self.style, state)
            add(ax.add_patch(Polygon(corners, closed=True, facecolor=fill, linewidth=0,
                                     zorder=3)))
            value = None if grid.values is None else grid.values[r][c]
            text = readable_text(fill)
            cx = sum(x for x, _ in corners) / 4
            cy = sum(y for _, y in corners) / 4
            if value is not None and self._values_fit():
                shift = 0.12 if frame.weights is not None else 0.0
                add(self._text(cx - shift, cy - shift * self.down, format_value(value), text,
                               self.value_size, r, c))
            if frame.weights is not None and self._values_fit():
                add(self._text(cx + 0.25, cy + 0.27 * self.down,
                               format_value(frame.weights[index]),
                               text, max(WEIGHT_PT, self.value_size * 0.7), r, c,
                               weight="bold"))
        (r0, c0), (r1, c1) = frame.window
        window = self._box(r0, c0, r1, c1)
        kernel = theme.fill(self.style, "kernel on input")
        width = max(2.0, min(3.5, self.cell_px / 14))
        add(ax.add_patch(Polygon(window, closed=True, facecolor="none", edgecolor=kernel,
                                 linewidth=width, zorder=4)))
        for r, c in frame.chosen:
            add(ax.add_patch(Polygon(self._inset(self._cell_at(r, c), 0.04), closed=True,
                                     facecolor="none", edgecolor=theme.marker, linewidth=3.0,
                                     zorder=5)))
        for step in scene.frames[:n + 1]:
            r, c = step.output_cell
            current = step.step == n
            state = "output current" if current else "output written"
            fill = theme.fill(self.style, state)
            corners = self._cell_at(r, c, output=True)
            add(ax.add_patch(Polygon(corners, closed=True, facecolor=fill,
                                     edgecolor=theme.text if current else theme.line,
                                     linewidth=3.0 if current else self.lw,
                                     zorder=7 if current else 6)))
            if step.value is not None and self._values_fit():
                cx = sum(x for x, _ in corners) / 4
                cy = sum(y for _, y in corners) / 4
                add(self._text(cx, cy, format_value(step.value), readable_text(fill),
                               self.value_size, r, c, weight="bold" if current else "normal",
                               zorder=8))
        cell = self._cell_at(*frame.output_cell, output=True)
        for xs, ys in self._projection(window, cell):
            add(ax.plot(xs, ys, color=kernel, linewidth=self.line_width, zorder=9,
                        solid_capstyle="round", antialiased=False)[0])

    def _text(self, x: float, y: float, text: str, colour: str, size: float, r: int, c: int,
              *, weight: str = "normal", zorder: int = 5) -> Any:
        return self.ax.text(x, y, text, ha="center", va="center", fontsize=size, color=colour,
                            fontweight=weight, zorder=zorder)
