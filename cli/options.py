"""The click options several commands share, written once (names, types, defaults).

Each factory returns the option decorator; a command may give its own help text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from convarith.choices import POOL_KINDS
from convarith.cli.types import PADDING, SIZE, FiniteFloatRange, PathType
from convarith.figures.style import FIGURE_STYLES, THEMES

Decorator = Callable[[Any], Any]


def input_size(help: str, **kwargs: Any) -> Decorator:
    """``--input 224``, ``224x224`` or ``8x32x32`` (into ``input_size``)."""
    return click.option("--input", "input_size", type=SIZE, help=help, **kwargs)


def kernel_size(help: str = "Kernel size, e.g. 3 or 3x5.", **kwargs: Any) -> Decorator:
    """``--kernel`` (into ``kernel_size``)."""
    return click.option("--kernel", "kernel_size", type=SIZE, help=help, **kwargs)


def stride(help: str = "Stride.", **kwargs: Any) -> Decorator:
    return click.option("--stride", type=SIZE, help=help, **kwargs)


def padding(help: str = "Padding.", **kwargs: Any) -> Decorator:
    """``--padding 2``, ``1x2``, ``1:2x0:1`` or a mode (read by notation.parse_padding)."""
    return click.option("--padding", type=PADDING, default="0", help=help, **kwargs)


def dilation(help: str = "Dilation.", **kwargs: Any) -> Decorator:
    return click.option("--dilation", type=SIZE, default="1", help=help, **kwargs)


def output_padding(help: str = "Transposed: output padding.") -> Decorator:
    return click.option("--output-padding", type=SIZE, default="0", help=help)


def ceil_mode(help: str = "Pool: round up (PyTorch's ceil_mode).") -> Decorator:
    return click.option("--ceil-mode", is_flag=True, help=help)


def pool_kind(help: str, *, dest: str = "pool_kind",
              choices: tuple[str, ...] = POOL_KINDS) -> Decorator:
    """``--pool max|avg|lp``: the pooling kind (convarith.kinds' short names)."""
    return click.option("--pool", dest, type=click.Choice(choices), default="max",
                        show_default=True, help=help)


def dpi(help: str = "Dots per inch; figures are 8 inches wide (100 dpi: 800 px).") -> Decorator:
    return click.option("--dpi", type=click.IntRange(min=30, max=600), default=100,
                        show_default=True, help=help)


def theme(help: str = "Colour theme.") -> Decorator:
    return click.option("--theme", type=click.Choice(tuple(THEMES)), default="light", help=help)


def style(help: str) -> Decorator:
    """``--style flat|paper``: the figure style (convarith.figures.style)."""
    return click.option("--style", type=click.Choice(FIGURE_STYLES), default="flat", help=help)


def fps(help: str) -> Decorator:
    """``--fps``: frames per second of an animation (unset: the scene's own timing)."""
    return click.option("--fps", type=FiniteFloatRange(min=0.1, max=60), default=None,
                        help=help)


def output_file(help: str) -> Decorator:
    """``-o/--output FILE`` (into ``output``): the file a figure command writes."""
    return click.option("-o", "--output", "output", type=PathType(dir_okay=False),
                        required=True, help=help)
