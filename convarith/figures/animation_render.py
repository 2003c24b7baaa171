"""Draw scenes with matplotlib (Agg): GIF, MP4, PNG (every frame or one sheet), SVG, PDF.

The renderer adds no arithmetic: every cell, tap, number and caption comes from the scene
(:mod:`convarith.scene` for animations, :mod:`convarith.diagram` for static figures).

Colours are the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008, as
recommended by Wong, "Points of view: Color blindness", Nature Methods 8, 441, 2011), and
every kind of cell also differs in line style or hatching, so a figure survives a projector,
a greyscale print and colour-blind eyes. Figures are 8 inches wide: 800 px at the default
100 dpi.

Output is deterministic (same scene, same bytes): no timestamps in the metadata, a fixed
SVG hash salt, a fixed GIF palette built from the frames themselves.
"""

from __future__ import annotations

import contextlib
import math
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convarith.atomic import atomic_path, atomic_write
from convarith.errors import ConvArithError
from convarith.figures.animation import CELL_KINDS, Scene, format_value

#: Okabe & Ito (2008): the eight colours that stay distinct under every common colour-vision
#: deficiency.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: Figure width in inches; at the default dpi of 100 this is 800 px.
WIDTH_IN = 8.0

#: Suffixes :func:`save` writes, and which of them animate.
ANIMATED_SUFFIXES: tuple[str, ...] = (".gif", ".mp4")
STATIC_SUFFIXES: tuple[str, ...] = (".png", ".svg", ".pdf")


@dataclass(frozen=True)
class Theme:
    """The colours of one theme; cell fills are Okabe-Ito colours mixed with the background."""

    name: str
    background: str
    text: str
    line: str
    faint: str
    kernel: str = OKABE_ITO["blue"]  # the kernel's taps and window

    def mix(self, colour: str, amount: float) -> tuple[float, float, float]:
        """``colour`` at ``amount`` (0..1) over the background."""
        from matplotlib.colors import to_rgb

        fg, bg = to_rgb(colour), to_rgb(self.background)
        return tuple(amount * f + (1 - amount) * b for f, b in zip(fg, bg))  # type: ignore[return-value]


THEMES: dict[str, Theme] = {
    "light": Theme("light", background="#FFFFFF", text="#1A1A1A", line="#4D4D4D",
                   faint="#A6A6A6"),
    # on a dark background Okabe-Ito blue is too dim for the kernel: their yellow reads best
    "dark": Theme("dark", background="#16191E", text="#EDEDED", line="#B3B3B3",
                  faint="#5C6370", kernel=OKABE_ITO["yellow"]),
}


def theme_named(name: str) -> Theme:
    if name not in THEMES:
        raise ConvArithError(
            f"Error drawing a figure: theme={name!r} is not a theme. Use one of "
            f"{', '.join(THEMES)}."
        )
    return THEMES[name]


# --------------------------------------------------------------------------- files


def atomic_file(path: Path) -> contextlib.AbstractContextManager[Any]:
    """A binary file that appears at ``path`` only when complete (:mod:`convarith.atomic`)."""
    return atomic_write(path, what="the figure")


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise ConvArithError(
            f"Error writing {path}: {what} can be written as {', '.join(allowed)}, not "
            f"{suffix or 'a file without a suffix'}. Change the file name's suffix."
        )
    return suffix


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Layout:
    """Where the input and output grids sit, in cell units (y grows downwards)."""

    in_shape: tuple[int, int]
    out_shape: tuple[int, int]
    out_x: float
    in_y: float
    out_y: float
    width: float
    height: float

    @staticmethod
    def of(scene: Scene) -> _Layout:
        rows, cols = scene.input.shape
        o_rows, o_cols = scene.output_shape
        gap = max(1.5, 0.12 * (cols + o_cols))
        height = max(rows, o_rows)
        return _Layout((rows, cols), (o_rows, o_cols), cols + gap, (height - rows) / 2,
                       (height - o_rows) / 2, cols + gap + o_cols, height)


