"""Draw scenes with matplotlib (Agg): GIF, MP4, PNG (every frame or one sheet), SVG, PDF.

The renderer adds no arithmetic: every cell, tap, number and caption comes from the scene
(:mod:`convarith.figures.animation` for animations, :mod:`convarith.figures.static` for static figures). Two
styles draw the same scene: "flat" (input and output side by side, here) and "paper"
(Dumoulin & Visin's perspective planes, :mod:`convarith.figures.animation_paper`).

Colours, themes, text sizes and the static writer are :mod:`convarith.figures.style`'s: fills differ
by lightness (>= 3:1 between states a viewer must tell apart) and kinds that share a lightness
also differ in hatching or line style. The current output cell has a thick outline and
projection lines to its window, so the step reads in greyscale too.

Output is deterministic (same scene, same bytes): no timestamps in the metadata, a fixed
SVG hash salt, a fixed GIF palette built from the frames themselves (with the background
colour exact: #FFFFFF stays #FFFFFF).
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import Any

from convarith.atomic import atomic_path
from convarith.errors import ConvArithError
from convarith.figures.animation import CELL_KINDS, Scene
from convarith.figures.animation_flat import FlatPainter, cell_style, tap_state
from convarith.figures.animation_paper import PaperPainter
from convarith.figures.style import (
    CAPTION_PT,
    CELL_IN,
    OKABE_ITO,
    STATIC_SUFFIXES,
    THEMES,
    TITLE_PT,
    WIDTH_IN,
    Theme,
    atomic_file,
    check_suffix,
    save_figure,
    style_named,
    theme_named,
    wrap_text,
)

__all__ = ["OKABE_ITO", "THEMES", "WIDTH_IN", "frame_images", "save_animation", "save_figure",
           "theme_named", "write_gif", "write_sheet"]

#: Suffixes :func:`save_animation` writes, and which of them animate.
ANIMATED_SUFFIXES: tuple[str, ...] = (".gif", ".mp4")

#: Caption lines are wrapped at this many characters (11 pt across 7.6 inches).
WRAP = 84
LINE_IN = 0.24  # one caption line, inches


def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    return check_suffix(path, allowed, what)


def cell_inches(width: float, height: float, *, max_height: float = 4.6,
                cell: float = CELL_IN) -> float:
    """The side of one cell: ``cell`` (:data:`~convarith.figures.style.CELL_IN`) wherever the grids
    fit at it (``width`` x ``height`` cells in 7.6 x ``max_height`` inches), smaller only
    when they do not."""
    return min(cell, (WIDTH_IN - 0.4) / width, max_height / height)


def _caption_lines(scene: Scene) -> list[str]:
    lines: list[str] = []
    for line in scene.caption:  # formulas: broken between terms of the chain
        lines += wrap_text(line, WRAP)
    for note in scene.notes:  # prose: broken between words
        lines += textwrap.wrap(note, WRAP, break_on_hyphens=False)
    return lines


def _legend_entries(scene: Scene, theme: Theme, style: str) -> list[tuple[str, dict[str, Any]]]:
    """Swatches naming the states this scene shows, in the words of its kind."""
    grid = scene.input
    padded = grid.count("padding") + grid.count("unreached") > 0
    names = {
        "input": "input",
        "padding": scene.padding_name,
        "unreached": "padding no window reaches",
        "inserted": "inserted zero (stride)",
        "lost": "input never covered (lost)",
        "beyond": "beyond the padding (ceil mode)" if padded else "beyond the input (ceil mode)",
        "cropped": "cropped (p > k* − 1)",
    }
    entries = [(names[kind], cell_style(theme, style, kind)) for kind in CELL_KINDS[::-1]
               if grid.count(kind)]
    window = scene.window_name
    on_zero = any(tap_state(scene, r, c) == "kernel on zero" for frame in scene.frames
                  for r, c in frame.taps)
    entries.append((f"{window} on input", _swatch(theme.fill(style, "kernel on input"))))
    if on_zero:
        zero = "padding" if not grid.count("inserted") else "a zero"
        entries.append((f"{window} on {zero}", _swatch(theme.fill(style, "kernel on zero"))))
    if any(frame.chosen for frame in scene.frames):
        entries.append(("maximum", dict(facecolor="none", edgecolor=theme.marker,
                                        linestyle="-", hatch=None, linewidth=2.5)))
    entries.append(("output written", _swatch(theme.fill(style, "output written"))))
    entries.append(("this step", dict(facecolor=theme.fill(style, "output current"),
                                      edgecolor=theme.text, linestyle="-", hatch=None,
                                      linewidth=2.5)))
    return entries


def _swatch(fill: str) -> dict[str, Any]:
    return dict(facecolor=fill, edgecolor="#4D4D4D", linestyle="-", hatch=None)


def legend_rows(entries: list[tuple[str, dict[str, Any]]]) -> list[list[int]]:
    """Entries per legend row: each row fits 7.7 inches at the caption size (the width of
    a label estimated at 0.58 em per character, so the rows do not depend on a renderer)."""
    rows: list[list[int]] = [[]]
    x = 0.25
    for n, (name, _) in enumerate(entries):
        width = 0.22 + 0.58 * CAPTION_PT / 72 * len(name) + 0.3
        if rows[-1] and x + width > WIDTH_IN - 0.2:
            rows.append([])
            x = 0.25
        rows[-1].append(n)
        x += width
    return rows


def draw_legend(figure: Any, entries: list[tuple[str, dict[str, Any]]], top: float,
                theme: Theme) -> None:
    """The legend rows, the first one's top ``top`` inches below the figure's top."""
    from matplotlib.patches import Rectangle

    width_in, height_in = figure.get_size_inches()
    renderer = figure.canvas.get_renderer()
    for row, members in enumerate(legend_rows(entries)):
        y = 1 - (top + 0.28 * row + 0.2) / height_in
        x = 0.25 / width_in
        for n in members:
            name, style = entries[n]
            style = dict(style)
            hatch = style.pop("hatch", None)
            linewidth = style.pop("linewidth", 1.0)
            figure.patches.append(Rectangle(
                (x, y), 0.18 / width_in, 0.18 / height_in, transform=figure.transFigure,
                figure=figure, linewidth=linewidth, hatch=hatch, **style))
            label = figure.text(x + 0.26 / width_in, y + 0.09 / height_in, name,
                                fontsize=CAPTION_PT, va="center", color=theme.text)
            text_in = label.get_window_extent(renderer).width / figure.dpi
            x += (0.26 + text_in + 0.3) / width_in


def painter_class(style: str) -> type[FlatPainter]:
    """The painter of a figure style (:data:`~convarith.figures.style.FIGURE_STYLES`)."""
    return PaperPainter if style_named(style) == "paper" else FlatPainter


class _Animation:
    """A figure with one scene's painter, a title, a legend and a caption, redrawn frame by
    frame."""

    def __init__(self, scene: Scene, *, dpi: float, theme: Theme, style: str = "flat"
                 ) -> None:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.scene, self.theme = scene, theme
        painter = painter_class(style)
        width_cells, height_cells = painter.extent(scene)
        cell = cell_inches(width_cells, height_cells, max_height=painter.max_height_in,
                           cell=painter.cell_in)
        self.lines = _caption_lines(scene)
        entries = _legend_entries(scene, theme, painter.style)
        legend_h = 0.28 * len(legend_rows(entries)) + 0.1
        head = 0.5 + (0.3 if scene.subtitle else 0.0)
        grids = height_cells * cell + 0.4  # grid labels above
        note_h = 2 * LINE_IN + 0.1
        height = head + grids + 0.1 + legend_h + LINE_IN * len(self.lines) + note_h + 0.1
        self.figure = Figure(figsize=(WIDTH_IN, height), dpi=dpi, facecolor=theme.background)
        FigureCanvasAgg(self.figure)
        self.figure.text(0.5, 1 - 0.12 / height, scene.title, ha="center", va="top",
                         fontsize=TITLE_PT, fontweight="bold", color=theme.text)
        if scene.subtitle:
            self.figure.text(0.5, 1 - 0.5 / height, scene.subtitle, ha="center", va="top",
                             fontsize=CAPTION_PT, color=theme.text)
        top = 1 - (head + 0.4) / height
        bottom = 1 - (head + grids) / height
        width = min(0.95, (width_cells + 0.3) * cell / WIDTH_IN)
        ax = self.figure.add_axes(((1 - width) / 2, bottom, width, top - bottom))
        y = head + grids + 0.1
        draw_legend(self.figure, entries, y, theme)
        y += legend_h
        for line in self.lines:
            self.figure.text(0.03, 1 - y / height, line, ha="left", va="top",
                             fontsize=CAPTION_PT, color=theme.text)
            y += LINE_IN
        self.note_y = 1 - (y + 0.05) / height
        self.notes: list[Any] = []
        self.painter = painter(ax, scene, theme, cell * dpi)
        # Blitting: the grids, title, legend and caption are drawn once; each frame restores
        # that background and draws only its moving parts on top (4-5x faster per frame).
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def draw(self, n: int) -> Any:
        """The RGB image of step ``n`` (a PIL image)."""
        from PIL import Image

        self.painter.frame(n)
        for note in self.notes:
            note.remove()
        frame = self.scene.frames[n]
        text = f"step {n + 1}/{len(self.scene.frames)}   {frame.note}"
        lines = textwrap.wrap(text, WRAP, subsequent_indent="      ", break_on_hyphens=False)
        height = self.figure.get_size_inches()[1]
        self.notes = [self.figure.text(0.03, self.note_y - n_line * LINE_IN / height, line,
                                       ha="left", va="top", fontsize=CAPTION_PT,
                                       color=self.theme.text, fontweight="bold")
                      for n_line, line in enumerate(lines[:2])]
        if len(lines) > 2:  # a very long sum of products: the rest on the second line, smaller
            rest = " ".join(lines[1:])
            self.notes[1].set_text(rest)
        renderer = self.figure.canvas.get_renderer()
        room = 0.95 * self.figure.bbox.width
        for note in self.notes:
            wide = note.get_window_extent(renderer).width
            if wide > room:
                note.set_fontsize(CAPTION_PT * room / wide)
        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        ax = self.painter.ax
        # the moving parts in z-order (the painter adds them lowest first within a level)
        for artist in sorted(self.painter.moving, key=lambda a: a.get_zorder()):
            ax.draw_artist(artist)
        for note in self.notes:
            self.figure.draw_artist(note)
        return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                "raw", "RGBA", 0, 1).convert("RGB")


def frame_images(scene: Scene, *, dpi: float = 100, theme: str = "light",
                 style: str = "flat") -> list[Any]:
    """Every frame of ``scene`` as an RGB PIL image, 8 inches (``8*dpi`` px) wide.

    >>> from convarith.figures.animation import conv_scene
    >>> images = frame_images(conv_scene(4, kernel_size=3), dpi=50)
    >>> len(images), images[0].size[0]
    (4, 400)
    """
    animation = _Animation(scene, dpi=dpi, theme=theme_named(theme), style=style)
    return [animation.draw(n) for n in range(len(scene.frames))]


# --------------------------------------------------------------------------- writers


def save_animation(scene: Scene, path: str | os.PathLike[str], *, fps: float | None = None,
                   dpi: float = 100, theme: str = "light", style: str = "flat",
                   every_frame: bool = False) -> list[Path]:
    """Write ``scene`` as the file ``path``'s suffix names; returns the files written.

    ``.gif`` (Pillow) and ``.mp4`` (ffmpeg) animate, each frame shown for the scene's
    :meth:`~convarith.figures.animation.Scene.durations` (``fps`` overrides them); ``.png`` is one
    overview sheet of the frames, or with ``every_frame`` one PNG per frame
    (``name-000.png``, ...); ``.svg`` and ``.pdf`` are the overview sheet as vector graphics.
    """
    path = Path(path)
    suffix = _suffix(path, ANIMATED_SUFFIXES + STATIC_SUFFIXES, "an animation")
    if fps is not None and fps <= 0:
        raise ConvArithError(f"Error writing {path}: fps={fps} must be positive. Use e.g. 2.")
    style_named(style)
    if suffix == ".mp4":
        _require_ffmpeg(path)
    if suffix in (".svg", ".pdf") or (suffix == ".png" and not every_frame):
        write_sheet(scene, path, dpi=dpi, theme=theme, style=style)
        return [path]
    images = frame_images(scene, dpi=dpi, theme=theme, style=style)
    durations = scene.durations(fps)
    if suffix == ".gif":
        write_gif(images, path, durations=durations, background=theme_named(theme).background)
        return [path]
    if suffix == ".mp4":
        _write_mp4(images, path, durations=durations)
        return [path]
    written = []
    for n, image in enumerate(images):
        target = path.with_name(f"{path.stem}-{n:03d}.png")
        with atomic_file(target) as handle:
            image.save(handle, format="PNG", optimize=True)
        written.append(target)
    return written


def write_gif(images: list[Any], path: Path, *, durations: tuple[float, ...] | None = None,
              fps: float | None = None, background: str = "#FFFFFF") -> None:
    """An endless GIF through Pillow, on one palette built from the frames themselves
    (so the file is small and the same frames give the same bytes), the background colour
    kept exact. Each frame lasts its entry of ``durations`` (seconds), or ``1/fps`` with the
    last held three times as long."""
    from PIL import Image

    if durations is None:
        base = 1 / (fps or 1.0)
        durations = (base,) * (len(images) - 1) + (3 * base,)
    palette = _palette(images, background)
    frames = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    milliseconds = [round(1000 * seconds) for seconds in durations]
    with atomic_file(path) as handle:
        # Pillow's default optimisation stores only the rectangle that changed since the
        # previous frame: a 36-frame animation is then about 200 KB instead of 900 KB.
        frames[0].save(handle, format="GIF", save_all=True, append_images=frames[1:],
                       duration=milliseconds if len(frames) > 1 else milliseconds[0], loop=0)


def _palette(images: list[Any], background: str) -> Any:
    """A 64-colour palette from the first, middle and last frames stacked, the entries near
    the background set to the background exactly (median cut averages it with the
    anti-aliased edges otherwise: white would come out 251-253)."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    picks = [images[0], images[len(images) // 2], images[-1]]
    width = max(image.size[0] for image in picks)
    stack = Image.new("RGB", (width, sum(image.size[1] for image in picks)), background)
    y = 0
    for image in picks:
        stack.paste(image, (0, y))
        y += image.size[1]
    palette = stack.quantize(colors=64, method=Image.Quantize.MEDIANCUT,
                             dither=Image.Dither.NONE)
    exact = [round(255 * v) for v in to_rgb(background)]
    entries = palette.getpalette()[:3 * 64]
    # Pillow matches colours through a coarse cache, so every entry close to the background
    # becomes the background itself (a near-white entry would otherwise catch white pixels)
    for n in range(0, len(entries), 3):
        if max(abs(a - b) for a, b in zip(entries[n:n + 3], exact)) <= 12:
            entries[n:n + 3] = exact
    fixed = Image.new("P", (1, 1))
    fixed.putpalette(entries)
    return fixed


