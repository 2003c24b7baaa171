"""A network: a named input shape and a sequence of layer specs.

Shapes flow layer by layer through the specs (so through the formula core); an input that
is too small is reported with the layer that cannot take it. ``to_torch()`` builds the real
model as ``nn.Sequential(features=..., classifier=...)``: ``model.features`` is the
convolution/pooling part and ``model.classifier`` the dense part (it starts at the first layer
whose output is a vector: the flatten or the global pooling), and
``[*model.features, *model.classifier]`` lines up one to one with ``Network.layers``.

>>> from convarith.layers import Conv, Flatten, Linear, MaxPool, ReLU
>>> net = Network("tiny", (1, 28, 28), (Conv(8, 3, padding=1), ReLU(), MaxPool(2), Flatten(),
...                                      Linear(10)))
>>> net.shapes()
[(8, 28, 28), (8, 28, 28), (8, 14, 14), (1568,), (10,)]
>>> net.params()
15770
>>> net.with_input((1, 1, 1)).shapes()
Traceback (most recent call last):
...
convarith.errors.ConvArithError: Error at layer 3 (max-pool) of tiny with input 1x1x1: the layer's input is 8x1x1; computing the output size of a pooling along dimension 1 for i=1, k=2, s=2, p=0, d=1: the output size would be 0, but it must be at least 1: the kernel (2) does not fit in the padded input (1). Use a larger input, more padding or a smaller kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from convarith.errors import ConvArithError
from convarith.layers import Layer, Shape


def _show(shape: Shape) -> str:
    return "x".join(str(x) for x in shape)


@dataclass(frozen=True)
class Network:
    """A model as data: ``name``, ``input_shape`` ``(C, H, W)`` (no batch) and ``layers``.

    ``description`` is the one line ``convarith list`` prints; ``source`` the paper or library
    it follows; ``footnotes`` are printed under its tables.
    """

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    description: str = ""
    source: str = ""
    footnotes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))

    def with_input(self, input_shape: Sequence[Any]) -> Network:
        """The same layers on another input shape."""
        return replace(self, input_shape=tuple(input_shape))

    def shapes(self) -> list[Shape]:
        """The output shape of every layer, in order."""
        return [out for _, out in self.flow()]

    def flow(self) -> list[tuple[Shape, Shape]]:
        """``(input shape, output shape)`` of every layer; errors name the layer."""
        pairs = []
        shape = self.input_shape
        for index, layer in enumerate(self.layers, 1):
            try:
                out = layer.output_shape(shape)
            except ConvArithError as error:
                detail = str(error)
                detail = detail[len("Error "):] if detail.startswith("Error ") else detail
                raise ConvArithError(
                    f"Error at layer {index} ({layer.label}) of {self.name} with input "
                    f"{_show(self.input_shape)}: the layer's input is {_show(shape)}; {detail}"
                ) from None
            pairs.append((shape, out))
            shape = out
        return pairs

    @property
    def output_shape(self) -> Shape:
        return self.flow()[-1][1] if self.layers else self.input_shape

    def params(self) -> Any:
        """Trainable parameters of the whole network."""
        return sum(layer.params(i) for layer, (i, _) in zip(self.layers, self.flow()))

    def buffers(self) -> Any:
        """Non-trainable numbers kept with the model (running statistics, prototypes)."""
        return sum(layer.buffers(i) for layer, (i, _) in zip(self.layers, self.flow()))

    @property
    def split(self) -> int:
        """Index of the first classifier layer: the first whose output is a vector."""
        for index, (_, out) in enumerate(self.flow()):
            if len(out) == 1:
                return index
        return len(self.layers)

    @property
    def num_classes(self) -> Any:
        return self.output_shape[-1]

    def to_torch(self) -> Any:
        """The PyTorch model: ``nn.Sequential`` with children ``features`` and ``classifier``
        (each an ``nn.Sequential`` of one module per layer spec).

        ``forward`` takes ``(N, *input_shape)`` and returns ``(N, num_classes)`` class scores
        (logits; for LeNet-5's RBF output, negative squared distances to the prototypes).
        """
        from collections import OrderedDict

        import torch.nn as nn

        modules = [layer.to_torch(i) for layer, (i, _) in zip(self.layers, self.flow())]
        split = self.split
        return nn.Sequential(OrderedDict(
            features=nn.Sequential(*modules[:split]),
            classifier=nn.Sequential(*modules[split:]),
        ))
