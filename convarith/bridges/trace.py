"""Shape tables of any ``torch.nn.Module``, read from the operators of one forward pass.

The model runs once on the meta device (:mod:`convarith.dataflow`: every ATen operator with
its tensors and module scope), so a 2048x2048 input costs no more memory than 224x224.
Rows are the leaf module calls in call order (or the modules at ``depth``) plus the
functional operators outside them that change a shape or mix tensors (``x + y``,
``torch.cat``, ``F.max_pool2d``, ``F.interpolate``, ``x @ w``, ``torch.flatten``);
element-wise functions (``F.relu``) fold into the row before them. From the same graph:

* **parameters and buffers**, each tensor counted once: in the row of the module that holds
  it, else in the first row whose operators use it (tied weights, a module called six times,
  a ``ParameterList``, a raw ``nn.Parameter`` of a non-leaf module or of the model itself);
  what no operator used gets a row of its own (``not run``); frozen ones are also counted
  apart (``frozen``);
* **MACs** of every convolution and matrix product, functional or not, from the formula
  layer (one multiply-accumulate per weight use: ``FlopCounterMode`` / 2);
* **receptive fields** through the whole graph: per tensor and axis the interval of input
  cells each unit sees (:class:`convarith.receptive.Field`), unions at merges.

>>> import torch.nn as nn
>>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
>>> traced = trace(net, (3, 32, 32))
>>> [(r.name, r.output_shape, r.rf) for r in traced.records]
[('0', (8, 32, 32), (3, 3)), ('1', (8, 32, 32), (3, 3)), ('2', (8, 16, 16), (4, 4))]
>>> traced.mismatches
[]
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import torch
from torch import nn

from convarith.bridges.dataflow import Graph, Op, meta_copy, record
from convarith.bridges.torch import spec_of
from convarith.choices import DTYPE_BYTES, TRACE_DEVICES, TRACE_MODES
from convarith.errors import ConvArithError
from convarith.formulas.counting import activation_bytes, matmul_macs
from convarith.formulas.receptive import Field, misalignment, union
from convarith.specs import layers as L
from convarith.specs.layers import Shape
from convarith.specs.records import Record


@dataclass(frozen=True)
class Input:
    """One model input: a shape without the batch, a dtype, and a name (keyword inputs)."""

    shape: Shape
    dtype: str = "float32"
    name: str = ""

    def show(self) -> str:
        text = "x".join(str(x) for x in self.shape) or "scalar"
        return text if self.dtype == "float32" else f"{text}:{self.dtype}"


@dataclass(frozen=True)
class Traced:
    """What a trace saw: the inputs, one record per row, any disagreement between a known
    module's spec and torch (``mismatches``, one line each), and the graph itself."""

    inputs: tuple[Input, ...]
    records: list[Record]
    mismatches: list[str]
    footnotes: tuple[str, ...] = ()
    graph: Graph | None = field(default=None, repr=False)
    params: int = 0  # unique parameters of the traced model
    buffers: int = 0
    outputs: tuple[int | None, ...] = ()  # each record's output node in ``graph``

    @property
    def input_shape(self) -> Shape:
        return self.inputs[0].shape if self.inputs else ()


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


# --------------------------------------------------------------------------- inputs


def parse_input(value: Any, *, name: str = "") -> Input | torch.Tensor:
    """``"3x224x224"``, ``"16:int64"``, ``(3, 224, 224)``, ``10`` or an example tensor.

    >>> parse_input("16:int64")
    Input(shape=(16,), dtype='int64', name='')
    """
    if isinstance(value, (Input, torch.Tensor)):
        return value
    dtype = "float32"
    if isinstance(value, str):
        text, _, dtype = value.partition(":")
        dtype = dtype or "float32"
        try:
            value = tuple(int(x) for x in text.lower().split("x")) if text else ()
        except ValueError:
            raise ConvArithError(
                f"Error reading the input {value!r}: sizes are whole numbers joined by x. "
                "Write e.g. 3x224x224, 10 or 16:int64."
            ) from None
    if isinstance(value, int):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(isinstance(x, int) and x >= 1
                                                       for x in value):
        raise ConvArithError(
            f"Error reading the input {value!r}: give a shape without the batch (3x224x224 "
            "or (3, 224, 224)), optionally with a dtype (16:int64), or an example tensor."
        )
    if dtype not in DTYPE_BYTES:
        raise ConvArithError(
            f"Error reading the input {value!r}: dtype {dtype!r} is not known. "
            f"Use one of {', '.join(DTYPE_BYTES)}."
        )
    return Input(tuple(value), dtype, name)


def parse_inputs(input: Any) -> tuple[list[Input | torch.Tensor], dict[str, Input | torch.Tensor]]:
    """Positional and keyword inputs from what ``table``/``trace`` accept: one shape, one
    tensor, a list of them, or a dict of keyword inputs."""
    if input is None:
        raise ConvArithError(
            "Error tracing a module: no input. Give one, e.g. input=(3, 224, 224) or "
            "--input 3x224x224 (repeat --input for several inputs)."
        )
    if isinstance(input, dict):
        return [], {k: parse_input(v, name=k) for k, v in input.items()}
    several = isinstance(input, list) or (
        isinstance(input, tuple) and input and not all(isinstance(x, int) for x in input))
    items = list(input) if several else [input]
    return [parse_input(v) for v in items], {}


