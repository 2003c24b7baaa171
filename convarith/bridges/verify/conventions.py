"""The signatures students really write, each turned into calls the bench can make.

A :class:`Convention` takes a :class:`~convarith.verify.cases.LayerCase` (torch's layout:
``x`` is ``(N, C, H, W)``, conv2d's weight ``(C_out, C_in/groups, kh, kw)``) and builds the
call of the user's function in the user's own layout, then reads what it returns back into
torch's layout. What a convention cannot express (a per-axis stride in CS231n's one
``conv_param['stride']``) raises :class:`Inexpressible`, which the card lists as
unsupported, never as a failure.

* ``functional``: ``torch.nn.functional`` style, ``conv2d(x, weight, bias=None, stride=1,
  padding=0, dilation=1, groups=1)``; a backward takes ``(dy, *the forward's arguments)``
  and returns ``(dx, dw, db)`` (pooling: ``dx``);
* ``cs231n``: ``conv_forward_naive(x, w, b, conv_param)`` -> ``(out, cache)``,
  ``conv_backward_naive(dout, cache)`` -> ``(dx, dw, db)``, ``max_pool_forward_naive(x,
  pool_param)`` with ``pool_height``, ``pool_width``, ``stride``;
* ``coursera``: NHWC, ``conv_forward(A_prev, W, b, hparameters)`` with ``W`` of shape
  ``(f, f, C_in, C_out)`` and ``b`` of shape ``(1, 1, 1, C_out)``, ``pool_forward(A_prev,
  hparameters, mode)``, and their ``*_backward(dA, cache[, mode])``;
* ``d2l``: ``corr2d(X, K)`` (one 2-D image, one 2-D kernel) and ``pool2d(X, pool_size,
  mode)`` (stride 1, no padding);
* ``class``: a class with ``forward(x)`` and ``backward(dout)``, built from its
  ``__init__`` arguments, whose weights the bench sets (:mod:`.layer_classes`).

>>> def conv_forward_naive(x, w, b, conv_param): ...
>>> detect(conv_forward_naive)
'cs231n'
>>> guess_layer("max_pool_forward_naive"), guess_layer("Conv2D")
(('max_pool2d',), ('conv2d',))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.features import BASE, HOMEWORK_LAYERS
from convarith.errors import ConvArithError


class Inexpressible(Exception):
    """The convention has no way to say this case (the card's "unsupported")."""


class BadReturn(Exception):
    """The user's function returned something the convention does not allow."""


# --------------------------------------------------------------------------- reading names


def guess_layer(name: str) -> tuple[str, ...]:
    """The homework layers a function or class name suggests (none: ask for --layer).

    >>> guess_layer("pool_forward"), guess_layer("corr2d"), guess_layer("helper")
    (('max_pool2d', 'avg_pool2d'), ('conv2d',), ())
    """
    low = name.lower().replace("_", "")
    if "transpose" in low or "deconv" in low or "convt" in low:
        return ("conv_transpose2d",)
    if "conv" in low or "corr" in low:
        return ("conv2d",)
    if "max" in low and "pool" in low:
        return ("max_pool2d",)
    if ("avg" in low or "average" in low or "mean" in low) and "pool" in low:
        return ("avg_pool2d",)
    if "pool" in low:
        return ("max_pool2d", "avg_pool2d")
    return ()


def parameters(function: Any) -> list[str]:
    """The parameter names of a function (of ``__init__`` for a class, without self)."""
    target = function.__init__ if inspect.isclass(function) else function
    try:
        names = list(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return []
    return names[1:] if inspect.isclass(function) and names[:1] == ["self"] else names


def detect(function: Any) -> str:
    """The convention of ``function``, read from its signature (see the module doc)."""
    if inspect.isclass(function):
        return "class"
    names = [n.lower() for n in parameters(function)]
    if "conv_param" in names or "pool_param" in names:
        return "cs231n"
    if "hparameters" in names or "hparams" in names:
        return "coursera"
    name = getattr(function, "__name__", "")
    if name in ("corr2d", "pool2d", "corr2d_multi_in_out") or names[:2] in (["x", "k"],) or \
            (len(names) >= 2 and names[1] == "pool_size" and "mode" in names):
        return "d2l"
    return "functional"


def as_pair(values: tuple[int, ...] | None) -> Any:
    """An int when both axes agree, else the ``(h, w)`` pair."""
    if values is None:
        return None
    return values[0] if len(set(values)) == 1 else tuple(values)


def as_array(value: Any, what: str) -> np.ndarray:
    """A returned array as numpy (torch tensors accepted); BadReturn for anything else."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        kind = f"{type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")
        raise BadReturn(f"{what} is a {kind}, not a numpy array")
    if value.dtype.kind not in "fiu":
        raise BadReturn(f"{what} is an array of dtype {value.dtype}, not numbers")
    return value


def _unpack(value: Any, count: int, what: str) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)) and len(value) == count:
        return tuple(value)
    got = f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list)) \
        else f"a {type(value).__name__}"
    raise BadReturn(f"{what} should be {count} values, got {got}")


# --------------------------------------------------------------------------- conventions


class Convention:
    """How one kind of signature is called; subclasses fill the hooks."""

    name = "functional"
    title = "torch.nn.functional style"
    layers: tuple[str, ...] = HOMEWORK_LAYERS

    def __init__(self, layer: str, forward: Any, backward: Any = None) -> None:
        if layer not in self.layers:
            raise ConvArithError(
                f"Error checking {getattr(forward, '__name__', forward)!r} as {layer}: the "
                f"{self.title} convention has no {layer}. Use --layer with one of "
                f"{', '.join(self.layers)}, or --convention.")
        self.layer = layer
        self.forward = forward
        self.backward = backward
        self.params = parameters(forward)

    # what the convention pins and cannot say
    def base(self) -> LayerCase:
        return BASE[self.layer]

    def limit(self, case: LayerCase) -> str | None:
        """Why the convention cannot express ``case`` (None: it can)."""
        return None

    def pair_features(self) -> tuple[str, ...]:
        """Features whose value the convention passes as an ``(h, w)`` pair, not one int."""
        return ()

    # calls
    def forward_call(self, case: LayerCase, x: Any, w: Any, b: Any
                     ) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        raise NotImplementedError

    def read_forward(self, value: Any, case: LayerCase) -> tuple[np.ndarray, Any]:
        """``(output in NCHW, state for the backward)``."""
        return as_array(value, "the output"), None

    def backward_call(self, case: LayerCase, dy: Any, state: Any, x: Any, w: Any, b: Any
                      ) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        raise NotImplementedError

    def read_backward(self, value: Any, case: LayerCase, state: Any) -> dict[str, Any]:
        """``{"dx": ..., "dw": ..., "db": ...}`` in torch's layout."""
        if self.layer in ("conv2d", "conv_transpose2d"):
            if not isinstance(value, (tuple, list)) or len(value) not in (2, 3):
                _unpack(value, 3, "the backward's result (dx, dw, db)")
            parts = [*value, None][:3]
            return {n: None if v is None else as_array(v, n)
                    for n, v in zip(("dx", "dw", "db"), parts)}
        if isinstance(value, (tuple, list)):
            value = value[0]
        return {"dx": as_array(value, "dx")}

    def call_words(self, case: LayerCase, backward: bool = False) -> str:
        """The call in Python, for diagnostics."""
        return ""


def parameter_named(params: list[str], *names: str) -> str | None:
    lowered = {p.lower(): p for p in params}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


_ALIASES = {
    "stride": ("stride", "strides", "s"),
    "padding": ("padding", "pad", "p"),
    "dilation": ("dilation", "dilations", "d"),
    "groups": ("groups", "g"),
    "output_padding": ("output_padding", "out_padding"),
    "ceil_mode": ("ceil_mode", "ceil"),
    "count_include_pad": ("count_include_pad",),
}


class Functional(Convention):
    """``conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`` and kin."""

    def pair_features(self) -> tuple[str, ...]:
        pool = self.layer in ("max_pool2d", "avg_pool2d")
        return ("stride_hw", "padding_hw") + (("rect_kernel",) if pool else ())

    def _has_bias(self) -> bool:
        if self.layer not in ("conv2d", "conv_transpose2d"):
            return False
        return len(self.params) >= 3 and self.params[2].lower() in ("bias", "b", "biases")

    def _takes_kwargs(self) -> bool:
        try:
            signature = inspect.signature(self.forward)
        except (TypeError, ValueError):
            return True
        return any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())

    def base(self) -> LayerCase:
        base = BASE[self.layer]
        return base.replace(bias=self._has_bias()) if base.layer.startswith("conv") else base

    def _keywords(self, case: LayerCase) -> dict[str, Any]:
        wanted: dict[str, Any] = {"stride": as_pair(case.stride), "padding": as_pair(case.padding)}
        defaults = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "output_padding": 0,
                    "ceil_mode": False, "count_include_pad": True}
        if self.layer in ("conv2d", "conv_transpose2d", "max_pool2d"):
            wanted["dilation"] = as_pair(case.dilation)
        if self.layer in ("conv2d", "conv_transpose2d"):
            wanted["groups"] = case.groups
        if self.layer == "conv_transpose2d":
            wanted["output_padding"] = as_pair(case.output_padding)
        if self.layer in ("max_pool2d", "avg_pool2d"):
            wanted["ceil_mode"] = case.ceil_mode
        if self.layer == "avg_pool2d":
            wanted["count_include_pad"] = case.count_include_pad
        out: dict[str, Any] = {}
        for key, value in wanted.items():
            name = parameter_named(self.params, *_ALIASES[key])
            if name is None and self._takes_kwargs():
                name = key
            if name is None:
                if value != defaults[key]:
                    raise Inexpressible(f"{self.forward.__name__} has no {key} argument")
                continue
            out[name] = value
        return out

    def limit(self, case: LayerCase) -> str | None:
        if case.bias and not self._has_bias() and self.layer.startswith("conv"):
            return f"{self.forward.__name__} has no bias argument"
        try:
            self._keywords(case)
        except Inexpressible as reason:
            return str(reason)
        return None

    def _positional(self, case: LayerCase, x: Any, w: Any, b: Any) -> tuple[Any, ...]:
        if self.layer in ("conv2d", "conv_transpose2d"):
            return (x, w, b) if self._has_bias() else (x, w)
        return (x, as_pair(case.kernel_size))

    def forward_call(self, case, x, w, b):  # type: ignore[no-untyped-def]
        return self.forward, self._positional(case, x, w, b), self._keywords(case)

    def read_forward(self, value: Any, case: LayerCase) -> tuple[np.ndarray, Any]:
        if isinstance(value, tuple) and len(value) == 2 and not np.isscalar(value[1]):
            return as_array(value[0], "the output"), value[1]  # (out, cache), CS231n-like
        return as_array(value, "the output"), None

    def backward_call(self, case, dy, state, x, w, b):  # type: ignore[no-untyped-def]
        return self.backward, (dy, *self._positional(case, x, w, b)), self._keywords(case)

    def call_words(self, case: LayerCase, backward: bool = False) -> str:
        try:
            keywords = self._keywords(case)
        except Inexpressible:
            keywords = {}
        if self.layer in ("conv2d", "conv_transpose2d"):
            positional = ["x", "weight"] + (["bias" if case.bias else "None"]
                                            if self._has_bias() else [])
        else:
            positional = ["x", repr(as_pair(case.kernel_size))]
        if backward:
            positional.insert(0, "dy")
        function = self.backward if backward else self.forward
        words = positional + [f"{k}={v!r}" for k, v in keywords.items()]
        return f"{function.__name__}({', '.join(words)})"


