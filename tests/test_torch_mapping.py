"""Spec <-> torch module: one table read both ways; every kind goes there and back."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convarith.bridges.torch import TORCH, same_spec, spec_of, to_torch
from convarith.specs import layers as L

# one spec per kind, at an input shape it fits (channels first, no batch)
SAMPLES = [
    (L.Conv(8, 3, stride=2, padding=1), (3, 16, 16)),
    (L.Conv(8, (2, 3), stride=(1, 2), padding=((1, 0), (2, 1)), bias=False), (3, 16, 16)),
    (L.Conv(6, 5, dilation=2, groups=3), (3, 20)),
    (L.ConvTranspose(4, 4, stride=2, padding=1, output_padding=1), (8, 5, 5)),
    (L.MaxPool(3, stride=2, padding=1, ceil_mode=True), (4, 9, 9)),
    (L.AvgPool(2), (4, 8, 8, 8)),
    (L.LPPool(2, 3, stride=2), (4, 9, 9)),
    (L.AdaptiveAvgPool(6), (4, 13, 13)),
    (L.GlobalAvgPool(), (4, 5, 5)),
    (L.Flatten(), (4, 2, 2)),
    (L.Linear(10, bias=False), (84,)),
    (L.ReLU(), (4, 2, 2)),
    (L.Tanh(), (4,)),
    (L.Sigmoid(), (4,)),
    (L.ScaledTanh(), (4,)),
    (L.Dropout(0.3), (4,)),
    (L.SpatialDropout(0.2), (4, 6, 6)),
    (L.BatchNorm(eps=1e-3, momentum=0.2), (4, 6, 6)),
    (L.LocalResponseNorm(5, 1e-4, 0.75, 2.0), (8, 3, 3)),
    (L.PartialConv(L.LENET5_C3_TABLE, 5), (6, 14, 14)),
    (L.Subsampling(2), (6, 28, 28)),
    (L.RBFOutput(10), (84,)),
]


def test_every_layer_kind_has_a_bridge_and_a_sample():
    assert set(TORCH) == set(L.SPECS)
    assert {spec.kind_name for spec, _ in SAMPLES} == set(L.SPECS)
    # keyed by kind name, each bridge is its spec class's
    assert all(TORCH[name].spec is cls for name, cls in L.SPECS.entries.items())


@pytest.mark.parametrize("spec, shape", SAMPLES, ids=lambda v: getattr(v, "kind", ""))
def test_spec_goes_to_torch_and_back(spec, shape):
    module = to_torch(spec, shape)
    assert spec.to_torch(shape).__class__ is module.__class__  # the thin delegate
    back = spec_of(module)
    assert back is not None and same_spec(back, spec), (spec, back)
    with torch.no_grad():
        y = module.eval()(torch.zeros(2, *shape))
    assert tuple(y.shape[1:]) == spec.output_shape(shape)
    params = sum(p.numel() for p in module.parameters())
    assert params == spec.params(shape)


def test_average_pooling_without_the_padding_in_the_mean_is_read_back():
    spec = L.AvgPool(3, stride=1, padding=1, count_include_pad=False)
    module = to_torch(spec, (2, 5, 5))
    assert module.count_include_pad is False
    assert same_spec(spec_of(module), spec)


def test_modules_a_spec_cannot_say_are_not_read():
    assert spec_of(nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")) is None
    assert spec_of(nn.AvgPool2d(2, divisor_override=3)) is None
    assert spec_of(nn.Flatten(0)) is None
    assert spec_of(nn.GELU()) is None
