"""``convarith size``: the output size of one layer, with its derivation on request."""

from __future__ import annotations

from typing import Any

import click

from convarith import kinds
from convarith.choices import SIZE_KINDS
from convarith.cli import options
from convarith.cli.options import given_options, spellings

#: ``--pool``'s help: each pooling kind in words, with the geometry torch's layer lacks.
_POOL_HELP = ", ".join(
    f"{k.short} ({k.noun or k.short + ' pooling'}"
    + "".join(f", no {name}" for name in k.lacks) + ")"
    for k in kinds.of_family("pool", sized=True))


@click.command(context_settings={"show_default": True})
@click.argument("kind", type=click.Choice(SIZE_KINDS))
@options.input_size("Input size: 224, 224x224 or 8x32x32 (with --out-channels: CxHxW).",
                     required=True)
@options.kernel_size("Kernel size (not for adaptive).")
@options.stride("Stride [conv: 1, pool: the kernel size].")
@options.padding("Padding: 2, 1x2, left:right pairs 1:2, or valid/same/full (conv) "
                 "[with --convention keras: valid or same, default valid].")
@options.dilation()
@options.output_padding("Transposed: output padding [with --convention keras: Keras' own "
                        "default, which is not 0].")
@options.convention()
@options.channels_last()
@options.ceil_mode()
@options.pool_kind(f"Pool: {_POOL_HELP}.")
@options.output_size("Adaptive: the output size.")
@options.out_channels("Conv: number of filters; --input is then CxHxW and parameters are shown.")
@options.explain("Show the derivation with the numbers put in.")
@options.symbolic("Give the size as an expression of H and W.")
@click.option("--latex", is_flag=True, help="Give the derivation (or expression) in LaTeX.")
@click.option("--strict", is_flag=True, help="Conv: reject input that no window covers.")
@click.option("--layout", type=click.Choice(["dhw", "chw"]),
              help="How a 3-part --input such as 64x112x112 is read: D x H x W (a 3-D "
                   "layer) or C x H x W (channels, kept as they are). [default: dhw]")
def size(kind: str, input_size: Any, kernel_size: Any, stride: Any, padding: Any,
         dilation: Any, output_padding: Any, convention: str, channels_last: bool,
         ceil_mode: bool, pool_kind: str, output_size: Any, out_channels: int | None,
         explain: bool, symbolic: bool, latex: bool, strict: bool,
         layout: str | None) -> None:
    """Output size of a conv, transposed conv, pooling or adaptive pooling layer.

    The bare result is the first line of output, so scripts can read it.

    \b
    Examples:
      convarith size conv --input 224 --kernel 11 --stride 4 --padding 2 --explain
      convarith size conv --input 3x100x100 --kernel 3 --out-channels 32
      convarith size pool --input 5 --kernel 2 --stride 2 --padding 1 --ceil-mode
      convarith size transposed --input 3 --kernel 3 --stride 2 --padding 1 --output-padding 1
      convarith size conv --input 224x224 --kernel 3 --stride 2 --padding 1 --symbolic
      convarith size adaptive --input 13 --output 6
      convarith size conv --input 7 --kernel 3 --stride 2 --padding same --convention keras
      convarith size conv --input 32x32x3 --channels-last --kernel 3 --out-channels 16
    """
    from convarith.formulas.size_request import size_request

    for line in size_request(kind, input_size, kernel_size=kernel_size, stride=stride,
                             padding=padding, dilation=dilation, output_padding=output_padding,
                             convention=convention, channels_last=channels_last,
                             ceil_mode=ceil_mode, pool_kind=pool_kind, output_size=output_size,
                             out_channels=out_channels, explain=explain, symbolic=symbolic,
                             latex=latex, strict=strict, layout=layout,
                             given=given_options(), spelling=spellings()):
        click.echo(line)