def _figure_size(layout: _Layout, caption_lines: int, *, max_cell_in: float = 0.55
                 ) -> tuple[float, float, float]:
    """Figure width and height in inches, and the size of one cell in inches."""
    cell = min((WIDTH_IN - 0.4) / layout.width, max_cell_in, 4.2 / layout.height)
    grids = layout.height * cell + 0.35  # grid labels above
    height = 0.55 + grids + 0.1 + 0.21 * caption_lines + 0.15
    return WIDTH_IN, height, cell


def _caption_lines(scene: Scene) -> list[str]:
    lines = list(scene.caption)
    for note in scene.notes:
        lines += textwrap.wrap(note, 112)
    return lines


# --------------------------------------------------------------------------- drawing


class _Painter:
    """Draws one scene's frames on one matplotlib Axes; ``frame(n)`` replaces the moving
    parts (kernel taps, output cells written so far, the step's note)."""

    def __init__(self, ax: Any, scene: Scene, theme: Theme, cell_px: float, *,
                 labels: bool = True) -> None:
        self.ax, self.scene, self.theme = ax, scene, theme
        self.layout = _Layout.of(scene)
        self.cell_px = cell_px
        self.moving: list[Any] = []
        self.value_size = max(5.0, min(13.0, 0.36 * cell_px * 72 / 100))
        ax.set_xlim(-0.15, self.layout.width + 0.15)
        ax.set_ylim(self.layout.height + 0.15, -0.15)
        ax.set_aspect("equal")
        ax.axis("off")
        self._grid()
        if labels:
            self._labels()

    # fills and edges of each cell kind: (fill colour, fill amount, edge style, hatch)
    def _style(self, kind: str) -> dict[str, Any]:
        t = self.theme
        styles = {
            "input": dict(facecolor=t.mix(OKABE_ITO["sky blue"], 0.45), edgecolor=t.line,
                          linestyle="-", hatch=None),
            "padding": dict(facecolor=t.background, edgecolor=t.line, linestyle=(0, (3, 2)),
                            hatch=None),
            "inserted": dict(facecolor=t.background, edgecolor=t.faint, linestyle=(0, (1, 1.5)),
                             hatch=None),
            "lost": dict(facecolor=t.mix(OKABE_ITO["vermillion"], 0.3), edgecolor=t.line,
                         linestyle="-", hatch="///"),
            "beyond": dict(facecolor="none", edgecolor=t.faint, linestyle=(0, (1, 2)),
                           hatch=None),
            "cropped": dict(facecolor=t.mix(t.faint, 0.35), edgecolor=t.faint, linestyle="-",
                            hatch="xx"),
        }
        return styles[kind]

    def _grid(self) -> None:
        from matplotlib.patches import Rectangle

        grid = self.scene.input
        rows, cols = grid.shape
        lw = 0.6 if self.cell_px < 25 else 1.0
        for r in range(rows):
            for c in range(cols):
                kind = grid.kinds[r][c]
                style = self._style(kind)
                hatch = style.pop("hatch")
                self.ax.add_patch(Rectangle((c, r), 1, 1, linewidth=lw, hatch=hatch, **style))
                value = None if grid.values is None else grid.values[r][c]
                if value is not None and self._values_fit():
                    faint = kind not in ("input", "lost")
                    self.ax.text(c + 0.5, r + 0.5, format_value(value), ha="center", va="center",
                                 fontsize=self.value_size,
                                 color=self.theme.faint if faint else self.theme.text)
        x0, y0 = self.layout.out_x, self.layout.out_y
        o_rows, o_cols = self.scene.output_shape
        for r in range(o_rows):
            for c in range(o_cols):
                self.ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, linewidth=lw,
                                            facecolor=self.theme.background,
                                            edgecolor=self.theme.faint))

    def _values_fit(self) -> bool:
        return self.cell_px >= 16

    def _labels(self) -> None:
        grid, scene = self.scene.input, self.scene
        rows, cols = grid.shape
        size = 10.5
        h, w = scene.input_size
        what = f"input {h}×{w}"
        if scene.kind == "transposed":
            what += f", stretched and padded to {rows}×{cols}"
        elif grid.count("padding"):
            what += f", padded to {rows}×{cols}"
        self.ax.text(cols / 2, self.layout.in_y - 0.2, what,
                     ha="center", va="bottom", fontsize=size, color=self.theme.text)
        o_rows, o_cols = scene.output_shape
        self.ax.text(self.layout.out_x + o_cols / 2, self.layout.out_y - 0.2,
                     f"output {o_rows}×{o_cols}", ha="center", va="bottom", fontsize=size,
                     color=self.theme.text)

    def legend(self, figure: Any, y: float) -> None:
        """One row of swatches naming the cell kinds this scene uses, at figure height y."""
        from matplotlib.patches import Rectangle

        names = {"input": "input", "padding": "zero padding", "inserted": "inserted zero",
                 "lost": "lost (never covered)", "beyond": "beyond the padding (ceil mode)",
                 "cropped": "cropped (p > k−1)"}
        used = [kind for kind in CELL_KINDS[::-1] if self.scene.input.count(kind)]
        entries = [(names[kind], self._style(kind)) for kind in used]
        entries.append(("kernel", dict(facecolor=self.theme.mix(self.theme.kernel, 0.45),
                                       edgecolor=self.theme.kernel, linestyle="-",
                                       hatch=None)))
        if any(frame.chosen for frame in self.scene.frames):
            entries.append(("maximum", dict(facecolor="none", edgecolor=OKABE_ITO["vermillion"],
                                            linestyle="-", hatch=None)))
        entries.append(("output written", dict(
            facecolor=self.theme.mix(OKABE_ITO["bluish green"], 0.5), edgecolor=self.theme.line,
            linestyle="-", hatch=None)))
        entries.append(("this step", dict(facecolor=self.theme.mix(OKABE_ITO["orange"], 0.8),
                                          edgecolor=self.theme.line, linestyle="-", hatch=None)))
        width_in, height_in = figure.get_size_inches()
        renderer = figure.canvas.get_renderer()
        x = 0.03
        for name, style in entries:
            hatch = style.pop("hatch")
            figure.patches.append(Rectangle(
                (x, y), 0.16 / width_in, 0.16 / height_in, transform=figure.transFigure,
                figure=figure, linewidth=1.0, hatch=hatch, **style))
            label = figure.text(x + 0.22 / width_in, y + 0.08 / height_in, name, fontsize=9,
                                va="center", color=self.theme.text)
            # the next swatch starts 0.25 in after this label's measured end
            text_in = label.get_window_extent(renderer).width / figure.dpi
            x += (0.22 + text_in + 0.25) / width_in

    def frame(self, n: int) -> None:
        """Show step ``n``: the kernel over its window and the output written up to it."""
        from matplotlib.patches import Rectangle

        for artist in self.moving:
            artist.remove()
        self.moving = []
        scene, theme, ax = self.scene, self.theme, self.ax
        frame = scene.frames[n]
        blue, orange = theme.kernel, OKABE_ITO["orange"]
        rows, cols = scene.input.shape
        for index, (r, c) in enumerate(frame.taps):
            inside = 0 <= r < rows and 0 <= c < cols and scene.input.kinds[r][c] != "beyond"
            self.moving.append(ax.add_patch(Rectangle(
                (c + 0.06, r + 0.06), 0.88, 0.88, linewidth=0,
                facecolor=blue, alpha=0.42 if inside else 0.18, zorder=3)))
            if frame.weights is not None and self._values_fit():
                self.moving.append(ax.text(
                    c + 0.93, r + 0.93, format_value(frame.weights[index]), ha="right",
                    va="bottom", fontsize=self.value_size * 0.62, color=theme.text,
                    fontweight="bold", zorder=5))
        (r0, c0), (r1, c1) = frame.window
        self.moving.append(ax.add_patch(Rectangle(
            (c0, r0), c1 - c0 + 1, r1 - r0 + 1, facecolor="none", edgecolor=blue,
            linewidth=max(1.5, min(3.0, self.cell_px / 20)), zorder=4)))
        for r, c in frame.chosen:
            self.moving.append(ax.add_patch(Rectangle(
                (c + 0.04, r + 0.04), 0.92, 0.92, facecolor="none",
                edgecolor=OKABE_ITO["vermillion"], linewidth=2.5, zorder=5)))
        x0, y0 = self.layout.out_x, self.layout.out_y
        green = theme.mix(OKABE_ITO["bluish green"], 0.5)
        for step in scene.frames[:n + 1]:
            r, c = step.output_cell
            current = step.step == n
            self.moving.append(ax.add_patch(Rectangle(
                (x0 + c, y0 + r), 1, 1, facecolor=theme.mix(orange, 0.8) if current else green,
                edgecolor=theme.line, linewidth=1.0 if self.cell_px >= 25 else 0.6, zorder=3)))
            if step.value is not None and self._values_fit():
                self.moving.append(ax.text(
                    x0 + c + 0.5, y0 + r + 0.5, format_value(step.value), ha="center",
                    va="center", fontsize=self.value_size, color=theme.text, zorder=5,
                    fontweight="bold" if current else "normal"))


