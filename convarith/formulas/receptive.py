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

from dataclasses import dataclass

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
    """
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

    def text(self) -> str:
        layer = self.row.layer
        k_eff = effective_kernel(layer.k, layer.d)
        kernel = f"{layer.k}" if layer.d == 1 else f"{layer.d}*({layer.k}-1)+1 = {k_eff}"
        line = (f"layer {self.index} ({layer.label}): r = {self.previous_r} + ({kernel} - 1) x "
                f"{self.previous_j} = {self.row.r}, j = {self.previous_j} x {layer.stride} = "
                f"{self.row.j}")
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
