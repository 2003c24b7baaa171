"""The click options several commands share, written once (names, types, defaults).

Each factory returns the option decorator; a command may give its own help text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from convarith.choices import CONVENTIONS, POOL_KINDS
from convarith.cli.types import PADDING, SEED, SIZE, FiniteFloatRange, PathType
from convarith.figures.style import FIGURE_STYLES, THEMES

Decorator = Callable[[Any], Any]


def input_size(help: str | None = None, *, type: Any = SIZE, dest: str = "input_size",
               **kwargs: Any) -> Decorator:
    """``--input 224``, ``224x224`` or ``8x32x32`` (into ``input_size``); ``type`` where a
    command takes one whole number, ``dest`` where it takes several inputs."""
    return click.option("--input", dest, type=type, help=help, **kwargs)


def kernel_size(help: str | None = "Kernel size, e.g. 3 or 3x5.", *, type: Any = SIZE,
                **kwargs: Any) -> Decorator:
    """``--kernel`` (into ``kernel_size``)."""
    return click.option("--kernel", "kernel_size", type=type, help=help, **kwargs)


def stride(help: str | None = "Stride.", *, type: Any = SIZE, **kwargs: Any) -> Decorator:
    return click.option("--stride", type=type, help=help, **kwargs)


def padding(help: str | None = "Padding.", *, type: Any = PADDING, default: Any = "0",
            **kwargs: Any) -> Decorator:
    """``--padding 2``, ``1x2``, ``1:2x0:1`` or a mode (read by notation.parse_padding)."""
    return click.option("--padding", type=type, default=default, help=help, **kwargs)


def dilation(help: str | None = "Dilation.", *, type: Any = SIZE, default: Any = "1",
             **kwargs: Any) -> Decorator:
    return click.option("--dilation", type=type, default=default, help=help, **kwargs)


def output_padding(help: str = "Transposed: output padding.", *, default: Any = "0",
                   **kwargs: Any) -> Decorator:
    return click.option("--output-padding", type=SIZE, default=default, help=help, **kwargs)


def output_size(help: str | None = None, *, type: Any = SIZE, **kwargs: Any) -> Decorator:
    """``--output`` (into ``output_size``): the output size asked for."""
    return click.option("--output", "output_size", type=type, help=help, **kwargs)


def out_channels(help: str) -> Decorator:
    """``--out-channels`` (torch's ``out_channels``)."""
    return click.option("--out-channels", type=click.IntRange(min=1), help=help)


def convention(help: str = "Whose rules: PyTorch's, or Keras'/TensorFlow's (padding valid or "
               "same; same works at any stride and gives ceil(i/s)).", *,
               choices: tuple[str, ...] = CONVENTIONS, **kwargs: Any) -> Decorator:
    """``--convention torch|keras``: whose padding and output-size rules apply (``verify``:
    how a homework function is called, ``choices`` its conventions)."""
    kwargs = {"default": "torch", "show_default": True, **kwargs}
    return click.option("--convention", type=click.Choice(choices), help=help, **kwargs)


def channels_last(help: str = "--input is HxWxC (Keras' channels-last order), not CxHxW; "
                  "shapes are shown so.", *, either: bool = False) -> Decorator:
    """``--channels-last``: read sizes as H x W x C (Keras' order), not C x H x W (PyTorch's);
    with ``either``, ``--channels-last/--channels-first`` (unset: the model decides)."""
    if either:
        return click.option("--channels-last/--channels-first", "channels_last", default=None,
                            help=help)
    return click.option("--channels-last", is_flag=True, help=help)


def model(help: str, *, dest: str = "model", **kwargs: Any) -> Decorator:
    """``--model``: a zoo name (or FILE.py:NAME / module:NAME where a command loads one)."""
    return click.option("--model", dest, help=help, **kwargs)


def layer(help: str, *, type: Any, dest: str = "layer", **kwargs: Any) -> Decorator:
    """``--layer``: a layer kind, of the command's own ``type`` (a ``click.Choice``)."""
    return click.option("--layer", dest, type=type, help=help, **kwargs)


def explain(help: str) -> Decorator:
    """``--explain``: the worked derivation as well as the answer."""
    return click.option("--explain", is_flag=True, help=help)


def symbolic(help: str) -> Decorator:
    """``--symbolic``: sizes as expressions of the input's axes."""
    return click.option("--symbolic", is_flag=True, help=help)


def seed(help: str | None = None, *, type: Any = SEED, **kwargs: Any) -> Decorator:
    """``--seed`` (0 by default): the same seed gives the same result."""
    return click.option("--seed", type=type, default=0, help=help, **kwargs)


def out_folder(help: str, **kwargs: Any) -> Decorator:
    """``--out FOLDER``: the folder a command writes into."""
    return click.option("--out", type=PathType(file_okay=False), help=help, **kwargs)


def output_format(choices: Any, help: str, *, short: bool = False) -> Decorator:
    """``--format`` (into ``format_``; ``-f`` too with ``short``)."""
    names = ("-f", "--format") if short else ("--format",)
    return click.option(*names, "format_", type=click.Choice(choices), help=help)


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


def output_file(help: str, *, required: bool = True, writable: bool = False) -> Decorator:
    """``-o/--output FILE`` (into ``output``): the file a command writes (the figure
    commands require one; the others print to the screen without it)."""
    kind = PathType(dir_okay=False, writable=True) if writable else PathType(dir_okay=False)
    return click.option("-o", "--output", "output", type=kind, required=required, help=help)


def given_options() -> list[str]:
    """The names of the options the command line gave, in the command's order."""
    context = click.get_current_context()
    return [parameter.name for parameter in context.command.params
            if parameter.name is not None and context.get_parameter_source(parameter.name)
            is click.core.ParameterSource.COMMANDLINE]


def spellings() -> dict[str, str]:
    """Each option's name as the command line spells it (``input_size`` -> ``--input``), for
    the library's messages."""
    context = click.get_current_context()
    return {parameter.name: parameter.opts[-1] for parameter in context.command.params
            if parameter.name is not None and isinstance(parameter, click.Option)}
