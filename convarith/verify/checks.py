"""Checkers: the same computation done twice (formula core, torch, scratch) and compared.

Each checker takes a :class:`~convarith.verify.cases.LayerCase` and raises :class:`Mismatch`
with a sentence in words when two implementations disagree; it returns None when they agree.
The test suite calls them under ``@given``; ``convarith verify`` calls them through the same
hypothesis machinery and reports the smallest failing case.

>>> from convarith.verify.cases import LayerCase
>>> check_shape(LayerCase("conv1d", (1, 1, 5), kernel_size=(7,)))  # both reject: agreement
"""

from __future__ import annotations

from typing import Any

from convarith.errors import ConvArithError
from convarith.verify.cases import LayerCase, expected_shape


class Mismatch(AssertionError):
    """Two implementations disagree on ``case``; the message says how, in words."""

    def __init__(self, case: LayerCase, message: str) -> None:
        super().__init__(f"{case.layer}: for {case.describe()}: {message}")
        self.case = case
        self.detail = message


def _outcome(compute: Any, rejects: tuple[type[BaseException], ...]) -> tuple[Any, str | None]:
    """``(shape, None)`` or ``(None, reason it was rejected)``."""
    try:
        return compute(), None
    except rejects as error:
        return None, " ".join(str(error).split())[:200] or type(error).__name__


def check_shape(case: LayerCase) -> None:
    """The formula core and the real torch module agree: same shape, or both reject.

    >>> check_shape(LayerCase("max_pool1d", (1, 1, 5), kernel_size=(2,), padding=(1,),
    ...                       ceil_mode=True))
    """
    from convarith.verify.reference import TORCH_REJECTS, torch_shape

    formula, formula_error = _outcome(lambda: expected_shape(case), (ConvArithError,))
    torch_out, torch_error = _outcome(lambda: torch_shape(case), TORCH_REJECTS)
    if formula_error and torch_error:
        return
    if formula_error:
        raise Mismatch(case, f"the formula core rejects it ({formula_error}) but torch "
                             f"gives shape {torch_out}")
    if torch_error:
        raise Mismatch(case, f"torch rejects it ({torch_error}) but the formula core gives "
                             f"shape {formula}")
    if tuple(formula) != tuple(torch_out):
        raise Mismatch(case, f"the formula core gives shape {formula}; torch gives {torch_out}")