class _Animation:
    """A figure with one scene's painter, a title and a caption, redrawn frame by frame."""

    def __init__(self, scene: Scene, *, dpi: float, theme: Theme) -> None:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.scene, self.theme = scene, theme
        layout = _Layout.of(scene)
        self.lines = _caption_lines(scene)
        width, height, cell = _figure_size(layout, len(self.lines) + 2.4)
        self.figure = Figure(figsize=(width, height), dpi=dpi, facecolor=theme.background)
        FigureCanvasAgg(self.figure)
        top = 1 - 0.55 / height
        bottom = (0.25 + 0.21 * (len(self.lines) + 2.4)) / height
        ax = self.figure.add_axes((0.025, bottom, 0.95, top - bottom - 0.35 / height))
        self.figure.text(0.5, 1 - 0.12 / height, scene.title, ha="center", va="top",
                         fontsize=12.5, fontweight="bold", color=theme.text)
        y = bottom - 0.12 / height
        self.legend_y = y - 0.2 / height
        y -= 0.4 / height
        for line in self.lines:
            self.figure.text(0.03, y, line, ha="left", va="top", fontsize=9.5,
                             color=theme.text)
            y -= 0.21 / height
        self.note_y = y
        self.note: Any = None
        self.painter = _Painter(ax, scene, theme, cell * dpi)
        self.painter.legend(self.figure, self.legend_y)
        # Blitting: the grids, title, legend and caption are drawn once; each frame restores
        # that background and draws only its moving parts on top (4-5x faster per frame).
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def draw(self, n: int) -> Any:
        """The RGB image of step ``n`` (a PIL image)."""
        from PIL import Image

        self.painter.frame(n)
        if self.note is not None:
            self.note.remove()
        frame = self.scene.frames[n]
        text = f"step {n + 1}/{len(self.scene.frames)}   {frame.note}"
        self.note = self.figure.text(0.03, self.note_y, text, ha="left", va="top",
                                     fontsize=9.5, color=self.theme.text, fontweight="bold")
        # a long sum of products is set smaller rather than cut off at the right edge
        renderer = self.figure.canvas.get_renderer()
        room = 0.95 * self.figure.bbox.width
        width = self.note.get_window_extent(renderer).width
        if width > room:
            self.note.set_fontsize(max(6.0, 9.5 * room / width))
        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        ax = self.painter.ax
        # the moving parts in z-order (the painter adds them lowest first within a level)
        for artist in sorted(self.painter.moving, key=lambda a: a.get_zorder()):
            ax.draw_artist(artist)
        self.figure.draw_artist(self.note)
        return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                "raw", "RGBA", 0, 1).convert("RGB")


