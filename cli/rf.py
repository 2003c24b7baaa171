"""``convarith rf``: receptive field size, jump and position after each layer."""

from __future__ import annotations

import click


@click.command()
@click.argument("layers")
def rf(layers: str) -> None:
    """Receptive field of a stack of layers written "kind k=.. s=.. p=.. d=..; ...".

    Per layer: the size r (input pixels one output sees), the jump j (input pixels between
    neighbouring outputs) and the first input pixel of output 0's field (negative: padding)
    and its centre, by the recurrences of Araujo, Norris & Sim (Distill 2019). Pooling's
    stride defaults to its kernel size.

    \b
    Example:
      convarith rf "conv k=11 s=4 p=2; pool k=3 s=2; conv k=5 p=2"
    """
    from convarith.notation import parse_layers
    from convarith.receptive import receptive_field

    rows = receptive_field(parse_layers(layers))
    table = [("layer", "r", "j", "first", "centre")]
    for row in rows:
        centre = f"{row.start:g}"
        table.append((row.layer.label, str(row.r), str(row.j), str(row.left), centre))
    widths = [max(len(line[c]) for line in table) for c in range(5)]
    for line in table:
        click.echo("  ".join(cell.ljust(w) if c == 0 else cell.rjust(w)
                             for c, (cell, w) in enumerate(zip(line, widths))).rstrip())
