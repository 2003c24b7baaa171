"""``convarith params``: parameters, MACs and FLOPs of one layer."""

from __future__ import annotations

from typing import Any

import click

from convarith.choices import PARAM_KINDS
from convarith.cli import options
from convarith.cli.types import show


@click.command()
@click.argument("kind", type=click.Choice(PARAM_KINDS))
@click.option("--in-channels", type=click.IntRange(min=1), help="conv/transposed: C_in.")
@options.out_channels("conv/transposed: C_out.")
@options.kernel_size("conv/transposed: kernel (3 = 3x3).")
@click.option("--groups", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--in-features", type=click.IntRange(min=1), help="linear: inputs.")
@click.option("--out-features", type=click.IntRange(min=1), help="linear: outputs.")
@click.option("--bias/--no-bias", default=True, show_default=True)
@options.input_size("Spatial input size (224 = 224x224) for MACs; omit for parameters only.")
@options.stride(None, default="1", show_default=True)
@options.padding(None, show_default=True)
@options.dilation(None, show_default=True)
def params(kind: str, in_channels: int | None, out_channels: int | None, kernel_size: Any,
           groups: int, in_features: int | None, out_features: int | None, bias: bool,
           input_size: Any, stride: Any, padding: Any, dilation: Any) -> None:
    """Parameters of a layer and, given --input, its MACs and FLOPs.

    Conventions: one MAC is a multiply and an add; FLOPs = 2 x MACs; bias additions are not
    MACs and are reported separately. A transposed convolution's MACs are counted per input
    position (what it really multiplies). The first line is the parameter count.

    \b
    Examples:
      convarith params conv --in-channels 3 --out-channels 96 --kernel 11 --input 224 --stride 4 --padding 2
      convarith params transposed --in-channels 16 --out-channels 8 --kernel 4 --input 8 --stride 2
      convarith params linear --in-features 9216 --out-features 4096
    """
    from convarith.formulas.size_request import count_request

    counts = count_request(kind, given=options.given_options(), spelling=options.spellings(),
                           in_channels=in_channels, out_channels=out_channels,
                           kernel_size=kernel_size, groups=groups, in_features=in_features,
                           out_features=out_features, bias=bias, input_size=input_size,
                           stride=stride, padding=padding, dilation=dilation)
    click.echo(f"{counts.params}")
    click.echo(f"weights {counts.weights:,} + biases {counts.biases:,} = {counts.params:,} "
               "parameters")
    if counts.macs is None:
        return
    if counts.output is not None:
        click.echo(f"output {out_channels}x{show(counts.output)}")
    _report_macs(counts.macs, counts.bias_adds)


def _report_macs(macs: int, bias_adds: int) -> None:
    from convarith.formulas.counting import flops

    click.echo(f"MACs {macs:,}; FLOPs {flops(macs):,} (2 x MACs, bias adds not counted; "
               f"{flops(macs, bias_adds=bias_adds, include_bias=True):,} with "
               f"{bias_adds:,} bias adds)")