def frame_images(scene: Scene, *, dpi: float = 100, theme: str = "light") -> list[Any]:
    """Every frame of ``scene`` as an RGB PIL image, 8 inches (``8*dpi`` px) wide.

    >>> from convarith.scene import conv_scene
    >>> images = frame_images(conv_scene(4, kernel_size=3), dpi=50)
    >>> len(images), images[0].size[0]
    (4, 400)
    """
    animation = _Animation(scene, dpi=dpi, theme=theme_named(theme))
    return [animation.draw(n) for n in range(len(scene.frames))]


# --------------------------------------------------------------------------- writers


def save_animation(scene: Scene, path: str | os.PathLike[str], *, fps: float = 2.0,
                   dpi: float = 100, theme: str = "light", every_frame: bool = False
                   ) -> list[Path]:
    """Write ``scene`` as the file ``path``'s suffix names; returns the files written.

    ``.gif`` (Pillow) and ``.mp4`` (ffmpeg) animate; ``.png`` is one overview sheet of the
    frames, or with ``every_frame`` one PNG per frame (``name-000.png``, ...); ``.svg`` and
    ``.pdf`` are the overview sheet as vector graphics.
    """
    path = Path(path)
    suffix = _suffix(path, ANIMATED_SUFFIXES + STATIC_SUFFIXES, "an animation")
    if fps <= 0:
        raise ConvArithError(f"Error writing {path}: fps={fps} must be positive. Use e.g. 2.")
    if suffix == ".mp4":
        _require_ffmpeg(path)
    if suffix in (".svg", ".pdf") or (suffix == ".png" and not every_frame):
        write_sheet(scene, path, dpi=dpi, theme=theme)
        return [path]
    images = frame_images(scene, dpi=dpi, theme=theme)
    if suffix == ".gif":
        write_gif(images, path, fps=fps)
        return [path]
    if suffix == ".mp4":
        _write_mp4(images, path, fps=fps)
        return [path]
    written = []
    for n, image in enumerate(images):
        target = path.with_name(f"{path.stem}-{n:03d}.png")
        with atomic_file(target) as handle:
            image.save(handle, format="PNG", optimize=True)
        written.append(target)
    return written


