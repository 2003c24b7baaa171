"""PyTorch, the reference implementation: the real module of a LayerCase, run in float64.

torch is the judge of every check in :mod:`convarith.verify`. The module is the one the spec
maps to (:func:`convarith.bridges.torch.to_torch`, the mapping tables and ``convarith table``
use too), so verify writes no torch construction of its own; a function's record
(:data:`~convarith.bridges.verify.cases.FUNCTIONAL`) gives its own. Shapes come from the
module run on a tiny CPU tensor (the meta device is not used as the judge: in torch 2.13 it
accepts ``ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)``, which the CPU kernels
reject); values and gradients from the same module with the case's weights put in, in float64.

>>> from convarith.verify.cases import LayerCase
>>> torch_shape(LayerCase("max_pool2d", (1, 1, 5, 5), kernel_size=(2, 2), stride=(2, 2),
...                       padding=(1, 1), ceil_mode=True))
(1, 1, 3, 3)
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from convarith.bridges.torch import to_torch
from convarith.bridges.verify.cases import LayerCase

#: What torch raises for a configuration it rejects.
TORCH_REJECTS = (RuntimeError, ValueError)


def torch_module(case: LayerCase) -> nn.Module:
    """The ``torch.nn`` module of the case, in float64 (asymmetric padding: a pad, then the
    layer, as :func:`~convarith.bridges.torch.to_torch` builds it)."""
    make = getattr(case.spec, "torch_module", None)
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # made in float64, not made then converted
    try:
        return make() if make is not None else to_torch(case.spec, case.input_shape[1:])
    finally:
        torch.set_default_dtype(default)


def _module(case: LayerCase) -> nn.Module:
    """The case's module, made once for its shape check and its value check (never changed:
    the values go in through ``functional_call``)."""
    try:
        hash(case)
    except TypeError:  # a spec holding a list
        return torch_module(case)
    return _cached_module(case)


@lru_cache(maxsize=64)
def _cached_module(case: LayerCase) -> nn.Module:
    return torch_module(case)


def torch_shape(case: LayerCase) -> tuple[int, ...]:
    """The output shape of the real torch module on a zero input (raises where torch rejects)."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # e.g. "Initializing zero-element tensors is a no-op"
        x = torch.zeros(case.input_shape, dtype=torch.float64)
        if hasattr(case.spec, "torch_call"):
            return tuple(case.spec.torch_call(x, _zero_targets(case), None).shape)
        return tuple(_module(case)(x).shape)


def _zero_targets(case: LayerCase) -> Any:
    return torch.zeros(case.input_shape[0], dtype=torch.int64)


def torch_forward(case: LayerCase, x: Any, weight: Any = None, bias: Any = None) -> Any:
    """The module applied to tensors (or arrays, turned into float64 tensors), with ``weight``
    and ``bias`` as its parameters; for "cross_entropy", ``weight`` holds the class targets.
    Gradients flow into the tensors given."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "padding='same' with even kernel lengths ..."
        x, weight, bias = _tensor(x), _tensor(weight), _tensor(bias)
        if hasattr(case.spec, "torch_call"):
            return case.spec.torch_call(x, weight, bias)
        module = _module(case)
        given = {"weight": weight, "bias": bias}
        parameters = {name: given[name.rsplit(".", 1)[-1]]
                      for name, _ in module.named_parameters()}
        return torch.func.functional_call(module, parameters, (x,))


def _tensor(value: Any) -> Any:
    if value is None or isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    return torch.from_numpy(array.astype(np.int64 if array.dtype.kind in "iu" else np.float64))
