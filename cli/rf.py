"""``convarith rf``: receptive field size, jump and position after each layer."""

from __future__ import annotations

import click

from convarith.cli import options


@click.command()
@click.argument("layers")
@options.explain("Show each step of the recurrence and where the own-stride shortcut fails.")
def rf(layers: str, explain: bool) -> None:
    """Receptive field of a stack of layers written "kind k=.. s=.. p=.. d=..; ...".

    Per layer: the size r (input pixels one output sees), the jump j (input pixels between
    neighbouring outputs) and the first input pixel of output 0's field (negative: padding)
    and its centre, by the recurrences of Araujo, Norris & Sim (Distill 2019). Pooling's
    stride defaults to its kernel size.

    \b
    Examples:
      convarith rf "conv k=11 s=4 p=2; pool k=3 s=2; conv k=5 p=2"
      convarith rf "conv k=3; conv k=3; conv k=3" --explain
    """
    from convarith.formulas.notation import parse_layers
    from convarith.formulas.receptive import receptive_field

    stack = parse_layers(layers)
    rows = receptive_field(stack)
    table = [("layer", "r", "j", "first", "centre")]
    for row in rows:
        centre = f"{row.start:g}"
        table.append((row.layer.label, str(row.r), str(row.j), str(row.left), centre))
    widths = [max(len(line[c]) for line in table) for c in range(5)]
    for line in table:
        click.echo("  ".join(cell.ljust(w) if c == 0 else cell.rjust(w)
                             for c, (cell, w) in enumerate(zip(line, widths))).rstrip())
    if explain:
        _explain(stack)


def _explain(stack: list) -> None:
    from convarith.formulas.receptive import explain_receptive_field, first_layer_claim

    steps = explain_receptive_field(stack)
    click.echo("")
    click.echo("r_l = r_(l-1) + (k*_l - 1) x j_(l-1),  j_l = j_(l-1) x s_l,  r_0 = j_0 = 1 "
               "(Araujo, Norris & Sim, Distill 2019)")
    for step in steps:
        click.echo(step.text())
    first = next((step for step in steps if step.differs), None)
    claimed, true = first_layer_claim(stack)
    if claimed != true:
        click.echo(f"The claim 'in the first layer the receptive field is the filter size times "
                   f"the stride' gives {claimed}; the first layer sees exactly its "
                   f"{'effective ' if stack[0].d != 1 else ''}kernel, {true}.")
    if first is None:
        click.echo("Every stride before each layer is 1, so the shortcut R_n = R_(n-1) + (F-1) "
                   "x S agrees here.")
    else:
        click.echo(f"The shortcut first differs at layer {first.index} ({first.row.layer.label}).")
