"""The from-scratch numpy layers against torch (float64 values, autograd gradients), against
numerical gradients, and against each other (loop vs vectorised, two transposed constructions).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convarith import ConvArithError
from convarith.bridges.scratch import conv as conv_module
from convarith.bridges.scratch.conv import conv, conv1d_loop, conv2d, conv2d_loop
from convarith.bridges.scratch.gradcheck import gradcheck
from convarith.bridges.scratch.pool import avg_pool2d, max_pool2d
from convarith.bridges.scratch.transposed import conv_transpose, conv_transpose_by_stretching
from convarith.bridges.verify.cases import LayerCase, has_empty_window
from convarith.bridges.verify.checks import case_arrays, case_rng, check_scratch_values
from convarith.bridges.verify.scratch import has_backward, scratch_backward, scratch_forward
from convarith.bridges.verify.strategies import layer_cases
from convarith.choices import SCRATCH_LAYERS

SCRATCH_LAYERS = SCRATCH_LAYERS  # the one registry, convarith.choices


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("layer", SCRATCH_LAYERS)
@given(data=st.data())
def test_scratch_forward_and_backward_equal_torch_float64_and_autograd(layer, data):
    check_scratch_values(data.draw(layer_cases(layer)))


def _loss(case, x, weight, bias, dy, which):
    """``L = sum(f(...) * dy)`` as a function of one argument, for numerical differentiation."""
    def f(value):
        args = {"x": x, "weight": weight, "bias": bias}
        args[which] = value
        return float(np.sum(scratch_forward(case, args["x"], args["weight"], args["bias"]) * dy))
    return f


@pytest.mark.parametrize("layer", [name for name in SCRATCH_LAYERS if name != "unfold"])
@settings(max_examples=15)
@given(data=st.data())
def test_scratch_backward_equals_numerical_gradient(layer, data):
    case = data.draw(layer_cases(layer))
    if has_empty_window(case):
        return  # -inf outputs have no finite differences
    assert has_backward(case)
    x, weight, bias = case_arrays(case)
    if case.kind == "lp_pool":
        # (sum x^p)^(1/p) is differentiable where every power sum is positive (negative ones
        # give NaN in torch too, compared above); p = inf needs no ties to the max
        x = np.abs(x) + 0.1
    y = scratch_forward(case, x, weight, bias)
    dy = case_rng(case, "dy").standard_normal(np.shape(y))
    if layer == "cross_entropy":
        dy = float(dy)
    grads = scratch_backward(case, dy, x, weight, bias)
    for which, value, analytic in zip(("x", "weight", "bias"), (x, weight, bias), grads):
        if value is None or (layer == "cross_entropy" and which == "weight"):
            continue
        result = gradcheck(_loss(case, x, weight, bias, dy, which), value, analytic, samples=12)
        assert result.ok, f"d{which} of {case.describe()}: error {result.max_error:.3g}"


@settings(max_examples=60)
@given(case=layer_cases("conv2d"))
def test_loop_conv2d_equals_vectorised_conv2d(case):
    x, weight, bias = case_arrays(case)
    args = (case.stride, case.padding, case.dilation, case.groups)
    np.testing.assert_allclose(conv2d_loop(x, weight, bias, *args), conv(x, weight, bias, *args),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=60)
@given(case=layer_cases("conv1d"))
def test_loop_conv1d_equals_vectorised_conv1d(case):
    x, weight, bias = case_arrays(case)
    args = (case.stride, case.padding, case.dilation, case.groups)
    np.testing.assert_allclose(conv1d_loop(x, weight, bias, *args), conv(x, weight, bias, *args),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer", ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"])
@given(data=st.data())
def test_transposed_as_gradient_equals_stretch_pad_convolve(layer, data):
    case = data.draw(layer_cases(layer))
    x, weight, bias = case_arrays(case)
    args = (case.stride, case.padding, case.output_padding, case.groups, case.dilation)
    np.testing.assert_allclose(conv_transpose_by_stretching(x, weight, bias, *args),
                               conv_transpose(x, weight, bias, *args), rtol=1e-12, atol=1e-12)


def test_stretching_crops_when_padding_exceeds_the_kernel_span():
    # p = 3 > d(k-1) = 2: the paper's padding k - p - 1 is negative, so the stretched input
    # is cropped; torch's ConvTranspose1d(1, 1, 3, stride=2, padding=3) on 6 gives 7
    x = np.arange(1.0, 7.0).reshape(1, 1, 6)
    w = np.array([[[1.0, 2.0, 3.0]]])
    want = torch.nn.functional.conv_transpose1d(torch.tensor(x), torch.tensor(w), stride=2,
                                                padding=3).numpy()
    assert want.shape == (1, 1, 7)
    np.testing.assert_allclose(conv_transpose_by_stretching(x, w, stride=2, padding=3), want)
    np.testing.assert_allclose(conv_transpose(x, w, stride=2, padding=3), want)


def test_conv2d_dumoulin_visin_figure_2_1_no_padding_unit_stride():
    # arXiv:1603.07285, Figure 2.1: i=4, k=3 -> 2 (Relationship 1)
    assert conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))).shape == (1, 1, 2, 2)


def test_max_pool_ceil_mode_drops_window_starting_in_padding():
    # torch: MaxPool2d(2, stride=2, padding=1, ceil_mode=True) on 5x5 -> 3x3, not 4x4
    assert max_pool2d(np.zeros((1, 1, 5, 5)), 2, stride=2, padding=1, ceil_mode=True).shape \
        == (1, 1, 3, 3)


def test_avg_pool_count_include_pad_changes_the_divisor_at_the_border():
    x = np.ones((1, 1, 3, 3))
    assert avg_pool2d(x, 2, padding=1)[0, 0, 0, 0] == 0.25
    assert avg_pool2d(x, 2, padding=1, count_include_pad=False)[0, 0, 0, 0] == 1.0


def test_scratch_shapes_come_from_the_formula_core(monkeypatch):
    # a wrong formula shows up in the scratch layer, it is not silently recomputed there
    monkeypatch.setattr(conv_module, "conv_output_size", lambda *a, **k: (9, 9))
    with pytest.raises(RuntimeError, match="the output-size formula is wrong here"):
        conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)))


def test_scratch_conv_rejects_a_kernel_larger_than_the_padded_input():
    with pytest.raises(ConvArithError, match=r"effective kernel \(7\) is larger than the padded"):
        conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 7, 7)))


def test_scratch_conv_rejects_channels_not_divisible_by_groups():
    with pytest.raises(ConvArithError, match="in_channels=3 is not divisible by groups=2"):
        conv2d(np.zeros((1, 3, 5, 5)), np.zeros((2, 1, 3, 3)), groups=2)


def test_scratch_conv_accepts_asymmetric_padding_pairs():
    x = np.arange(5.0).reshape(1, 1, 5)
    y = conv(x, np.ones((1, 1, 2)), padding=((1, 0),))
    np.testing.assert_allclose(y[0, 0], [0.0, 1.0, 3.0, 5.0, 7.0])


def test_max_pool_window_wholly_in_padding_gives_minus_infinity_like_torch():
    case = LayerCase("max_pool1d", (1, 1, 1), kernel_size=(2,), stride=(2,), padding=(1,),
                     dilation=(2,))
    assert has_empty_window(case)
    x = np.array([[[3.0]]])
    assert scratch_forward(case, x)[0, 0, 0] == -np.inf
    assert torch.nn.functional.max_pool1d(torch.tensor(x), 2, 2, 1, 2)[0, 0, 0] == -np.inf


def test_scratch_layers_need_numpy_only():
    import subprocess
    import sys

    code = ("import sys, convarith.scratch.conv, convarith.scratch.transposed, "
            "convarith.scratch.pool, convarith.scratch.dense, convarith.scratch.gradcheck; "
            "print('torch' in sys.modules, 'convarith.scratch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    out = subprocess.run([sys.executable, "-c", "import sys, convarith; "
                          "print('convarith.bridges.scratch' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=60)
@given(case=layer_cases("conv2d", padding_forms=("int", "axes")))
def test_transposed_convolution_is_the_input_gradient_of_the_convolution(case):
    from convarith.bridges.scratch.conv import conv_backward
    from convarith.bridges.verify.identities import output_padding_for_inverse

    x, weight, _ = case_arrays(case)
    args = {"stride": case.stride, "padding": case.padding, "dilation": case.dilation,
            "groups": case.groups}
    dy = case_rng(case, "dy").standard_normal(conv(x, weight, None, **args).shape)
    dx, _, _ = conv_backward(dy, x, weight, **args, bias=False)
    transposed = conv_transpose(dy, weight, None, case.stride, case.padding,
                                output_padding_for_inverse(case), case.groups, case.dilation)
    np.testing.assert_allclose(transposed, dx, rtol=1e-12, atol=1e-12)
