"""``convarith compare``: a dense layer beside a convolutional layer on the same input."""

from __future__ import annotations

import click

from convarith.cli import options
from convarith.cli.types import WHOLE, show
from convarith.errors import ConvArithError


@click.command()
@options.input_size("Image as CxHxW (1x28x28) or HxW (28x28, one channel).", required=True)
@click.option("--hidden", type=click.IntRange(min=1), required=True,
              help="Hidden units of the dense layer.")
@click.option("--outputs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Output units after the hidden layer (0: none).")
@options.kernel_size("Conv: square kernel size.", type=WHOLE, default=3, show_default=True)
@click.option("--filters", type=click.IntRange(min=1), default=32, show_default=True,
              help="Conv: number of filters.")
def compare(input_size: object, hidden: int, outputs: int, kernel_size: int,
            filters: int) -> None:
    """Weights, biases and connections of a dense layer beside a convolution.

    Sparse connectivity shows as connections per output unit; weight sharing as the number
    of distinct weights against the number of connections they serve.

    \b
    Examples:
      convarith compare --input 1x28x28 --hidden 512          # 784 x 512 + 512 x 1 = 401,920
      convarith compare --input 1x1080x1920 --hidden 512      # over a billion
      convarith compare --input 3x5x5 --hidden 3 --outputs 0  # 75 x 3 = 225
    """
    from convarith.formulas.compare import dense_vs_conv, sharing_factor

    shape = input_size if isinstance(input_size, tuple) else None
    if shape is not None and len(shape) == 2:
        shape = (1, *shape)
    if shape is None or len(shape) != 3:
        raise ConvArithError(
            f"--input {show(input_size)} is not an image. Write CxHxW or HxW, e.g. 1x28x28.")
    c = dense_vs_conv(shape, hidden=hidden, outputs=outputs, kernel_size=kernel_size,
                      out_channels=filters)
    rows = [
        ("", c.dense.name, c.conv.name),
        ("weights", c.dense.formula, c.conv.formula),
        ("biases", f"{c.dense.biases:,}", f"{c.conv.biases:,}"),
        ("connections", f"{c.dense.connections:,}", f"{c.conv.connections:,}"),
        ("connections per unit", f"{c.dense.per_unit:,} (every input value)",
         f"{c.conv.per_unit:,} (one {shape[0]}x{kernel_size}x{kernel_size} window)"),
        ("uses of each weight", f"{sharing_factor(c.dense):,.0f}",
         f"{sharing_factor(c.conv):,.0f} (shared across positions)"),
    ]
    click.echo(f"{c.dense.weights}")
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    click.echo(f"The dense layer needs {c.ratio:,.1f}x the weights of the convolution.")
