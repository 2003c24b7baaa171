"""The formula core's own claims: PyTorch's pooling cases, padding forms, symbols, errors."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from convarith import (
    ConvArithError,
    adaptive_pool_bins,
    conv_output_size,
    conv_transpose_output_size,
    explain_conv,
    lost_input,
    padding_for,
    pool_output_size,
    same_padding,
    unfold_blocks,
    valid_input_sizes,
)


def test_ceil_mode_drops_window_starting_in_padding():
    # MaxPool2d(2, stride=2, padding=1, ceil_mode=True) on 5x5 gives 3x3 in PyTorch
    assert pool_output_size(5, kernel_size=2, stride=2, padding=1, ceil_mode=True) == 3


def test_ceil_mode_kernel_1_stride_2():
    assert pool_output_size(32, kernel_size=1, stride=2, ceil_mode=True) == 16
    assert pool_output_size((6, 7), kernel_size=1, stride=2, ceil_mode=True) == (3, 4)


def test_pool_stride_defaults_to_kernel():
    assert pool_output_size(13, kernel_size=3) == pool_output_size(13, kernel_size=3, stride=3)


def test_pool_padding_limit_uses_plain_kernel_even_with_dilation():
    # torch 2.13: MaxPool1d(7, 5, padding=4, dilation=2) raises although 4 <= (2*6+1)/2
    with pytest.raises(ConvArithError, match="more than half of kernel_size"):
        pool_output_size(30, kernel_size=7, stride=5, padding=4, dilation=2)


def test_same_padding_keeps_size_at_stride_1():
    for k in range(1, 8):
        for d in range(1, 4):
            assert conv_output_size(11, kernel_size=k, dilation=d, padding="same") == 11


def test_same_padding_puts_the_odd_one_on_the_right():
    assert same_padding(4) == (3, 1, 2)
    assert same_padding(2, dilation=3) == (3, 1, 2)


def test_same_padding_with_stride_raises():
    with pytest.raises(ConvArithError, match="not supported for strided convolutions"):
        conv_output_size(10, kernel_size=3, stride=2, padding="same")


def test_asymmetric_padding_pairs():
    assert conv_output_size((5, 6), kernel_size=(4, 3), padding=((1, 2), (0, 1))) == (5, 5)


def test_kernel_larger_than_padded_input_message():
    with pytest.raises(ConvArithError, match=r"^Error computing the output size of a convolution "
                       r"for i=5, k=7, s=1, p=0, d=1: the effective kernel \(7\) is larger than "
                       r"the padded input \(5\)\. Use p >= 1, or k <= 5\.$"):
        conv_output_size(5, kernel_size=7)


@pytest.mark.parametrize("argument", ["kernel_size", "stride", "dilation"])
def test_zero_sizes_are_rejected(argument):
    kwargs = {"kernel_size": 3, argument: 0}
    with pytest.raises(ConvArithError, match=f"{argument}=0 must be at least 1"):
        conv_output_size(10, **kwargs)


def test_negative_padding_is_rejected():
    with pytest.raises(ConvArithError, match="padding=-1 must be at least 0"):
        conv_output_size(10, kernel_size=3, padding=-1)


def test_non_integer_is_rejected():
    with pytest.raises(ConvArithError, match=r"input_size=2\.5 is not an integer"):
        conv_output_size(2.5, kernel_size=1)


def test_mismatched_dimensions_are_rejected():
    with pytest.raises(ConvArithError, match="different lengths"):
        conv_output_size((5, 5), kernel_size=(3, 3, 3))


def test_output_padding_must_be_below_stride_or_dilation():
    with pytest.raises(ConvArithError, match="output_padding=2 must be smaller than either"):
        conv_transpose_output_size(3, kernel_size=3, stride=2, output_padding=2)
    assert conv_transpose_output_size(3, kernel_size=3, dilation=2, output_padding=1) == 8


def test_strict_rejects_lost_input_only():
    # AlexNet's 224 with p=0 loses a column; 227 does not; 224 with p=2 loses only padding
    with pytest.raises(ConvArithError, match="strict mode: the last 1 row"):
        conv_output_size(224, kernel_size=11, stride=4, strict=True)
    assert conv_output_size(227, kernel_size=11, stride=4, strict=True) == 55
    assert conv_output_size(224, kernel_size=11, stride=4, padding=2, strict=True) == 55
    assert lost_input(224, kernel_size=11, stride=4) == 1


def test_explain_gives_the_worked_derivation():
    derivation = explain_conv(224, kernel_size=11, stride=4, padding=2)
    assert derivation.line() == "floor((224 + 2*2 - 11)/4) + 1 = floor(217/4) + 1 = 54 + 1 = 55"
    assert derivation.result == conv_output_size(224, kernel_size=11, stride=4, padding=2)
    assert "217 mod 4 = 1" in derivation.notes[0]
    assert "⌊217/4⌋" in derivation.text()
    assert r"\left\lfloor \frac{217}{4} \right\rfloor" in derivation.latex()


@given(i=st.integers(1, 60), k=st.integers(1, 9), s=st.integers(1, 5), p=st.integers(0, 5),
       d=st.integers(1, 3))
def test_explain_agrees_with_formula(i, k, s, p, d):
    try:
        expected = conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
    except ConvArithError:
        with pytest.raises(ConvArithError):
            explain_conv(i, kernel_size=k, stride=s, padding=p, dilation=d)
        return
    derivation = explain_conv(i, kernel_size=k, stride=s, padding=p, dilation=d)
    assert derivation.result == expected
    assert derivation.line().endswith(f"= {expected}")


def test_symbolic_same_size_is_H():
    H = sympy.Symbol("H")
    assert conv_output_size(H, kernel_size=3, padding=1) == H
    expr = conv_output_size(H, kernel_size=3, stride=2, padding=1)
    assert expr.has(sympy.floor)
    assert expr.free_symbols == {H}


@given(i=st.integers(1, 80), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 4),
       d=st.integers(1, 3))
def test_symbolic_form_equals_numeric(i, k, s, p, d):
    I = sympy.Symbol("I")
    try:
        numeric = conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
    except ConvArithError:
        return
    symbolic = conv_output_size(I, kernel_size=k, stride=s, padding=p, dilation=d)
    assert symbolic.subs(I, i) == numeric
    t_numeric = conv_transpose_output_size(i, kernel_size=k, stride=s, padding=0, dilation=d)
    t_symbolic = conv_transpose_output_size(I, kernel_size=k, stride=s, dilation=d)
    assert t_symbolic.subs(I, i) == t_numeric


@given(i=st.integers(1, 80), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3),
       ceil=st.booleans())
def test_symbolic_pool_equals_numeric(i, k, s, p, ceil):
    I = sympy.Symbol("I")
    try:
        numeric = pool_output_size(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
    except ConvArithError:
        return
    symbolic = pool_output_size(I, kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
    assert symbolic.subs(I, i) == numeric


def test_symbolic_stride_and_kernel():
    k, s = sympy.symbols("k s")
    expr = conv_output_size(32, kernel_size=k, stride=s)
    assert expr.subs({k: 5, s: 1}) == 28


@given(i=st.integers(1, 60), o=st.integers(1, 60), k=st.integers(1, 7), s=st.integers(1, 4))
def test_padding_for_finds_exactly_the_paddings_that_work(i, o, k, s):
    found = padding_for(i, o, kernel_size=k, stride=s)
    for p in range(0, 80):
        try:
            works = conv_output_size(i, kernel_size=k, stride=s, padding=p) == o
        except ConvArithError:
            works = False
        assert works == (p in found)


@given(k=st.integers(1, 9), s=st.integers(1, 5), p=st.integers(0, 3))
def test_valid_input_sizes_lose_nothing(k, s, p):
    for i in valid_input_sizes(kernel_size=k, stride=s, padding=p, low=1, high=64):
        assert lost_input(i, kernel_size=k, stride=s, padding=p) == 0


def test_adaptive_bins_cover_the_input():
    bins = adaptive_pool_bins(13, 6)
    assert bins[0][0] == 0 and bins[-1][1] == 13
    assert all(a < b for a, b in bins)


def test_unfold_blocks_is_the_product_of_conv_sizes():
    assert unfold_blocks((5, 5), kernel_size=2, padding=1, stride=2) == 9
    assert unfold_blocks((10, 7), kernel_size=(3, 2)) == 8 * 6
