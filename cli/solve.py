"""``convarith solve``: the padding that gives a size, "same" padding, valid input sizes."""

from __future__ import annotations

import click

from convarith.choices import EQUIVALENT_LAYERS, KERAS_PADDINGS
from convarith.cli import options
from convarith.cli.types import WHOLE, show
from convarith.errors import ConvArithError


@click.group()
def solve() -> None:
    """Solve the output-size formula for padding or for input sizes.

    \b
    Examples:
      convarith solve padding --input 32 --output 32 --kernel 5
      convarith solve same --kernel 4 --dilation 1
      convarith solve inputs --kernel 11 --stride 4 --range 200:240
      convarith solve padding --input 7 --output 4 --kernel 3 --stride 2 --convention keras
      convarith solve torch-layer --input 8x8 --kernel 3 --stride 2 --padding same
    """


@solve.command()
@options.input_size(type=WHOLE, required=True)
@options.output_size(type=WHOLE, required=True)
@options.kernel_size(None, type=WHOLE, required=True)
@options.stride(None, type=WHOLE, default=1, show_default=True)
@options.dilation(None, type=WHOLE, default=1, show_default=True)
@options.convention()
def padding(input_size: int, output_size: int, kernel_size: int, stride: int,
            dilation: int, convention: str) -> None:
    """Every symmetric padding that maps --input to --output (exit status 1 if none);
    with --convention keras, the Keras padding modes that do, and where they pad.

    \b
    Examples:
      convarith solve padding --input 32 --output 32 --kernel 5     # prints 2
      convarith solve padding --input 7 --output 4 --kernel 3 --stride 2 --convention keras
    """
    from convarith.formulas.solve import no_padding_found, padding_for

    if convention == "keras":
        _keras_padding(input_size, output_size, kernel_size, stride, dilation)
        return

    found = padding_for(input_size, output_size, kernel_size=kernel_size, stride=stride,
                        dilation=dilation)
    if found:
        click.echo(" ".join(str(p) for p in found))
        return
    click.echo("none")
    message = no_padding_found(input_size, output_size, kernel_size=kernel_size,
                               stride=stride, dilation=dilation)
    click.echo(message)
    raise SystemExit(1)


def _keras_padding(input_size: int, output_size: int, kernel_size: int, stride: int,
                   dilation: int) -> None:
    from convarith.formulas.output_size import keras_same_padding_axis
    from convarith.formulas.solve import keras_padding_for

    found = keras_padding_for(input_size, output_size, kernel_size=kernel_size, stride=stride,
                              dilation=dilation)
    if not found:
        click.echo("none")
        click.echo(f"No Keras padding maps {input_size} to {output_size} with kernel "
                   f"{kernel_size}, stride {stride}, dilation {dilation}. Put a ZeroPadding "
                   "layer in front, or use --convention torch for explicit numbers.")
        raise SystemExit(1)
    click.echo(" ".join(found))
    if "same" in found:
        left, right = keras_same_padding_axis(input_size, kernel_size, stride, dilation)
        click.echo(f"same pads {left + right} in total: {left} on the top/left, {right} on "
                   "the bottom/right.")


@solve.command("torch-layer")
@options.layer("The Keras layer: Conv, ConvTranspose, MaxPooling or AveragePooling (1D, 2D "
               "or 3D, from --input).", type=click.Choice(EQUIVALENT_LAYERS), default="conv",
               show_default=True)
@options.input_size("Spatial input size: 224, 224x224 or 8x32x32 (no channels).",
                     required=True)
@options.kernel_size(None, required=True)
@options.stride("Stride [conv: 1, pooling: the pool size].")
@options.padding(None, type=click.Choice(KERAS_PADDINGS), default="valid", show_default=True)
@options.dilation(None, show_default=True)
@options.output_padding("Transposed: output padding [Keras' default].", default=None)
def torch_layer(layer: str, input_size: object, kernel_size: object, stride: object,
                padding: str, dilation: object, output_padding: object) -> None:
    """The PyTorch layer that computes what a Keras layer computes, at this input size:
    symmetric padding where it exists, else the F.pad amounts (a ZeroPad2d in front).

    \b
    Example:
      convarith solve torch-layer --input 8x8 --kernel 3 --stride 2 --padding same
    """
    from convarith.formulas.solve import torch_equivalent

    eq = torch_equivalent(layer, input_size, kernel_size, stride=stride, padding=padding,
                          dilation=dilation, output_padding=output_padding)
    for line in eq.code():
        click.echo(line)


@solve.command()
@options.kernel_size(None, required=True)
@options.dilation(None, show_default=True)
def same(kernel_size: object, dilation: object) -> None:
    """Total, left and right padding that keep the size at stride 1 (PyTorch's "same").

    \b
    Example:
      convarith solve same --kernel 4      # prints: 3 1 2
    """
    from convarith.formulas.solve import same_padding

    result = same_padding(kernel_size, dilation=dilation)
    for total, left, right in result if isinstance(result, tuple) and isinstance(
            result[0], tuple) else [result]:
        click.echo(f"{total} {left} {right}")
    click.echo("(total, left, right; the odd one goes on the right/bottom)")


@solve.command()
@options.kernel_size(None, type=WHOLE, required=True)
@options.stride(None, type=WHOLE, default=1, show_default=True)
@options.padding(None, type=click.IntRange(min=0), default=0, show_default=True)
@options.dilation(None, type=WHOLE, default=1, show_default=True)
@click.option("--range", "span", default="1:512", show_default=True, help="LOW:HIGH inclusive.")
def inputs(kernel_size: int, stride: int, padding: int, dilation: int, span: str) -> None:
    """Input sizes in a range that leave no input uncovered by the windows.

    \b
    Example:
      convarith solve inputs --kernel 11 --stride 4 --range 220:230   # prints: 223 227
    """
    from convarith.formulas.solve import valid_input_sizes

    low, _, high = span.partition(":")
    if not (low.isdigit() and high.isdigit()):
        raise ConvArithError(f"--range {span!r} is not LOW:HIGH. Write e.g. --range 200:240.")
    found = valid_input_sizes(kernel_size=kernel_size, stride=stride, padding=padding,
                              dilation=dilation, low=int(low), high=int(high))
    click.echo(" ".join(show(i) for i in found) if found else "none")
