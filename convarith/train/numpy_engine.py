"""``--engine numpy``: the same network trained with the from-scratch layers of
:mod:`convarith.scratch` (forward and backward in numpy), for teaching.

:class:`NumpyNetwork` reads a zoo model's ``to_torch()`` module (``features`` then
``classifier``) layer by layer and runs it with the scratch functions, starting from the
torch module's own initial weights, so both engines can be compared step by step: on the
same batch their gradients agree (tested to 1e-9 in float64). Layers it knows: Conv2d,
Linear, ReLU, Tanh, MaxPool2d, AvgPool2d, Flatten, which covers ``lenet5-modern``.

>>> import numpy as np
>>> from convarith import zoo
>>> net = NumpyNetwork(zoo.get("lenet5-modern").to_torch())
>>> [kind for kind, _, _ in net.layers][:4]
['conv', 'relu', 'max_pool', 'conv']
>>> net.forward(np.zeros((2, 1, 32, 32)))[0].shape
(2, 10)
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from convarith.bridges.scratch.conv import conv, conv_backward
from convarith.bridges.scratch.dense import (
    linear,
    linear_backward,
    relu,
    relu_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
    tanh,
    tanh_backward,
)
from convarith.bridges.scratch.pool import avg_pool, avg_pool_backward, max_pool, max_pool_backward
from convarith.errors import ConvArithError
from convarith.train import checkpoint
from convarith.train.epochs import EpochMeter, EpochProgress, divergence, epoch_status, uniform_loss
from convarith.train.loop import TrainConfig

Layer = tuple[str, str, dict[str, Any]]  # (kind, parameter prefix, hyper-parameters)


def _layers(module: Any) -> list[Layer]:
    from torch import nn

    layers: list[Layer] = []
    for name, leaf in module.named_modules():
        if list(leaf.children()):
            continue
        if isinstance(leaf, nn.Conv2d):
            layers.append(("conv", name, {"stride": leaf.stride, "padding": leaf.padding,
                                          "dilation": leaf.dilation, "groups": leaf.groups,
                                          "bias": leaf.bias is not None}))
        elif isinstance(leaf, nn.Linear):
            layers.append(("linear", name, {"bias": leaf.bias is not None}))
        elif isinstance(leaf, nn.ReLU):
            layers.append(("relu", name, {}))
        elif isinstance(leaf, nn.Tanh):
            layers.append(("tanh", name, {}))
        elif isinstance(leaf, nn.MaxPool2d):
            layers.append(("max_pool", name, {
                "kernel_size": leaf.kernel_size, "stride": leaf.stride, "padding": leaf.padding,
                "dilation": leaf.dilation, "ceil_mode": leaf.ceil_mode}))
        elif isinstance(leaf, nn.AvgPool2d):
            layers.append(("avg_pool", name, {
                "kernel_size": leaf.kernel_size, "stride": leaf.stride, "padding": leaf.padding,
                "ceil_mode": leaf.ceil_mode, "count_include_pad": leaf.count_include_pad}))
        elif isinstance(leaf, nn.Flatten):
            layers.append(("flatten", name, {}))
        else:
            raise ConvArithError(
                f"Error running {name} ({type(leaf).__name__}) with the numpy engine: the "
                "scratch layers cover Conv2d, Linear, ReLU, Tanh, MaxPool2d, AvgPool2d and "
                "Flatten. Use --engine torch, or a model made of those (lenet5-modern)."
            )
    return layers


class NumpyNetwork:
    """A sequential network run by the scratch layers; ``params`` are named as in the torch
    module's ``state_dict`` (``features.0.weight``, ...)."""

    def __init__(self, module: Any, *, dtype: Any = np.float64) -> None:
        self.layers = _layers(module)
        self.params = {name: tensor.detach().numpy().astype(dtype)
                       for name, tensor in module.state_dict().items()}

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(logits, inputs of every layer)``; the inputs are what backward needs."""
        inputs = []
        p = self.params
        for kind, name, h in self.layers:
            inputs.append(x)
            if kind == "conv":
                x = conv(x, p[f"{name}.weight"], p.get(f"{name}.bias"), h["stride"],
                         h["padding"], h["dilation"], h["groups"])
            elif kind == "linear":
                x = linear(x, p[f"{name}.weight"], p.get(f"{name}.bias"))
            elif kind == "relu":
                x = relu(x)
            elif kind == "tanh":
                x = tanh(x)
            elif kind == "max_pool":
                x = max_pool(x, **h)
            elif kind == "avg_pool":
                x = avg_pool(x, **h)
            elif kind == "flatten":
                x = x.reshape(len(x), -1)
        return x, inputs

    def backward(self, dy: np.ndarray, inputs: list[np.ndarray]) -> dict[str, np.ndarray]:
        """The gradient of every parameter, given ``dy`` = dloss/dlogits (chain rule, last
        layer first)."""
        grads: dict[str, np.ndarray] = {}
        p = self.params
        for (kind, name, h), x in zip(reversed(self.layers), reversed(inputs)):
            if kind == "conv":
                dy, grads[f"{name}.weight"], db = conv_backward(
                    dy, x, p[f"{name}.weight"], stride=h["stride"], padding=h["padding"],
                    dilation=h["dilation"], groups=h["groups"], bias=h["bias"])
                if db is not None:
                    grads[f"{name}.bias"] = db
            elif kind == "linear":
                dy, grads[f"{name}.weight"], db = linear_backward(dy, x, p[f"{name}.weight"],
                                                                  bias=h["bias"])
                if db is not None:
                    grads[f"{name}.bias"] = db
            elif kind == "relu":
                dy = relu_backward(dy, x)
            elif kind == "tanh":
                dy = tanh_backward(dy, x)
            elif kind == "max_pool":
                dy = max_pool_backward(dy, x, **h)
            elif kind == "avg_pool":
                dy = avg_pool_backward(dy, x, **h)
            elif kind == "flatten":
                dy = dy.reshape(x.shape)
        return grads

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray
                           ) -> tuple[float, np.ndarray, dict[str, np.ndarray]]:
        """Mean softmax cross-entropy of the batch, the logits and every gradient."""
        logits, inputs = self.forward(x)
        loss = float(softmax_cross_entropy(logits, y))
        return loss, logits, self.backward(softmax_cross_entropy_backward(logits, y), inputs)


class Optimizer:
    """SGD with momentum (PyTorch's form: ``v = mu v + g``, ``w -= lr v``) or Adam
    (Kingma & Ba 2015, algorithm 1), weight decay added to the gradient as torch does."""

    def __init__(self, params: dict[str, np.ndarray], config: TrainConfig) -> None:
        self.config, self.step_count = config, 0
        self.first = {name: np.zeros_like(value) for name, value in params.items()}
        self.second = {name: np.zeros_like(value) for name, value in params.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        c = self.config
        self.step_count += 1
        for name, g in grads.items():
            if c.weight_decay:
                g = g + c.weight_decay * params[name]
            if c.optimizer == "sgd":
                self.first[name] = c.momentum * self.first[name] + g
                params[name] -= c.lr * self.first[name]
            else:
                beta1, beta2, eps = 0.9, 0.999, 1e-8
                self.first[name] = beta1 * self.first[name] + (1 - beta1) * g
                self.second[name] = beta2 * self.second[name] + (1 - beta2) * g * g
                m_hat = self.first[name] / (1 - beta1 ** self.step_count)
                v_hat = self.second[name] / (1 - beta2 ** self.step_count)
                params[name] -= c.lr * m_hat / (np.sqrt(v_hat) + eps)


def train_numpy(network: NumpyNetwork, data: Any, config: TrainConfig, *,
                out: str | Path | None = None, console: Any = None) -> list[dict[str, Any]]:
    """Train ``network`` on ``data`` (float32 images, as the torch loop gets them) with the
    scratch layers; one metrics row per epoch, written like the torch loop's."""
    x_train, y_train = data.x_train.astype(np.float64), data.y_train
    x_test, y_test = data.x_test.astype(np.float64), data.y_test
    optimizer = Optimizer(network.params, config)
    rng = np.random.default_rng(config.seed)
    steps_per_epoch = math.ceil(len(y_train) / config.batch_size)
    history: list[dict[str, Any]] = []
    steps: list[float] = []
    reference: float | None = None
    floor = uniform_loss(len(data.classes))
    with EpochProgress(console, enabled=console is not None) as progress:
        for epoch in range(1, config.epochs + 1):
            order = rng.permutation(len(y_train))
            progress.start(f"numpy epoch {epoch}/{config.epochs}", steps_per_epoch)
            meter = EpochMeter()
            for step, first in enumerate(range(0, len(y_train), config.batch_size)):
                index = order[first:first + config.batch_size]
                loss, logits, grads = network.loss_and_gradients(x_train[index], y_train[index])
                reference = loss if reference is None else reference
                message = divergence(loss, reference=max(reference, floor),
                                     factor=config.explode_factor,
                                     where=f"epoch {epoch}, step {step + 1}", lr=config.lr)
                if message is not None:
                    raise ConvArithError(message)
                optimizer.step(network.params, grads)
                steps.append(loss)
                meter.add(loss=loss, correct=int((logits.argmax(1) == y_train[index]).sum()),
                          images=len(index))
                progress.update(meter.status(), completed=step + 1)
            seconds = time.perf_counter() - meter.began
            logits = np.concatenate([network.forward(x_test[i:i + 500])[0]
                                     for i in range(0, len(y_test), 500)])
            row = meter.row(epoch=epoch, lr=config.lr,
                            test_loss=float(softmax_cross_entropy(logits, y_test)),
                            test_accuracy=float((logits.argmax(1) == y_test).mean()),
                            seconds=seconds)
            history.append(row)
            progress.update(epoch_status(row))
            if out is not None:
                folder = Path(out)
                checkpoint.write_metrics(folder, history, {
                    "config": asdict(config), "meta": {"engine": "numpy"},
                    "classes": list(data.classes), "train_images": len(y_train),
                    "test_images": len(y_test), "steps_per_epoch": steps_per_epoch,
                    "steps": steps})
                checkpoint.write_atomically(
                    folder / "weights.npz",
                    lambda stream, arrays=dict(network.params): np.savez(stream, **arrays))
    return history


def run_numpy(spec: Any, config: TrainConfig, *, out: str | Path, console: Any = None
              ) -> list[dict[str, Any]]:
    """``convarith train MODEL --engine numpy``: the zoo model's initial torch weights,
    trained by the scratch layers; metrics, ``weights.npz`` and the learning curves in ``out``."""
    from convarith.train import plots
    from convarith.train.loop import seed
    from convarith.train.run import build, load_data

    if spec.augment or spec.ten_crop:
        raise ConvArithError("The numpy engine trains without augmentation. Drop --augment "
                             "and --ten-crop, or use --engine torch.")
    seed(config.seed)
    classes = len(spec.classes) if spec.classes else 10
    network, module = build(spec, classes=classes)
    numpy_network = NumpyNetwork(module)
    data = load_data(spec, size=int(network.input_shape[-1]), seed_value=config.seed)
    if console is not None:
        console.print(f"{spec.model} on {spec.dataset} with the numpy engine (convarith.scratch)"
                      f": {len(data.y_train):,} training images, {config.optimizer} "
                      f"lr={config.lr:g}, batch {config.batch_size}, {config.epochs} epoch{'' if config.epochs == 1 else 's'}")
    history = train_numpy(numpy_network, data, config, out=out, console=console)
    plots.learning_curves(history, Path(out) / f"learning_curves.{spec.plot_format}",
                          title=f"{spec.model} (numpy engine): learning curves")
    return history