def _example(item: Input | torch.Tensor, *, batch: int, device: str) -> torch.Tensor:
    if isinstance(item, torch.Tensor):
        return item.to("meta") if device == "meta" else item
    dtype = getattr(torch, item.dtype)
    shape = (batch, *item.shape)
    if device == "meta":
        return torch.empty(shape, dtype=dtype, device="meta")
    generator = torch.Generator().manual_seed(0)
    if dtype.is_floating_point:
        return torch.randn(shape, generator=generator).to(dtype)
    return torch.zeros(shape, dtype=dtype)  # index 0 is valid for every embedding


def _described(item: Input | torch.Tensor, name: str = "") -> Input:
    if isinstance(item, torch.Tensor):
        return Input(tuple(item.shape[1:]), str(item.dtype).removeprefix("torch."), name)
    return Input(item.shape, item.dtype, name or item.name)


# --------------------------------------------------------------------------- operators


_CONV = "convolution"
_MAX_POOLS = {"max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
              "max_pool2d_with_indices", "max_pool3d_with_indices"}
_AVG_POOLS = {"avg_pool1d", "avg_pool2d", "avg_pool3d"}
_PADS = {"constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d",
         "replication_pad1d", "replication_pad2d", "replication_pad3d", "_pad_circular"}
_UPSAMPLES = {"upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
              "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d"}
_MATMULS = {"mm", "addmm", "bmm", "baddbmm"}
_REDUCTIONS = {"mean", "sum", "amax", "amin", "max", "min", "var", "std", "logsumexp"}
_VIEWS = {"view", "_unsafe_view", "reshape", "expand", "alias", "clone", "contiguous",
          "detach", "_to_copy", "squeeze", "unsqueeze", "flatten", "lift_fresh", "copy"}
_POINTWISE = {"native_batch_norm", "_native_batch_norm_legit",
              "_native_batch_norm_legit_no_training", "native_dropout", "native_layer_norm",
              "native_group_norm", "_softmax", "_log_softmax", "dropout", "feature_dropout",
              "bernoulli", "clamp", "where", "masked_fill", "fill", "zero", "copy_"}


def _per_axis(value: Any, dims: int) -> tuple[int, ...]:
    value = list(value) if isinstance(value, (tuple, list)) else [value]
    return tuple(value * dims) if len(value) == 1 else tuple(value)


def op_spec(op: Op, graph: Graph) -> L.Layer | None:
    """The layer spec of a convolution or pooling operator, from its arguments."""
    name, args = op.name, op.args
    if name == _CONV:
        x, w = args[0], args[1]
        dims = x.dim() - 2
        stride, padding, dilation = (_per_axis(a, dims) for a in args[3:6])
        kernel = tuple(w.shape[2:])
        if args[6]:  # transposed: weight is (C_in, C_out / groups, *k)
            return L.ConvTranspose(w.shape[1] * args[8], _one(kernel), stride=_one(stride),
                                   padding=_one(padding),
                                   output_padding=_one(_per_axis(args[7], dims)),
                                   dilation=_one(dilation), groups=args[8],
                                   bias=args[2] is not None)
        return L.Conv(w.shape[0], _one(kernel), stride=_one(stride), padding=_one(padding),
                      dilation=_one(dilation), groups=args[8], bias=args[2] is not None)
    if name in _MAX_POOLS or name in _AVG_POOLS:
        dims = args[0].dim() - 2
        values = list(args[1:]) + [None] * 6
        kernel = _per_axis(values[0], dims)
        stride = _per_axis(values[1] or kernel, dims)
        padding = _per_axis(values[2] if values[2] is not None else 0, dims)
        if name in _MAX_POOLS:
            dilation = _per_axis(values[3] if values[3] is not None else 1, dims)
            return L.MaxPool(_one(kernel), stride=_one(stride), padding=_one(padding),
                             dilation=_one(dilation), ceil_mode=bool(values[4]))
        return L.AvgPool(_one(kernel), stride=_one(stride), padding=_one(padding),
                         ceil_mode=bool(values[3]))
    return None


def _one(values: tuple[int, ...]) -> Any:
    return values[0] if len(set(values)) == 1 else tuple(values)


def op_macs(op: Op) -> int:
    """Multiply-accumulates of one operator on the whole batch (0 for most operators):
    convolutions by the formula layer, matrix products as ``m x k x n``."""
    name, args = op.name, op.args
    if name == _CONV:
        spec = op_spec(op, None)  # type: ignore[arg-type]
        x = args[0]
        per_image = spec.macs(tuple(x.shape[1:]))  # type: ignore[union-attr]
        return x.shape[0] * per_image
    if name in _MATMULS:
        a, b = (args[1], args[2]) if name in ("addmm", "baddbmm") else (args[0], args[1])
        if a.dim() == 3:
            return matmul_macs(a.shape[1], a.shape[2], b.shape[2], batch=a.shape[0])
        return matmul_macs(a.shape[0], a.shape[1], b.shape[1])
    return 0


