"""The paper's look for any parameters: Dumoulin & Visin's drawing, in matplotlib.

Dumoulin & Visin ("A guide to convolution arithmetic for deep learning", arXiv:1603.07285,
and their ``conv_arithmetic`` figures) draw the input as a plane seen in perspective, zero
padding dashed, the output plane above it, and lines from the corners of the kernel's window
to the output cell it writes. Their figures exist for fifteen fixed cases; this painter draws
the same picture for any scene of :mod:`convarith.figures.animation` (any padding, stride, dilation,
non-square sizes, transposed convolution, pooling). No LaTeX: every plane is a set of
matplotlib polygons, projected here.

The painter is :class:`convarith.figures.animation_flat.FlatPainter` with the geometry replaced: the frames,
palette (the paper's blue input and teal output, :mod:`convarith.figures.style`), legend and files
are shared with the flat style.

>>> from convarith.figures.animation import conv_scene
>>> width, height = PaperPainter.extent(conv_scene(5, kernel_size=3, padding=1))
>>> 7 < width < height  # in near-edge cells: two planes stacked, the output above
True
"""

from __future__ import annotations

import math
from typing import Any

from convarith.figures.animation import Scene, format_value
from convarith.figures.animation_flat import FlatPainter, cell_style
from convarith.figures.style import CAPTION_PT, PAPER_CELL_IN, Theme, readable_text

Point = tuple[float, float]


class _Camera:
    """A pinhole camera above and in front of the two planes, looking down at them.

    World axes: x to the right, y away from the viewer (row 0 of a grid is its far edge),
    z up. The input plane lies at z = 0, the output plane at z = ``lift``, both centred on
    the z axis. Screen coordinates are scaled so that an input cell on the near edge is about
    one unit wide.
    """

    def __init__(self, scene: Scene) -> None:
        self.in_shape = scene.input.shape
        self.out_shape = scene.output_shape
        size = max(*self.in_shape, *self.out_shape)
        self.eye = (0.45 * size, -3.2 * size, 2.6 * size)
        self.target = (0.0, 0.0, 0.0)
        self.scale = 1.0
        self.lift = 0.0
        # raise the output plane until it clears the input plane on screen
        self.lift = 0.25 * size
        for _ in range(60):
            if self._clearance() >= 0.5:
                break
            self.lift += 0.05 * size
        near = self.point(0, 0, self.in_shape[0])
        near_right = self.point(0, self.in_shape[1], self.in_shape[0])
        self.scale = self.in_shape[1] / max(math.dist(near, near_right), 1e-9)

    def _clearance(self) -> float:
        low_out = min(y for _, y in self.plane(output=True))
        high_in = max(y for _, y in self.plane(output=False))
        near = self.point(0, 0, self.in_shape[0])
        near_right = self.point(0, self.in_shape[1], self.in_shape[0])
        unit = math.dist(near, near_right) / self.in_shape[1]
        return (low_out - high_in) / unit

    def world(self, z_plane: int, c: float, r: float) -> tuple[float, float, float]:
        rows, cols = self.out_shape if z_plane else self.in_shape
        return (c - cols / 2, rows / 2 - r, self.lift if z_plane else 0.0)

    def point(self, z_plane: int, c: float, r: float) -> Point:
        """Screen position of grid corner ``(r, c)`` of the input (0) or output (1) plane."""
        x, y, z = self.world(z_plane, c, r)
        ex, ey, ez = self.eye
        tx, ty, tz = self.target[0], self.target[1], self.lift * 0.45
        fx, fy, fz = tx - ex, ty - ey, tz - ez
        norm = math.sqrt(fx * fx + fy * fy + fz * fz)
        fx, fy, fz = fx / norm, fy / norm, fz / norm
        # right = forward x up(0, 0, 1); up' = right x forward
        rx, ry, rz = fy, -fx, 0.0
        rn = math.sqrt(rx * rx + ry * ry)
        rx, ry = rx / rn, ry / rn
        ux, uy, uz = ry * fz - rz * fy, rz * fx - rx * fz, rx * fy - ry * fx
        px, py, pz = x - ex, y - ey, z - ez
        depth = px * fx + py * fy + pz * fz
        focal = 4.0 * max(*self.in_shape, *self.out_shape)
        sx = focal * (px * rx + py * ry + pz * rz) / depth
        sy = focal * (px * ux + py * uy + pz * uz) / depth
        return sx * self.scale, sy * self.scale

    def plane(self, *, output: bool) -> list[Point]:
        rows, cols = self.out_shape if output else self.in_shape
        z = int(output)
        return [self.point(z, 0, 0), self.point(z, cols, 0), self.point(z, cols, rows),
                self.point(z, 0, rows)]


