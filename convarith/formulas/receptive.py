"""Receptive fields of a stack of convolution and pooling layers.

The forward recurrences of Araujo, Norris & Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019 (https://distill.pub/2019/computing-receptive-fields/),
with the effective kernel ``k* = d(k-1) + 1`` of a dilated layer:

* size:  ``r_l = r_{l-1} + (k*_l - 1) j_{l-1}``
* jump:  ``j_l = j_{l-1} s_l``  (the distance in input pixels between neighbouring outputs)
* left edge of output 0's field: ``u_l = u_{l-1} - p_l j_{l-1}``
* centre: ``start_l = start_{l-1} + ((k*_l - 1)/2 - p_l) j_{l-1} = u_l + (r_l - 1)/2``

with ``r_0 = j_0 = 1`` and ``u_0 = start_0 = 0``: positions are input pixel indices, so a
negative left edge lies in the padding. Output unit ``n`` of layer ``l`` sees input pixels
``u_l + n j_l`` to ``u_l + n j_l + r_l - 1``.

>>> rows = receptive_field([RFLayer("conv", k=3), RFLayer("conv", k=3), RFLayer("conv", k=3)])
>>> [row.r for row in rows]
[3, 5, 7]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from convarith.choices import RF_KINDS
from convarith.errors import ConvArithError
from convarith.formulas.normalise import integer
from convarith.formulas.output_size import effective_kernel


@dataclass(frozen=True)
class RFLayer:
    """One layer as the receptive field sees it: kind, kernel, stride, left padding, dilation.

    ``s`` defaults to 1 for a convolution and to ``k`` for pooling, as in PyTorch.
    """

    kind: str
    k: int
    s: int | None = None
    p: int = 0
    d: int = 1
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in RF_KINDS:
            raise ConvArithError(
                f"Error reading a receptive-field layer: kind={self.kind!r} is not known. "
                f"Use one of {', '.join(RF_KINDS)}."
            )
        context = f"Error reading the receptive-field layer {self.label}"
        integer("k", self.k, minimum=1, context=context)
        integer("p", self.p, minimum=0, context=context)
        integer("d", self.d, minimum=1, context=context)
        if self.s is not None:
            integer("s", self.s, minimum=1, context=context)

    @property
    def stride(self) -> int:
        if self.s is not None:
            return self.s
        return self.k if self.kind == "pool" else 1

    @property
    def label(self) -> str:
        return self.name or f"{self.kind} k={self.k}"


@dataclass(frozen=True)
class RFRow:
    """The receptive field after one layer (see the module doc for the recurrences)."""

    layer: RFLayer
    r: int  # size, in input pixels
    j: int  # jump: input pixels between neighbouring outputs
    left: int  # first input pixel seen by output 0 (negative: in the padding)

    @property
    def start(self) -> float:
        """Centre of output 0's field, in input pixel indices."""
        return self.left + (self.r - 1) / 2

    def pixels(self, n: int) -> tuple[int, int]:
        """The first and last input pixel output unit ``n`` sees: ``u + n j`` to
        ``u + n j + r - 1`` (negative, or past the input: padding).

        >>> receptive_field([RFLayer("conv", k=11, s=4, p=2)])[-1].pixels(1)
        (2, 12)
        """
        first = self.left + n * self.j
        return first, first + self.r - 1


def receptive_field(layers: list[RFLayer]) -> list[RFRow]:
    """Size ``r``, jump ``j`` and position of the receptive field after each layer.

    >>> rows = receptive_field([RFLayer("conv", k=11, s=4, p=2), RFLayer("pool", k=3, s=2),
    ...                         RFLayer("conv", k=5, p=2)])
    >>> [(row.r, row.j, row.left) for row in rows]
    [(11, 4, -2), (19, 8, -2), (51, 8, -18)]
    >>> receptive_field("conv k=3")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the receptive field: 'conv k=3' is not a list of RFLayer. Give e.g. [RFLayer("conv", k=3)], or read the short notation with convarith.parse_layers('conv k=3').
    """
    listed = isinstance(layers, (list, tuple))
    if not listed or not all(isinstance(x, RFLayer) for x in layers):
        hint = (f", or read the short notation with convarith.parse_layers({layers!r})"
                if isinstance(layers, str) else "")
        what = f"{layers!r} is not a list of RFLayer" if not listed else \
            f"the layer {next(x for x in layers if not isinstance(x, RFLayer))!r} is not an RFLayer"
        raise ConvArithError(f"Error computing the receptive field: {what}. Give e.g. "
                             f'[RFLayer("conv", k=3)]{hint}.')
    r, j, left = 1, 1, 0
    rows = []
    for layer in layers:
        r = r + (effective_kernel(layer.k, layer.d) - 1) * j
        left = left - layer.p * j
        j = j * layer.stride
        rows.append(RFRow(layer, r, j, left))
    return rows


