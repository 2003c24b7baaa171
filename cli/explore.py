"""``convarith explore``: the interactive explorer page."""

from __future__ import annotations

from typing import Any

import click

from convarith.cli import options
from convarith.cli.types import PathType


@click.command()
@options.output_file("Write the page to this file (atomically) instead of serving it.",
                     required=False, writable=True)
@options.model("A model for the network view: a zoo name, FILE.py:NAME or module:NAME "
               "(repeat for more) [default: lenet5, alexnet, vgg16, zfnet, alexnet-small].",
               dest="models", multiple=True, metavar="MODEL")
@options.input_size("The input of the --model models: C x H x W, H x W or one size.")
@click.option("--table", "tables", multiple=True, metavar="FILE.json",
              type=PathType(dir_okay=False),
              help="An exported table (convarith table MODEL --format json -o FILE.json) for "
                   "the network view (repeat for more); without --model, only these.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Serve on this port of 127.0.0.1 (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Serve without opening a browser.")
def explore(output: str | None, models: tuple[str, ...], input_size: Any,
            tables: tuple[str, ...], port: int, no_browser: bool) -> None:
    """The explorer page: every parameter a slider, every number convarith's own.

    One self-contained HTML file (no network, works from file://, under 1 MB). Without -o,
    the page is served on 127.0.0.1 and opened in a browser until Ctrl-C.

    \b
    Examples:
      convarith explore -o explorer.html
      convarith explore
      convarith explore --model mynet.py:Net --input 3x64x64 -o mynet.html
      convarith explore --table mynet.json -o mynet.html
    """
    from convarith.explore import DEFAULT_MODELS, build_page, write_page
    from convarith.explore.networks import read_table_file

    read = [read_table_file(path) for path in tables]
    if read and input_size is not None and not models:
        raise click.UsageError("--input sizes the --model models, and with only --table "
                               "there are none (an exported table keeps its own input). Drop "
                               "--input, or add --model.")
    chosen = models or (() if read else DEFAULT_MODELS)
    if output:
        size = write_page(output, chosen, input_size, read)
        click.echo(f"wrote {output} ({size / 1000:.0f} kB)")
        return
    from convarith.explore.serve import serve

    serve(build_page(chosen, input_size, read).encode("utf-8"), port=port, browser=not no_browser,
          announce=click.echo)
