"""Shape tables of any ``torch.nn.Module``: traced on the meta device with forward hooks.

The model runs once on a ``meta`` tensor: torch computes every shape, and nothing holds
weights or activations, so a 2048x2048 input costs no more memory than 224x224. Every leaf
module (a module without children) gives one record, in call order; residual blocks and
other branching models work, and the receptive field is followed until the first branch.
Leaves convarith knows (convolutions, pooling, linear, norms, activations, ...) become layer
specs, so their MACs, geometry and receptive field come from the formula core, and their
shapes and parameters are checked against torch's (``Traced.mismatches``).

>>> import torch.nn as nn
>>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
>>> traced = trace(net, (3, 32, 32))
>>> [(r.name, r.output_shape) for r in traced.records]
[('0', (8, 32, 32)), ('1', (8, 32, 32)), ('2', (8, 16, 16))]
>>> traced.mismatches
[]
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from convarith.errors import ConvArithError
from convarith.formulas.counting import activation_bytes
from convarith.formulas.notation import show_size
from convarith.specs import layers as L
from convarith.specs.layers import Shape
from convarith.specs.records import Record, spec_record


@dataclass(frozen=True)
class Traced:
    """What a trace saw: the input shape, one record per leaf call, any disagreement between
    a known leaf's spec and torch (``mismatches``, one line each), and whether the leaves
    form one chain (``chain``: no branches)."""

    input_shape: Shape
    records: list[Record]
    mismatches: list[str]
    chain: bool = True
    footnotes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- loading


def load(target: str, **options: Any) -> nn.Module:
    """``path/to/file.py:Name`` or ``package.module:name``: a module instance, a module
    class or a factory (called with ``options``; built on the meta device, so a large model
    costs no memory). ``torchvision:resnet18`` works when torchvision is installed.
    """
    where, _, attribute = target.rpartition(":")
    if not where or not attribute:
        raise ConvArithError(
            f"Error loading {target!r}: write FILE.py:NAME or package.module:NAME, "
            "e.g. models.py:Net or torchvision:resnet18."
        )
    if where == "torchvision":
        where = "torchvision.models"  # torchvision:resnet18 means torchvision.models.resnet18
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise ConvArithError(
                f"Error loading {target!r}: the file {where} does not exist. "
                "Check the path (relative to the current folder)."
            )
        name = f"convarith_user_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look the module up
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as error:
            raise ConvArithError(
                f"Error loading {target!r}: cannot import {where} ({error}). "
                f"Install it, or give a file: path/to/file.py:{attribute}."
            ) from None
    if not hasattr(module, attribute):
        found = sorted(n for n, v in vars(module).items()
                       if not n.startswith("_") and (isinstance(v, nn.Module) or
                                                     (inspect.isclass(v) and
                                                      issubclass(v, nn.Module))))
        raise ConvArithError(
            f"Error loading {target!r}: {where} has no {attribute!r}. "
            f"Modules there: {', '.join(found) or 'none'}."
        )
    value = getattr(module, attribute)
    if isinstance(value, nn.Module):
        return value
    if not callable(value):
        raise ConvArithError(
            f"Error loading {target!r}: {attribute} is a {type(value).__name__}, not a module, "
            "a module class or a function returning one."
        )
    with torch.device("meta"):
        built = value(**options)
    if not isinstance(built, nn.Module):
        raise ConvArithError(
            f"Error loading {target!r}: calling {attribute} gave a {type(built).__name__}, "
            "not a torch.nn.Module. Point to a module class or a factory."
        )
    return built


def _meta_copy(model: nn.Module) -> nn.Module:
    """The model with every parameter and buffer on the meta device, without copying data."""
    memo: dict[int, Any] = {}
    for tensor in [*model.parameters(), *model.buffers()]:
        if tensor.device.type == "meta":
            continue
        empty = torch.empty_like(tensor, device="meta")
        memo[id(tensor)] = (nn.Parameter(empty, requires_grad=tensor.requires_grad)
                            if isinstance(tensor, nn.Parameter) else empty)
    return copy.deepcopy(model, memo) if memo else model


# --------------------------------------------------------------------------- known leaves


def _pair_or_int(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return tuple(value) if len(set(value)) > 1 else value[0]
    return value


def spec_of(module: nn.Module) -> L.Layer | None:
    """The layer spec equivalent to a torch leaf module, when convarith knows its kind."""
    from convarith.bridges import torch_modules as T

    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
    if isinstance(module, conv) and module.padding_mode == "zeros":
        return L.Conv(module.out_channels, _pair_or_int(module.kernel_size),
                      stride=_pair_or_int(module.stride), padding=_pair_or_int(module.padding),
                      dilation=_pair_or_int(module.dilation), groups=module.groups,
                      bias=module.bias is not None)
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return L.ConvTranspose(module.out_channels, _pair_or_int(module.kernel_size),
                               stride=_pair_or_int(module.stride),
                               padding=_pair_or_int(module.padding),
                               output_padding=_pair_or_int(module.output_padding),
                               dilation=_pair_or_int(module.dilation), groups=module.groups,
                               bias=module.bias is not None)
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
        return L.MaxPool(_pair_or_int(module.kernel_size), stride=_pair_or_int(module.stride),
                         padding=_pair_or_int(module.padding),
                         dilation=_pair_or_int(module.dilation), ceil_mode=module.ceil_mode)
    if isinstance(module, (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)):
        return L.AvgPool(_pair_or_int(module.kernel_size), stride=_pair_or_int(module.stride),
                         padding=_pair_or_int(module.padding), ceil_mode=module.ceil_mode)
    if isinstance(module, (nn.LPPool1d, nn.LPPool2d, nn.LPPool3d)):
        return L.LPPool(module.norm_type, _pair_or_int(module.kernel_size),
                        stride=_pair_or_int(module.stride), ceil_mode=module.ceil_mode)
    if isinstance(module, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)):
        size = module.output_size
        if size is None or (isinstance(size, (tuple, list)) and None in size):
            return None
        return L.AdaptiveAvgPool(_pair_or_int(size))
    if isinstance(module, nn.Linear):
        return L.Linear(module.out_features, bias=module.bias is not None)
    if isinstance(module, nn.Flatten) and module.start_dim == 1 and module.end_dim == -1:
        return L.Flatten()
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
        if not module.track_running_stats:
            return None
        return L.BatchNorm(eps=module.eps, momentum=module.momentum, affine=module.affine)
    if isinstance(module, nn.LocalResponseNorm):
        return L.LocalResponseNorm(module.size, module.alpha / module.size, module.beta,
                                   module.k)
    if isinstance(module, (nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)):
        return L.SpatialDropout(module.p)
    simple = {nn.ReLU: L.ReLU, nn.Tanh: L.Tanh, nn.Sigmoid: L.Sigmoid, nn.Dropout: L.Dropout,
              T.GlobalAvgPool: L.GlobalAvgPool}
    for cls, spec in simple.items():
        if type(module) is cls:
            return spec(module.p) if cls is nn.Dropout else spec()
    if isinstance(module, T.ScaledTanh):
        return L.ScaledTanh()
    if isinstance(module, T.Subsampling2d):
        return L.Subsampling(module.kernel_size)
    if isinstance(module, T.PartialConv2d):
        return L.PartialConv(module.table, module.kernel_size, stride=module.stride,
                             padding=module.padding)
    if isinstance(module, T.RBFOutput):
        return L.RBFOutput(module.prototypes.shape[0])
    return None


# --------------------------------------------------------------------------- tracing


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()))
    return None



def trace(model: nn.Module, input_shape: Shape, *, dtype: str = "float32",
          batch: int = 1) -> Traced:
    """Run ``model`` once on a meta tensor of ``(batch, *input_shape)`` and record every
    leaf call (see the module doc)."""
    input_shape = tuple(int(x) for x in input_shape)
    meta = _meta_copy(model)
    calls: list[tuple[str, nn.Module, torch.Tensor, torch.Tensor]] = []

    def hook(name: str):
        def record(module: nn.Module, args: Any, output: Any) -> None:
            x, y = _first_tensor(args), _first_tensor(output)
            if x is not None and y is not None:
                calls.append((name, module, x, y))
        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in meta.named_modules()
               if not list(m.children())]
    x = torch.empty(batch, *input_shape, device="meta")
    was_training = meta.training
    meta.eval()
    try:
        with torch.no_grad():
            meta(x)
    except (RuntimeError, ValueError, TypeError) as error:
        last = f" after {calls[-1][0]} gave {show_size(tuple(calls[-1][3].shape[1:]))}" if calls \
            else ""
        raise ConvArithError(
            f"Error tracing {type(model).__name__} with input {show_size(input_shape)}{last}: "
            f"{' '.join(str(error).split())}. Check the input shape (C x H x W)."
        ) from None
    finally:
        for handle in handles:
            handle.remove()
        meta.train(was_training)

    records, mismatches = [], []
    previous: torch.Tensor | None = x
    branched = False
    for name, module, tin, tout in calls:
        i, o = tuple(tin.shape[1:]), tuple(tout.shape[1:])
        params = sum(p.numel() for p in module.parameters() if p.requires_grad)
        buffers = sum(b.numel() for b in module.buffers())
        # an input that is not the last leaf's output: a branch, a merge, or an operation
        # in forward(); the receptive-field recurrence stops there
        linked = tin is previous
        branched = branched or (not linked and len(i) >= 2)
        previous = tout
        spec = spec_of(module)
        record = None
        if spec is not None:
            try:
                expected = spec.output_shape(i)
                record = spec_record(spec, i, o, dtype=dtype, batch=batch, name=name)
            except ConvArithError as error:
                mismatches.append(f"{name}: convarith rejects input {show_size(i)} that torch "
                                  f"accepts: {error}")
            else:
                if expected != o:
                    mismatches.append(f"{name}: torch gives {show_size(o)}, convarith "
                                      f"{show_size(expected)}")
                if (params, buffers) != (record.params, record.buffers):
                    mismatches.append(f"{name}: torch has {params:,} parameters and "
                                      f"{buffers:,} buffers, convarith {record.params:,} and "
                                      f"{record.buffers:,}")
        if record is None:
            effect = "pointwise" if i == o else "global"
            record = Record(name=name, kind=type(module).__name__,
                            describe=type(module).__name__, input_shape=i, output_shape=o,
                            params=params, buffers=buffers,
                            memory=activation_bytes(o, dtype=dtype, batch=batch),
                            rf_effect=effect)
        if branched or not linked:
            record = replace(record, rf_effect="global")
        records.append(record)
    footnotes = ("Traced on the meta device: leaf modules in call order; operations written "
                 "in forward() (x + y, torch.flatten) have no row.",)
    if branched:
        footnotes += ("The model branches (e.g. residual connections): the receptive field "
                      "is shown up to the first branch.",)
    return Traced(input_shape, records, mismatches, not branched, footnotes)
