"""``convarith table``: the layer-by-layer shape table of a model."""

from __future__ import annotations

import sys
from typing import Any

import click

from convarith.choices import DTYPE_BYTES, SHAPE_ORDERS, TABLE_FORMATS, TRACE_DEVICES, TRACE_MODES
from convarith.cli import options
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
@options.input_size("C x H x W (3x227x227; with --channels-last H x W x C), H x W, or one "
                    "size; default: the model's own. A traced module takes one per input "
                    "(--input 3x224x224 --input 10), with an optional dtype (--input "
                    "16:int64).", type=click.STRING, dest="inputs", multiple=True,
                    metavar="SIZE[:DTYPE]")
@options.channels_last("--input is H x W x C, and the caption writes it so [default: for a "
                       "keras.Model].", either=True)
@options.output_format(TABLE_FORMATS, "Output format [default: terminal, or from the -o "
                       "file's suffix].", short=True)
@click.option("--columns", help="Comma-separated columns, e.g. layer,output,params.")
@options.symbolic("Sizes as expressions of H and W.")
@click.option("--verify", is_flag=True,
              help="Check every row's shape and parameters against torch; exit 1 on mismatch.")
@options.output_file("Write to this file (atomically) instead of the screen.", required=False,
                     writable=True)
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
              help="A model option, e.g. -O activation=tanh -O kind=avg (lenet5-modern).")
@click.option("--depth", type=click.IntRange(min=1),
              help="Traced module: fold modules deeper than this into their parent's row.")
@click.option("--mode", type=click.Choice(TRACE_MODES), default="eval", show_default=True,
              help="Traced module: run it in eval or train mode (train-only branches).")
@click.option("--device", type=click.Choice(TRACE_DEVICES), default="meta",
              show_default=True,
              help="Traced module: meta (shapes only) or a real forward on small CPU tensors "
                   "(models that read tensor values).")
@click.option("--color/--no-color", default=None,
              help="Bold headers in the terminal [default: when writing to a terminal].")
def table(model: str, inputs: tuple[str, ...], format_: str | None, columns: str | None,
          symbolic: bool, verify: bool, output: str | None, order: str, all_layers: bool,
          exact: bool, dtype: str, batch: int, num_classes: int | None,
          extra: tuple[str, ...], depth: int | None, mode: str, device: str,
          color: bool | None, channels_last: bool | None) -> None:
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
      convarith table models.py:Siamese --input 1x28x28 --input 1x28x28 --depth 1
      convarith table keras_models.py:model --input 64x64x3 --channels-last
    """
    from convarith.tables.table import table as build

    options = _options(extra)
    if num_classes is not None:
        options["num_classes"] = num_classes
    input_size: Any = None if not inputs else inputs[0] if len(inputs) == 1 else list(inputs)
    traced = {"depth": depth, "mode": mode, "device": device} if ":" in model else {}
    result = build(model, input_size, columns=columns, symbolic=symbolic, order=order,
                   dtype=dtype, batch=batch, fold=not all_layers, exact=exact,
                   channels_last=channels_last, **traced, **options)
    problems: list[str] = []
    if verify:  # before anything is printed: a verification that cannot run is an error
        from convarith.bridges.keras import is_keras_model
        from convarith.tables.table import resolve
        from convarith.tables.table import verify as check

        resolved = resolve(model, **options)
        problems = check(resolved, input_size, **({"mode": mode} if traced else {}),
                         **options)
    if output is not None:
        written = result.write(output, format_)
        click.echo(f"Wrote {output} ({written}, {len(result.rows)} rows).")
    else:
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(result.render(format_ or "terminal", color=use_color), nl=False)
    if verify:
        if problems:
            for problem in problems:
                click.echo(f"Mismatch: {problem}", err=True)
            raise SystemExit(1)
        if is_keras_model(resolved):
            click.echo(f"Verified against Keras: all {len(resolved.layers)} layers agree in "
                       "output shape and parameters.", err=True)
            return
        layers = sum(len(row.layers) for row in result.rows)
        if traced:
            click.echo(f"Verified against a real forward on CPU and model.parameters(): all "
                       f"{layers} rows agree in output shape, {result.totals['params']:,} "
                       "parameters.", err=True)
        else:
            click.echo(f"Verified against torch: all {layers} layers agree in output shape "
                       "and parameters.", err=True)
