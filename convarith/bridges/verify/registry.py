"""The bench's dispatch: one table per concern, keyed by layer kind, filled by decorators.

Each layer kind the bench checks value by value (:data:`KINDS`) has an entry in every table:
its shape by the formula core (:data:`SHAPE`, in :mod:`.cases`), its torch module and
functional call (:data:`TORCH_MODULE`, :data:`TORCH_FORWARD`, in :mod:`.reference`), its
scratch forward and backward (:data:`SCRATCH_FORWARD`, :data:`SCRATCH_BACKWARD`, in
:mod:`.scratch`) and its hypothesis strategy (:data:`STRATEGY`, in :mod:`.strategies`).
Adding a kind is a handful of decorated functions; :func:`missing` names any table that
lacks one (a test walks it), instead of a chain of ``if family == ...`` falling through.

>>> table = KindTable("example")
>>> @table.register("relu", "tanh")
... def _activation(case):
...     return "elementwise"
>>> table.entry("relu")(None), "conv2d" in table.missing()
('elementwise', True)
>>> kinds_of("max_pool")
('max_pool1d', 'max_pool2d', 'max_pool3d')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from convarith.choices import SCRATCH_LAYERS

#: Every layer kind the bench checks value by value (torch.nn.functional's names).
KINDS: tuple[str, ...] = SCRATCH_LAYERS


def family_of(kind: str) -> str:
    """The layer kind without its dimension.

    >>> family_of("conv_transpose2d"), family_of("unfold")
    ('conv_transpose', 'unfold')
    """
    match = re.fullmatch(r"(.+)[123]d", kind)
    return match.group(1) if match else kind


def kinds_of(*families: str) -> tuple[str, ...]:
    """The kinds of :data:`KINDS` in ``families``, e.g. ``kinds_of("conv")``."""
    return tuple(kind for kind in KINDS if family_of(kind) in families)


class KindTable:
    """Functions of one concern, one per layer kind."""

    def __init__(self, concern: str) -> None:
        self.concern = concern
        self.entries: dict[str, Callable[..., Any]] = {}

    def register(self, *kinds: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def put(function: Callable[..., Any]) -> Callable[..., Any]:
            for kind in kinds:
                if kind in self.entries:
                    raise ValueError(f"{self.concern}: {kind!r} is registered twice")
                self.entries[kind] = function
            return function

        return put

    def entry(self, kind: str) -> Callable[..., Any]:
        try:
            return self.entries[kind]
        except KeyError:
            raise ValueError(f"no {self.concern} for layer kind {kind!r}") from None

    def missing(self) -> list[str]:
        return [kind for kind in KINDS if kind not in self.entries]


SHAPE = KindTable("shape rule")
TORCH_MODULE = KindTable("torch module")
TORCH_FORWARD = KindTable("torch functional call")
SCRATCH_FORWARD = KindTable("scratch forward")
SCRATCH_BACKWARD = KindTable("scratch backward")
STRATEGY = KindTable("hypothesis strategy")
TABLES: tuple[KindTable, ...] = (SHAPE, TORCH_MODULE, TORCH_FORWARD, SCRATCH_FORWARD,
                                 SCRATCH_BACKWARD, STRATEGY)


def missing() -> dict[str, list[str]]:
    """``{concern: [kinds without an entry]}`` for every table with a gap (after importing
    the modules that fill them)."""
    import convarith.bridges.verify.cases
    import convarith.bridges.verify.reference
    import convarith.bridges.verify.scratch
    import convarith.bridges.verify.strategies  # noqa: F401

    return {table.concern: table.missing() for table in TABLES if table.missing()}
