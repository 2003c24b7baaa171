"""``convarith list``: the models of the zoo."""

from __future__ import annotations

import click


@click.command(name="list")
def list_models() -> None:
    """The zoo's models, one line each: name, input shape (C x H x W), parameters and what
    it is. Use a name with 'convarith table NAME'.

    \b
    Examples:
      convarith list
      convarith table lenet5
      convarith train lenet5-modern
    """
    from convarith.specs import zoo

    rows = []
    for name in zoo.names():
        net = zoo.get(name)
        rows.append((name, "x".join(map(str, net.input_shape)), f"{net.params():,}",
                     net.description))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for name, shape, params, description in rows:
        click.echo(f"{name.ljust(widths[0])}  {shape.ljust(widths[1])}  "
                   f"{params.rjust(widths[2])}  {description}")
