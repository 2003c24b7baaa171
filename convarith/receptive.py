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

from convarith.arguments import integer
from convarith.choices import RF_KINDS
from convarith.errors import ConvArithError
from convarith.output_size import effective_kernel


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
