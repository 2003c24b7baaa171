"""Rows of a shape table, read from a recorded graph (:mod:`convarith.bridges.dataflow`).

A row is a module call (a leaf, or any module at ``depth``) or a functional call outside
them that changes a shape, mixes tensors, multiplies by weights or is a window; element-wise
functions fold into the row before. Each parameter and buffer counts once: in the row of the
module holding it, else in the first row whose operators use it; those no operator used get
a row of their own, by the outermost module that never ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from torch import nn

from convarith.bridges.dataflow import Graph, Op
from convarith.bridges.operators import (
    AVG_POOLS,
    CONV,
    MATMULS,
    MAX_POOLS,
    PADS,
    UPSAMPLES,
    op_macs,
    op_spec,
    receptive_fields,
)
from convarith.bridges.torch import spec_of
from convarith.errors import ConvArithError
from convarith.formulas.counting import activation_bytes
from convarith.formulas.normalise import collapse
from convarith.formulas.notation import show_size
from convarith.specs import layers as L
from convarith.specs.layers import Shape
from convarith.specs.records import Record

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
_WINDOWS = {CONV, *MAX_POOLS, *AVG_POOLS, *PADS, *UPSAMPLES}


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
    if any(op.name in _WINDOWS or op.name in MATMULS for op in segment.ops):
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
        return L.Conv(module.out_channels, collapse(tuple(module.kernel_size)),
                      stride=collapse(tuple(module.stride)),
                      padding=collapse(tuple(module.padding)), dilation=collapse(tuple(module.dilation)),
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
    exact: L.Layer | None = None  # the spec the module is, when torch's module reads as one


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
                                 "" if spec else row_kind, shown, module,
                                 first_input, out,
                                 calls=f"{call.nth}/{count}" if count > 1 else "",
                                 ops=list(segment.ops), exact=spec))
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
        sizes = jumps = fields = None
        if rf is not None and rf.axes:
            sizes = tuple(f.r for _, f in rf.axes)
            jumps = tuple(_jump(f.jump) for _, f in rf.axes)
            fields = tuple(f for _, f in rf.axes)
        notes = [merge_notes[op.index] for op in draft.ops if op.index in merge_notes]
        lost = None
        spec = draft.spec
        if spec is not None and i:
            try:
                lost = spec.lost(i)
            except ConvArithError:
                lost = None
        if isinstance(draft.module, nn.modules.conv._ConvNd) and \
                draft.module.padding_mode != "zeros":
            notes.append(f"{draft.module.padding_mode} padding")
        records.append(Record(
            name=draft.name, kind=draft.kind, describe=draft.describe, input_shape=i,
            output_shape=o, params=count["params"], buffers=count["buffers"], macs=macs,
            memory=activation_bytes(o, dtype=dtype, batch=batch) if o else 0,
            spec=draft.exact, window_spec=spec, lost=lost, note="; ".join(dict.fromkeys(notes)),
            rf_effect="global", traced=True, rf=sizes, jump=jumps, fields=fields,
            calls=draft.calls,
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
        return [f"{name}: convarith rejects input {show_size(i)} that torch accepts: {error}"]
    problems = []
    if expected != o:
        problems.append(f"{name}: torch gives {show_size(o)}, convarith {show_size(expected)}")
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers())
    if (params, buffers) != (spec.params(i), spec.buffers(i)):
        problems.append(f"{name}: torch has {params:,} parameters and {buffers:,} buffers, "
                        f"convarith {spec.params(i):,} and {spec.buffers(i):,}")
    if spec.macs(i) != macs and spec.kind in ("conv", "transposed conv", "dense"):
        problems.append(f"{name}: the operators make {macs:,} MACs, convarith "
                        f"{spec.macs(i):,}")
    return problems


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
