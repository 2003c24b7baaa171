"""What each ATen operator does, read from its arguments: the layer spec of a convolution
or pooling (so its numbers come from the formula layer), its multiply-accumulates, and what
it does to the receptive field of the tensors it reads.

The receptive field of every data tensor is a :class:`convarith.formulas.receptive.Field`
per spatial axis, followed operator by operator through the whole graph: windows
(convolutions, pooling, pads) and transposed convolutions by the formula layer, upsampling by
whole factors, views that keep the spatial axes, and merges (``x + y``, concatenation along
the channels) as the union of their inputs (Araujo, Norris & Sim, Distill 2019), with the
alignment check of google-research/receptive_field where the paths' centres disagree.
Operators that mix positions (a flatten, a global mean, attention) end it: the field is
global. Normalisation counts as element-wise, as everywhere in the literature.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import torch

from convarith.bridges.dataflow import Graph, Op
from convarith.formulas.counting import matmul_macs
from convarith.formulas.normalise import broadcast, collapse
from convarith.formulas.receptive import Field, misalignment, union
from convarith.specs import layers as L

# --------------------------------------------------------------------------- operators


CONV = "convolution"
MAX_POOLS = {"max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
              "max_pool2d_with_indices", "max_pool3d_with_indices"}
AVG_POOLS = {"avg_pool1d", "avg_pool2d", "avg_pool3d"}
PADS = {"constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d",
         "replication_pad1d", "replication_pad2d", "replication_pad3d", "_pad_circular"}
UPSAMPLES = {"upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
              "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d"}
MATMULS = {"mm", "addmm", "bmm", "baddbmm"}
_REDUCTIONS = {"mean", "sum", "amax", "amin", "max", "min", "var", "std", "logsumexp"}
_VIEWS = {"view", "_unsafe_view", "reshape", "expand", "alias", "clone", "contiguous",
          "detach", "_to_copy", "squeeze", "unsqueeze", "flatten", "lift_fresh", "copy"}
_POINTWISE = {"native_batch_norm", "_native_batch_norm_legit",
              "_native_batch_norm_legit_no_training", "native_dropout", "native_layer_norm",
              "native_group_norm", "_softmax", "_log_softmax", "dropout", "feature_dropout",
              "bernoulli", "clamp", "where", "masked_fill", "fill", "zero", "copy_"}


def _aten_axes(value: Any, dims: int) -> tuple[Any, ...]:
    """An aten ``int[]`` argument per axis: aten reads a one-element list as every axis."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    return broadcast(value, dims)


def op_spec(op: Op, graph: Graph) -> L.Layer | None:
    """The layer spec of a convolution or pooling operator, from its arguments."""
    name, args = op.name, op.args
    if name == CONV:
        x, w = args[0], args[1]
        dims = x.dim() - 2
        stride, padding, dilation = (_aten_axes(a, dims) for a in args[3:6])
        kernel = tuple(w.shape[2:])
        if args[6]:  # transposed: weight is (C_in, C_out / groups, *k)
            return L.ConvTranspose(w.shape[1] * args[8], collapse(kernel), stride=collapse(stride),
                                   padding=collapse(padding),
                                   output_padding=collapse(_aten_axes(args[7], dims)),
                                   dilation=collapse(dilation), groups=args[8],
                                   bias=args[2] is not None)
        return L.Conv(w.shape[0], collapse(kernel), stride=collapse(stride), padding=collapse(padding),
                      dilation=collapse(dilation), groups=args[8], bias=args[2] is not None)
    if name in MAX_POOLS or name in AVG_POOLS:
        dims = args[0].dim() - 2
        values = list(args[1:]) + [None] * 6
        kernel = _aten_axes(values[0], dims)
        stride = _aten_axes(values[1] or kernel, dims)
        padding = _aten_axes(values[2] if values[2] is not None else 0, dims)
        if name in MAX_POOLS:
            dilation = _aten_axes(values[3] if values[3] is not None else 1, dims)
            return L.MaxPool(collapse(kernel), stride=collapse(stride), padding=collapse(padding),
                             dilation=collapse(dilation), ceil_mode=bool(values[4]))
        return L.AvgPool(collapse(kernel), stride=collapse(stride), padding=collapse(padding),
                         ceil_mode=bool(values[3]))
    return None


def op_macs(op: Op) -> int:
    """Multiply-accumulates of one operator on the whole batch (0 for most operators):
    convolutions by the formula layer, matrix products as ``m x k x n``."""
    name, args = op.name, op.args
    if name == CONV:
        spec = op_spec(op, None)  # type: ignore[arg-type]
        x = args[0]
        per_image = spec.macs(tuple(x.shape[1:]))  # type: ignore[union-attr]
        return x.shape[0] * per_image
    if name in MATMULS:
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

    if name == CONV or name in MAX_POOLS or name in AVG_POOLS:
        spec = op_spec(op, graph)
        dims = len(x_shape) - 2
        if isinstance(spec, L.ConvTranspose):
            k, s = broadcast(spec.kernel_size, dims), broadcast(spec.stride, dims)
            p, d = broadcast(spec.padding, dims), broadcast(spec.dilation, dims)
            return along(lambda a, f: f.transposed(k[a], s=s[a], p=p[a], d=d[a]))
        steps = spec.rf_layers(tuple(x_shape[1:]))  # type: ignore[union-attr]
        return along(lambda a, f: f.window(steps[a].k, s=steps[a].stride, p=steps[a].p,
                                           d=steps[a].d))
    if name in PADS:
        pad = list(args[1])
        lefts = {len(x_shape) - 1 - i // 2: pad[i] for i in range(0, len(pad), 2)}
        return _make_rf(first.source, {d: f.window(1, p=lefts.get(d, 0))
                                       for d, f in axes.items()})
    if name in UPSAMPLES:
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
