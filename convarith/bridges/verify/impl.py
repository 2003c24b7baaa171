"""Check a user's own layer function against torch: ``convarith verify --impl TARGET``.

``TARGET`` is ``module:function`` (importable) or ``path/to/file.py:function``. The function
takes numpy arrays and returns one, with the arguments of ``torch.nn.functional``:

* ``conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)``
* ``conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
  dilation=1)``
* ``max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)``
* ``avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False,
  count_include_pad=True)``

``x`` is ``(N, C, H, W)`` float64; conv2d's weight is ``(C_out, C_in/groups, kh, kw)`` and
conv_transpose2d's ``(C_in, C_out/groups, kh, kw)``; bias is ``(C_out,)`` or None. Sizes,
strides, paddings and dilations come as an int when both axes agree and as an ``(h, w)``
pair when they differ. The cases include uneven divisions, non-square inputs and kernels,
groups, dilation, ceil mode and padding at the limit.

A function that raises, or returns something that is not an array of the right shape, is
reported like any other mismatch, in words.

>>> from convarith.scratch.conv import conv2d
>>> from convarith.verify.cases import LayerCase
>>> check_impl(conv2d, LayerCase("conv2d", (1, 3, 7, 7), kernel_size=(3, 3), stride=(2, 2),
...                              padding=(1, 1), out_channels=4))
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.checks import Mismatch, case_arrays
from convarith.bridges.verify.strategies import layer_cases
from convarith.choices import IMPL_LAYERS
from convarith.errors import ConvArithError

#: A user's float64 arithmetic may sum in another order than torch's: a looser tolerance.
IMPL_RTOL = 1e-6
IMPL_ATOL = 1e-6


def load_impl(target: str) -> Callable[..., Any]:
    """The function named by ``module:function`` or ``path/file.py:function``."""
    where, sep, name = target.rpartition(":")
    context = f"Error loading the implementation {target!r}"
    if not sep or not where or not name:
        raise ConvArithError(
            f"{context}: it does not name a function. Write module:function or "
            "path/to/file.py:function, e.g. mylayers:conv2d."
        )
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where)
        if not path.is_file():
            raise ConvArithError(f"{context}: the file {where} does not exist. Check the path.")
        module_name = f"_convarith_impl_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ConvArithError(f"{context}: {where} cannot be loaded as Python. "
                                 "Give a .py file.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        sys.path.insert(0, str(path.resolve().parent))  # let the file import its neighbours
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # the user's file may fail in any way
            raise ConvArithError(f"{context}: importing {where} raised "
                                 f"{type(error).__name__}: {error}. Fix the file.") from None
        finally:
            sys.path.remove(str(path.resolve().parent))
    else:
        try:
            module = importlib.import_module(where)
        except Exception as error:
            raise ConvArithError(f"{context}: importing {where} raised {type(error).__name__}: "
                                 f"{error}. Check the module name and PYTHONPATH.") from None
    function = getattr(module, name, None)
    if function is None:
        raise ConvArithError(f"{context}: {where} has no {name}. Check the function's name.")
    if not callable(function):
        raise ConvArithError(f"{context}: {name} in {where} is a {type(function).__name__}, "
                             "not a function.")
    return function


def _pair(values: tuple[int, ...] | None) -> Any:
    """An int when both axes agree, else the ``(h, w)`` pair."""
    if values is None:
        return None
    return values[0] if len(set(values)) == 1 else tuple(values)


def impl_arguments(case: LayerCase) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The positional arrays and keyword arguments the user's function is called with."""
    x, weight, bias = case_arrays(case)
    if case.family == "conv":
        return (x, weight, bias), {"stride": _pair(case.stride), "padding": _pair(case.padding),
                                   "dilation": _pair(case.dilation), "groups": case.groups}
    if case.family == "conv_transpose":
        return (x, weight, bias), {"stride": _pair(case.stride), "padding": _pair(case.padding),
                                   "output_padding": _pair(case.output_padding),
                                   "groups": case.groups, "dilation": _pair(case.dilation)}
    if case.family == "max_pool":
        return (x, _pair(case.kernel_size)), {"stride": _pair(case.stride),
                                              "padding": _pair(case.padding),
                                              "dilation": _pair(case.dilation),
                                              "ceil_mode": case.ceil_mode}
    return (x, _pair(case.kernel_size)), {"stride": _pair(case.stride),
                                          "padding": _pair(case.padding),
                                          "ceil_mode": case.ceil_mode,
                                          "count_include_pad": case.count_include_pad}


def describe_call(case: LayerCase) -> str:
    """The call in Python, e.g. ``conv2d(x, weight, bias, stride=2, padding=1, ...)``."""
    args, kwargs = impl_arguments(case)
    positional = ["x", "weight", "bias" if args[2] is not None else "None"] \
        if case.family in ("conv", "conv_transpose") else ["x", repr(args[1])]
    words = positional + [f"{key}={value!r}" for key, value in kwargs.items()]
    return f"{case.layer}({', '.join(words)})"


def check_impl(function: Callable[..., Any], case: LayerCase) -> None:
    """Raise Mismatch (in words) when ``function`` disagrees with torch on ``case``."""
    from convarith.bridges.verify.reference import torch_forward

    args, kwargs = impl_arguments(case)
    x, weight, bias = case_arrays(case)
    want = torch_forward(case, x, weight, bias).detach().numpy()
    name = getattr(function, "__name__", "function")
    try:
        got = function(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in args), **kwargs)
    except Exception as error:  # the user's code may fail in any way: report, do not crash
        message = " ".join(str(error).split())[:200]
        raise Mismatch(case, f"your {name} raised {type(error).__name__}: {message} "
                             f"(called as {describe_call(case)})") from None
    if not isinstance(got, np.ndarray):
        raise Mismatch(case, f"your {name} returned a {type(got).__module__}."
                             f"{type(got).__qualname__}, not a numpy array")
    if got.shape != want.shape:
        raise Mismatch(case, f"your {name} returned shape {got.shape}; torch gives {want.shape}")
    if got.dtype.kind not in "fiu":
        raise Mismatch(case, f"your {name} returned an array of dtype {got.dtype}, not numbers")
    close = np.isclose(got, want, rtol=IMPL_RTOL, atol=IMPL_ATOL)
    if not close.all():
        index = tuple(int(v) for v in np.argwhere(~close)[0])
        raise Mismatch(case, f"your {name} returned the right shape {got.shape} but its value "
                             f"at {index} is {got[index]:.6g} where torch gives "
                             f"{want[index]:.6g} ({int((~close).sum())} of {close.size} values "
                             f"differ)")


def impl_cases(layer: str) -> st.SearchStrategy[LayerCase]:
    """Valid cases for a user's ``layer`` (padding as an int or a pair, as documented)."""
    if layer not in IMPL_LAYERS:
        raise ConvArithError(
            f"Error checking an implementation: layer {layer!r} cannot be checked with --impl. "
            f"Use one of {', '.join(IMPL_LAYERS)}."
        )
    return layer_cases(layer, padding_forms=("int", "axes"))
