"""One forward pass as a graph of tensors and operators, with module scopes.

A ``TorchDispatchMode`` sees every ATen operator the model runs (functional code, ``x + y``,
in-place ``out += shortcut``, reflect padding, ...) with its input and output tensors; a
``TorchFunctionMode`` groups the operators of one call written in Python (``F.interpolate``,
``torch.cat``, ``x @ w``); global module hooks say which module call each operator ran in,
the way ``torch.utils.flop_counter.FlopCounterMode`` pairs its dispatch mode with a module
tracker. On the meta device nothing holds data, so the cost does not grow with the input.

Every tensor version is a :class:`Node` (an in-place operator makes a new one); a node is
``data`` when it is computed from a model input, otherwise it is a weight, a buffer or
something made from them (a pruned weight ``weight_orig * weight_mask``, ``w.t()``), and it
remembers which parameters and buffers it came from, so the operator that uses it with data
(:attr:`Op.reads`) is where those parameters are used.

>>> import torch.nn as nn
>>> graph = record(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()), [torch.empty(1, 3, 8, 8)])
>>> [(op.name, graph.calls[op.scope[-1]].name) for op in graph.ops if op.data]
[('convolution', '0'), ('relu', '1')]
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from convarith.errors import ConvArithError


@dataclass(eq=False)
class Node:
    """One tensor (one version of it: an in-place operator makes a new node)."""

    index: int
    shape: tuple[int, ...]
    dtype: torch.dtype
    data: bool  # computed from a model input
    producer: int | None  # the operator that made it; None for inputs, weights, constants
    source: frozenset[int]  # ids of the parameters and buffers a non-data tensor is made of
    tensor: Any = field(repr=False)  # kept, so that no id is reused while the graph lives


@dataclass(eq=False)
class Op:
    """One ATen operator call."""

    index: int
    func: Any
    args: tuple[Any, ...] = field(repr=False)
    kwargs: dict[str, Any] = field(repr=False)
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    scope: tuple[int, ...]  # module calls it ran in, outermost first
    group: int | None  # the Python-level torch call it belongs to
    reads: frozenset[int]  # parameters and buffers it uses with data
    data: bool

    @property
    def name(self) -> str:
        """``convolution``, ``add_``, ``max_pool2d_with_indices``, ..."""
        return self.func.overloadpacket.__name__


@dataclass(eq=False)
class Call:
    """One call of a module (its ``forward``)."""

    index: int
    name: str  # qualified name in the model ("" for the model itself)
    module: Any = field(repr=False)
    parent: int | None
    nth: int  # this module's 1st, 2nd, ... call
    start: int = 0  # operators recorded before it began
    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()

    @property
    def depth(self) -> int:
        return 0 if not self.name else self.name.count(".") + 1


@dataclass(eq=False)
class Group:
    """One Python-level torch call (``torch.cat``, ``Tensor.__add__``, ``F.interpolate``)."""

    index: int
    name: str
    scope: tuple[int, ...]
    outputs: tuple[int, ...] = ()
    #: for ``F.pad(x, pad, mode="circular")`` (torch writes it as slices and a concatenation
    #: along the padded axes): the input node and the pad list, so that the receptive field
    #: sees one pad
    circular: tuple[int, tuple[int, ...]] | None = None


@dataclass(eq=False)
class Graph:
    """What one forward pass did (see the module doc)."""

    model: Any = field(repr=False)
    nodes: list[Node]
    ops: list[Op]
    calls: list[Call]
    groups: list[Group]
    inputs: list[tuple[str, int]]  # (name, node) of every model input
    tensors: dict[int, tuple[str, Any, str]]  # id -> (name, tensor, "parameter" | "buffer")
    owners: dict[int, str]  # id of a parameter or buffer -> name of the module holding it
    batch: int
    device: str

    def call_count(self, module: Any) -> int:
        return sum(1 for c in self.calls if c.module is module)


class _Recorder:
    def __init__(self, model: nn.Module, names: dict[int, str],
                 tensors: dict[int, tuple[str, Any, str]]) -> None:
        self.model, self.names, self.tensors = model, names, tensors
        self.nodes: list[Node] = []
        self.ops: list[Op] = []
        self.calls: list[Call] = []
        self.groups: list[Group] = []
        self.by_id: dict[int, int] = {}
        self.stack: list[int] = []
        self.group: int | None = None
        self.counts: dict[int, int] = {}

    def add(self, tensor: Any, *, data: bool, producer: int | None,
            source: frozenset[int]) -> int:
        node = Node(len(self.nodes), tuple(tensor.shape), tensor.dtype, data, producer,
                    source, tensor)
        self.nodes.append(node)
        self.by_id[id(tensor)] = node.index
        return node.index

    def node_of(self, tensor: Any) -> int:
        found = self.by_id.get(id(tensor))
        if found is not None:
            return found
        source = frozenset({id(tensor)}) if id(tensor) in self.tensors else frozenset()
        return self.add(tensor, data=False, producer=None, source=source)

    def op(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        ins = tuple(self.node_of(t) for t in tree_flatten((args, kwargs))[0]
                    if _known(t))
        data = any(self.nodes[i].data for i in ins)
        reads = frozenset().union(*(self.nodes[i].source for i in ins
                                    if not self.nodes[i].data))
        index = len(self.ops)
        outs = tuple(self.add(t, data=data, producer=index,
                              source=frozenset() if data else reads)
                     for t in tree_flatten(out)[0] if _known(t))
        self.ops.append(Op(index, func, args, kwargs, ins, outs, tuple(self.stack),
                           self.group, reads if data else frozenset(), data))

    def tensor_nodes(self, value: Any) -> tuple[int, ...]:
        return tuple(self.by_id[id(t)] for t in tree_flatten(value)[0]
                     if isinstance(t, torch.Tensor) and id(t) in self.by_id)

    # module hooks
    def enter(self, module: nn.Module, args: Any) -> None:
        name = self.names.get(id(module))
        if name is None:
            parent = self.calls[self.stack[-1]].name if self.stack else ""
            name = f"{parent}.{type(module).__name__}".lstrip(".")
        nth = self.counts[id(module)] = self.counts.get(id(module), 0) + 1
        call = Call(len(self.calls), name, module, self.stack[-1] if self.stack else None, nth,
                    len(self.ops), tuple(self.node_of(t) for t in tree_flatten(args)[0]
                                         if _known(t)))
        self.calls.append(call)
        self.stack.append(call.index)

    def leave(self, module: nn.Module, output: Any) -> None:
        if self.stack and self.calls[self.stack[-1]].module is module:
            self.calls[self.stack.pop()].outputs = self.tensor_nodes(output)


def _known(value: Any) -> bool:
    """A tensor with a shape (a lazy module's parameter has none until it materialises)."""
    return isinstance(value, torch.Tensor) and not isinstance(
        value, nn.parameter.UninitializedTensorMixin)


class _Operators(TorchDispatchMode):
    def __init__(self, recorder: _Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        fast = _FAST_META.get(func.overloadpacket.__name__)
        if fast is not None and _known(args[0]) and args[0].device.type == "meta":
            out = fast(*args)
        else:
            out = func(*args, **kwargs)
        self.recorder.op(func, args, kwargs, out)
        return out


def _batch_norm_meta(x: Any, *rest: Any) -> tuple[Any, Any, Any]:
    """Batch norm's outputs on meta (torch's own meta kernel is a slow Python
    decomposition): the normalised tensor and the saved mean and inverse deviation."""
    channels = (x.shape[1],) if x.dim() > 1 else (0,)
    return (torch.empty_like(x), torch.empty(channels, device="meta", dtype=x.dtype),
            torch.empty(channels, device="meta", dtype=x.dtype))


_FAST_META = {"native_batch_norm": _batch_norm_meta,
              "_native_batch_norm_legit": _batch_norm_meta,
              "_native_batch_norm_legit_no_training": _batch_norm_meta}


class _Calls(TorchFunctionMode):
    def __init__(self, recorder: _Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func: Any, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        rec = self.recorder
        if rec.group is not None:
            return func(*args, **kwargs)
        group = Group(len(rec.groups), _function_name(func), tuple(rec.stack))
        rec.groups.append(group)
        mode = kwargs.get("mode", args[2] if len(args) > 2 else None)
        if group.name == "pad" and mode == "circular" and _known(args[0]):
            group.circular = (rec.node_of(args[0]), tuple(args[1]))
        rec.group = group.index
        try:
            out = func(*args, **kwargs)
        finally:
            rec.group = None
        group.outputs = rec.tensor_nodes(out)
        return out


_IN_PLACE = {"__iadd__": "add", "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div",
             "__imatmul__": "matmul", "__ior__": "or", "__iand__": "and"}


def _function_name(func: Any) -> str:
    name = getattr(func, "__name__", None) or str(func)
    return _IN_PLACE.get(name, name.strip("_"))


# --------------------------------------------------------------------------- preparing


def meta_copy(model: nn.Module) -> nn.Module:
    """The model with every parameter, buffer and tensor attribute on the meta device, the
    original untouched (lazy parameters stay lazy, and materialise on meta)."""
    memo: dict[int, Any] = {}
    tensors = [*model.parameters(), *model.buffers()]
    for module in model.modules():
        tensors += [v for v in vars(module).values() if isinstance(v, torch.Tensor)]
    for tensor in tensors:
        if id(tensor) in memo:
            continue
        if isinstance(tensor, nn.parameter.UninitializedParameter):
            memo[id(tensor)] = nn.UninitializedParameter(
                requires_grad=tensor.requires_grad, device="meta", dtype=tensor.dtype)
        elif isinstance(tensor, nn.parameter.UninitializedBuffer):
            memo[id(tensor)] = nn.UninitializedBuffer(device="meta", dtype=tensor.dtype)
        else:  # fresh meta tensors also for meta ones (a pruned weight is not a leaf)
            empty = torch.empty_like(tensor, device="meta")
            memo[id(tensor)] = (nn.Parameter(empty, requires_grad=tensor.requires_grad)
                                if isinstance(tensor, nn.Parameter) else empty)
    try:
        return copy.deepcopy(model, memo)
    except Exception as error:  # noqa: BLE001 - whatever the user's module holds
        raise ConvArithError(
            f"Error tracing {type(model).__name__}: it cannot be copied to the meta device "
            f"({' '.join(str(error).split())}). Use device='cpu' (--device cpu): a real "
            "forward on small CPU tensors."
        ) from None


def _named_tensors(model: nn.Module) -> tuple[dict[int, tuple[str, Any, str]], dict[int, str]]:
    tensors: dict[int, tuple[str, Any, str]] = {}
    owners: dict[int, str] = {}
    for module_name, module in model.named_modules():
        for kind, table in (("parameter", module._parameters), ("buffer", module._buffers)):
            for name, tensor in table.items():
                if tensor is None or id(tensor) in tensors:
                    continue
                full = f"{module_name}.{name}".lstrip(".")
                tensors[id(tensor)] = (full, tensor, kind)
                owners[id(tensor)] = module_name
    return tensors, owners


def record(model: nn.Module, args: list[Any], kwargs: dict[str, Any] | None = None, *,
           names: list[str] | None = None, train: bool = False, device: str = "meta",
           batch: int = 1, what: str = "", grad: bool = False) -> Graph:
    """Run ``model(*args, **kwargs)`` once, recording everything (see the module doc).

    ``model`` and the tensors must already be on ``device``; the model is put in train or
    eval mode for the pass and left as it was. ``grad=True`` keeps autograd on (a real
    forward whose nodes can be differentiated: the backprop check of receptive fields).
    """
    kwargs = kwargs or {}
    module_names = {}
    for name, module in model.named_modules():
        module_names.setdefault(id(module), name)
    tensors, owners = _named_tensors(model)
    rec = _Recorder(model, module_names, tensors)
    labels = names or [f"input {i + 1}" if len(args) + len(kwargs) > 1 else "input"
                       for i in range(len(args))]
    inputs = []
    for label, value in [*zip(labels, args), *kwargs.items()]:
        if isinstance(value, torch.Tensor):
            inputs.append((label, rec.add(value, data=True, producer=None,
                                          source=frozenset())))
    hooks = [nn.modules.module.register_module_forward_pre_hook(
                 lambda module, a: rec.enter(module, a)),
             nn.modules.module.register_module_forward_hook(
                 lambda module, a, out: rec.leave(module, out))]
    flags = [(m, m.training) for m in model.modules()]
    model.train(train)
    try:
        with (contextlib.nullcontext() if grad else torch.no_grad()), _Calls(rec), \
                _Operators(rec):
            model(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - the user's forward may raise anything
        raise ConvArithError(_failure(model, error, rec, device, what)) from None
    finally:
        for hook in hooks:
            hook.remove()
        for module, flag in flags:
            module.training = flag
    tensors, owners = _named_tensors(model)  # lazy parameters are materialised now
    return Graph(model, rec.nodes, rec.ops, rec.calls, rec.groups, inputs, tensors, owners,
                 batch, device)


_NEEDS_DATA = ("meta tensor", "on meta", "meta device", "item()", "no data",
               "data-dependent", "Cannot copy out of meta")


def _failure(model: nn.Module, error: BaseException, rec: _Recorder, device: str,
             what: str) -> str:
    """One line: what the model did, where, and the fix."""
    done = [c for c in rec.calls if c.outputs and c.name]
    after = f" after {done[-1].name}" if done else ""
    from convarith.bridges.loading import describe_error

    text = describe_error(error)  # its kind, message and the user's own line
    context = f"Error tracing {type(model).__name__}{what}{after}"
    if device == "meta" and any(marker in text for marker in _NEEDS_DATA):
        return (f"{context}: the model reads tensor values or moves tensors ({text}); the "
                "meta device has no values. Use device='cpu' (--device cpu): a real forward "
                "on small CPU tensors.")
    return f"{context}: {text}. Check the input shapes and dtypes (--input)."