# --------------------------------------------------------------------------- receptive fields


@dataclass(frozen=True)
class _RF:
    """A tensor's receptive field: the input it comes from and a Field per tensor axis."""

    source: int
    axes: tuple[tuple[int, Field], ...]

    def get(self) -> dict[int, Field]:
        return dict(self.axes)


def _make_rf(source: int, axes: dict[int, Field]) -> _RF:
    return _RF(source, tuple(sorted(axes.items())))


def _moved(rf: _RF, old: tuple[int, ...], new: tuple[int, ...]) -> _RF | None:
    """Carry a field through a view: the tracked axes must lie in a common suffix (or
    prefix) of the two shapes."""
    axes = rf.get()
    for side in ("suffix", "prefix"):
        moved = {}
        for dim, f in axes.items():
            if side == "suffix":
                back = len(old) - dim
                if back > len(new) or old[dim:] != new[len(new) - back:]:
                    break
                moved[len(new) - back] = f
            else:
                if dim >= len(new) or old[:dim + 1] != new[:dim + 1]:
                    break
                moved[dim] = f
        else:
            return _make_rf(rf.source, moved)
    return None


def receptive_fields(graph: Graph) -> tuple[dict[int, _RF | None], dict[int, str]]:
    """The receptive field of every data node (None: unknown or global), and one note per
    merge whose paths disagree about the centre."""
    rf: dict[int, _RF | None] = {}
    notes: dict[int, str] = {}
    for source, (_, index) in enumerate(graph.inputs):
        node = graph.nodes[index]
        if len(node.shape) >= 3 and node.dtype.is_floating_point:
            rf[index] = _make_rf(source, {d: Field() for d in range(2, len(node.shape))})
        else:
            rf[index] = None
    circular = {g.outputs[0]: g.circular for g in graph.groups if g.circular and g.outputs}
    for op in graph.ops:
        if not op.data:
            continue
        result = _through(op, graph, rf, notes)
        for out in op.outputs:
            rf[out] = result
            if out in circular:  # one pad, not the slices torch writes it as
                source, pad = circular[out]
                before = rf.get(source)
                rank = len(graph.nodes[source].shape)
                lefts = {rank - 1 - i // 2: pad[i] for i in range(0, len(pad), 2)}
                rf[out] = None if before is None else _make_rf(
                    before.source, {d: f.window(1, p=lefts.get(d, 0))
                                    for d, f in before.get().items()})
    return rf, notes


def _through(op: Op, graph: Graph, rf: dict[int, _RF | None], notes: dict[int, str]
             ) -> _RF | None:
    nodes = graph.nodes
    data = [i for i in op.inputs if nodes[i].data]
    states = [rf.get(i) for i in data]
    if not states or any(s is None for s in states):
        return None
    first: _RF = states[0]  # type: ignore[assignment]
    axes = first.get()
    name, args = op.name, op.args
    x_shape, out_shape = nodes[data[0]].shape, nodes[op.outputs[0]].shape if op.outputs else ()
    spatial = sorted(axes)

    def along(fn: Any) -> _RF | None:
        """Apply ``fn(axis, field)`` to the operator's spatial axes (tensor dims 2, 3, ...)
        that carry a field; the others (LRN pools across channels) need nothing."""
        if any(d < 2 for d in spatial):
            return None
        try:
            return _make_rf(first.source, {d: fn(d - 2, f) for d, f in axes.items()})
        except (IndexError, TypeError, ValueError):
            return None

    if name == _CONV or name in _MAX_POOLS or name in _AVG_POOLS:
        spec = op_spec(op, graph)
        dims = len(x_shape) - 2
        if isinstance(spec, L.ConvTranspose):
            k, s = _per_axis(spec.kernel_size, dims), _per_axis(spec.stride, dims)
            p, d = _per_axis(spec.padding, dims), _per_axis(spec.dilation, dims)
            return along(lambda a, f: f.transposed(k[a], s=s[a], p=p[a], d=d[a]))
        steps = spec.rf_layers(tuple(x_shape[1:]))  # type: ignore[union-attr]
        return along(lambda a, f: f.window(steps[a].k, s=steps[a].stride, p=steps[a].p,
                                           d=steps[a].d))
    if name in _PADS:
        pad = list(args[1])
        lefts = {len(x_shape) - 1 - i // 2: pad[i] for i in range(0, len(pad), 2)}
        return _make_rf(first.source, {d: f.window(1, p=lefts.get(d, 0))
                                       for d, f in axes.items()})
    if name in _UPSAMPLES:
        linear = "linear" in name
        if linear and len(args) > 2 and args[2]:  # align_corners
            return None
        factors = [o // i if o % i == 0 else None
                   for i, o in zip(x_shape[2:], out_shape[2:])]
        if any(factors[d - 2] is None for d in spatial if d >= 2):
            return None
        return along(lambda a, f: f.upsample(factors[a], linear=linear))
    if name in ("_adaptive_avg_pool2d", "_adaptive_avg_pool3d", "adaptive_max_pool2d",
                "adaptive_avg_pool1d", "adaptive_max_pool1d", "_adaptive_avg_pool1d"):
        sizes = list(zip(x_shape[2:], out_shape[2:]))
        if any(i % o for i, o in sizes):
            return None
        return along(lambda a, f: f.window(sizes[a][0] // sizes[a][1],
                                           s=sizes[a][0] // sizes[a][1]))
    if name in _REDUCTIONS:
        dims = args[1] if len(args) > 1 else None
        keep = bool(args[2]) if len(args) > 2 and isinstance(args[2], bool) else \
            bool(op.kwargs.get("keepdim", False))
        if dims is None or isinstance(dims, int) and name in ("max", "min") and len(args) < 2:
            return None
        dims = [dims] if isinstance(dims, int) else list(dims)
        dims = sorted(d % len(x_shape) for d in dims)
        if any(d in axes for d in dims):
            if keep and set(dims) == set(spatial):  # a window over everything
                return _make_rf(first.source, {d: f.window(x_shape[d], s=x_shape[d])
                                               for d, f in axes.items()})
            return None
        if keep:
            return first
        return _make_rf(first.source, {d - sum(1 for r in dims if r < d): f
                                       for d, f in axes.items()})
    if name == "cat":
        dim = (args[1] if len(args) > 1 else op.kwargs.get("dim", 0)) % len(out_shape)
        if dim in axes:
            return None
        return _merged(op, states, notes)
    if name in ("slice", "select", "narrow"):
        dim = args[1] % len(x_shape)
        if dim not in axes:
            if name == "select":
                return _make_rf(first.source, {d - (d > dim): f for d, f in axes.items()})
            return first
        if name != "slice":
            return None
        start = args[2] if len(args) > 2 and args[2] is not None else 0
        step = args[4] if len(args) > 4 else 1
        start = start + x_shape[dim] if start < 0 else min(start, x_shape[dim])
        moved = dict(axes)
        moved[dim] = axes[dim].window(1, s=step, p=-start)
        return _make_rf(first.source, moved)
    if name in ("permute", "transpose", "t"):
        rank = len(x_shape)
        if name == "permute":
            order = [d % rank for d in args[1]]
        else:
            a, b = (args[1] % rank, args[2] % rank) if name == "transpose" else (0, 1)
            order = list(range(rank))
            order[a], order[b] = order[b], order[a]
        return _make_rf(first.source, {order.index(d): f for d, f in axes.items()})
    if name in _VIEWS and len(states) == 1:
        return _moved(first, tuple(x_shape), tuple(out_shape))
    if torch.Tag.pointwise in op.func.tags or name in _POINTWISE:
        return _merged(op, states, notes)
    return None


def _merged(op: Op, states: list[Any], notes: dict[int, str]) -> _RF | None:
    """Union of the inputs' fields (aligned by trailing axes, as broadcasting aligns them)."""
    data = list(states)
    if len({s.source for s in data}) != 1:
        return None
    keys = [frozenset(s.get()) for s in data]
    if len(set(keys)) != 1:
        # a broadcast input without spatial axes (e.g. a squeeze-excitation scale) sees
        # everything: the merge has no receptive field
        return None
    merged = {}
    for dim in keys[0]:
        fields = [s.get()[dim] for s in data]
        joined = union(fields)
        if joined is None:
            return None
        if misalignment(fields):
            notes[op.index] = (f"paths not centred alike: centres differ by "
                               f"{_show_fraction(misalignment(fields))} px")
        merged[dim] = joined
    return _make_rf(data[0].source, merged)


def _show_fraction(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


# --------------------------------------------------------------------------- rows


#: What a functional row is called, by the Python-level function (or ATen operator).
FUNCTION_KINDS: dict[str, str] = {
    "add": "add", "sub": "sub", "mul": "mul", "div": "div", "truediv": "div",
    "cat": "concat", "concat": "concat", "concatenate": "concat", "stack": "stack",
    "interpolate": "interpolate", "upsample": "interpolate", "matmul": "matmul",
    "mm": "matmul", "bmm": "matmul", "addmm": "matmul", "einsum": "matmul", "linear": "dense",
    "conv1d": "conv", "conv2d": "conv", "conv3d": "conv", "convolution": "conv",
    "conv_transpose1d": "transposed conv", "conv_transpose2d": "transposed conv",
    "conv_transpose3d": "transposed conv", "max_pool1d": "max-pool", "max_pool2d": "max-pool",
    "max_pool3d": "max-pool", "avg_pool1d": "avg-pool", "avg_pool2d": "avg-pool",
    "avg_pool3d": "avg-pool", "adaptive_avg_pool1d": "adaptive avg-pool",
    "adaptive_avg_pool2d": "adaptive avg-pool", "adaptive_avg_pool3d": "adaptive avg-pool",
    "adaptive_max_pool2d": "adaptive max-pool", "flatten": "flatten", "view": "reshape",
    "reshape": "reshape", "permute": "permute", "transpose": "permute", "pad": "pad",
    "mean": "mean", "sum": "sum", "relu": "relu", "relu_": "relu", "sigmoid": "sigmoid",
    "tanh": "tanh", "dropout": "dropout", "getitem": "slice", "squeeze": "reshape",
    "unsqueeze": "reshape", "chunk": "split", "split": "split",
}
_WINDOWS = {_CONV, *_MAX_POOLS, *_AVG_POOLS, *_PADS, *_UPSAMPLES}


@dataclass
class _Segment:
    """Consecutive data operators with one owner: a module call or a Python-level call."""

    owner: tuple[str, int]
    ops: list[Op]
    folded: bool = False


def _is_leaf(module: nn.Module) -> bool:
    return next(iter(module.children()), None) is None


def _owner(op: Op, graph: Graph, depth: int | None) -> tuple[str, int]:
    calls = graph.calls
    for index in op.scope:
        call = calls[index]
        if call.parent is None and not _is_leaf(call.module):
            continue  # the model itself: its own operators are functional rows
        if _is_leaf(call.module) or (depth is not None and call.depth >= depth):
            return ("module", index)
    if op.group is not None:
        return ("group", op.group)
    return ("op", op.index)


def _segments(graph: Graph, depth: int | None) -> list[_Segment]:
    segments: list[_Segment] = []
    for op in graph.ops:
        if not op.data or not op.outputs:  # .item() reads a value: no tensor flows on
            continue
        owner = _owner(op, graph, depth)
        if segments and segments[-1].owner == owner:
            segments[-1].ops.append(op)
        else:
            segments.append(_Segment(owner, [op]))
    # module calls that ran no operator on data (nn.Identity, dropout in eval) get a row too
    owned = {s.owner for s in segments}
    empty = []
    for call in graph.calls:
        if ("module", call.index) in owned or not any(graph.nodes[i].data
                                                      for i in call.inputs):
            continue
        chain = [graph.calls[i] for i in _ancestors(call, graph)]
        owner_here = _is_leaf(call.module) or (depth is not None and call.depth >= depth)
        if owner_here and not any(_is_leaf(c.module) or (depth is not None and
                                                         c.depth >= depth and c.parent is not None)
                                  for c in chain):
            empty.append((call.start - 0.5, _Segment(("module", call.index), [])))
    if empty:
        keyed = [(s.ops[0].index, s) for s in segments] + empty
        segments = [s for _, s in sorted(keyed, key=lambda pair: pair[0])]
    return segments


def _ancestors(call: Any, graph: Graph) -> list[int]:
    out = []
    while call.parent is not None:
        out.append(call.parent)
        call = graph.calls[call.parent]
    return out


def _outside_inputs(segment: _Segment, graph: Graph) -> list[int]:
    if not segment.ops and segment.owner[0] == "module":
        return [i for i in graph.calls[segment.owner[1]].inputs if graph.nodes[i].data]
    made = {o for op in segment.ops for o in op.outputs}
    seen: list[int] = []
    for op in segment.ops:
        for i in op.inputs:
            if graph.nodes[i].data and i not in made and i not in seen:
                seen.append(i)
    return seen


def _output_node(segment: _Segment, graph: Graph) -> int | None:
    kind, index = segment.owner
    outputs: tuple[int, ...] = ()
    if kind == "module":
        outputs = graph.calls[index].outputs
    elif kind == "group":
        outputs = graph.groups[index].outputs
    outputs = tuple(o for o in outputs if graph.nodes[o].data)
    if outputs:
        return outputs[0]
    for op in reversed(segment.ops):
        if op.outputs:
            return op.outputs[0]
    return None


def _worth_a_row(segment: _Segment, graph: Graph) -> bool:
    """A functional call gets a row when it changes a shape, mixes tensors, multiplies by
    weights or is a window; element-wise ones fold into the row before."""
    if segment.owner[0] == "module":
        return True
    if any(op.name in _WINDOWS or op.name in _MATMULS for op in segment.ops):
        return True
    inputs = _outside_inputs(segment, graph)
    out = _output_node(segment, graph)
    if len(inputs) >= 2 or out is None or not inputs:
        return True
    return graph.nodes[inputs[0]].shape != graph.nodes[out].shape


def _strip(shape: tuple[int, ...], batch: int) -> Shape:
    return tuple(shape[1:]) if shape and shape[0] == batch else tuple(shape)


def _geometry_spec(module: nn.Module, segment: _Segment, graph: Graph) -> L.Layer | None:
    """A spec that shows a module's kernel, stride and padding even when it is not exactly
    a spec (a reflect-padded convolution: the pad is its own operator)."""
    if isinstance(module, nn.modules.conv._ConvNd) and module.padding_mode != "zeros":
        return L.Conv(module.out_channels, _one(tuple(module.kernel_size)),
                      stride=_one(tuple(module.stride)),
                      padding=_one(tuple(module.padding)), dilation=_one(tuple(module.dilation)),
                      groups=module.groups, bias=module.bias is not None)
    windows = [op for op in segment.ops if op_spec(op, graph) is not None]
    return op_spec(windows[0], graph) if len(windows) == 1 else None


def _function_kind(segment: _Segment, graph: Graph) -> str:
    kind, index = segment.owner
    name = graph.groups[index].name if kind == "group" else segment.ops[0].name
    return FUNCTION_KINDS.get(name, FUNCTION_KINDS.get(segment.ops[0].name, name))


def _scope_name(op: Op, graph: Graph) -> str:
    names = [graph.calls[i].name for i in op.scope if graph.calls[i].name]
    return names[-1] if names else ""


@dataclass
class _Draft:
    segment: _Segment
    name: str
    kind: str
    describe: str
    spec: L.Layer | None
    module: Any
    input_node: int | None
    output_node: int | None
    calls: str = ""
    ops: list[Op] = field(default_factory=list)
    claimed: list[int] = field(default_factory=list)


def records_of(graph: Graph, *, depth: int | None = None, dtype: str = "float32"
               ) -> tuple[list[Record], list[str], list[str], list[int | None]]:
    """Records (one per row), spec mismatches, footnotes and each record's output node,
    from a recorded graph."""
    fields_of, merge_notes = receptive_fields(graph)
    drafts: list[_Draft] = []
    totals: dict[int, int] = {}
    for call in graph.calls:
        totals[id(call.module)] = totals.get(id(call.module), 0) + 1
    for segment in _segments(graph, depth):
        kind, index = segment.owner
        inputs = _outside_inputs(segment, graph)
        out = _output_node(segment, graph)
        first_input = inputs[0] if inputs else None
        if kind == "module":
            call = graph.calls[index]
            module = call.module
            leaf = _is_leaf(module)
            spec = spec_of(module) if leaf else None
            shown = spec or (_geometry_spec(module, segment, graph) if leaf else None)
            name = call.name or type(module).__name__
            row_kind = spec.kind if spec else type(module).__name__
            count = totals[id(module)]
            drafts.append(_Draft(segment, name, row_kind,
                                 spec.describe() if spec else row_kind, shown, module,
                                 first_input, out,
                                 calls=f"{call.nth}/{count}" if count > 1 else "",
                                 ops=list(segment.ops)))
            continue
        if drafts and not _worth_a_row(segment, graph):
            drafts[-1].ops.extend(segment.ops)
            drafts[-1].output_node = out if out is not None else drafts[-1].output_node
            row_kind = _function_kind(segment, graph)
            if row_kind in ("relu", "sigmoid", "tanh", "dropout"):
                drafts[-1].kind += f" + {row_kind}"
            continue
        row_kind = _function_kind(segment, graph)
        scope = _scope_name(segment.ops[0], graph)
        windows = [op for op in segment.ops if op_spec(op, graph) is not None]
        shown = op_spec(windows[0], graph) if len(windows) == 1 else None
        drafts.append(_Draft(segment, f"{scope}.{row_kind}" if scope else row_kind, row_kind,
                             row_kind, shown, None, first_input, out, ops=list(segment.ops)))

    # each parameter and buffer once: the module holding it, else the first user
    claimed: dict[int, int] = {}
    for position, draft in enumerate(drafts):
        if draft.module is not None:
            for tensor in [*draft.module.parameters(), *draft.module.buffers()]:
                claimed.setdefault(id(tensor), position)
    for position, draft in enumerate(drafts):
        for op in draft.ops:
            for tensor_id in op.reads:
                if tensor_id in graph.tensors:
                    claimed.setdefault(tensor_id, position)
    counts = [{"params": 0, "frozen": 0, "buffers": 0} for _ in drafts]
    for tensor_id, position in claimed.items():
        if tensor_id not in graph.tensors:
            continue
        _, tensor, what = graph.tensors[tensor_id]
        _count(counts[position], tensor, what)

    batch, records, mismatches = graph.batch, [], []
    for draft, count in zip(drafts, counts):
        i = _strip(graph.nodes[draft.input_node].shape, batch) \
            if draft.input_node is not None else ()
        o = _strip(graph.nodes[draft.output_node].shape, batch) \
            if draft.output_node is not None else ()
        macs = sum(op_macs(op) for op in draft.ops) // batch
        exact = spec_of(draft.module) if draft.module is not None else None
        if exact is not None and draft.calls in ("", f"1/{draft.calls.partition('/')[2]}"):
            mismatches += _check_spec(draft.name, exact, i, o, draft.module, macs)
        if exact is not None and i:
            try:  # a layer convarith knows counts as its spec does (LeNet-5's partial
                macs = exact.macs(i)  # connections: the paper's, not the zero-filled kernel)
            except ConvArithError:
                pass
        rf = fields_of.get(draft.output_node) if draft.output_node is not None else None
        sizes = jumps = None
        if rf is not None and rf.axes:
            sizes = tuple(f.r for _, f in rf.axes)
            jumps = tuple(_jump(f.jump) for _, f in rf.axes)
        notes = [merge_notes[op.index] for op in draft.ops if op.index in merge_notes]
        geometry, lost = {}, None
        spec = draft.spec
        if spec is not None and i:
            try:
                geometry, lost = spec.geometry(i), spec.lost(i)
            except ConvArithError:
                geometry, lost = {}, None
        if isinstance(draft.module, nn.modules.conv._ConvNd) and \
                draft.module.padding_mode != "zeros":
            notes.append(f"{draft.module.padding_mode} padding")
        records.append(Record(
            name=draft.name, kind=draft.kind, describe=draft.describe, input_shape=i,
            output_shape=o, params=count["params"], buffers=count["buffers"], macs=macs,
            memory=activation_bytes(o, dtype=dtype, batch=batch) if o else 0,
            geometry=geometry, lost=lost, note="; ".join(dict.fromkeys(notes)),
            rf_effect="global", traced=True, rf=sizes, jump=jumps, calls=draft.calls,
            frozen=count["frozen"]))
    outputs: list[int | None] = [d.output_node for d in drafts]
    unused = _unused(graph, claimed)
    records += unused
    outputs += [None] * len(unused)
    footnotes = _footnotes(graph, records)
    return records, mismatches, footnotes, outputs


def _count(into: dict[str, int], tensor: Any, what: str) -> None:
    if what == "buffer":
        into["buffers"] += tensor.numel()
        return
    into["params"] += tensor.numel()
    if not tensor.requires_grad:
        into["frozen"] += tensor.numel()


def _jump(value: Fraction) -> Any:
    return value.numerator if value.denominator == 1 else value


def _unused(graph: Graph, claimed: dict[int, int]) -> list[Record]:
    """Rows for the parameters and buffers no operator used, by the outermost module that
    never ran (GoogLeNet's auxiliary heads in eval mode), else by the module holding them."""
    ran = {id(call.module) for call in graph.calls}
    modules = dict(graph.model.named_modules())
    rows: dict[str, dict[str, int]] = {}
    for tensor_id, (_, tensor, what) in graph.tensors.items():
        if tensor_id in claimed:
            continue
        owner = graph.owners[tensor_id]
        parts = owner.split(".") if owner else []
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            if id(modules[prefix]) not in ran:
                owner = prefix
                break
        _count(rows.setdefault(owner, {"params": 0, "frozen": 0, "buffers": 0}), tensor, what)
    out = []
    for owner, count in rows.items():
        module = modules[owner]
        note = "not run" if id(module) not in ran else "not used by this forward pass"
        out.append(Record(name=owner or type(module).__name__, kind=type(module).__name__,
                          describe=type(module).__name__, input_shape=(), output_shape=(),
                          params=count["params"], buffers=count["buffers"], note=note,
                          rf_effect="global", traced=True, frozen=count["frozen"]))
    return out


def _check_spec(name: str, spec: L.Layer, i: Shape, o: Shape, module: nn.Module,
                macs: int) -> list[str]:
    """Where a module convarith knows disagrees with its spec: shape, counts, MACs."""
    try:
        expected = spec.output_shape(i)
    except ConvArithError as error:
        return [f"{name}: convarith rejects input {_show(i)} that torch accepts: {error}"]
    problems = []
    if expected != o:
        problems.append(f"{name}: torch gives {_show(o)}, convarith {_show(expected)}")
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers())
    if (params, buffers) != (spec.params(i), spec.buffers(i)):
        problems.append(f"{name}: torch has {params:,} parameters and {buffers:,} buffers, "
                        f"convarith {spec.params(i):,} and {spec.buffers(i):,}")
    if spec.macs(i) != macs and spec.kind in ("conv", "transposed conv", "dense"):
        problems.append(f"{name}: the operators make {macs:,} MACs, convarith "
                        f"{spec.macs(i):,}")
    return problems


def _show(shape: Shape) -> str:
    return "x".join(str(x) for x in shape)


def _footnotes(graph: Graph, records: list[Record]) -> list[str]:
    notes = ["Traced on the meta device: one row per module call and per functional "
             "operation that changes a shape or mixes tensors; RF is each row's receptive "
             "field through every path (Araujo, Norris & Sim, Distill 2019)."]
    if graph.device != "meta":
        notes[0] = notes[0].replace("on the meta device", f"by a real forward on {graph.device}")
    if any(r.calls for r in records):
        notes.append("calls: this call of a module run several times / how many; its "
                     "parameters are counted in its first row.")
    if any(r.frozen for r in records):
        notes.append("frozen: parameters with requires_grad=False, included in params.")
    if any(r.note == "not run" for r in records):
        notes.append("not run: modules that did not run in this mode (their parameters "
                     "still count); --mode train runs train-only branches.")
    return notes


# --------------------------------------------------------------------------- tracing


def trace(model: nn.Module, input: Any, *, dtype: str = "float32", batch: int = 1,
          mode: str = "eval", depth: int | None = None, device: str = "meta",
          grad: bool = False) -> Traced:
    """Run ``model`` once on ``input`` and read its rows (see the module doc).

    ``input``: a shape without the batch (``(3, 224, 224)`` or ``"3x224x224"``), a string
    with a dtype (``"16:int64"``), an example tensor (with its batch), a list of these for
    several positional inputs, or a dict of keyword inputs. ``mode`` is "eval" or "train";
    ``depth`` folds modules deeper than it into their parent's row; ``device="cpu"`` runs a
    real forward instead (for models that read tensor values).
    """
    if mode not in TRACE_MODES:
        raise ConvArithError(
            f"Error tracing {type(model).__name__}: mode={mode!r} is not known. "
            f"Use one of {', '.join(TRACE_MODES)}."
        )
    if device not in TRACE_DEVICES:
        raise ConvArithError(
            f"Error tracing {type(model).__name__}: device={device!r} is not known. "
            f"Use one of {', '.join(TRACE_DEVICES)}."
        )
    if depth is not None and (not isinstance(depth, int) or depth < 1):
        raise ConvArithError(
            f"Error tracing {type(model).__name__}: depth={depth!r}. Use a whole number >= 1."
        )
    if not isinstance(model, nn.Module):
        raise ConvArithError(
            f"Error tracing a {type(model).__name__}: it is not a torch.nn.Module. Give a "
            "module, a zoo name or FILE.py:NAME."
        )
    positional, keywords = parse_inputs(input)
    described = tuple([_described(v) for v in positional] +
                      [_described(v, k) for k, v in keywords.items()])
    what = " with input " + ", ".join(d.show() for d in described)
    if isinstance(model, torch.jit.ScriptModule) and device == "meta":
        raise ConvArithError(
            f"Error tracing {type(model).__name__}{what}: it is a TorchScript module, compiled "
            "code that cannot be copied to the meta device and calls no module hooks. Use "
            "device='cpu' (--device cpu): a real forward on small CPU tensors, one row per "
            "operator."
        )
    if device == "meta":
        copy = meta_copy(model)
    else:
        has_lazy = any(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in model.modules())
        on_meta = any(t.device.type == "meta" for t in [*model.parameters(), *model.buffers()]
                      if not isinstance(t, nn.parameter.UninitializedTensorMixin))
        # a real forward materialises lazy modules (on a copy); a model built on meta
        # (FILE.py:NAME builds there) gets CPU weights first
        copy = _real_copy(model) if on_meta else _deep(model) if has_lazy else model
    args = [_example(v, batch=batch, device=device) for v in positional]
    kwargs = {k: _example(v, batch=batch, device=device) for k, v in keywords.items()}
    names = [d.name or (f"input {n + 1}" if len(described) > 1 else "input")
             for n, d in enumerate(described)]
    described = tuple(Input(d.shape, d.dtype, name) for d, name in zip(described, names))
    graph = record(copy, args, kwargs, names=names[:len(args)], train=mode == "train",
                   device=device, batch=batch, what=what, grad=grad)
    records, mismatches, footnotes, outputs = records_of(graph, depth=depth, dtype=dtype)
    params = sum(t.numel() for _, t, w in graph.tensors.values() if w == "parameter")
    buffers = sum(t.numel() for _, t, w in graph.tensors.values() if w == "buffer")
    return Traced(described, records, mismatches, tuple(footnotes), graph, params, buffers,
                  tuple(outputs))


def _deep(model: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(model)


def compare_with_real_forward(model: nn.Module, input: Any, *, mode: str = "eval"
                              ) -> list[str]:
    """What ``--verify`` checks for a module: the spec of every module convarith knows, a
    real forward on CPU (every row's output shape) and ``model.parameters()`` (the unique
    total). The mismatches, one line each (empty: all agree)."""
    traced = trace(model, input, mode=mode)
    problems = list(traced.mismatches)
    if isinstance(model, torch.jit.ScriptModule):
        return problems
    real = trace(model, input, mode=mode, device="cpu")
    got = [(r.name, r.output_shape) for r in traced.records]
    want = [(r.name, r.output_shape) for r in real.records]
    for (name, shape), (real_name, real_shape) in zip(got, want):
        if (name, shape) != (real_name, real_shape):
            problems.append(f"{name}: traced {_show(shape)}, a real forward gives "
                            f"{real_name} {_show(real_shape)}")
    if len(got) != len(want):
        problems.append(f"the trace has {len(got)} rows, a real forward {len(want)}")
    expected = sum(p.numel() for p in real.graph.model.parameters())  # type: ignore[union-attr]
    total = sum(r.params for r in traced.records)
    if total != expected:
        problems.append(f"the table counts {total:,} parameters, model.parameters() has "
                        f"{expected:,}")
    return problems


def _real_copy(model: nn.Module) -> nn.Module:
    """A CPU copy of a model built on the meta device, with freshly initialised weights."""
    copy = _deep(model)
    if not any(p.device.type == "meta" for p in copy.parameters()):
        return copy
    copy = copy.to_empty(device="cpu")
    with torch.no_grad():
        for module in copy.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
    return copy