@dataclass(frozen=True)
class RFStep:
    """One layer's receptive-field step explained, beside the shortcut course notes quote.

    ``shortcut`` is one step of ``R_n = R_{n-1} + (F - 1) x S`` with the layer's *own* stride S,
    taken from the correct ``r_{n-1}``; it agrees with the correct step only when S happens to
    equal the jump ``j_{n-1}``, the product of the earlier strides.
    """

    index: int
    row: RFRow
    previous_r: int
    previous_j: int
    shortcut: int

    @property
    def differs(self) -> bool:
        return self.shortcut != self.row.r

    def text(self, *, unicode: bool = False) -> str:
        """The step in ASCII (``x``, ``-``), or with the figures' signs (``·``, ``−``)."""
        layer = self.row.layer
        k_eff = effective_kernel(layer.k, layer.d)
        kernel = ("" if layer.d == 1
                  else f"k* = d(k - 1) + 1 = {layer.d} x ({layer.k} - 1) + 1 = {k_eff}, ")
        line = (f"layer {self.index} ({layer.label}): {kernel}r = {self.previous_r} + "
                f"({k_eff} - 1) x {self.previous_j} = {self.row.r}, j = {self.previous_j} x "
                f"{layer.stride} = {self.row.j}")
        if unicode:
            return line.replace(" x ", "·").replace(" - ", " − ")
        if self.differs:
            pixels = "pixel" if self.previous_j == 1 else "pixels"
            line += (f"\n    the shortcut R_n = R_(n-1) + (F-1) x S with this layer's own stride "
                     f"S = {layer.stride} gives {self.previous_r} + ({k_eff} - 1) x {layer.stride} = "
                     f"{self.shortcut}, not {self.row.r}: neighbouring "
                     f"inputs of this layer are j = {self.previous_j} input {pixels} apart (the "
                     f"product of the earlier strides); its own stride only spaces its outputs, "
                     f"which matters from the next layer on")
        return line


def explain_receptive_field(layers: list[RFLayer]) -> list[RFStep]:
    """Each layer's step ``r_l = r_{l-1} + (k*-1) j_{l-1}``, and where the shortcut with the
    layer's own stride would go wrong.

    >>> steps = explain_receptive_field([RFLayer("conv", k=3)] * 3)
    >>> steps[-1].row.r, any(step.differs for step in steps)
    (7, False)
    >>> steps = explain_receptive_field([RFLayer("conv", k=3, s=2), RFLayer("conv", k=3, s=2),
    ...                                  RFLayer("conv", k=3)])
    >>> [(step.row.r, step.shortcut) for step in steps]
    [(3, 5), (7, 7), (15, 9)]
    """
    steps = []
    previous_r, previous_j = 1, 1
    for index, row in enumerate(receptive_field(layers), 1):
        layer = row.layer
        shortcut = previous_r + (effective_kernel(layer.k, layer.d) - 1) * layer.stride
        steps.append(RFStep(index, row, previous_r, previous_j, shortcut))
        previous_r, previous_j = row.r, row.j
    return steps


def first_layer_claim(layers: list[RFLayer]) -> tuple[int, int]:
    """The notes' "in the first layer the receptive field is the filter size times the stride"
    beside the truth (the first layer sees exactly its effective kernel).

    >>> first_layer_claim([RFLayer("conv", k=11, s=4)])
    (44, 11)
    """
    first = layers[0]
    return first.k * first.stride, effective_kernel(first.k, first.d)


# --------------------------------------------------------------------------- through a graph


