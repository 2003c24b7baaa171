"""The receptive field measured by backpropagation, against the formula's ``r`` and left edge.

For a stack of 1-D convolutions (all-ones weights, no bias) and average poolings, with no
non-linearity in between, the gradient of one output unit with respect to the input is
positive exactly on the input cells that unit sees (and zero elsewhere), so the span of
the non-zero gradient is the receptive field: size ``r`` and first cell ``u + n j`` for
output unit ``n`` (Araujo, Norris & Sim, Distill 2019; :func:`convarith.receptive_field`).
The unit ``n`` is chosen so that its field lies wholly inside the input.

>>> from convarith.receptive import RFLayer
>>> check_receptive_field(StackCase((RFLayer("conv", k=3, p=1), RFLayer("pool", k=2)), 12))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from convarith.bridges.verify.checks import Mismatch
from convarith.formulas.receptive import RFLayer, receptive_field


@dataclass(frozen=True)
class StackCase:
    """A stack of conv/pool layers on a 1-D input of ``input_size`` cells."""

    layers: tuple[RFLayer, ...]
    input_size: int
    layer: str = "receptive_field"

    def describe(self) -> str:
        parts = []
        for item in self.layers:
            text = f"{item.kind} k={item.k} s={item.stride}"
            text += f" p={item.p}" if item.p else ""
            text += f" d={item.d}" if item.d != 1 else ""
            parts.append(text)
        return f"input {self.input_size}, stack \"{'; '.join(parts)}\""

    def unit(self) -> int:
        """The first output unit whose field starts inside the input."""
        last = receptive_field(list(self.layers))[-1]
        return max(0, -(last.left // last.j)) if last.left < 0 else 0


def measured_field(case: StackCase) -> tuple[int, int] | None:
    """``(first, size)`` of the input cells with non-zero gradient for output ``case.unit()``.

    None when the stack's output does not reach that unit.
    """
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, case.input_size, dtype=torch.float64, requires_grad=True)
    y = x
    for item in case.layers:
        if item.kind == "conv":
            ones = torch.ones(1, 1, item.k, dtype=torch.float64)
            y = F.conv1d(y, ones, stride=item.stride, padding=item.p, dilation=item.d)
        else:
            y = F.avg_pool1d(y, item.k, stride=item.stride, padding=item.p)
    n = case.unit()
    if y.shape[-1] <= n:
        return None
    y[0, 0, n].backward()
    seen = torch.nonzero(x.grad[0, 0]).flatten().tolist()
    return seen[0], seen[-1] - seen[0] + 1


def check_receptive_field(case: StackCase) -> None:
    """Raise Mismatch when the measured field differs from the formula's ``r`` and left edge."""
    last = receptive_field(list(case.layers))[-1]
    measured = measured_field(case)
    if measured is None:
        return
    n = case.unit()
    first, size = measured
    want_first = last.left + n * last.j
    if (first, size) != (want_first, last.r):
        raise Mismatch(case, f"backpropagation from output {n} reaches input cells {first} to "
                             f"{first + size - 1} (r={size}); the formula gives r={last.r} "
                             f"starting at {want_first}")  # type: ignore[arg-type]


@st.composite
def stacks(draw: Any) -> StackCase:
    """1 to 4 conv/pool layers (pool: average, no dilation, padding at most k/2)."""
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("conv", "pool")))
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3))
        if kind == "conv":
            layers.append(RFLayer("conv", k=k, s=s, p=draw(st.integers(0, 3)),
                                  d=draw(st.integers(1, 3))))
        else:
            layers.append(RFLayer("pool", k=k, s=s, p=draw(st.integers(0, k // 2))))
    rows = receptive_field(layers)
    last = rows[-1]
    n = max(0, -(last.left // last.j)) if last.left < 0 else 0
    # wide enough for unit n's whole field, and some room beyond it
    size = last.left + n * last.j + last.r + draw(st.integers(0, 2 * last.j))
    return StackCase(tuple(layers), max(size, 1))
