"""Layer specs are checked when they are built, by the formula layer's one normaliser, and
keep one spelling of each layer: equivalent spellings are equal and survive torch.

Each refusal is compared with what the public entry point (``conv_output_size``,
``pool_output_size``, the counts) says for the same values: the same words, one set of
messages. Where the entry point's context names the input (``i=8, ``), the spec, which has
no input yet, says the rest word for word.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from convarith.bridges.torch import spec_of, to_torch
from convarith.errors import ConvArithError
from convarith.formulas import counting
from convarith.formulas.output_size import (
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
)
from convarith.specs import layers as L
from convarith.specs.network import Network
from convarith.tables.records import describe, geometry


def _message(call) -> str:
    with pytest.raises(ConvArithError) as error:
        call()
    return str(error.value)


# (spec built from the values, the entry point on the same values, the input it names)
SAME_MESSAGE = {
    "conv negative padding": (lambda: L.Conv(8, 3, padding=-1),
                              lambda: conv_output_size(8, 3, padding=-1), None),
    "conv kernel 0": (lambda: L.Conv(8, 0), lambda: conv_output_size(8, 0), None),
    "conv stride 0": (lambda: L.Conv(8, 3, stride=(1, 0)),
                      lambda: conv_output_size((8, 8), 3, stride=(1, 0)), None),
    "conv dilation 0": (lambda: L.Conv(8, 3, dilation=0),
                        lambda: conv_output_size(8, 3, dilation=0), None),
    "conv kernel not an integer": (lambda: L.Conv(8, 2.5),
                                   lambda: conv_output_size(8, 2.5), None),
    "same with a stride": (lambda: L.Conv(8, 3, stride=2, padding="same"),
                           lambda: conv_output_size(8, 3, stride=2, padding="same"), None),
    "unknown padding mode": (lambda: L.Conv(8, 3, padding="half"),
                             lambda: conv_output_size(8, 3, padding="half"), None),
    "axes that disagree": (lambda: L.Conv(8, (3, 3), stride=(1, 1, 1)),
                           lambda: conv_output_size((8, 8), (3, 3), stride=(1, 1, 1)), None),
    "pairs that are not pairs": (lambda: L.Conv(8, 3, padding=((1, 2, 3),)),
                                 lambda: conv_output_size(8, 3, padding=((1, 2, 3),)), None),
    "unknown convention": (lambda: L.Conv(8, 3, convention="tf"),
                           lambda: conv_output_size(8, 3, convention="tf"), None),
    "negative out_channels": (lambda: L.Conv(-3, 3),
                              lambda: counting.conv_params(3, -3, 3), None),
    "zero groups": (lambda: L.Conv(8, 3, groups=0),
                    lambda: counting.conv_params(4, 8, 3, groups=0), None),
    "keras numbers for padding": (
        lambda: L.Conv(8, 3, padding=1, convention="keras"),
        lambda: conv_output_size(8, 3, padding=1, convention="keras"), None),
    "keras stride with dilation": (
        lambda: L.Conv(8, 3, stride=2, dilation=2, padding="same", convention="keras"),
        lambda: conv_output_size(8, 3, stride=2, dilation=2, padding="same",
                                 convention="keras"), None),
    "transposed output_padding at the stride": (
        lambda: L.ConvTranspose(8, 3, stride=2, output_padding=2),
        lambda: conv_transpose_output_size(3, 3, stride=2, output_padding=2), 3),
    "transposed output_padding on the second axis": (
        lambda: L.ConvTranspose(8, 3, stride=(2, 1), output_padding=(1, 1)),
        lambda: conv_transpose_output_size((3, 3), 3, stride=(2, 1), output_padding=(1, 1)),
        3),
    "transposed with a mode": (lambda: L.ConvTranspose(8, 3, padding="same"),
                               lambda: conv_transpose_output_size(3, 3, padding="same"), None),
    "transposed with pairs": (lambda: L.ConvTranspose(8, 3, padding=((0, 1),)),
                              lambda: conv_transpose_output_size(3, 3, padding=((0, 1),)), None),
    "transposed negative out_channels": (
        lambda: L.ConvTranspose(0, 3), lambda: counting.conv_transpose_params(3, 0, 3), None),
    "keras transposed output_padding": (
        lambda: L.ConvTranspose(8, 3, stride=2, padding="same", output_padding=2,
                                convention="keras"),
        lambda: conv_transpose_output_size(4, 3, stride=2, padding="same", output_padding=2,
                                           convention="keras"), None),
    "pool padding over half the kernel": (lambda: L.MaxPool(3, padding=2),
                                          lambda: pool_output_size(8, 3, padding=2), 8),
    "pool padding over half, dilated": (
        lambda: L.MaxPool(3, stride=1, padding=(0, 2), dilation=2),
        lambda: pool_output_size((9, 9), 3, stride=1, padding=(0, 2), dilation=2), 9),
    "pool pairs": (lambda: L.MaxPool(2, padding=((0, 1),)),
                   lambda: pool_output_size(8, 2, padding=((0, 1),)), None),
    "pool negative stride": (lambda: L.MaxPool(2, stride=-1),
                             lambda: pool_output_size(8, 2, stride=-1), None),
    "avg pool has no dilation": (lambda: L.AvgPool(2, dilation=(1, 2)),
                                 lambda: pool_output_size((8, 8), 2, dilation=(1, 2),
                                                          kind="avg"), None),
    "avg pool padding over half": (lambda: L.AvgPool(2, padding=2),
                                   lambda: pool_output_size(8, 2, padding=2, kind="avg"), 8),
    "lp pool kernel 0": (lambda: L.LPPool(2, 0), lambda: pool_output_size(8, 0, kind="lp"),
                         None),
    "keras pool ceil mode": (
        lambda: L.MaxPool(2, ceil_mode=True, padding="same", convention="keras"),
        lambda: pool_output_size(8, 2, ceil_mode=True, padding="same", convention="keras"),
        None),
    "keras pool dilation": (
        lambda: L.AvgPool(2, dilation=2, padding="valid", convention="keras"),
        lambda: pool_output_size(8, 2, dilation=2, padding="valid", kind="avg",
                                 convention="keras"), None),
    "linear out_features 0": (lambda: L.Linear(0), lambda: counting.linear_params(5, 0), None),
    "partial conv kernel 0": (lambda: L.PartialConv(L.LENET5_C3_TABLE, 0),
                              lambda: conv_output_size(14, 0), None),
    "subsampling window 0": (lambda: L.Subsampling(0),
                             lambda: pool_output_size(28, 0, kind="avg"), None),
}


@pytest.mark.parametrize("name", SAME_MESSAGE)
def test_a_spec_is_refused_when_built_with_the_entry_points_message(name):
    spec, entry, i = SAME_MESSAGE[name]
    expected = _message(entry)
    if i is not None:  # the entry point names its input; the spec has none yet
        assert f"i={i}, " in expected
        expected = expected.replace(f"i={i}, ", "")
    assert _message(spec) == expected


def test_groups_that_do_not_divide_out_channels_are_refused_as_the_counts_refuse_them():
    spec = _message(lambda: L.Conv(8, 3, groups=3))
    counted = _message(lambda: counting.conv_params(3, 8, 3, groups=3))
    # the counts know both channel counts; the spec only its own
    assert spec.endswith("Use a groups value that divides 8.")
    assert spec.split(" Use ")[0] == counted.split(" Use ")[0] == (
        "Error counting the parameters of a convolution: out_channels=8 is not divisible by "
        "groups=3, as PyTorch requires.")


def test_the_reviewers_examples_fail_when_built_not_later():
    with pytest.raises(ConvArithError, match="padding=-1 must be at least 0"):
        Network("x", (3, 8, 8), [L.Conv(8, 3, padding=-1)])
    with pytest.raises(ConvArithError, match="padding=5 is more than half of kernel_size"):
        L.MaxPool(3, padding=5)
    with pytest.raises(ConvArithError, match="out_channels=-3 must be at least 1"):
        L.Conv(-3, 3)


def test_rules_of_other_specs_are_checked_when_built():
    with pytest.raises(ConvArithError, match=r"output_size=-1 must be at least 0"):
        L.AdaptiveAvgPool((2, -1))
    with pytest.raises(ConvArithError, match=r"p=1.5 is not a probability"):
        L.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout(1.5)  # torch refuses it too
    with pytest.raises(ConvArithError, match=r"p=-0.1 is not a probability"):
        L.SpatialDropout(-0.1)
    with pytest.raises(ConvArithError, match=r"units=0 must be at least 1"):
        L.RBFOutput(0)
    with pytest.raises(TypeError):  # LPPool has no padding to give, as torch's has none
        L.LPPool(2, 3, padding=1)


# the refused configurations torch can be asked about: built unchecked, torch must refuse
# them too (at construction or on an input of 8 per axis)
TORCH_REFUSES = [
    L.MaxPool.unchecked(kernel_size=3, padding=2),
    L.AvgPool.unchecked(kernel_size=2, padding=2),
    L.ConvTranspose.unchecked(out_channels=4, kernel_size=3, stride=2, output_padding=2),
    L.Conv.unchecked(out_channels=4, kernel_size=3, groups=3),
    L.Conv.unchecked(out_channels=4, kernel_size=3, stride=2, padding="same"),
    L.Conv.unchecked(out_channels=4, kernel_size=3, dilation=0),
]


@pytest.mark.parametrize("spec", TORCH_REFUSES, ids=repr)
def test_what_a_spec_refuses_torch_refuses(spec):
    with pytest.raises(ConvArithError):
        spec.checked()
    with pytest.raises((RuntimeError, ValueError)):
        to_torch(spec, (3, 8, 8))(torch.zeros(1, 3, 8, 8))


# --------------------------------------------------------------------------- one spelling


@st.composite
def _spelled(draw, values):
    """``values`` (one per axis) in one of the spellings the normaliser takes."""
    values = tuple(values)
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return list(values) if draw(st.booleans()) else values


@st.composite
def _spelled_padding(draw, pairs):
    """Per-axis (left, right) pairs spelled as an int, ints per axis, or (mixed) pairs."""
    if all(a == b for a, b in pairs) and draw(st.booleans()):
        return draw(_spelled([a for a, _ in pairs]))
    return tuple(a if a == b and draw(st.booleans()) else (a, b) for a, b in pairs)


@st.composite
def _equivalent_specs(draw):
    """A layer in two independently drawn spellings, and an input shape it fits."""
    n = draw(st.integers(1, 3))
    axes = lambda low, high: tuple(draw(st.integers(low, high)) for _ in range(n))  # noqa: E731
    k, s, d = axes(1, 3), axes(1, 3), axes(1, 2)
    what = draw(st.sampled_from(("conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool",
                                 "adaptive_avg_pool")))
    shape = (2, *(x * (y - 1) + 1 + 6 for x, y in zip(d, k)))

    def twice(build):
        return build(), build()

    if what == "conv":
        pairs = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(n))
        return (*twice(lambda: L.Conv(2, draw(_spelled(k)), stride=draw(_spelled(s)),
                                      padding=draw(_spelled_padding(pairs)),
                                      dilation=draw(_spelled(d)))), shape)
    if what == "conv_transpose":
        p = axes(0, 1)
        a = tuple(draw(st.integers(0, max(x, y) - 1)) for x, y in zip(s, d))
        return (*twice(lambda: L.ConvTranspose(
            2, draw(_spelled(k)), stride=draw(_spelled(s)), padding=draw(_spelled(p)),
            output_padding=draw(_spelled(a)), dilation=draw(_spelled(d)))), shape)
    if what == "adaptive_avg_pool":
        o = axes(1, 4)
        return (*twice(lambda: L.AdaptiveAvgPool(draw(_spelled(o)))), shape)
    # the stride written out when it is the kernel, or left to default
    stride = lambda: None if s == k and draw(st.booleans()) else draw(_spelled(s))  # noqa: E731
    if what == "lp_pool":
        return (*twice(lambda: L.LPPool(2.0, draw(_spelled(k)), stride=stride())), shape)
    p = tuple(draw(st.integers(0, x // 2)) for x in k)
    if what == "avg_pool":
        return (*twice(lambda: L.AvgPool(draw(_spelled(k)), stride=stride(),
                                         padding=draw(_spelled(p)))), shape)
    return (*twice(lambda: L.MaxPool(draw(_spelled(k)), stride=stride(),
                                     padding=draw(_spelled(p)),
                                     dilation=draw(_spelled(d)))), shape)


@given(_equivalent_specs())
def test_equivalent_spellings_are_one_spec_there_and_back_through_torch(drawn):
    one, other, shape = drawn
    assert one == other and hash(one) == hash(other), (one, other)
    assert one.output_shape(shape) == other.output_shape(shape)
    back = spec_of(to_torch(other, shape))
    assert back == one, (one, other, back)


def test_the_reviewers_round_trip_holds():
    spec = L.Conv(8, (3, 3), padding=((1, 1), (1, 1)))
    assert spec == L.Conv(8, 3, padding=1) and L.Conv(8, 3) == L.Conv(8, (3, 3))
    assert spec_of(to_torch(spec, (3, 8, 8))) == spec
    assert L.MaxPool(2, stride=2) == L.MaxPool(2) == spec_of(nn.MaxPool2d(2, stride=(2, 2)))


def test_canonical_specs_show_as_before():
    # the display collapses per-axis values as it did: the table cells do not change
    spec = L.Conv(96, (11, 11), stride=[4, 4], padding=((2, 2), (2, 2)))
    assert describe(spec) == "conv 11/4, 96"
    assert geometry(spec, (3, 224, 224)) == {"kernel": "11", "stride": "4", "padding": "2"}
    assert geometry(L.Conv(8, 4, padding=((1, 2), (1, 2))), (3, 8, 8))["padding"] == "1:2"
    assert L.Conv(8, 3, padding="SAME", convention="keras").padding == "same"


@pytest.mark.parametrize("spec, same, shape, axes", [
    (lambda: L.Conv(8, (3, 3)), lambda: L.Conv(8, 3), (3, 8), 2),
    (lambda: L.Conv(8, 3, stride=(2, 2, 2)), lambda: L.Conv(8, 3, stride=2), (3, 8, 8), 3),
    (lambda: L.MaxPool((2, 2)), lambda: L.MaxPool(2), (3, 8, 8, 8), 2),
    (lambda: L.ConvTranspose(4, 3, padding=(1,)), lambda: L.ConvTranspose(4, 3, padding=1),
     (3, 8, 8), 1),
])
def test_a_spec_given_per_axis_keeps_its_number_of_axes(spec, same, shape, axes):
    """One spelling (``Conv(8, (3, 3)) == Conv(8, 3)``) does not make a 2-D layer accept a
    1-D input: the tuples it was given fix its axes, as torch's Conv2d would."""
    layer = spec()
    assert layer == same()
    with pytest.raises(ConvArithError, match=f"given for {axes} spatial axes"):
        layer.output_shape(shape)
    same().output_shape(shape)  # the numbers alone apply to any axes


def test_a_spec_given_numbers_applies_to_any_number_of_axes():
    assert L.Conv(8, 3).output_shape((3, 8)) == (8, 6)
    assert L.Conv(8, 3).output_shape((3, 8, 8, 8)) == (8, 6, 6, 6)
