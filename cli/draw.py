"""``convarith draw``: the static lecture figures (receptive field, architecture, formula,
images as numbers)."""

from __future__ import annotations

from typing import Any

import click

from convarith.choices import DRAW_KINDS
from convarith.cli import options
from convarith.cli.types import WHOLE


@click.command(context_settings={"show_default": True})
@click.argument("kind", type=click.Choice(DRAW_KINDS))
@click.option("--layers", default="conv k=3; conv k=3; conv k=3",
              help="rf: the stack, e.g. 'conv k=3 s=2; pool k=2; conv k=3 d=2'.")
@options.input_size("rf: input size [the final receptive field plus one jump each side].",
                    type=WHOLE)
@click.option("--unit", type=click.IntRange(min=0),
              help="rf: which output unit of the last layer [the middle one].")
@options.model("architecture: a zoo model (convarith list).", default="lenet5")
@click.option("--digit", type=click.IntRange(min=0), default=0,
              help="channels: which of scikit-learn's digits is the greyscale image.")
@options.output_file("File to write; the suffix picks the format: .png .svg .pdf.")
@options.dpi()
@options.theme()
def draw(kind: str, layers: str, input_size: int | None, unit: int | None, model: str,
         digit: int, output: str, dpi: int, theme: str) -> None:
    """Draw a static figure: receptive-field growth, a zoo model's architecture, the
    output-size formula sheet, or images as matrices of numbers.

    \b
    Examples:
      convarith draw rf --layers "conv k=3 s=2; conv k=3 s=2; conv k=3" -o rf.png
      convarith draw architecture --model alexnet -o alexnet.svg
      convarith draw formula -o formula.pdf
      convarith draw channels --digit 7 -o channels.png
    """
    from convarith.figures.static_render import save_static

    params: dict[str, Any] = {}
    if kind == "rf":
        params = {"layers": layers, "input_size": input_size, "unit": unit}
    elif kind == "architecture":
        params = {"model": model}
    elif kind == "channels":
        params = {"digit": digit}
    path = save_static(kind, output, dpi=dpi, theme=theme, **params)
    click.echo(f"wrote {path}")
