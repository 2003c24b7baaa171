"""Receptive fields by the recurrences of Araujo, Norris & Sim (Distill 2019)."""

from __future__ import annotations

import re

import pytest

from convarith import ConvArithError, RFLayer, parse_layers, receptive_field


def test_three_3x3_layers_see_7x7():
    rows = receptive_field([RFLayer("conv", k=3)] * 3)
    assert [row.r for row in rows] == [3, 5, 7]
    assert all(row.j == 1 for row in rows)


def test_alexnet_start():
    rows = receptive_field(parse_layers("conv k=11 s=4 p=2; pool k=3 s=2; conv k=5 p=2"))
    assert [(row.r, row.j, row.left) for row in rows] == [(11, 4, -2), (19, 8, -2), (51, 8, -18)]


def test_dilation_uses_the_effective_kernel():
    rows = receptive_field([RFLayer("conv", k=3, d=2), RFLayer("conv", k=3, d=4)])
    assert [row.r for row in rows] == [5, 13]


def test_centre_is_left_edge_plus_half_the_size():
    rows = receptive_field([RFLayer("conv", k=2, s=2), RFLayer("conv", k=3, p=1)])
    assert rows[0].start == 0.5
    assert rows[1].left == -2 and rows[1].r == 6 and rows[1].start == 0.5


def test_pool_stride_defaults_to_kernel():
    assert parse_layers("pool k=2")[0].stride == 2
    assert parse_layers("conv k=2")[0].stride == 1


@pytest.mark.parametrize("text, message", [
    ("conv k=3; blur k=2", "'blur' is not a layer kind"),
    ("conv s=2", "no kernel size"),
    ("conv k=three", "'k=three' is not of the form"),
    ("", "Could not read any layer"),
])
def test_bad_layer_text(text, message):
    with pytest.raises(ConvArithError, match=message):
        parse_layers(text)


@pytest.mark.parametrize("bad, words", [
    ("conv k=3", "convarith.parse_layers('conv k=3')"),
    ([("conv", 3, 1, 1)], "the layer ('conv', 3, 1, 1) is not an RFLayer"),
    (5, "5 is not a list of RFLayer"),
])
def test_receptive_field_of_something_else_is_one_clear_error(bad, words):
    with pytest.raises(ConvArithError, match=re.escape(words)):
        receptive_field(bad)
