"""Keras' convention in the formula core and the CLI, without Keras (tests/test_keras.py
checks the same formulas against Keras itself): one formula on ints and on symbols, the
padding it places, the derivation, the solvers and the command-line text."""

from __future__ import annotations

import sympy
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from convarith import conv_output_size, pool_output_size
from convarith.cli import main
from convarith.formulas.explain import explain_conv, explain_pool
from convarith.formulas.output_size import (
    conv_axis,
    keras_same_axis,
    keras_same_padding_axis,
    keras_transpose_axis,
    keras_transpose_crop_axis,
)
from convarith.formulas.solve import keras_padding_for, torch_equivalent

sizes, kernels, strides, dilations = (st.integers(1, 64), st.integers(1, 9), st.integers(1, 6),
                                      st.integers(1, 4))


@given(sizes, kernels, strides, dilations)
def test_same_padding_gives_ceil_i_over_s_through_the_pytorch_formula(i, k, s, d):
    left, right = keras_same_padding_axis(i, k, s, d)
    assert 0 <= right - left <= 1  # the odd cell at the end
    assert conv_axis(i, k, s, (left, right), d, context="") == keras_same_axis(i, s) == -(-i // s)


@given(sizes, kernels, strides)
def test_same_padding_is_the_least_that_fits_the_last_window(i, k, s):
    left, right = keras_same_padding_axis(i, k, s, 1)
    o = keras_same_axis(i, s)
    assert (o - 1) * s + k <= i + left + right  # the last window fits
    assert left + right == 0 or (o - 1) * s + k == i + left + right  # and no more is added


@given(st.integers(1, 40), kernels, strides)
def test_symbolic_keras_sizes_are_the_numeric_ones(i, k, s):
    H = sympy.Symbol("H", integer=True, positive=True)
    for padding in ("same", "valid"):
        if padding == "valid" and k > i:
            continue
        expression = conv_output_size(H, k, stride=s, padding=padding, convention="keras")
        assert expression.subs(H, i) == conv_output_size(i, k, stride=s, padding=padding,
                                                         convention="keras")


@given(st.integers(1, 12), kernels, strides, st.sampled_from(["valid", "same"]),
       st.one_of(st.none(), st.integers(0, 5)))
def test_transposed_crops_account_for_the_keras_size(i, k, s, mode, a):
    if a is not None and a >= s:
        return
    left, right = keras_transpose_crop_axis(i, k, s, a, 1, mode)
    assert (i - 1) * s + k - left - right == keras_transpose_axis(i, k, s, a, 1, mode)


@given(sizes, kernels, strides)
def test_explanation_ends_in_the_number(i, k, s):
    for padding in ("same", "valid"):
        if padding == "valid" and k > i:
            continue
        derivation = explain_conv(i, k, stride=s, padding=padding, convention="keras")
        assert derivation.result == conv_output_size(i, k, stride=s, padding=padding,
                                                     convention="keras")
        pooled = explain_pool(i, k, stride=s, padding=padding, convention="keras")
        assert pooled.result == pool_output_size(i, k, stride=s, padding=padding,
                                                 convention="keras")


def test_course_notes_statement_same_at_stride_1_keeps_the_size():
    assert all(conv_output_size(28, k, padding="same", convention="keras") == 28
               for k in range(1, 12))


def test_keras_padding_for_finds_both_modes_where_they_agree():
    assert keras_padding_for(224, 112, kernel_size=1, stride=2) == ["valid", "same"]
    assert keras_padding_for(224, 112, kernel_size=3, stride=2) == ["same"]
    assert keras_padding_for(224, 111, kernel_size=3, stride=2) == ["valid"]
    assert keras_padding_for(224, 100, kernel_size=3, stride=2) == []


def test_torch_equivalent_is_symmetric_where_it_can_be():
    assert torch_equivalent("conv", (7, 7), 3, stride=2, padding="same").padding == (1, 1)
    unequal = torch_equivalent("conv", (8, 7), 3, stride=2, padding="same")
    assert unequal.pad == ((0, 1), (1, 1)) and unequal.f_pad() == (1, 1, 0, 1)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_cli_size_with_keras_convention_explains_where_it_pads():
    result = run("size", "conv", "--input", "224", "--kernel", "3", "--stride", "2",
                 "--padding", "same", "--convention", "keras", "--explain")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "112"
    assert lines[-1] == ("  padding: max((o - 1)s + k - i, 0) = max(111*2 + 3 - 224, 0) = 1 in "
                         "total: 0 on the top/left, 1 on the bottom/right (the odd one goes "
                         "there).")


def test_cli_same_at_stride_2_is_refused_in_pytorch_convention_in_one_line():
    result = run("size", "conv", "--input", "224", "--kernel", "3", "--stride", "2",
                 "--padding", "same")
    assert result.exit_code == 2
    assert result.output == ("Error: computing the output size of a convolution: "
                             "padding='same' is not supported for strided convolutions "
                             "(stride=2), as in PyTorch. Use stride=1, or a number for "
                             "padding.\n")


def test_cli_keras_rejects_numbers_for_padding():
    result = run("size", "conv", "--input", "9", "--kernel", "3", "--padding", "1",
                 "--convention", "keras")
    assert result.exit_code == 2
    assert result.output.startswith("Error: computing the output size of a convolution "
                                    "(Keras): padding=1 is not a Keras padding.")


def test_cli_channels_last_reads_hwc_and_writes_hwc():
    result = run("size", "conv", "--input", "32x32x3", "--channels-last", "--kernel", "3",
                 "--stride", "2", "--padding", "same", "--convention", "keras",
                 "--out-channels", "16")
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        "16x16x16", "parameters: 448 (16 filters of 3x3x3: 432 weights + 16 biases)"]


def test_cli_solve_padding_and_torch_layer():
    result = run("solve", "padding", "--input", "8", "--output", "4", "--kernel", "3",
                 "--stride", "2", "--convention", "keras")
    assert result.output == ("same\nsame pads 1 in total: 0 on the top/left, 1 on the "
                             "bottom/right.\n")
    result = run("solve", "torch-layer", "--input", "8x8", "--kernel", "3", "--stride", "2",
                 "--padding", "same")
    assert result.output == ("nn.ZeroPad2d((0, 1, 0, 1))  # = F.pad(x, (0, 1, 0, 1))\n"
                             "then nn.Conv2d(C_in, C_out, 3, stride=2)\n")


def test_a_symbolic_table_of_keras_specs_names_the_padding_mode():
    from convarith import table
    from convarith.specs.layers import Conv, Flatten, Linear, MaxPool
    from convarith.specs.network import Network

    net = Network("keras-style", (3, 224, 224), (
        Conv(8, 3, stride=2, padding="same", convention="keras"),
        MaxPool(2, padding="same", convention="keras"), Flatten(), Linear(10)))
    rows = table(net, symbolic=True).rows
    assert [row.padding for row in rows[1:3]] == ["same", "same"]
    from convarith.tables.table import show_value

    assert show_value(rows[2].output_shape[1]) == "floor((H - 1)/4) + 1"  # ceil(ceil(H/2)/2)
    assert table(net).rows[2].output_shape == (8, 56, 56)