class PaperPainter(FlatPainter):
    """The flat painter's frames on Dumoulin & Visin's perspective planes."""

    style = "paper"
    max_height_in = 6.6
    cell_in = PAPER_CELL_IN
    down = -1.0
    line_width = 1.0

    def __init__(self, ax: Any, scene: Scene, theme: Theme, cell_px: float, *,
                 labels: bool = True) -> None:
        self.camera = _Camera(scene)
        self.ax, self.scene, self.theme = ax, scene, theme
        self.cell_px = cell_px
        self.moving: list[Any] = []
        self.value_size = max(6.0, min(13.0, 0.33 * cell_px * 72 / 100))
        self.lw = 0.6 if cell_px < 25 else 1.0
        (x0, y0), (x1, y1) = self.bounds(self.camera)
        ax.set_xlim(x0 - 0.2, x1 + 0.2)
        ax.set_ylim(y0 - 0.2, y1 + 0.2)
        ax.set_aspect("equal")
        ax.axis("off")
        self._grid()
        if labels:
            self._labels()

    @staticmethod
    def bounds(camera: _Camera) -> tuple[Point, Point]:
        corners = camera.plane(output=False) + camera.plane(output=True)
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        # room for the labels: one line below the input plane and above the output plane
        return (min(xs), min(ys) - 0.7), (max(xs), max(ys) + 0.6)

    @staticmethod
    def extent(scene: Scene) -> tuple[float, float]:
        (x0, y0), (x1, y1) = PaperPainter.bounds(_Camera(scene))
        return x1 - x0, y1 - y0

    def _cell_at(self, r: float, c: float, *, output: bool = False) -> list[Point]:
        z = int(output)
        point = self.camera.point
        return [point(z, c, r), point(z, c + 1, r), point(z, c + 1, r + 1), point(z, c, r + 1)]

    def _box(self, r0: float, c0: float, r1: float, c1: float, *, output: bool = False
             ) -> list[Point]:
        z = int(output)
        point = self.camera.point
        return [point(z, c0, r0), point(z, c1 + 1, r0), point(z, c1 + 1, r1 + 1),
                point(z, c0, r1 + 1)]

    def _projection(self, window: list[Point], cell: list[Point]
                    ) -> list[tuple[list[float], list[float]]]:
        """Lines from each corner of the window to the same corner of the output cell."""
        return [([w[0], o[0]], [w[1], o[1]]) for w, o in zip(window, cell)]

    def _grid(self) -> None:
        from matplotlib.patches import Polygon

        grid = self.scene.input
        rows, cols = grid.shape
        for r in range(rows):
            for c in range(cols):
                kind = grid.kinds[r][c]
                style = cell_style(self.theme, self.style, kind)
                corners = self._cell_at(r, c)
                self.ax.add_patch(Polygon(corners, closed=True, linewidth=self.lw, zorder=1,
                                          **style))
                value = None if grid.values is None else grid.values[r][c]
                if value is not None and self._values_fit():
                    fill = style["facecolor"]
                    colour = (readable_text(fill) if kind in ("input", "lost") and fill != "none"
                              else self.theme.faint)
                    cx = sum(x for x, _ in corners) / 4
                    cy = sum(y for _, y in corners) / 4
                    self.ax.text(cx, cy, format_value(value), ha="center", va="center",
                                 fontsize=self.value_size, color=colour, zorder=2)
        o_rows, o_cols = self.scene.output_shape
        for r in range(o_rows):
            for c in range(o_cols):
                self.ax.add_patch(Polygon(
                    self._cell_at(r, c, output=True), closed=True, linewidth=self.lw,
                    facecolor=self.theme.fill(self.style, "output empty"),
                    edgecolor=self.theme.line, zorder=2))

    def _labels(self) -> None:
        low = self.camera.plane(output=False)
        high = self.camera.plane(output=True)
        x_in = sum(x for x, _ in low) / 4
        x_out = sum(x for x, _ in high) / 4
        self.ax.text(x_in, min(y for _, y in low) - 0.25, self.scene.input_label,
                     ha="center", va="top", fontsize=CAPTION_PT, color=self.theme.text)
        o_rows, o_cols = self.scene.output_shape
        self.ax.text(x_out, max(y for _, y in high) + 0.25, f"output {o_rows}×{o_cols}",
                     ha="center", va="bottom", fontsize=CAPTION_PT, color=self.theme.text)
