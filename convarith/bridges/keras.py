"""Keras <-> convarith and PyTorch: a ``keras.Model`` as table records, and the torch layer
that computes what a Keras layer computes.

Keras is optional (``pip install "convarith[keras]"``; it runs on PyTorch with
``KERAS_BACKEND=torch``). Nothing here imports keras or torch at import time: a Keras model
is read through its layers' own ``get_config()`` and shapes, and its conv and pooling layers
become convarith specs with ``convention="keras"``, so every number of a Keras table comes
from the formula core (and the tests compare them with Keras' own shapes).

Keras is channels-last: a Keras shape ``(H, W, C)`` is ``(C, H, W)`` here.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from convarith.errors import ConvArithError
from convarith.formulas.solve import TorchEquivalent

# --------------------------------------------------------------------------- torch side


def torch_module(eq: TorchEquivalent, in_channels: int = 1, out_channels: int = 1, *,
                 bias: bool = True) -> Any:
    """The ``torch.nn`` module that :func:`convarith.formulas.solve.torch_equivalent`
    describes (``in_channels``/``out_channels``: a convolution's channels).

    >>> from convarith.formulas.solve import torch_equivalent
    >>> torch_module(torch_equivalent("conv", (8, 8), 3, stride=2, padding="same"), 3, 4)
    Sequential(
      (0): ZeroPad2d((0, 1, 0, 1))
      (1): Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2))
    )
    """
    import torch.nn as nn

    n = eq.dims
    if eq.layer == "conv":
        layer = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[n - 1](
            in_channels, out_channels, eq.kernel_size, stride=eq.stride, padding=eq.padding,
            dilation=eq.dilation, bias=bias)
        if eq.pad is None:
            return layer
        return nn.Sequential((nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d)[n - 1](eq.f_pad()),
                             layer)
    if eq.layer == "conv_transpose":
        layer = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[n - 1](
            in_channels, out_channels, eq.kernel_size, stride=eq.stride, padding=eq.padding,
            output_padding=eq.output_padding, dilation=eq.dilation, bias=bias)
        if eq.pad is None:
            return layer
        return nn.Sequential(layer, _pad_module(tuple(-x for x in eq.f_pad())))
    if eq.layer == "max_pool":
        layer = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[n - 1](
            eq.kernel_size, stride=eq.stride, padding=eq.padding)
        if eq.pad is None:
            return layer
        return nn.Sequential(_pad_module(eq.f_pad(), float("-inf")), layer)
    if eq.pad is None:
        return (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[n - 1](
            eq.kernel_size, stride=eq.stride, padding=eq.padding, count_include_pad=False)
    return _module_classes()[1](eq)


@functools.cache
def _module_classes() -> Any:
    """The module classes, made on first use: importing this file never imports torch."""
    import torch.nn as nn
    import torch.nn.functional as F

    class Pad(nn.Module):
        """``F.pad`` with fixed amounts (negative amounts cut)."""

        def __init__(self, amounts: tuple[int, ...], value: float = 0.0) -> None:
            super().__init__()
            self.amounts, self.value = amounts, value

        def forward(self, x: Any) -> Any:
            return F.pad(x, self.amounts, value=self.value)

        def extra_repr(self) -> str:
            return f"{self.amounts}" + (f", value={self.value}" if self.value else "")

    class InsideAverage(nn.Module):
        """Average pooling after unequal padding that divides each window by the cells
        inside the input (Keras' and TensorFlow's "same"): the mean of the zero-padded input
        over the mean of the zero-padded ones."""

        def __init__(self, eq: TorchEquivalent) -> None:
            super().__init__()
            self.eq = eq
            self.pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[eq.dims - 1]

        def forward(self, x: Any) -> Any:
            import torch

            pads = self.eq.f_pad()
            ones = torch.ones_like(x[:1, :1])
            total = self.pool(F.pad(x, pads), self.eq.kernel_size, self.eq.stride)
            inside = self.pool(F.pad(ones, pads), self.eq.kernel_size, self.eq.stride)
            return total / inside

    return Pad, InsideAverage


def _pad_module(amounts: tuple[int, ...], value: float = 0.0) -> Any:
    return _module_classes()[0](amounts, value)


def copy_keras_weights(keras_layer: Any, module: Any) -> None:
    """Give a torch conv (or transposed conv) module the weights of a Keras one.

    Keras keeps a kernel as ``(*k, C_in, C_out)`` (transposed: ``(*k, C_out, C_in)``);
    torch as ``(C_out, C_in, *k)`` (transposed: ``(C_in, C_out, *k)``).
    """
    import torch

    weights = [torch.as_tensor(_numpy(w)) for w in keras_layer.get_weights()]
    target = module if hasattr(module, "weight") else next(
        m for m in module.modules() if hasattr(m, "weight") and m.weight is not None)
    kernel = weights[0]
    n = kernel.ndim - 2
    with torch.no_grad():
        target.weight.copy_(kernel.permute(n + 1, n, *range(n)))
        if len(weights) > 1 and target.bias is not None:
            target.bias.copy_(weights[1])


def _numpy(value: Any) -> Any:
    import numpy as np

    return np.asarray(value)


# --------------------------------------------------------------------------- Keras models

#: Keras activations convarith has a spec for (a layer with another keeps Keras' numbers).
_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def is_keras_model(value: Any) -> bool:
    """Whether ``value`` is a ``keras.Model`` (checked without importing keras).

    >>> is_keras_model(object())
    False
    """
    return any(cls.__name__ == "Model" and cls.__module__.startswith("keras")
               for cls in type(value).__mro__)


def channels_first(shape: Any) -> tuple[Any, ...]:
    """A Keras shape without the batch, ``(*spatial, C)``, as convarith's ``(C, *spatial)``.

    >>> channels_first((32, 32, 3)), channels_first((10,))
    ((3, 32, 32), (10,))
    """
    shape = tuple(shape)
    return shape if len(shape) < 2 else (shape[-1], *shape[:-1])


def _specs(layer: Any) -> list[Any] | None:
    """The specs of one Keras layer (its activation as a second spec), or None: not known."""
    from convarith.specs import layers as specs

    kind = type(layer).__name__
    config = layer.get_config()
    name = layer.name
    out: list[Any]
    if kind in ("Conv1D", "Conv2D", "Conv3D"):
        padding = config["padding"]
        if padding == "causal":  # Conv1D: d(k-1) cells on the left only
            (k,), (d,) = config["kernel_size"], config["dilation_rate"]
            out = [specs.Conv(config["filters"], tuple(config["kernel_size"]),
                              stride=tuple(config["strides"]), padding=((d * (k - 1), 0),),
                              dilation=(d,), groups=config["groups"], bias=config["use_bias"],
                              name=name)]
        else:
            out = [specs.Conv(config["filters"], tuple(config["kernel_size"]),
                              stride=tuple(config["strides"]), padding=padding,
                              dilation=tuple(config["dilation_rate"]), groups=config["groups"],
                              bias=config["use_bias"], convention="keras", name=name)]
    elif kind in ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
        op = config["output_padding"]
        out = [specs.ConvTranspose(config["filters"], tuple(config["kernel_size"]),
                                   stride=tuple(config["strides"]), padding=config["padding"],
                                   output_padding=None if op is None else tuple(op),
                                   dilation=tuple(config["dilation_rate"]),
                                   bias=config["use_bias"], convention="keras", name=name)]
    elif kind in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
                  "AveragePooling2D", "AveragePooling3D"):
        cls = specs.MaxPool if kind.startswith("Max") else specs.AvgPool
        strides = config["strides"]
        out = [cls(tuple(config["pool_size"]),
                   stride=None if strides is None else tuple(strides),
                   padding=config["padding"], convention="keras", name=name)]
    elif kind == "Dense":
        out = [specs.Linear(config["units"], bias=config["use_bias"], name=name)]
    elif kind == "Flatten":
        out = [specs.Flatten(name=name)]
    elif kind in ("GlobalAveragePooling1D", "GlobalAveragePooling2D",
                  "GlobalAveragePooling3D") and not config.get("keepdims"):
        out = [specs.GlobalAvgPool(name=name)]
    elif kind == "Dropout":
        out = [specs.Dropout(config["rate"], name=name)]
    elif kind in ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"):
        out = [specs.SpatialDropout(config["rate"], name=name)]
    elif kind == "BatchNormalization":
        out = [specs.BatchNorm(eps=config["epsilon"], name=name)]
    elif kind == "ReLU" and not any(config.get(key) for key in ("negative_slope", "threshold")) \
            and config.get("max_value") is None:
        out = [specs.ReLU(name=name)]
    elif kind == "Activation":
        activation = _ACTIVATIONS.get(str(config["activation"]))
        return None if activation is None else [getattr(specs, activation)(name=name)]
    else:
        return None
    activation = config.get("activation", "linear")
    if activation not in (None, "linear"):
        if activation not in _ACTIVATIONS:
            return None
        out.append(getattr(specs, _ACTIVATIONS[activation])())
    return out


def _keras_shape(tensor: Any) -> tuple[Any, ...]:
    return tuple(tensor.shape)[1:]


def keras_records(model: Any, input_shape: Any = None, *, dtype: str = "float32",
                  batch: int = 1) -> tuple[tuple[Any, ...], list[Any], list[str]]:
    """``(input shape (C, H, W), records, footnotes)`` of a ``keras.Model`` read layer by
    layer, for the table. Conv, pooling, dense and the usual element-wise layers become specs
    (``convention="keras"``), so their numbers come from the formula core; any other layer
    keeps Keras' own shapes and parameter counts (and ends the receptive field). Buffers are
    Keras' non-trainable weights (batch norm's moving mean and variance).

    ``input_shape`` (C, H, W) replaces the model's own; only a model of specs and
    known layers can take another input.
    """
    from convarith.formulas import counting
    from convarith.specs.records import Record, spec_record

    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if not model.inputs or len(model.inputs) != 1:
        raise ConvArithError(
            f"Error reading the Keras model {model.name}: it has {len(model.inputs or [])} "
            "inputs; a table reads a model with one. Give a model with one input."
        )
    own = channels_first(_keras_shape(model.inputs[0]))
    shape = own if input_shape is None else tuple(input_shape)
    if any(x is None for x in shape):
        raise ConvArithError(
            f"Error reading the Keras model {model.name}: its input shape {own} has unknown "
            "sizes. Give --input (e.g. --input 32x32x3 --channels-last)."
        )
    records: list[Any] = []
    footnotes = [f"Read from the keras.Model {model.name} layer by layer; conv and pooling "
                 "sizes follow Keras' padding ('same' at any stride: o = ceil(i/s), the odd "
                 "cell on the bottom/right)."]
    current = shape
    for position, layer in enumerate(layers):
        parents = [n.operation for node in getattr(layer, "_inbound_nodes", [])
                   for n in getattr(node, "parent_nodes", [])]
        if position and parents and parents[-1] is not layers[position - 1]:
            raise ConvArithError(
                f"Error reading the Keras model {model.name}: layer {layer.name} does not take "
                f"the output of {layers[position - 1].name} (the model branches). A table reads "
                "a chain of layers, as keras.Sequential builds."
            )
        trainable = sum(int(_volume(w.shape)) for w in layer.trainable_weights)
        frozen = sum(int(_volume(w.shape)) for w in layer.non_trainable_weights)
        found = _specs(layer)
        if found is None:
            if input_shape is not None and shape != own:
                raise ConvArithError(
                    f"Error reading the Keras model {model.name}: convarith has no formula for "
                    f"its {type(layer).__name__} layer {layer.name}, so it cannot move it to "
                    f"input {'x'.join(map(str, shape))}. Drop --input (use the model's own).")
            out = channels_first(_keras_shape(layer.output))
            footnotes.append(f"{layer.name} ({type(layer).__name__}): shape and parameters as "
                             "Keras reports them (convarith has no formula for it).")
            records.append(Record(
                name=layer.name, kind=type(layer).__name__, describe=type(layer).__name__,
                input_shape=current, output_shape=out, params=trainable, buffers=frozen,
                memory=counting.activation_bytes(out, dtype=dtype, batch=batch),
                rf_effect="global"))
            current = out
            continue
        spec, *activation = found
        out = spec.output_shape(current)
        record = spec_record(spec, current, out, dtype=dtype, batch=batch)
        # one record per Keras layer: its fused activation shows in the type ("conv + relu"),
        # and the buffers are Keras' non-trainable weights (batch norm: no batch counter)
        kind = " + ".join([record.kind, *(a.kind for a in activation)])
        records.append(replace(record, kind=kind, buffers=frozen))
        current = out
    return shape, records, footnotes


def _volume(shape: Any) -> int:
    total = 1
    for x in shape:
        total *= int(x)
    return total


def keras_mismatches(model: Any) -> list[str]:
    """Each row of a Keras model's table against Keras' own numbers: the output shape every
    layer reports and its trainable weights. One line per mismatch (empty: all agree)."""
    _, records, _ = keras_records(model)
    named = {record.name: record for record in records if record.name}
    problems = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        record = named.get(layer.name)
        want = channels_first(_keras_shape(layer.output))
        trainable = sum(int(_volume(w.shape)) for w in layer.trainable_weights)
        if record is None:
            problems.append(f"{layer.name}: no row")
            continue
        # the layer's own output is that of its record (an activation row keeps the shape)
        if tuple(record.output_shape) != tuple(want):
            problems.append(f"{layer.name} ({type(layer).__name__}): convarith gives "
                            f"{record.output_shape}, Keras {want} (C first)")
        if record.params != trainable:
            problems.append(f"{layer.name} ({type(layer).__name__}): convarith counts "
                            f"{record.params} parameters, Keras {trainable}")
    return problems
