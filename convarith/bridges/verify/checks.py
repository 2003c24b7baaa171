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

from convarith.bridges.verify.cases import LayerCase, expected_shape
from convarith.errors import ConvArithError


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


def check_shape(case: LayerCase, *, scratch: bool = False) -> None:
    """The formula core and the real torch module agree: same shape, or both reject.

    With ``scratch=True`` the numpy layer of :mod:`convarith.scratch` is the third voice: it
    must give the same shape, or raise ConvArithError where the other two reject.

    >>> check_shape(LayerCase("max_pool1d", (1, 1, 5), kernel_size=(2,), padding=(1,),
    ...                       ceil_mode=True), scratch=True)
    """
    from convarith.bridges.verify.reference import TORCH_REJECTS, torch_shape

    formula, formula_error = _outcome(lambda: expected_shape(case), (ConvArithError,))
    torch_out, torch_error = _outcome(lambda: torch_shape(case), TORCH_REJECTS)
    if formula_error and torch_error:
        if scratch:
            _check_scratch_shape(case, None)
        return
    if formula_error:
        raise Mismatch(case, f"the formula core rejects it ({formula_error}) but torch "
                             f"gives shape {torch_out}")
    if torch_error:
        raise Mismatch(case, f"torch rejects it ({torch_error}) but the formula core gives "
                             f"shape {formula}")
    if tuple(formula) != tuple(torch_out):
        raise Mismatch(case, f"the formula core gives shape {formula}; torch gives {torch_out}")
    if scratch:
        _check_scratch_shape(case, formula)


def _check_scratch_shape(case: LayerCase, formula: Any) -> None:
    from convarith.bridges.verify.scratch import scratch_forward

    x, weight, bias = case_arrays(case)
    got, error = _outcome(lambda: scratch_forward(case, x, weight, bias), (ConvArithError,))
    if formula is None and error is None:
        raise Mismatch(case, f"torch and the formula core reject it, but the scratch layer "
                             f"returns shape {got.shape}")
    if formula is not None and error is not None:
        raise Mismatch(case, f"the scratch layer rejects it ({error}); torch and the formula "
                             f"core give shape {tuple(formula)}")
    if formula is not None and tuple(got.shape) != tuple(formula):
        raise Mismatch(case, f"the scratch layer gives shape {got.shape}; torch and the "
                             f"formula core give {tuple(formula)}")


# --------------------------------------------------------------------------- values


#: Tolerance of float64 comparisons: sums of at most a few hundred products.
RTOL = 1e-9
ATOL = 1e-9


def case_rng(case: LayerCase, salt: str = "") -> Any:
    """A numpy generator seeded by the case itself: the same case always gets the same data."""
    import zlib

    import numpy as np

    return np.random.default_rng(zlib.crc32((repr(case) + salt).encode()))


def case_arrays(case: LayerCase) -> tuple[Any, Any, Any]:
    """Random float64 input, weight and bias for the case (a record may draw its own: the
    targets of "cross_entropy")."""
    rng = case_rng(case)
    arrays = getattr(case.spec, "arrays", None)
    if arrays is not None:
        return arrays(rng, case.input_shape)
    x = rng.standard_normal(case.input_shape)
    shapes = case.parameter_shapes()
    weight = rng.standard_normal(shapes["weight"]) if "weight" in shapes else None
    return x, weight, (rng.standard_normal(shapes["bias"]) if "bias" in shapes else None)


def compare(case: LayerCase, what: str, got: Any, want: Any, *, who: str = "scratch") -> None:
    """Raise Mismatch naming the first differing value (or the shapes) of two arrays."""
    import numpy as np

    want = np.asarray(want)
    if not isinstance(got, (np.ndarray, np.generic, float, int)):
        raise Mismatch(case, f"{who}'s {what} is a {type(got).__name__}, not a numpy array")
    got = np.asarray(got)
    if got.shape != want.shape:
        raise Mismatch(case, f"{who}'s {what} has shape {got.shape}; torch gives {want.shape}")
    close = np.isclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True)
    if not close.all():
        index = tuple(int(v) for v in np.argwhere(~close)[0])
        count = int((~close).sum())
        raise Mismatch(case, f"{who}'s {what} differs at index {index}: {got[index]:.6g} "
                             f"where torch gives {want[index]:.6g} ({count} of {close.size} "
                             f"values differ)")


def torch_values(case: LayerCase, x: Any, weight: Any, bias: Any, *, grad: bool = True
                 ) -> tuple[Any, Any, tuple[Any, Any, Any]]:
    """``(y, dy, (dx, dweight, dbias))`` by torch autograd, with a random upstream gradient."""
    import numpy as np
    import torch

    from convarith.bridges.verify.reference import torch_forward

    def leaf(a: Any) -> Any:
        if a is None:
            return None
        # integer arrays (a loss's targets) have no gradient
        return torch.tensor(a, requires_grad=grad and np.asarray(a).dtype.kind == "f")

    xt, wt, bt = leaf(x), leaf(weight), leaf(bias)
    y = torch_forward(case, xt, wt, bt)
    dy = case_rng(case, "dy").standard_normal(tuple(y.shape))
    if not grad:
        return y.detach().numpy(), dy, (None, None, None)
    y.backward(torch.tensor(dy))
    grads = tuple(None if t is None or t.grad is None else t.grad.numpy() for t in (xt, wt, bt))
    return y.detach().numpy(), dy, grads


def check_scratch_values(case: LayerCase) -> None:
    """Scratch forward and backward against torch float64 forward and autograd."""
    from convarith.bridges.verify.cases import has_empty_window
    from convarith.bridges.verify.scratch import has_backward, scratch_backward, scratch_forward

    x, weight, bias = case_arrays(case)
    backward = has_backward(case) and not has_empty_window(case)
    y, dy, grads = torch_values(case, x, weight, bias, grad=backward)
    compare(case, "output", scratch_forward(case, x, weight, bias), y)
    if not backward:
        return
    got = scratch_backward(case, dy, x, weight, bias)
    for name, mine, theirs in zip(("input gradient", "weight gradient", "bias gradient"),
                                  got, grads):
        if theirs is not None:
            compare(case, name, mine, theirs)
