"""What the bench needs of every kind it checks value by value (``Kind.scratch``).

Nothing of its own: a kind is checked through the tables every layer of the house keeps
(:mod:`convarith.kinds`): its spec (:data:`convarith.specs.layers.SPECS`; a function's
record, :data:`~convarith.bridges.verify.cases.FUNCTIONAL`), its torch module (the one
spec -> module mapping, :data:`convarith.bridges.torch.TORCH`), its numpy layer
(:data:`convarith.bridges.scratch.SCRATCH`). The strategies are drawn from the spec's fields
and the shapes come from the spec, so they need no entry. :func:`missing` names, per table,
the checked kinds that lack an entry (``tests/test_kinds.py`` does the same for every table).

>>> missing()
{}
"""

from __future__ import annotations

from convarith import kinds


def tables() -> tuple[kinds.Table, ...]:
    """The tables the bench reads (after importing the modules that fill them)."""
    from convarith.bridges.scratch import SCRATCH
    from convarith.bridges.torch import TORCH
    from convarith.bridges.verify.cases import FUNCTIONAL
    from convarith.specs.layers import SPECS

    return SPECS, TORCH, SCRATCH, FUNCTIONAL


def missing() -> dict[str, list[str]]:
    """``{table: [checked kinds without an entry]}`` for the tables with a gap."""
    gaps = {}
    for table in tables():
        lacking = [name for name in table.missing() if kinds.get(name).scratch]
        if lacking:
            gaps[table.name] = lacking
    return gaps