class CS231n(Convention):
    """``conv_forward_naive(x, w, b, conv_param)`` -> ``(out, cache)``; pooling with
    ``pool_param``; ``*_backward_naive(dout, cache)``."""

    name = "cs231n"
    title = "CS231n"
    layers = ("conv2d", "max_pool2d", "avg_pool2d")

    def limit(self, case: LayerCase) -> str | None:
        param = "conv_param" if self.layer == "conv2d" else "pool_param"
        if len(set(case.stride)) > 1:
            return f"{param} has one 'stride' for both axes"
        if self.layer == "conv2d":
            if len(set(case.padding)) > 1:
                return "conv_param has one 'pad' for both axes"
            if any(d > 1 for d in case.dilation):
                return "conv_param has no dilation"
            if case.groups > 1:
                return "conv_param has no groups"
            if not case.bias:
                return "conv_forward_naive always takes a bias b"
            return None
        if any(p > 0 for p in case.padding):
            return "pool_param has no padding"
        if any(d > 1 for d in case.dilation):
            return "pool_param has no dilation"
        if case.ceil_mode:
            return "pool_param has no ceil mode"
        return None

    def forward_call(self, case, x, w, b):  # type: ignore[no-untyped-def]
        if self.layer == "conv2d":
            return self.forward, (x, w, b, {"stride": case.stride[0], "pad": case.padding[0]}), {}
        kh, kw = case.kernel_size
        return self.forward, (x, {"pool_height": kh, "pool_width": kw,
                                  "stride": case.stride[0]}), {}

    def read_forward(self, value: Any, case: LayerCase) -> tuple[np.ndarray, Any]:
        if isinstance(value, tuple):
            out, cache = _unpack(value, 2, f"{self.forward.__name__}'s result (out, cache)")
            return as_array(out, "out"), cache
        return as_array(value, "out"), None

    def backward_call(self, case, dy, state, x, w, b):  # type: ignore[no-untyped-def]
        if state is None:
            raise BadReturn(f"{self.forward.__name__} returned no cache for the backward pass "
                            "(return out, cache)")
        return self.backward, (dy, state), {}

    def call_words(self, case: LayerCase, backward: bool = False) -> str:
        if backward:
            return f"{self.backward.__name__}(dout, cache)"
        if self.layer == "conv2d":
            return (f"{self.forward.__name__}(x, w, b, {{'stride': {case.stride[0]}, "
                    f"'pad': {case.padding[0]}}})")
        kh, kw = case.kernel_size
        return (f"{self.forward.__name__}(x, {{'pool_height': {kh}, 'pool_width': {kw}, "
                f"'stride': {case.stride[0]}}})")


