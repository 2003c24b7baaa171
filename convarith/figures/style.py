"""The look of every convarith figure, held once: palette, themes, styles, sizes and saving.

Fills are chosen by *lightness*, not by hue alone, so that every pair of states a viewer must
tell apart (input vs padding, the kernel over input vs the input, the kernel over input vs the
kernel over a zero, this step's output vs the outputs written, written vs empty) differs by a
luminance contrast of at least 3:1 (WCAG 2.x's ratio, the threshold it sets for graphical
objects). Hues come from or near the Okabe-Ito palette (Okabe & Ito, "Color Universal
Design", 2008, as recommended by Wong, Nature Methods 8, 441, 2011), and kinds that share a
lightness band also differ in hatching or line style, so a figure survives a projector, a
greyscale print and colour-blind eyes. :func:`contrast` computes the ratio; the tests check
every pair of :data:`CONTRAST_PAIRS` on every theme and style.

Figures are :data:`WIDTH_IN` inches wide (800 px at the default 100 dpi) on a pure white
(#FFFFFF) background in the light theme. :func:`save_figure` is the one writer of every
static figure (it is :func:`convarith.atomic.write_figure`, which the training plots call
too): atomic, and deterministic (no timestamps, a fixed SVG hash salt).

>>> round(contrast("#FFFFFF", "#000000"), 1)
21.0
>>> theme_named("light").fill("flat", "padding")
'#FFFFFF'
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convarith.atomic import FIGURE_SUFFIXES, atomic_write, write_figure
from convarith.errors import ConvArithError

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

#: The side of one grid cell in an animation, in inches, wherever the grids fit at it (the
#: whole lecture set does; a larger ``convarith animate`` grid is drawn smaller).
CELL_IN = 0.42

#: The paper style's cell on the near edge of the input plane (the far edge is drawn smaller):
#: two planes stacked need the height, and a GIF of the paper's 49-frame figure stays under
#: 300 KB.
PAPER_CELL_IN = 0.32

#: Text sizes in points: captions, step notes and legends; kernel weights; architecture labels.
CAPTION_PT = 11.0
WEIGHT_PT = 9.0
LABEL_PT = 9.0
TITLE_PT = 13.0

#: The two ways of drawing an animation: side by side in the plane ("flat"), or Dumoulin &
#: Visin's (arXiv:1603.07285) input plane in perspective with the output plane above it.
FIGURE_STYLES: tuple[str, ...] = ("flat", "paper")

#: The states a grid cell can be shown in. Cell kinds of :mod:`convarith.figures.animation` plus the
#: kernel over a cell (over input, over a zero) and the output cells' three states.
STATES: tuple[str, ...] = (
    "input", "padding", "unreached", "inserted", "lost", "beyond", "cropped",
    "kernel on input", "kernel on zero", "output empty", "output written", "output current",
)

#: Pairs of states a viewer must tell apart by lightness alone (>= 3:1).
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("input", "padding"),
    ("kernel on input", "input"),
    ("kernel on input", "kernel on zero"),
    ("kernel on zero", "padding"),
    ("output current", "output written"),
    ("output written", "output empty"),
    ("lost", "padding"),
)

#: The least contrast of every pair in :data:`CONTRAST_PAIRS`.
MIN_CONTRAST = 3.0


def luminance(colour: str) -> float:
    """Relative luminance of an sRGB hex colour (WCAG 2.x; 0 black, 1 white).

    >>> luminance("#FFFFFF"), round(luminance("#0072B2"), 3)
    (1.0, 0.152)
    """
    text = colour.lstrip("#")
    channels = [int(text[n:n + 2], 16) / 255 for n in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The luminance contrast ratio of two colours, ``(L1 + 0.05) / (L2 + 0.05)``, >= 1."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_text(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill``."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#FFFFFF") else "#FFFFFF"


_LIGHT_FLAT = {
    "input": "#4A90C8", "padding": "#FFFFFF", "unreached": "#FFFFFF", "inserted": "#D9D9D9",
    "lost": "#D0661A", "beyond": "#FFFFFF", "cropped": "#C8C8C8",
    "kernel on input": "#0B2A55", "kernel on zero": "#8467B0",
    "output empty": "#FFFFFF", "output written": "#009E73", "output current": "#0B2A55",
}
_DARK_FLAT = {
    "input": "#2E7FB8", "padding": "#16191E", "unreached": "#16191E", "inserted": "#3A3F47",
    "lost": "#D55E00", "beyond": "#16191E", "cropped": "#444A55",
    "kernel on input": "#F0E442", "kernel on zero": "#9A6BB0",
    "output empty": "#16191E", "output written": "#168A72", "output current": "#F0E442",
}


@dataclass(frozen=True)
class Theme:
    """The colours of one theme: background, text and lines, and one fill per state and style
    (the paper style shades the output teal, as Dumoulin & Visin's figures do)."""

    name: str
    background: str
    text: str
    line: str
    faint: str
    flat: dict[str, str] = field(default_factory=dict)
    paper: dict[str, str] = field(default_factory=dict)
    marker: str = OKABE_ITO["vermillion"]  # the chosen maximum, never-beat-chance marks

    def fill(self, style: str, state: str) -> str:
        """The fill of ``state`` in ``style`` ("flat" or "paper")."""
        return (self.paper if style == "paper" else self.flat)[state]

    def mix(self, colour: str, amount: float) -> tuple[float, float, float]:
        """``colour`` at ``amount`` (0..1) over the background."""
        from matplotlib.colors import to_rgb

        fg, bg = to_rgb(colour), to_rgb(self.background)
        return tuple(amount * f + (1 - amount) * b for f, b in zip(fg, bg))  # type: ignore[return-value]


#: The colour themes, by name: the one list the command line, the renderers and the tests use.
THEMES: dict[str, Theme] = {
    "light": Theme("light", background="#FFFFFF", text="#1A1A1A", line="#4D4D4D",
                   faint="#A6A6A6", flat=_LIGHT_FLAT,
                   paper={**_LIGHT_FLAT, "output written": "#1E9E8F",
                          "output current": "#063A3A"}),
    # on a dark background the kernel is Okabe-Ito yellow (their blue is too dim there)
    "dark": Theme("dark", background="#16191E", text="#EDEDED", line="#B3B3B3",
                  faint="#5C6370", flat=_DARK_FLAT,
                  paper={**_DARK_FLAT, "output written": "#12807A"}),
}


def theme_named(name: str) -> Theme:
    if name not in THEMES:
        raise ConvArithError(
            f"Error drawing a figure: theme={name!r} is not a theme. Use one of "
            f"{', '.join(THEMES)}."
        )
    return THEMES[name]


def style_named(name: str) -> str:
    if name not in FIGURE_STYLES:
        raise ConvArithError(
            f"Error drawing a figure: style={name!r} is not a figure style. Use one of "
            f"{', '.join(FIGURE_STYLES)}."
        )
    return name


# --------------------------------------------------------------------------- files

#: Suffixes the static writer takes.
STATIC_SUFFIXES: tuple[str, ...] = FIGURE_SUFFIXES


def atomic_file(path: Path) -> contextlib.AbstractContextManager[Any]:
    """A binary file that appears at ``path`` only when complete (:mod:`convarith.atomic`)."""
    return atomic_write(path, what="the figure")


def check_suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise ConvArithError(
            f"Error writing {path}: {what} can be written as {', '.join(allowed)}, not "
            f"{suffix or 'a file without a suffix'}. Change the file name's suffix."
        )
    return suffix


def save_figure(figure: Any, path: str | os.PathLike[str], *, dpi: float = 100,
                tight: bool = False, allowed: tuple[str, ...] = STATIC_SUFFIXES) -> Path:
    """Write a matplotlib figure atomically and deterministically: the one writer,
    :func:`convarith.atomic.write_figure` (below the figures and the training plots alike)."""
    return write_figure(figure, path, dpi=dpi, tight=tight, suffixes=allowed)


def wrap_text(line: str, width: int) -> list[str]:
    """``line`` in pieces of at most ``width`` characters, broken after ", " where it can be,
    else before " = " (so ``2·(3 − 1)`` is never split), continued lines indented; a piece
    longer than the width on its own is wrapped at spaces.

    >>> wrap_text("a = 1, b = 2, c = 3", 13)
    ['a = 1, b = 2,', '    c = 3']
    >>> wrap_text("o = ⌊(5 + 2·1 − 3)/2⌋ + 1 = ⌊4/2⌋ + 1", 30)
    ['o = ⌊(5 + 2·1 − 3)/2⌋ + 1', '    = ⌊4/2⌋ + 1']
    """
    import re
    import textwrap

    def greedy(text: str, pattern: str, indent: str) -> list[str]:
        pieces = [piece for piece in re.split(pattern, text) if piece]
        lines, current = [], ""
        for piece in pieces:
            if current.strip() and len(current + piece.rstrip()) > width:
                lines.append(current.rstrip())
                current = indent + piece.lstrip()
            else:
                current += piece
        lines.append(current.rstrip())
        return lines

    out: list[str] = []
    for item in greedy(line, r"(?<=, )", "    "):
        for part in (greedy(item, r"(?= = )", "    ") if len(item) > width else [item]):
            out += (textwrap.wrap(part, width, subsequent_indent="    ",
                                  break_on_hyphens=False) if len(part) > width else [part])
    return out
