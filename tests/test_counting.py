"""Parameter, MAC and memory counts, checked against torch modules where torch can count."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from convarith import (
    ConvArithError,
    activation_bytes,
    batch_norm_buffers,
    batch_norm_params,
    conv_macs,
    conv_params,
    conv_transpose_macs,
    conv_transpose_params,
    depthwise_separable_params,
    flops,
    linear_params,
)


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@given(c=st.integers(1, 6), g=st.integers(1, 3), mult=st.integers(1, 3),
       k=st.tuples(st.integers(1, 5), st.integers(1, 5)), bias=st.booleans())
def test_conv_and_transposed_params_match_torch(c, g, mult, k, bias):
    c_in, c_out = c * g, mult * g
    with torch.device("meta"):
        conv = torch.nn.Conv2d(c_in, c_out, k, groups=g, bias=bias)
        transposed = torch.nn.ConvTranspose2d(c_in, c_out, k, groups=g, bias=bias)
    assert conv_params(c_in, c_out, k, groups=g, bias=bias) == _count(conv)
    assert conv_transpose_params(c_in, c_out, k, groups=g, bias=bias) == _count(transposed)


def test_filter_bank_of_the_notes():
    assert conv_params(3, 32, 3) == 896  # 32 filters of 3x3x3 plus 32 biases


def test_groups_must_divide_channels():
    with pytest.raises(ConvArithError, match="in_channels=5 is not divisible by groups=2"):
        conv_params(5, 4, 3, groups=2)


def test_linear_and_batch_norm_match_torch():
    assert linear_params(9216, 4096) == _count(torch.nn.Linear(9216, 4096, device="meta"))
    bn = torch.nn.BatchNorm2d(64)
    assert batch_norm_params(64) == _count(bn)
    assert batch_norm_buffers(64) == sum(b.numel() for b in bn.buffers())


def test_depthwise_separable_matches_torch():
    depthwise = torch.nn.Conv2d(32, 32, 3, groups=32)
    pointwise = torch.nn.Conv2d(32, 64, 1)
    assert depthwise_separable_params(32, 64, 3) == _count(depthwise) + _count(pointwise)


def test_conv_macs_alexnet_first_layer():
    # 55*55 positions x 96 filters x 3*11*11 products
    assert conv_macs((224, 224), 3, 96, 11, stride=4, padding=2) == 55 * 55 * 96 * 363


def test_transposed_macs_count_per_input_position():
    # stride changes where products land, not how many there are
    one = conv_transpose_macs((4, 4), 8, 4, 3)
    assert one == 16 * 8 * 4 * 9
    assert one == conv_transpose_macs((4, 4), 8, 4, (3, 3))


@given(i=st.integers(1, 6), k=st.integers(1, 4), s=st.integers(1, 3))
def test_transposed_macs_equal_the_products_actually_formed(i, k, s):
    # every non-zero product of a transposed conv is one input value times one weight: count
    # the multiplications a scatter implementation performs
    x = torch.ones(1, 1, i)
    weight = torch.ones(1, 1, k)
    out = torch.nn.functional.conv_transpose1d(x, weight, stride=s)
    assert out.sum().item() == conv_transpose_macs(i, 1, 1, k)


def test_flops_convention():
    assert flops(10) == 20
    assert flops(10, bias_adds=3, include_bias=True) == 23


def test_activation_bytes():
    assert activation_bytes((96, 55, 55), dtype="float32") == 96 * 55 * 55 * 4
    with pytest.raises(ConvArithError, match="dtype='float12' is not known"):
        activation_bytes((1,), dtype="float12")