@dataclass(frozen=True)
class Field:
    """Along one axis, the input cells output unit ``n`` sees, for every ``n``: the interval
    ``[lo(n), hi(n)]`` in input pixel indices (borders ignored, as in the recurrences above),
    with ``lo(n) = lo[n mod P] + (n div P) J`` and the same for ``hi``.

    A chain of convolutions and poolings keeps ``P = 1`` and this is the recurrence exactly
    (``r``, jump ``J`` and left edge ``lo(0)``); a transposed convolution or an upsampling of
    stride ``s`` makes ``P = s`` (its outputs are ``1/s`` input cells apart, and neighbouring
    outputs may see different numbers of inputs); a merge (``x + y``, concatenation along
    the channels) is the union over its inputs' intervals, the receptive field through a DAG
    (Araujo, Norris & Sim, Distill 2019, section "Multiple paths"). ``None`` in ``lo``/``hi``:
    that output sees no input cell (only a bias).

    >>> f = Field().window(3, s=2, p=1).window(3)
    >>> f.r, f.jump, f.left
    (7, Fraction(2, 1), -1)
    >>> up = Field().transposed(4, s=2, p=1)
    >>> up.r, up.jump, [up.at(n) for n in range(4)]
    (2, Fraction(1, 2), [(-1, 0), (0, 1), (0, 1), (1, 2)])
    """

    period: int = 1
    lo: tuple[int | None, ...] = (0,)
    hi: tuple[int | None, ...] = (0,)
    step: int = 1

    def at(self, n: int) -> tuple[int, int] | None:
        """``(lo(n), hi(n))``, or None when output ``n`` sees nothing."""
        q, i = divmod(n, self.period)
        if self.lo[i] is None or self.hi[i] is None:
            return None
        return self.lo[i] + q * self.step, self.hi[i] + q * self.step  # type: ignore[operator]

    def pixels(self, n: int) -> tuple[int, int] | None:
        """The first and last input pixel output unit ``n`` sees, as
        :meth:`RFRow.pixels` gives them for a chain (None: it sees none)."""
        return self.at(n)

    @property
    def r(self) -> int:
        """The size: the widest interval over one period."""
        spans = [x for x in (self.at(n) for n in range(self.period)) if x is not None]
        return max((b - a + 1 for a, b in spans), default=0)

    @property
    def jump(self) -> Fraction:
        """Input pixels between neighbouring outputs: ``J / P``."""
        return Fraction(self.step, self.period)

    @property
    def left(self) -> int | None:
        """First input cell output 0 sees (negative: in the padding)."""
        seen = self.at(0)
        return None if seen is None else seen[0]

    def centre(self, n: int) -> Fraction | None:
        seen = self.at(n)
        return None if seen is None else Fraction(seen[0] + seen[1], 2)

    def _make(self, period: int, bounds: list[tuple[int, int] | None], step: int) -> Field:
        lo = tuple(None if b is None else b[0] for b in bounds)
        hi = tuple(None if b is None else b[1] for b in bounds)
        return Field(period, lo, hi, step).reduced()

    def _span(self, inputs: list[int]) -> tuple[int, int] | None:
        seen = [x for x in (self.at(n) for n in inputs) if x is not None]
        if not seen:
            return None
        return min(a for a, _ in seen), max(b for _, b in seen)

    def window(self, k: int, *, s: int = 1, p: int = 0, d: int = 1) -> Field:
        """After a convolution or pooling (left padding ``p``): output ``m`` reads inputs
        ``m s - p + t d`` for ``t < k``."""
        g = math.gcd(self.period, s)
        period, step = self.period // g, self.step * (s // g)
        bounds = [self._span([m * s - p + t * d for t in range(k)]) for m in range(period)]
        return self._make(period, bounds, step)

    def transposed(self, k: int, *, s: int = 1, p: int = 0, d: int = 1) -> Field:
        """After a transposed convolution: output ``m`` receives from every input ``n`` with
        ``n s - p + t d = m`` for some ``t < k`` (the adjoint of :meth:`window`)."""
        period = self.period * s
        bounds = [self._span([(m + p - t * d) // s for t in range(k)
                              if (m + p - t * d) % s == 0]) for m in range(period)]
        return self._make(period, bounds, self.step)

    def upsample(self, factor: int, *, linear: bool = False) -> Field:
        """After nearest (output ``m`` reads ``floor(m / f)``) or linear interpolation with
        ``align_corners=False`` (reads ``floor(src)`` and the next cell unless ``src`` is
        whole, ``src = (m + 1/2)/f - 1/2``) by a whole factor ``f``."""
        period = self.period * factor
        bounds = []
        for m in range(period):
            if not linear:
                bounds.append(self._span([m // factor]))
                continue
            src = Fraction(2 * m + 1, 2 * factor) - Fraction(1, 2)
            n0 = math.floor(src)
            bounds.append(self._span([n0] if src == n0 else [n0, n0 + 1]))
        return self._make(period, bounds, self.step)

    def reduced(self) -> Field:
        """The same field with its shortest period."""
        P = self.period
        for q in range(1, P):
            if P % q or (self.step * q) % P:
                continue
            shift = self.step * q // P
            if all(_plus(self.lo[i], shift) == self.lo[i + q] and
                   _plus(self.hi[i], shift) == self.hi[i + q] for i in range(P - q)):
                return Field(q, self.lo[:q], self.hi[:q], shift)
        return self


def _plus(value: int | None, shift: int) -> int | None:
    return None if value is None else value + shift


def union(fields: list[Field]) -> Field | None:
    """The field of a merge (``x + y``, channel concatenation) of aligned tensors: per
    output, the union of what each input sees. None when the jumps differ (the merged
    tensor's field would grow with the position: no receptive field).

    >>> a, b = Field().window(3, p=1).window(3, p=1), Field().window(1)
    >>> union([a, b]).r, union([a, Field().window(2, s=2)])
    (5, None)
    """
    if len({f.jump for f in fields}) != 1:
        return None
    period = math.lcm(*(f.period for f in fields))
    step = fields[0].jump * period
    bounds = []
    for m in range(period):
        seen = [x for x in (f.at(m) for f in fields) if x is not None]
        bounds.append((min(a for a, _ in seen), max(b for _, b in seen)) if seen else None)
    return fields[0]._make(period, bounds, int(step))


def misalignment(fields: list[Field]) -> Fraction:
    """The largest distance between the centres the merged paths give output 0's field
    (the alignment check of google-research/receptive_field; 0 when aligned)."""
    centres = [c for c in (f.centre(0) for f in fields) if c is not None]
    return max(centres) - min(centres) if centres else Fraction(0)
