"""The ``class`` convention: a layer written as a class, as numpy-CNN tutorials do.

The bench builds the class from its ``__init__`` arguments, read by name (``in_channels``,
``num_filters``, ``kernel_size``, ``filter_size``, ``stride``, ``pad``, ...), puts its own
weight and bias where the object keeps them (``W``/``weight``/``params['W']``, in the
object's own shape: a bias of ``(F, 1)`` stays ``(F, 1)``), calls ``forward(x)``, then
``backward(dout)``, and reads the gradients the object stored (``dW``, ``grad_W``,
``grads['W']``, ...).

>>> import numpy as np
>>> class Conv2D:
...     def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
...         self.W = np.zeros((out_channels, in_channels, kernel_size, kernel_size))
...         self.b = np.zeros((out_channels, 1))
>>> ClassConvention("conv2d", Conv2D).limit(BASE["conv2d"]) is None
True
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.conventions import (
    D2L,
    BadReturn,
    Convention,
    Coursera,
    CS231n,
    Functional,
    Inexpressible,
    as_array,
    as_pair,
    parameter_named,
)
from convarith.bridges.verify.features import BASE
from convarith.choices import HOMEWORK_CONVENTIONS

_CLASS_ALIASES = {
    "in_channels": ("in_channels", "in_ch", "c_in", "cin", "n_c_prev", "input_channels",
                    "in_chans", "num_channels", "channels_in", "in_depth", "input_dim"),
    "out_channels": ("out_channels", "out_ch", "c_out", "cout", "num_filters", "n_filters",
                     "filters", "n_c", "output_channels", "out_chans", "channels_out",
                     "num_kernels", "out_depth", "f"),
    "kernel_size": ("kernel_size", "kernel", "filter_size", "k", "ksize", "size",
                    "pool_size", "field", "window", "window_size", "kernel_shape"),
    "stride": ("stride", "strides", "s"),
    "padding": ("padding", "pad", "p"),
    "dilation": ("dilation",),
    "groups": ("groups",),
    "output_padding": ("output_padding",),
    "ceil_mode": ("ceil_mode",),
    "count_include_pad": ("count_include_pad",),
    "bias": ("bias", "use_bias", "has_bias"),
}
_WEIGHT_NAMES = ("W", "w", "weight", "weights", "kernel", "kernels", "filters", "K")
_BIAS_NAMES = ("b", "bias", "biases", "B")


class ClassConvention(Convention):
    """A class built with its ``__init__`` arguments; ``forward(x)``, ``backward(dout)``."""

    name = "class"
    title = "class with forward/backward"

    def __init__(self, layer: str, forward: Any, backward: Any = None) -> None:
        super().__init__(layer, forward, backward)
        self.cls = forward
        self.backward = getattr(forward, "backward", None) if backward is None else backward

    def _init_arguments(self, case: LayerCase) -> dict[str, Any]:
        values: dict[str, Any] = {
            "in_channels": case.in_channels, "out_channels": case.out_channels,
            "kernel_size": as_pair(case.kernel_size), "stride": as_pair(case.stride),
            "padding": as_pair(case.padding), "dilation": as_pair(case.dilation),
            "groups": case.groups, "output_padding": as_pair(case.output_padding),
            "ceil_mode": case.ceil_mode, "count_include_pad": case.count_include_pad,
            "bias": case.bias,
        }
        defaults = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1,
                    "output_padding": 0, "ceil_mode": False, "count_include_pad": True,
                    "bias": True}
        if self.layer in ("max_pool2d", "avg_pool2d"):
            values["stride"] = as_pair(case.stride)
            for key in ("in_channels", "out_channels", "groups", "output_padding", "bias"):
                values.pop(key)
        try:
            signature = inspect.signature(self.cls.__init__)
        except (TypeError, ValueError):
            signature = None
        arguments: dict[str, Any] = {}
        used: set[str] = set()
        for key, value in values.items():
            name = parameter_named(self.params, *_CLASS_ALIASES[key])
            if name is None or name in used:
                if key in defaults and value != defaults[key]:
                    raise Inexpressible(f"{self.cls.__name__}() takes no {key} argument")
                continue
            used.add(name)
            arguments[name] = value
        if signature is not None:
            for name, parameter in list(signature.parameters.items())[1:]:
                if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                    continue
                if parameter.default is parameter.empty and name not in arguments:
                    raise BadReturn(f"{self.cls.__name__}() needs an argument {name!r} the "
                                    "bench cannot fill (name the usual ones: in_channels, "
                                    "out_channels, kernel_size, stride, padding)")
        return arguments

    def base(self) -> LayerCase:
        return BASE[self.layer]

    def pair_features(self) -> tuple[str, ...]:
        return ("stride_hw", "padding_hw", "rect_kernel")

    def limit(self, case: LayerCase) -> str | None:
        try:
            self._init_arguments(case)
        except Inexpressible as reason:
            return str(reason)
        except BadReturn:
            return None
        return None

    def forward_call(self, case, x, w, b):  # type: ignore[no-untyped-def]
        def build_and_run(x: Any) -> Any:
            layer = self.cls(**self._init_arguments(case))
            if w is not None:
                _set_array(layer, w, _WEIGHT_NAMES, "weight")
            if b is not None:
                _set_array(layer, b, _BIAS_NAMES, "bias")
            return layer, layer.forward(x)

        return build_and_run, (x,), {}

    def read_forward(self, value: Any, case: LayerCase) -> tuple[np.ndarray, Any]:
        layer, out = value
        return as_array(out, "forward's output"), layer

    def backward_call(self, case, dy, state, x, w, b):  # type: ignore[no-untyped-def]
        if not hasattr(state, "backward"):
            raise Inexpressible(f"{self.cls.__name__} has no backward method")

        def run(dy: Any) -> Any:
            return state, state.backward(dy)

        return run, (dy,), {}

    def read_backward(self, value: Any, case: LayerCase, state: Any) -> dict[str, Any]:
        layer, dx = value
        if isinstance(dx, (tuple, list)):
            dx = dx[0]
        grads: dict[str, Any] = {"dx": as_array(dx, "backward's result (dx)")}
        if self.layer in ("conv2d", "conv_transpose2d"):
            weight_name = _found_name(layer, _WEIGHT_NAMES, case.weight_shape())
            grads["dw"] = _gradient(layer, weight_name, case.weight_shape(), "weight")
            if case.bias:
                bias_name = _found_name(layer, _BIAS_NAMES, None)
                grads["db"] = _gradient(layer, bias_name, None, "bias")
                if grads["db"] is not None:
                    grads["db"] = grads["db"].reshape(-1)
        return grads

    def call_words(self, case: LayerCase, backward: bool = False) -> str:
        try:
            arguments = self._init_arguments(case)
        except (Inexpressible, BadReturn):
            arguments = {}
        built = f"{self.cls.__name__}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})"
        return f"{built}.backward(dout)" if backward else f"{built}.forward(x)"


def _containers(layer: Any) -> list[tuple[Any, str, Any]]:
    """``(container, key, array)`` for the numpy arrays held by a layer object (its
    attributes, and one level of dicts such as ``self.params``)."""
    found: list[tuple[Any, str, Any]] = []
    for key, value in vars(layer).items():
        if isinstance(value, np.ndarray):
            found.append((layer, key, value))
        elif isinstance(value, dict):
            found.extend((value, k, v) for k, v in value.items()
                         if isinstance(k, str) and isinstance(v, np.ndarray))
    return found


def _found_name(layer: Any, names: tuple[str, ...], shape: Any) -> str | None:
    for _, key, _ in _containers(layer):
        if key in names:
            return key
    return None


def _set_array(layer: Any, value: np.ndarray, names: tuple[str, ...], what: str) -> None:
    """Put the bench's weight (or bias) where the layer keeps it, in the layer's own shape."""
    candidates = [(c, k, v) for c, k, v in _containers(layer) if k in names]
    for container, key, current in candidates:
        if current.size == value.size:
            new = value.reshape(current.shape).astype(np.float64)
            if isinstance(container, dict):
                container[key] = new
            else:
                setattr(container, key, new)
            return
    held = ", ".join(f"{k} {v.shape}" for _, k, v in _containers(layer)) or "no arrays"
    raise BadReturn(f"the bench found no {what} of {value.size} values to set on "
                    f"{type(layer).__name__} (it holds {held}); name it one of "
                    f"{', '.join(names[:4])}")


def _gradient(layer: Any, name: str | None, shape: Any, what: str) -> Any:
    """The gradient a layer stored after backward: dW, grad_W, dweight, grads['W'], ..."""
    if name is None:
        return None
    wanted = {f"d{name}", f"d{name.lower()}", f"grad_{name}", f"{name}_grad", f"d_{name}",
              f"grad{name}", f"d{what}", f"grad_{what}", f"{what}_grad", f"d{what}s"}
    for _, key, value in _containers(layer):
        if key in wanted:
            return value
    grads = getattr(layer, "grads", None) or getattr(layer, "gradients", None)
    if isinstance(grads, dict) and isinstance(grads.get(name), np.ndarray):
        return grads[name]
    raise BadReturn(f"after backward, {type(layer).__name__} holds no gradient of {name} "
                    f"(looked for d{name}, grad_{name}, grads[{name!r}])")


def convention_class(name: str) -> type[Convention]:
    """The :class:`Convention` of a name of :data:`convarith.choices.HOMEWORK_CONVENTIONS`
    (here, beside the class convention, the one module that sees all five)."""
    classes: dict[str, type[Convention]] = {"functional": Functional, "cs231n": CS231n,
                                            "coursera": Coursera, "d2l": D2L,
                                            "class": ClassConvention}
    assert tuple(classes) == HOMEWORK_CONVENTIONS
    return classes[name]