def _require_ffmpeg(path: Path) -> None:
    from matplotlib import animation

    if not animation.writers.is_available("ffmpeg"):
        raise ConvArithError(
            f"Error writing {path}: MP4 needs ffmpeg, and matplotlib finds no ffmpeg writer "
            "(ffmpeg is not on PATH). Install ffmpeg, or write a .gif instead."
        )


def _write_mp4(images: list[Any], path: Path, *, durations: tuple[float, ...]) -> None:
    """H.264 through matplotlib's ffmpeg (rcParams["animation.ffmpeg_path"]), piping the
    frames as raw RGB at the rate of the shortest frame, longer frames repeated; sizes are
    padded to even numbers, which yuv420p needs."""
    import subprocess

    import matplotlib

    base = min(durations)
    fps = 1 / base
    repeats = [max(1, round(seconds / base)) for seconds in durations]
    images = [image for image, times in zip(images, repeats) for _ in range(times)]

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
                style: str = "flat", most: int = 36) -> None:
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
    painter = painter_class(style)
    width_cells, height_cells = painter.extent(scene)
    panel_w = WIDTH_IN / columns
    panel_h = panel_w * (height_cells + 1.2) / (width_cells + 0.3)
    lines = _caption_lines(scene)
    head, foot = 0.5, 0.2 + LINE_IN * len(lines)
    height = head + rows * panel_h + foot
    figure = Figure(figsize=(WIDTH_IN, height), dpi=dpi, facecolor=colours.background)
    suffix = "" if len(picks) == count else f" ({len(picks)} of {count} steps)"
    figure.text(0.5, 1 - 0.12 / height, scene.title + suffix, ha="center", va="top",
                fontsize=TITLE_PT, fontweight="bold", color=colours.text)
    cell_px = panel_w * dpi / (width_cells + 0.3)
    for slot, n in enumerate(picks):
        r, c = divmod(slot, columns)
        bottom = (foot + (rows - 1 - r) * panel_h) / height
        ax = figure.add_axes((c / columns + 0.01, bottom, 1 / columns - 0.02,
                              (panel_h - 0.3) / height))
        panel = painter(ax, scene, colours, cell_px, labels=False)
        panel.frame(n)
        ax.set_title(f"step {n + 1}", fontsize=CAPTION_PT, color=colours.text, pad=2)
    y = (foot - 0.1) / height
    for line in lines:
        figure.text(0.03, y, line, ha="left", va="top", fontsize=CAPTION_PT,
                    color=colours.text)
        y -= LINE_IN / height
    save_figure(figure, path, dpi=dpi)