class Coursera(Convention):
    """NHWC: ``conv_forward(A_prev, W, b, hparameters)``, ``W`` ``(f, f, C_in, C_out)``;
    ``pool_forward(A_prev, hparameters, mode)``; ``*_backward(dA, cache[, mode])``."""

    name = "coursera"
    title = "Coursera (NHWC)"
    layers = ("conv2d", "max_pool2d", "avg_pool2d")

    def _mode(self) -> str:
        return "max" if self.layer == "max_pool2d" else "average"

    def limit(self, case: LayerCase) -> str | None:
        if len(set(case.stride)) > 1:
            return "hparameters has one 'stride' for both axes"
        if case.kernel_size[0] != case.kernel_size[1]:
            return ("W is (f, f, C_in, C_out): one f for both axes" if self.layer == "conv2d"
                    else "hparameters has one 'f' for both axes")
        if self.layer == "conv2d":
            if len(set(case.padding)) > 1:
                return "hparameters has one 'pad' for both axes"
            if any(d > 1 for d in case.dilation):
                return "hparameters has no dilation"
            if case.groups > 1:
                return "hparameters has no groups"
            if not case.bias:
                return "conv_forward always takes a bias b"
            return None
        if any(p > 0 for p in case.padding):
            return "hparameters of pool_forward has no padding"
        if any(d > 1 for d in case.dilation):
            return "hparameters has no dilation"
        if case.ceil_mode:
            return "hparameters has no ceil mode"
        return None

    def forward_call(self, case, x, w, b):  # type: ignore[no-untyped-def]
        a_prev = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        if self.layer == "conv2d":
            weights = np.ascontiguousarray(w.transpose(2, 3, 1, 0))
            return self.forward, (a_prev, weights, b.reshape(1, 1, 1, -1),
                                  {"stride": case.stride[0], "pad": case.padding[0]}), {}
        hparameters = {"f": case.kernel_size[0], "stride": case.stride[0]}
        if "mode" in self.params:
            return self.forward, (a_prev, hparameters), {"mode": self._mode()}
        return self.forward, (a_prev, hparameters, self._mode()), {}

    def read_forward(self, value: Any, case: LayerCase) -> tuple[np.ndarray, Any]:
        cache = None
        if isinstance(value, tuple):
            value, cache = _unpack(value, 2, f"{self.forward.__name__}'s result (A, cache)")
        out = as_array(value, "the output")
        if out.ndim != 4:
            raise BadReturn(f"the output has shape {out.shape}, not (m, n_H, n_W, n_C)")
        return out.transpose(0, 3, 1, 2), cache

    def backward_call(self, case, dy, state, x, w, b):  # type: ignore[no-untyped-def]
        if state is None:
            raise BadReturn(f"{self.forward.__name__} returned no cache for the backward pass "
                            "(return A, cache)")
        d_out = np.ascontiguousarray(dy.transpose(0, 2, 3, 1))
        if self.layer == "conv2d":
            return self.backward, (d_out, state), {}
        return self.backward, (d_out, state), {"mode": self._mode()} \
            if "mode" in parameters(self.backward) else {}

    def read_backward(self, value: Any, case: LayerCase, state: Any) -> dict[str, Any]:
        def nchw(array: Any, what: str) -> np.ndarray:
            array = as_array(array, what)
            if array.ndim != 4:
                raise BadReturn(f"{what} has shape {array.shape}, not 4 axes (NHWC)")
            return array.transpose(0, 3, 1, 2)

        if self.layer == "conv2d":
            d_a, d_w, d_b = _unpack(value, 3, f"{self.backward.__name__}'s result "
                                              "(dA_prev, dW, db)")
            d_w = as_array(d_w, "dW")
            if d_w.ndim != 4:
                raise BadReturn(f"dW has shape {d_w.shape}, not (f, f, C_in, C_out)")
            return {"dx": nchw(d_a, "dA_prev"), "dw": d_w.transpose(3, 2, 0, 1),
                    "db": as_array(d_b, "db").reshape(-1)}
        return {"dx": nchw(value, "dA_prev")}

    def call_words(self, case: LayerCase, backward: bool = False) -> str:
        if backward:
            mode = f", mode={self._mode()!r}" if self.layer != "conv2d" else ""
            return f"{self.backward.__name__}(dA, cache{mode})"
        if self.layer == "conv2d":
            return (f"{self.forward.__name__}(A_prev, W, b, {{'stride': {case.stride[0]}, "
                    f"'pad': {case.padding[0]}}})")
        return (f"{self.forward.__name__}(A_prev, {{'f': {case.kernel_size[0]}, 'stride': "
                f"{case.stride[0]}}}, mode={self._mode()!r})")