def write_gif(images: list[Any], path: Path, *, fps: float) -> None:
    """An endless GIF through Pillow, on one palette built from the frames themselves
    (so the file is small and the same frames give the same bytes). The last frame is held
    three times as long."""
    from PIL import Image

    palette = _palette(images)
    frames = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    duration = round(1000 / fps)
    durations = [duration] * len(frames)
    durations[-1] = 3 * duration
    with atomic_file(path) as handle:
        # Pillow's default optimisation stores only the rectangle that changed since the
        # previous frame: a 36-frame animation is then about 200 KB instead of 900 KB.
        frames[0].save(handle, format="GIF", save_all=True, append_images=frames[1:],
                       duration=durations if len(frames) > 1 else duration, loop=0)


def _palette(images: list[Any]) -> Any:
    """A 64-colour palette from the first, middle and last frames stacked."""
    from PIL import Image

    picks = [images[0], images[len(images) // 2], images[-1]]
    width = max(image.size[0] for image in picks)
    stack = Image.new("RGB", (width, sum(image.size[1] for image in picks)), "white")
    y = 0
    for image in picks:
        stack.paste(image, (0, y))
        y += image.size[1]
    return stack.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _require_ffmpeg(path: Path) -> None:
    from matplotlib import animation

    if not animation.writers.is_available("ffmpeg"):
        raise ConvArithError(
            f"Error writing {path}: MP4 needs ffmpeg, and matplotlib finds no ffmpeg writer "
            "(ffmpeg is not on PATH). Install ffmpeg, or write a .gif instead."
        )


def _write_mp4(images: list[Any], path: Path, *, fps: float) -> None:
    """H.264 through matplotlib's ffmpeg (rcParams["animation.ffmpeg_path"]), piping the
    frames as raw RGB; sizes are padded to even numbers, which yuv420p needs."""
    import subprocess

    import matplotlib

    width, height = images[0].size
    with atomic_path(path, what="the figure", suffix=".mp4") as tmp:
        command = [
            matplotlib.rcParams["animation.ffmpeg_path"], "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps),
            "-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
            "-vcodec", "libx264", "-fflags", "+bitexact", "-map_metadata", "-1", str(tmp),
        ]
        try:
            result = subprocess.run(command, input=b"".join(image.tobytes() for image in images),
                                    capture_output=True, check=False)
        except OSError as error:
            raise ConvArithError(f"Error writing the figure to {path}: ffmpeg could not run "
                                 f"({error.strerror or error}). Write a .gif instead, or "
                                 "install ffmpeg.") from None
        if result.returncode != 0:
            message = " ".join(result.stderr.decode(errors="replace").split())[:200]
            raise ConvArithError(f"Error writing {path}: ffmpeg failed ({message}). "
                                 "Write a .gif instead, or check the ffmpeg installation.")


def write_sheet(scene: Scene, path: Path, *, dpi: float = 100, theme: str = "light",
                most: int = 36) -> None:
    """All frames (at most ``most``, evenly spread) as small panels on one page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    colours = theme_named(theme)
    count = len(scene.frames)
    picks = sorted({round(x * (count - 1) / max(most - 1, 1)) for x in range(most)}) \
        if count > most else list(range(count))
    columns = min(len(picks), 4 if count > 9 else 3)
    rows = math.ceil(len(picks) / columns)
    layout = _Layout.of(scene)
    panel_w = WIDTH_IN / columns
    panel_h = panel_w * (layout.height + 1.2) / (layout.width + 0.3)
    lines = _caption_lines(scene)
    head, foot = 0.5, 0.2 + 0.21 * len(lines)
    height = head + rows * panel_h + foot
    figure = Figure(figsize=(WIDTH_IN, height), dpi=dpi, facecolor=colours.background)
    suffix = "" if len(picks) == count else f" ({len(picks)} of {count} steps)"
    figure.text(0.5, 1 - 0.12 / height, scene.title + suffix, ha="center", va="top",
                fontsize=12.5, fontweight="bold", color=colours.text)
    cell_px = panel_w * dpi / (layout.width + 0.3)
    for slot, n in enumerate(picks):
        r, c = divmod(slot, columns)
        bottom = (foot + (rows - 1 - r) * panel_h) / height
        ax = figure.add_axes((c / columns + 0.01, bottom, 1 / columns - 0.02,
                              (panel_h - 0.3) / height))
        painter = _Painter(ax, scene, colours, cell_px, labels=False)
        painter.frame(n)
        ax.set_title(f"step {n + 1}", fontsize=9, color=colours.text, pad=2)
    y = (foot - 0.1) / height
    for line in lines:
        figure.text(0.03, y, line, ha="left", va="top", fontsize=9.5, color=colours.text)
        y -= 0.21 / height
    save_figure(figure, path, dpi=dpi)


def save_figure(figure: Any, path: Path, *, dpi: float = 100) -> None:
    """Save a matplotlib figure atomically, without timestamps (deterministic bytes)."""
    import matplotlib

    suffix = _suffix(path, STATIC_SUFFIXES, "a figure")
    fmt = suffix[1:]
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "ModDate": None, "Producer": None,
                        "Creator": None}}[fmt]
    with matplotlib.rc_context({"svg.hashsalt": "convarith", "svg.fonttype": "path"}):
        with atomic_file(path) as handle:
            figure.savefig(handle, format=fmt, dpi=dpi, metadata=metadata,
                           facecolor=figure.get_facecolor())
