"""Every model of the test zoo (tests/models_zoo.py) traced and checked against things
nobody here wrote: ``model.parameters()``, a real forward, ``FlopCounterMode`` per operator,
and the receptive field measured by backpropagation."""

from __future__ import annotations

import inspect

import models_zoo as Z
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.flop_counter import FlopCounterMode, flop_registry

from convarith.bridges.operators import op_macs, receptive_fields
from convarith.bridges.trace import trace
from convarith.tables.table import table

SMALL = [c for c in Z.CASES if c[0] not in ("resnet-18", "vgg-16", "googlenet")]
BIG = [c for c in Z.CASES if c not in SMALL]


def build(factory, device="cpu"):
    torch.manual_seed(0)
    with torch.device(device):
        return factory()


def real_params(model, input):
    """``sum(p.numel())`` of the model, after a real forward when it has lazy modules."""
    if any(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in model.modules()):
        model(torch.zeros(1, *input))
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name, factory, input", Z.CASES, ids=[c[0] for c in Z.CASES])
def test_unique_parameters_equal_model_parameters(name, factory, input):
    model = build(factory, "meta" if name in ("vgg-16", "resnet-18", "googlenet") else "cpu")
    t = table(model, input)
    assert t.totals["params"] == real_params(build(factory), input) if name == "lazy" else \
        t.totals["params"] == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name, factory, input", SMALL, ids=[c[0] for c in SMALL])
def test_every_row_has_the_shape_of_a_real_forward(name, factory, input):
    model = build(factory)
    meta = trace(model, input)
    real = trace(model if name != "lazy" else build(factory), input, device="cpu")
    assert [(r.name, r.output_shape) for r in meta.records] == \
        [(r.name, r.output_shape) for r in real.records]


@pytest.mark.parametrize("name, factory, input", Z.CASES, ids=[c[0] for c in Z.CASES])
def test_macs_equal_flop_counter_over_two_per_operator(name, factory, input):
    traced = trace(build(factory, "meta"), input)
    counted = 0
    for op in traced.graph.ops:
        if op.func.overloadpacket not in flop_registry and not op_macs(op):
            continue  # an operator neither side counts
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            op.func(*op.args, **op.kwargs)
        assert op_macs(op) * 2 == counter.get_total_flops(), op.name
        counted += op_macs(op) > 0
    assert counted or name == "keyword input"
    # the rows hold every operator's MACs, once per call
    assert sum(r.macs for r in traced.records) == sum(map(op_macs, traced.graph.ops))


def test_resnets_and_vgg_receptive_fields_at_224_as_the_distill_table():
    rows = {r.name: r for r in table(build(Z.resnet18, "meta"), (3, 224, 224)).rows}
    assert (rows["layer4.1.add"].rf, rows["layer4.1.add"].jump) == ((435, 435), (32, 32))
    assert rows["layer4.1.add"].type == "add + relu"  # the ReLU after out += identity
    resnet50 = table(build(Z.resnet50, "meta"), (3, 224, 224))
    rows = {r.name: r for r in resnet50.rows}
    assert (rows["layer4.2.add"].rf, rows["layer4.2.add"].jump) == ((427, 427), (32, 32))
    assert resnet50.totals["params"] == 25_557_032
    vgg = table(build(Z.vgg16, "meta"), (3, 224, 224))
    rows = {r.name: r for r in vgg.rows}
    assert (rows["features.30"].rf, rows["features.30"].jump) == ((212, 212), (32, 32))
    assert vgg.totals["params"] == 138_357_544


def test_googlenet_auxiliary_heads_run_in_train_mode_only():
    model = build(Z.googlenet, "meta")
    evaluated = table(model, (3, 64, 64))
    trained = table(model, (3, 64, 64), mode="train")
    total = sum(p.numel() for p in model.parameters())
    assert evaluated.totals["params"] == trained.totals["params"] == total
    not_run = [r.name for r in evaluated.rows if r.note == "not run"]
    assert not_run == ["aux1", "aux2"]
    assert any(r.name == "aux1.fc2" for r in trained.rows)
    assert not any(r.note == "not run" for r in trained.rows)
    assert model.training  # the model's own mode is left alone