class D2L(Convention):
    """``corr2d(X, K)`` and ``pool2d(X, pool_size, mode)``: one 2-D image, stride 1;
    ``corr2d_multi_in_out(X, K)``: ``X`` of ``(C_in, H, W)``, ``K`` of ``(C_out, C_in, h, w)``."""

    name = "d2l"
    title = "d2l"
    layers = ("conv2d", "max_pool2d", "avg_pool2d")

    def _channels(self) -> bool:
        return self.layer == "conv2d" and self.forward.__name__.endswith("multi_in_out")

    def base(self) -> LayerCase:
        return BASE[self.layer].replace(bias=False)

    def limit(self, case: LayerCase) -> str | None:
        function = self.forward.__name__
        if self._channels():
            if case.input_shape[0] != 1:
                return f"{function} takes one image (no batch)"
        elif case.input_shape[:2] != (1, 1) or (self.layer == "conv2d"
                                                and case.out_channels > 1):
            return f"{function} takes one 2-D image (no batch, no channels)"
        if any(s > 1 for s in case.stride):
            return f"{function} has no stride (it is 1)"
        if any(p > 0 for p in case.padding):
            return f"{function} has no padding"
        if any(d > 1 for d in case.dilation):
            return f"{function} has no dilation"
        if case.groups > 1:
            return f"{function} has no groups"
        if case.bias:
            return f"{function} has no bias"
        if case.ceil_mode:
            return f"{function} has no ceil mode"
        return None

    def forward_call(self, case, x, w, b):  # type: ignore[no-untyped-def]
        if self._channels():
            return self.forward, (x[0].copy(), w.copy()), {}
        if self.layer == "conv2d":
            return self.forward, (x[0, 0].copy(), w[0, 0].copy()), {}
        mode = "max" if self.layer == "max_pool2d" else "avg"
        return self.forward, (x[0, 0].copy(), tuple(case.kernel_size)), {"mode": mode}

    def read_forward(self, value: Any, case: LayerCase) -> tuple[np.ndarray, Any]:
        out = as_array(value, "Y")
        axes = 3 if self._channels() else 2
        if out.ndim != axes:
            raise BadReturn(f"Y has shape {out.shape}, not a {axes}-D array")
        return (out[None] if axes == 3 else out[None, None]), None

    def backward_call(self, case, dy, state, x, w, b):  # type: ignore[no-untyped-def]
        raise Inexpressible("the d2l convention has no backward function")

    def call_words(self, case: LayerCase, backward: bool = False) -> str:
        if self.layer == "conv2d":
            return f"{self.forward.__name__}(X, K)"
        mode = "max" if self.layer == "max_pool2d" else "avg"
        return f"{self.forward.__name__}(X, {tuple(case.kernel_size)}, mode={mode!r})"


def backward_name(name: str) -> tuple[str, ...]:
    """Names a forward's backward usually has (``conv_forward_naive`` ->
    ``conv_backward_naive``, ``conv2d`` -> ``conv2d_backward``).

    >>> backward_name("conv_forward_naive")
    ('conv_backward_naive',)
    >>> backward_name("my_conv2d")[:2]
    ('my_conv2d_backward', 'my_conv2d_grad')
    """
    if "forward" in name:
        return (name.replace("forward", "backward"),)
    return (f"{name}_backward", f"{name}_grad", f"{name}_bwd", f"backward_{name}")
