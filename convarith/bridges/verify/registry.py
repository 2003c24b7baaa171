"""The bench's dispatch: one table per concern, keyed by layer kind (:mod:`convarith.kinds`).

Each kind the bench checks value by value (``Kind.scratch``) has an entry in every table:
its shape by the formula core (:data:`SHAPE`, in :mod:`.cases`), its torch module and
functional call (:data:`TORCH_MODULE`, :data:`TORCH_FORWARD`, in :mod:`.reference`), its
scratch forward and backward (:data:`SCRATCH_FORWARD`, :data:`SCRATCH_BACKWARD`, in
:mod:`.scratch`) and its hypothesis strategy (:data:`STRATEGY`, in :mod:`.strategies`).
The tables are :func:`convarith.kinds.table` tables, so ``tests/test_kinds.py`` names any
kind one of them lacks, as it does for every other table of the house; :func:`missing` does
the same for these six. Adding a kind is a handful of decorated functions, not a chain of
``if family == ...`` falling through.

>>> entry(SHAPE, "max_pool2d").__name__
'_pool_shape'
>>> family_of("conv_transpose2d"), family_of("unfold")
('conv_transpose', 'unfold')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from convarith import kinds


def family_of(layer: str) -> str:
    """The layer name without its dimension (``max_pool2d`` -> ``max_pool``)."""
    match = re.fullmatch(r"(.+)[123]d", layer)
    return match.group(1) if match else layer


def _checked(kind: kinds.Kind) -> bool:
    return kind.scratch


SHAPE = kinds.table("verify shape", covers=_checked,
                    doc="the output shape the formula core gives a LayerCase")
TORCH_MODULE = kinds.table("verify torch module", covers=_checked,
                           doc="the torch.nn module of a LayerCase")
TORCH_FORWARD = kinds.table("verify torch call", covers=_checked,
                            doc="torch.nn.functional applied to a LayerCase's tensors")
SCRATCH_FORWARD = kinds.table("verify scratch forward", covers=_checked,
                              doc="the scratch layer's output for a LayerCase")
SCRATCH_BACKWARD = kinds.table("verify scratch backward", covers=_checked,
                               doc="the scratch layer's (dx, dweight, dbias)")
STRATEGY = kinds.table("verify strategy", covers=_checked,
                       doc="hypothesis strategy building LayerCases of a layer")
TABLES: tuple[kinds.Table, ...] = (SHAPE, TORCH_MODULE, TORCH_FORWARD, SCRATCH_FORWARD,
                                   SCRATCH_BACKWARD, STRATEGY)


def entry(table: kinds.Table, layer: str) -> Callable[..., Any]:
    """The entry of the kind of ``layer`` (a torch.nn.functional name: ``conv2d``)."""
    kind, _ = kinds.split_layer_name(layer)
    return table[kind.name]


def missing() -> dict[str, list[str]]:
    """``{table: [kinds without an entry]}`` for the bench's tables with a gap (after
    importing the modules that fill them)."""
    import convarith.bridges.verify.cases
    import convarith.bridges.verify.reference
    import convarith.bridges.verify.scratch
    import convarith.bridges.verify.strategies  # noqa: F401

    return {table.name: table.missing() for table in TABLES if table.missing()}
