"""The scratch table: each kind's numpy forward and backward, and how a spec calls them.

Every numpy module registers its layers here, beside their code (``SCRATCH.add("max_pool",
ScratchLayer(max_pool, max_pool_backward))`` at the end of :mod:`.pool`). The functions take
``torch.nn.functional``'s argument names, which are the specs' field names too
(:mod:`convarith.specs.layers`), so a :class:`ScratchLayer` calls itself from a spec by
name: ``x`` (``dy, x`` for the backward), then ``weight`` and ``bias`` where the function
takes them, then every other argument the function names, read from the spec. A function
whose arguments cannot be read that way (the loss, whose second array is the targets) gives
its own ``call``.

>>> import numpy as np
>>> from convarith.specs.layers import MaxPool
>>> SCRATCH["max_pool"].run(MaxPool(2), np.arange(4.0).reshape(1, 1, 4))
array([[[1., 3.]]])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from convarith import kinds

#: What the arrays are called; every other argument comes from the spec.
_ARRAYS = ("dy", "x", "weight", "bias")


@dataclass(frozen=True)
class ScratchLayer:
    """A kind's N-d numpy forward function and its backward (None: it has none).

    ``call(spec, x, weight, bias)`` and ``call_backward(spec, dy, x, weight, bias)`` replace
    the calls by name where those do not fit.
    """

    forward: Callable[..., Any]
    backward: Callable[..., Any] | None = None
    call: Callable[..., Any] | None = None
    call_backward: Callable[..., Any] | None = None

    def run(self, spec: Any, x: Any, weight: Any = None, bias: Any = None) -> Any:
        """The forward pass of the layer ``spec`` describes."""
        if self.call is not None:
            return self.call(spec, x, weight, bias)
        arrays = {"x": x, "weight": weight, "bias": bias}
        names = _parameters(self.forward)
        return self.forward(*(arrays[n] for n in names if n in arrays),
                            **_from_spec(names, spec, skip=_ARRAYS))

    def run_backward(self, spec: Any, dy: Any, x: Any, weight: Any = None, bias: Any = None
                     ) -> tuple[Any, Any, Any]:
        """``(dx, dweight, dbias)``, None where the layer has none."""
        if self.call_backward is not None:
            return self.call_backward(spec, dy, x, weight, bias)
        if self.backward is None:
            raise ValueError(f"{self.forward.__name__} has no scratch backward")
        arrays = {"dy": dy, "x": x, "weight": weight}
        names = _parameters(self.backward)
        out = self.backward(*(arrays[n] for n in names if n in arrays),
                            **_from_spec(names, spec, skip=("dy", "x", "weight")))
        return tuple(out) if isinstance(out, tuple) else (out, None, None)  # type: ignore[return-value]


@cache
def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


def _from_spec(names: tuple[str, ...], spec: Any, *, skip: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(spec, n) for n in names if n not in skip and hasattr(spec, n)}


#: The scratch layer of every kind :mod:`convarith.verify` checks value by value.
SCRATCH = kinds.table("scratch", covers=lambda kind: kind.scratch,
                      doc="numpy forward and backward (ScratchLayer)")
