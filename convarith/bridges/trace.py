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

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from convarith.bridges.dataflow import Graph, meta_copy, record
from convarith.bridges.rows import records_of
from convarith.bridges.torch import spec_of  # noqa: F401 - importable here, as before
from convarith.choices import DTYPE_BYTES, TRACE_DEVICES, TRACE_MODES
from convarith.errors import ConvArithError
from convarith.formulas.notation import show_size
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


#: Seconds a model's factory may take to build it, and one traced forward may take.
BUILD_TIMEOUT = 60.0
FORWARD_TIMEOUT = 60.0


def load(target: str, *, timeout: float = BUILD_TIMEOUT, **options: Any) -> nn.Module:
    """``path/to/file.py:Name`` or ``package.module:name``: a module instance, a module
    class or a factory (called with ``options``; built on the meta device, so a large model
    costs no memory). ``torchvision:resnet18`` works when torchvision is installed.

    The file is imported, and the factory called, by the one loader for user code
    (:mod:`convarith.bridges.loading`): under a time bound, with its prints kept apart, and
    any exception it raises (``SystemExit`` included) becomes one line naming the user's
    file, line and exception.
    """
    from convarith.bridges import loading

    where, _, attribute = target.rpartition(":")
    if where == "torchvision":  # torchvision:resnet18 means torchvision.models.resnet18
        target = f"torchvision.models:{attribute}"
    loaded = loading.load(target, timeout=timeout, example="models.py:Net")
    value = loaded.value
    if isinstance(value, nn.Module):
        return value
    if not callable(value):
        raise ConvArithError(
            f"Error loading {target!r}: {loaded.name} is a {type(value).__name__}, not a "
            "module, a module class or a function returning one."
        )

    def build() -> Any:
        with torch.device("meta"):
            return value(**options)

    outcome = loading.call(build, timeout=timeout)
    if outcome.timed_out:
        raise ConvArithError(
            f"Error loading {target!r}: building {loaded.name} did not finish within "
            f"{timeout:g} s. Check the code that builds the model."
        )
    if outcome.error is not None:
        error = outcome.error
        given = ", ".join(f"--{k.replace('_', '-')}" for k in options)
        hint = (f" It does not take {given}: drop those options."
                if isinstance(error, TypeError) and options and "argument" in str(error)
                else " Fix the code that builds the model.")
        raise ConvArithError(
            f"Error loading {target!r}: building {loaded.name}"
            f"{'(' + ', '.join(f'{k}={v!r}' for k, v in options.items()) + ')' if options else ''}"
            f" raised {loading.describe_error(error, loaded.path)}.{hint}"
        ) from None
    built = outcome.value
    if not isinstance(built, nn.Module):
        raise ConvArithError(
            f"Error loading {target!r}: calling {loaded.name} gave a {type(built).__name__}, "
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


# --------------------------------------------------------------------------- tracing


def trace(model: nn.Module, input: Any, *, dtype: str = "float32", batch: int = 1,
          mode: str = "eval", depth: int | None = None, device: str = "meta",
          grad: bool = False, timeout: float = FORWARD_TIMEOUT) -> Traced:
    """Run ``model`` once on ``input`` and read its rows (see the module doc).

    ``input``: a shape without the batch (``(3, 224, 224)`` or ``"3x224x224"``), a string
    with a dtype (``"16:int64"``), an example tensor (with its batch), a list of these for
    several positional inputs, or a dict of keyword inputs. ``mode`` is "eval" or "train";
    ``depth`` folds modules deeper than it into their parent's row; ``device="cpu"`` runs a
    real forward instead (for models that read tensor values). A forward that has not
    returned after ``timeout`` seconds is stopped with one line.
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
    graph = _bounded_record(copy, args, kwargs, names=names[:len(args)],
                            train=mode == "train", device=device, batch=batch, what=what,
                            grad=grad, timeout=timeout)
    records, mismatches, footnotes, outputs = records_of(graph, depth=depth, dtype=dtype)
    params = sum(t.numel() for _, t, w in graph.tensors.values() if w == "parameter")
    buffers = sum(t.numel() for _, t, w in graph.tensors.values() if w == "buffer")
    return Traced(described, records, mismatches, tuple(footnotes), graph, params, buffers,
                  tuple(outputs))


def _bounded_record(model: nn.Module, args: list[Any], kwargs: dict[str, Any], *,
                    timeout: float, what: str, **options: Any) -> Any:
    """:func:`record` in a worker thread (the user's forward runs there, with its prints kept
    apart), given up after ``timeout`` seconds with one line."""
    from convarith.bridges import loading

    if options.get("grad"):
        # the backprop measurement (tests, verify) keeps autograd's thread: run it here
        return record(model, args, kwargs, what=what, **options)
    outcome = loading.call(record, model, args, kwargs, what=what, **options,
                           timeout=timeout)
    if outcome.timed_out:
        raise ConvArithError(
            f"Error tracing {type(model).__name__}{what}: the forward did not return within "
            f"{timeout:g} s, so it was stopped. Check forward for a loop that never ends, or "
            "give a smaller input."
        )
    error = outcome.error
    if isinstance(error, KeyboardInterrupt):  # raised by the forward itself, not by Ctrl-C
        raise ConvArithError(
            f"Error tracing {type(model).__name__}{what}: the forward raised "
            f"{loading.describe_error(error)}. Fix forward."
        ) from None
    if error is not None:
        raise error.with_traceback(None)
    return outcome.value


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
            problems.append(f"{name}: traced {show_size(shape)}, a real forward gives "
                            f"{real_name} {show_size(real_shape)}")
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