# --------------------------------------------------------------------------- backprop


class _MaxAsAverage(TorchFunctionMode):
    """Max pooling sends its gradient to one cell; average pooling over the same windows
    has the same dependence and a gradient on every cell it reads."""

    _signature = inspect.signature(lambda input, kernel_size, stride=None, padding=0,
                                   dilation=1, ceil_mode=False, return_indices=False: 0)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__name__", "") == "max_pool2d":
            a = self._signature.bind(*args, **kwargs).arguments
            assert a.get("dilation", 1) in (1, (1, 1))
            return F.avg_pool2d(a["input"], a["kernel_size"], a.get("stride"),
                                a.get("padding", 0), a.get("ceil_mode", False))
        return func(*args, **kwargs)


def _positive(model):
    """Weights that keep activations near 1 and strictly positive (no ReLU closes, no
    gradient cancels), running statistics neutral; only the input wants a gradient."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.requires_grad_(False)
            fan_in = p[0].numel() if p.dim() > 1 else 1
            p.fill_(1.0 / fan_in if p.dim() > 1 else 1.0 if name.endswith("weight") else 0.01)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.zero_()
            elif name.endswith("running_var"):
                b.fill_(1.0)
    return model


def measured_against_predicted(factory, shape, limit=None):
    """For each row with a receptive field: the input cells with a gradient from the
    row's centre unit, beside the traced field there (clipped to the input)."""
    model = _positive(build(factory, "meta").to_empty(device="cpu"))
    x = torch.rand(1, *shape, requires_grad=True)
    with _MaxAsAverage():
        traced = trace(model, x, device="cpu", grad=True)
    fields, _ = receptive_fields(traced.graph)
    on_meta = trace(build(factory, "meta"), shape)  # the same rows, shapes and fields
    assert [(r.name, r.output_shape, r.rf, r.jump) for r in on_meta.records] == \
        [(r.name, r.output_shape, r.rf, r.jump) for r in traced.records]
    checks = [(r, n) for r, n in zip(traced.records, traced.outputs) if r.rf and n is not None]
    if limit:  # evenly spaced rows, the last one (the whole network's field) always
        step = max(1, len(checks) // limit)
        checks = checks[-1::-step][:limit]
    out = []
    for record, node in checks:
        y = traced.graph.nodes[node].tensor
        centre = tuple(size // 2 for size in y.shape[2:])
        unit = y[(0, slice(None), *centre)].sum()
        (gradient,) = torch.autograd.grad(unit, x, retain_graph=True)
        seen = gradient[0].abs().sum(0)
        measured, predicted = [], []
        for axis, (dim, field) in enumerate(fields[node].axes):
            other = tuple(a for a in range(seen.dim()) if a != axis)
            cells = torch.nonzero(seen.sum(other) if other else seen).flatten().tolist()
            measured.append((cells[0], cells[-1]))
            lo, hi = field.at(centre[dim - 2])
            predicted.append((max(lo, 0), min(hi, shape[axis + 1] - 1)))
        out.append((record.name, measured, predicted))
    return out


@pytest.mark.parametrize("name, factory, shape, limit", [
    ("functional pooling", Z.FunctionalPooling, (3, 32, 32), None),
    ("inception style", Z.InceptionStyle, (3, 12, 12), None),
    ("depthwise separable", Z.depthwise_separable, (8, 12, 12), None),
    ("u-net skip", Z.UNetSkip, (1, 16, 16), None),
    ("reused in a loop", Z.ReusedInALoop, (3, 20, 20), 3),
    ("resnet-18", Z.resnet18, (3, 40, 32), 2),
    ("googlenet", Z.googlenet, (3, 32, 32), 1),
])
def test_receptive_fields_equal_the_backprop_measurement(name, factory, shape, limit):
    results = measured_against_predicted(factory, shape, limit)
    assert results
    for row, measured, predicted in results:
        assert measured == predicted, row


def test_receptive_field_of_a_reflect_padded_convolution_away_from_the_border():
    model = _positive(build(Z.reflect_padding, "meta").to_empty(device="cpu"))
    x = torch.rand(1, 1, 32, 32, requires_grad=True)
    traced = trace(model, x, device="cpu", grad=True)
    rows = {r.name: r for r in traced.records}
    assert rows["0"].rf == (5, 5) and rows["2"].rf == (7, 7)  # the pads are counted
    assert rows["0"].macs == 4 * 25 * 32 * 32  # and the convolution after them
    y = traced.graph.nodes[traced.outputs[-1]].tensor
    (gradient,) = torch.autograd.grad(y[0, :, 16, 16].sum(), x)
    rows_seen = torch.nonzero(gradient[0, 0].sum(1)).flatten().tolist()
    assert (rows_seen[0], rows_seen[-1]) == (16 - 3, 16 + 3)
    assert "reflect padding" in rows["0"].note and "circular padding" in rows["2"].note


def test_transposed_convolution_field_alternates_between_its_outputs():
    t = trace(nn.Sequential(nn.ConvTranspose2d(1, 1, 3, stride=2)), (1, 8, 8))
    fields, _ = receptive_fields(t.graph)
    field = fields[t.outputs[0]].get()[2]
    # output m receives input n when 2n + tap = m (tap < 3): even outputs two inputs, odd one
    # (input -1 lies outside: borders are ignored, as in the Distill recurrences)
    assert [field.at(m) for m in range(4)] == [(-1, 0), (0, 0), (0, 1), (1, 1)]
    assert t.records[0].rf == (2, 2) and str(t.records[0].jump[0]) == "1/2"


@pytest.mark.parametrize("name, factory, input", [
    ("resnet-18", Z.resnet18, (3, 32, 32)),
    ("resnet-50", Z.resnet50, (3, 32, 32)),
    ("vgg-16", Z.vgg16, (3, 32, 32)),
    ("googlenet", Z.googlenet, (3, 32, 32)),
], ids=lambda value: value if isinstance(value, str) else "")
def test_the_big_models_rows_have_the_shapes_of_a_real_forward_on_a_small_input(
        name, factory, input):
    """The big models too (on a small input, so that the real CPU forward stays cheap)."""
    model = _positive(build(factory, "meta").to_empty(device="cpu"))
    meta = trace(build(factory, "meta"), input)
    real = trace(model, input, device="cpu")
    assert [(r.name, r.output_shape) for r in meta.records] == \
        [(r.name, r.output_shape) for r in real.records]


@pytest.mark.parametrize("name, factory, shape", [
    ("resnet-50", Z.resnet50, (3, 32, 32)),
    ("vgg-16", Z.vgg16, (3, 32, 32)),
], ids=lambda value: value if isinstance(value, str) else "")
def test_the_big_models_receptive_fields_equal_the_backprop_measurement(name, factory, shape):
    """The whole network's field (the last row with one), clipped to the small input."""
    results = measured_against_predicted(factory, shape, limit=1)
    assert results
    for row, measured, predicted in results:
        assert measured == predicted, row


def test_resnet50_parameters_and_macs_per_operator():
    """ResNet-50 (not in Z.CASES, whose every model runs several checks) meets the same two:
    the unique total is model.parameters()'s, each operator's MACs are FlopCounterMode's / 2."""
    model = build(Z.resnet50, "meta")
    assert table(model, (3, 64, 64)).totals["params"] == sum(p.numel() for p in model.parameters())
    traced = trace(model, (3, 64, 64))
    checked = 0
    for op in traced.graph.ops:
        if not op_macs(op):
            continue
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            op.func(*op.args, **op.kwargs)
        assert op_macs(op) * 2 == counter.get_total_flops(), op.name
        checked += 1
    assert checked == 54  # 53 convolutions and the classifier's matrix product
