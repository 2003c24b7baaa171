"""``convarith params``: parameters, MACs and FLOPs of one layer."""

from __future__ import annotations

from typing import Any

import click

from convarith.choices import PARAM_KINDS
from convarith.cli.types import PADDING, SIZE, show
from convarith.errors import ConvArithError


@click.command()
@click.argument("kind", type=click.Choice(PARAM_KINDS))
@click.option("--in-channels", type=click.IntRange(min=1), help="conv/transposed: C_in.")
@click.option("--out-channels", type=click.IntRange(min=1), help="conv/transposed: C_out.")
@click.option("--kernel", "kernel_size", type=SIZE, help="conv/transposed: kernel (3 = 3x3).")
@click.option("--groups", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--in-features", type=click.IntRange(min=1), help="linear: inputs.")
@click.option("--out-features", type=click.IntRange(min=1), help="linear: outputs.")
@click.option("--bias/--no-bias", default=True, show_default=True)
@click.option("--input", "input_size", type=SIZE,
              help="Spatial input size (224 = 224x224) for MACs; omit for parameters only.")
@click.option("--stride", type=SIZE, default="1", show_default=True)
@click.option("--padding", type=PADDING, default="0", show_default=True)
@click.option("--dilation", type=SIZE, default="1", show_default=True)
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
    from convarith.formulas import counting, output_size

    if kind == "linear":
        if in_features is None or out_features is None:
            raise ConvArithError("linear needs --in-features and --out-features, e.g. 9216 4096.")
        total = counting.linear_params(in_features, out_features, bias=bias)
        click.echo(f"{total}")
        click.echo(f"weights {in_features * out_features:,} + biases "
                   f"{out_features if bias else 0:,} = {total:,} parameters")
        macs = counting.linear_macs(in_features, out_features)
        _report_macs(macs, out_features if bias else 0)
        return
    if in_channels is None or out_channels is None or kernel_size is None:
        raise ConvArithError(
            f"{kind} needs --in-channels, --out-channels and --kernel, e.g. 3 96 11.")
    dims = len(input_size) if isinstance(input_size, tuple) else (
        len(kernel_size) if isinstance(kernel_size, tuple) else 2)
    count = counting.conv_params if kind == "conv" else counting.conv_transpose_params
    total = count(in_channels, out_channels, kernel_size, groups=groups, bias=bias, dims=dims)
    weights = count(in_channels, out_channels, kernel_size, groups=groups, bias=False, dims=dims)
    click.echo(f"{total}")
    click.echo(f"weights {weights:,} + biases {total - weights:,} = {total:,} parameters")
    if input_size is None:
        return
    spatial = input_size if isinstance(input_size, tuple) else (input_size,) * dims
    if kind == "conv":
        out = output_size.conv_output_size(spatial, kernel_size, stride=stride,
                                           padding=padding, dilation=dilation)
        macs = counting.conv_macs(spatial, in_channels, out_channels, kernel_size,
                                  stride=stride, padding=padding, dilation=dilation,
                                  groups=groups)
    else:
        out = output_size.conv_transpose_output_size(spatial, kernel_size, stride=stride,
                                                     padding=padding, dilation=dilation)
        macs = counting.conv_transpose_macs(spatial, in_channels, out_channels, kernel_size,
                                            groups=groups)
    positions = 1
    for o in out:
        positions *= o
    click.echo(f"output {out_channels}x{show(out)}")
    _report_macs(macs, positions * out_channels if bias else 0)


def _report_macs(macs: int, bias_adds: int) -> None:
    from convarith.formulas.counting import flops

    click.echo(f"MACs {macs:,}; FLOPs {flops(macs):,} (2 x MACs, bias adds not counted; "
               f"{flops(macs, bias_adds=bias_adds, include_bias=True):,} with "
               f"{bias_adds:,} bias adds)")
