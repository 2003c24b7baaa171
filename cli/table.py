"""``convarith table``: the layer-by-layer shape table of a model."""

from __future__ import annotations

import sys
from typing import Any

import click

from convarith.choices import DTYPE_BYTES, SHAPE_ORDERS, TABLE_FORMATS
from convarith.cli.types import SIZE, PathType
from convarith.errors import ConvArithError


def _options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; values that read as numbers become numbers."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConvArithError(
                f"Could not read the option {pair!r}. Write KEY=VALUE, e.g. -O activation=tanh."
            )
        for convert in (int, float):
            try:
                out[key.strip().replace("-", "_")] = convert(value)
                break
            except ValueError:
                continue
        else:
            out[key.strip().replace("-", "_")] = value
    return out


@click.command()
@click.argument("model")
@click.option("--input", "input_size", type=SIZE,
              help="C x H x W (3x227x227; with --channels-last H x W x C), H x W, or one "
                   "size; default: the model's own.")
@click.option("--channels-last/--channels-first", "channels_last", default=None,
              help="--input is H x W x C, and the caption writes it so [default: for a "
                   "keras.Model].")
@click.option("-f", "--format", "format_", type=click.Choice(TABLE_FORMATS),
              help="Output format [default: terminal, or from the -o file's suffix].")
@click.option("--columns", help="Comma-separated columns, e.g. layer,output,params.")
@click.option("--symbolic", is_flag=True, help="Sizes as expressions of H and W.")
@click.option("--verify", is_flag=True,
              help="Check every row's shape and parameters against torch; exit 1 on mismatch.")
@click.option("-o", "--output", type=PathType(dir_okay=False, writable=True),
              help="Write to this file (atomically) instead of the screen.")
@click.option("--order", type=click.Choice(SHAPE_ORDERS), default="hwc", show_default=True,
              help="Shapes as H x W x C (course notes) or C x H x W (PyTorch).")
@click.option("--all-layers", is_flag=True,
              help="One row per layer (activations and dropout not folded).")
@click.option("--exact", is_flag=True, help="MACs and memory as exact numbers.")
@click.option("--dtype", type=click.Choice(list(DTYPE_BYTES)), default="float32",
              show_default=True, help="Element type for activation memory.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True,
              help="Batch size for activation memory.")
@click.option("--num-classes", type=click.IntRange(min=1), help="Size of the last layer.")
@click.option("-O", "--option", "extra", multiple=True, metavar="KEY=VALUE",
              help="A model option, e.g. -O activation=tanh -O pool=avg (lenet5-modern).")
@click.option("--color/--no-color", default=None,
              help="Bold headers in the terminal [default: when writing to a terminal].")
def table(model: str, input_size: Any, format_: str | None, columns: str | None,
          symbolic: bool, verify: bool, output: str | None, order: str, all_layers: bool,
          exact: bool, dtype: str, batch: int, num_classes: int | None,
          extra: tuple[str, ...], color: bool | None, channels_last: bool | None) -> None:
    """The layer-by-layer table of MODEL: kernel, stride, padding, output shape,
    parameters, MACs, activation memory, receptive field and notes.

    MODEL is a zoo name (see 'convarith list'), FILE.py:NAME or package.module:NAME (a
    torch.nn.Module, its class or a factory; traced on the meta device, give --input).
    The first line printed is the table's header.

    \b
    Examples:
      convarith table alexnet
      convarith table alexnet-paper --input 3x224x224
      convarith table lenet5 --format latex -o lenet5.tex
      convarith table alexnet --symbolic --columns layer,output,params
      convarith table models.py:Net --input 3x32x32 --verify
      convarith table keras_models.py:model --input 64x64x3 --channels-last
    """
    from convarith.tables.table import table as build

    options = _options(extra)
    if num_classes is not None:
        options["num_classes"] = num_classes
    result = build(model, input_size, columns=columns, symbolic=symbolic, order=order,
                   dtype=dtype, batch=batch, fold=not all_layers, exact=exact,
                   channels_last=channels_last, **options)
    if output is not None:
        written = result.write(output, format_)
        click.echo(f"Wrote {output} ({written}, {len(result.rows)} rows).")
    else:
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(result.render(format_ or "terminal", color=use_color), nl=False)
    if verify:
        from convarith.bridges.keras import is_keras_model
        from convarith.tables.table import resolve
        from convarith.tables.table import verify as check

        resolved = resolve(model, **options)
        problems = check(resolved, input_size, **options)
        if problems:
            for problem in problems:
                click.echo(f"Mismatch: {problem}", err=True)
            raise SystemExit(1)
        if is_keras_model(resolved):
            click.echo(f"Verified against Keras: all {len(resolved.layers)} layers agree in "
                       "output shape and parameters.", err=True)
            return
        layers = sum(len(row.layers) for row in result.rows)
        click.echo(f"Verified against torch: all {layers} layers agree in output shape and "
                   "parameters.", err=True)
