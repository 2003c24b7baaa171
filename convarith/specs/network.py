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
from convarith.formulas.notation import show_size
from convarith.specs.layers import Layer, Shape


@dataclass(frozen=True)
class Network:
    """A model as data: ``name``, ``input_shape`` ``(C, H, W)`` (no batch) and ``layers``.

    ``description`` is the one line ``convarith list`` prints; ``source`` the paper or library
    it follows; ``footnotes`` are printed under its tables; ``table_columns`` are columns its
    tables show besides the default ones (LeNet-5: the paper's connections).
    """

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    description: str = ""
    source: str = ""
    footnotes: tuple[str, ...] = field(default=())
    table_columns: tuple[str, ...] = field(default=())  # extra columns its tables show


    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "footnotes", tuple(self.footnotes))

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
                    f"{show_size(self.input_shape)}: the layer's input is {show_size(shape)}; {detail}"
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

    def check_torch(self, *, device: str = "meta") -> list[str]:
        """Build the torch model and compare every layer's output shape and parameter count
        with the spec's; the mismatches, one line each (empty: all agree).

        Runs on the meta device by default: no memory for weights or activations.
        """
        import torch

        problems = []
        with torch.device(device):
            model = self.to_torch()
            modules = [*model.features, *model.classifier]
            x = torch.empty(1, *self.input_shape)
        for index, (module, layer, (i, o)) in enumerate(
                zip(modules, self.layers, self.flow()), 1):
            where = f"layer {index} ({layer.label})"
            try:
                x = module(x)
            except (RuntimeError, ValueError) as error:
                problems.append(f"{where}: torch rejects input {show_size(i)}: "
                                f"{' '.join(str(error).split())}")
                break
            if tuple(x.shape[1:]) != tuple(o):
                problems.append(f"{where}: torch gives {show_size(tuple(x.shape[1:]))}, the spec "
                                f"{show_size(o)}")
            params = sum(p.numel() for p in module.parameters() if p.requires_grad)
            buffers = sum(b.numel() for b in module.buffers())
            if (params, buffers) != (layer.params(i), layer.buffers(i)):
                problems.append(f"{where}: torch has {params:,} parameters and {buffers:,} "
                                f"buffers, the spec {layer.params(i):,} and "
                                f"{layer.buffers(i):,}")
        if len(modules) != len(self.layers):
            problems.append(f"torch has {len(modules)} modules for {len(self.layers)} layers")
        return problems

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
