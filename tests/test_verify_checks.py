"""The checkers of convarith.verify: three-way shapes, the measured receptive field, the
transposed-convolution identities, and that each of them catches a planted error."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from convarith.bridges.verify import receptive as receptive_module
from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.checks import Mismatch, check_scratch_values, check_shape
from convarith.bridges.verify.identities import (
    check_transposed_identities,
    output_padding_for_inverse,
)
from convarith.bridges.verify.receptive import (
    StackCase,
    check_receptive_field,
    measured_field,
    stacks,
)
from convarith.bridges.verify.strategies import layer_cases, shape_cases
from convarith.choices import SCRATCH_LAYERS
from convarith.formulas.receptive import RFLayer, RFRow
from convarith.specs import layers as specs_module

ALL_LAYERS = SCRATCH_LAYERS  # the one registry, convarith.choices


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("layer", ALL_LAYERS)
@given(data=st.data())
def test_formula_torch_and_scratch_give_one_shape_or_all_reject(layer, data):
    check_shape(data.draw(shape_cases(layer)), scratch=True)


@given(case=stacks())
def test_receptive_field_measured_by_backprop_equals_the_formula(case):
    check_receptive_field(case)


@given(case=layer_cases("conv2d", padding_forms=("int", "axes")))
def test_transposed_convolution_is_the_matrix_transpose_and_the_stretched_convolution(case):
    check_transposed_identities(case)


def test_measured_field_of_alexnet_first_layers():
    # conv 11/4 p2, pool 3/2: r = 19, j = 8 (Araujo, Norris & Sim's recurrences)
    case = StackCase((RFLayer("conv", k=11, s=4, p=2), RFLayer("pool", k=3, s=2)), 64)
    first, size = measured_field(case)
    assert size == 19
    assert first == -2 + case.unit() * 8


def test_dilated_field_has_holes_but_its_extent_is_r():
    case = StackCase((RFLayer("conv", k=2, d=3),), 8)
    assert measured_field(case) == (0, 4)


def test_output_padding_restores_the_input_size():
    case = LayerCase("conv2d", (1, 1, 7, 8), kernel_size=(3, 3), stride=(2, 3), padding=(1, 0))
    # (7 + 2 - 3) mod 2 = 0 and (8 - 3) mod 3 = 2
    assert output_padding_for_inverse(case) == (0, 2)


# --------------------------------------------------------------------------- planted errors


def test_shape_check_catches_a_wrong_formula(monkeypatch):
    real = specs_module.conv_output_size
    monkeypatch.setattr(specs_module, "conv_output_size",
                        lambda *a, **k: tuple(o + 1 for o in real(*a, **k)))
    case = LayerCase("conv2d", (1, 1, 5, 5), kernel_size=(3, 3))
    with pytest.raises(Mismatch, match=r"the formula core gives shape \(1, 1, 4, 4\); torch "
                                       r"gives \(1, 1, 3, 3\)"):
        check_shape(case)


def test_shape_check_catches_a_formula_that_accepts_what_torch_rejects(monkeypatch):
    # the pooling normaliser and formula both forget the padding rule (the spec checks it
    # on construction, the formula on every input)
    from convarith.formulas.normalise import pool_arguments

    monkeypatch.setattr(specs_module, "pool_window",
                        lambda k, s, p, d, **kw: pool_arguments(None, k, s, p, d))
    monkeypatch.setattr(specs_module, "pool_output_size", lambda *a, **k: (1,))
    case = LayerCase("max_pool1d", (1, 1, 8), kernel_size=(2,), padding=(2,))
    with pytest.raises(Mismatch, match="torch rejects it .*padding should be at most half"):
        check_shape(case)


def test_receptive_field_check_catches_a_recurrence_that_forgets_dilation(monkeypatch):
    def no_dilation(layers):
        r, j, left, rows = 1, 1, 0, []
        for layer in layers:
            r, left, j = r + (layer.k - 1) * j, left - layer.p * j, j * layer.stride
            rows.append(RFRow(layer, r, j, left))
        return rows

    monkeypatch.setattr(receptive_module, "receptive_field", no_dilation)
    case = StackCase((RFLayer("conv", k=3, d=2),), 9)
    with pytest.raises(Mismatch, match=r"reaches input cells 0 to 4 \(r=5\); the formula gives "
                                       r"r=3 starting at 0"):
        check_receptive_field(case)


def test_value_check_catches_a_wrong_scratch_layer(monkeypatch):
    from convarith.bridges.scratch import SCRATCH, ScratchLayer, dense

    monkeypatch.setitem(SCRATCH.entries, "tanh", ScratchLayer(lambda x: x, dense.tanh_backward))
    with pytest.raises(Mismatch, match="scratch's output differs at index"):
        check_scratch_values(LayerCase("tanh", (2, 3)))


def test_identity_check_catches_an_unflipped_kernel(monkeypatch):
    from convarith.bridges.verify import identities

    def unflipped(case, y, weight, output_padding):
        return torch.nn.functional.conv_transpose2d(
            torch.as_tensor(y), torch.as_tensor(weight).flip(-1, -2), stride=case.stride,
            padding=case.padding, output_padding=output_padding, groups=case.groups,
            dilation=case.dilation)

    monkeypatch.setattr(identities, "stretched_transpose", unflipped)
    case = LayerCase("conv2d", (1, 1, 4, 4), kernel_size=(2, 3))
    with pytest.raises(Mismatch, match="stretched, padded, convolved y differs"):
        check_transposed_identities(case)
