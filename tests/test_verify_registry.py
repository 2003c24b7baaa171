"""What the bench reads of each kind it checks value by value: the tables of the house (the
spec or a function's record, the torch bridge, the scratch layer), with a gap named by table
and kind; and nothing else, since its shapes, torch modules, scratch calls and strategies
are all derived from the spec."""

from __future__ import annotations

import pytest
from hypothesis import Phase, find, given, settings

from convarith import kinds
from convarith.bridges.verify import registry
from convarith.bridges.verify.cases import FUNCTIONAL, LayerCase, kind_of
from convarith.bridges.verify.strategies import layer_cases
from convarith.errors import ConvArithError


def test_every_checked_kind_has_an_entry_in_every_table_the_bench_reads():
    assert registry.missing() == {}
    assert {table.name for table in registry.tables()} == {
        "spec", "torch", "scratch", "verify functional"}


def test_a_missing_entry_is_named_by_table_and_kind(monkeypatch):
    from convarith.bridges.scratch import SCRATCH
    from convarith.bridges.torch import TORCH

    monkeypatch.delitem(SCRATCH.entries, "avg_pool")
    monkeypatch.delitem(TORCH.entries, "tanh")
    assert registry.missing() == {"torch": ["tanh"], "scratch": ["avg_pool"]}
    with pytest.raises(ConvArithError, match="The scratch table has no entry for the layer "
                                             "kind 'avg_pool'"):
        SCRATCH["avg_pool"]


def test_verify_keeps_records_only_for_the_functions_that_are_not_specs():
    assert sorted(FUNCTIONAL) == sorted(k.name for k in kinds.KINDS.values()
                                        if k.functional_only and k.scratch)


def test_layer_names_find_their_kind_through_the_spec():
    case = LayerCase("max_pool3d", (1, 1, 4, 4, 4), kernel_size=(2, 2, 2))
    assert (case.kind, case.layer, kind_of(case.spec).name) == ("max_pool", "max_pool3d",
                                                                "max_pool")
    assert LayerCase("unfold", (1, 1, 4, 4), kernel_size=(2, 2)).layer == "unfold"


def test_an_argument_the_kind_does_not_have_is_refused_unless_it_means_none():
    assert LayerCase("max_pool1d", (1, 1, 4), kernel_size=(2,), groups=1).groups == 1
    with pytest.raises(ConvArithError, match="MaxPool: it has no groups"):
        LayerCase("max_pool1d", (1, 1, 4), kernel_size=(2,), groups=2)
    with pytest.raises(ConvArithError, match="LPPool: it has no padding"):
        LayerCase("lp_pool1d", (1, 1, 4), norm_type=2.0, kernel_size=(2,), padding=(1,))


@settings(max_examples=30, derandomize=True)
@given(avg=layer_cases("avg_pool2d", kind="any"), lp=layer_cases("lp_pool1d", kind="any"))
def test_strategies_draw_no_argument_the_kind_lacks(avg, lp):
    # kinds.py: AvgPool lacks dilation, LPPool padding and dilation
    assert avg.dilation == (1, 1)
    assert lp.padding == (0,) and lp.dilation == (1,)


def test_strategies_draw_a_kinds_own_argument_from_its_field_metadata():
    settings_ = settings(max_examples=200, database=None, derandomize=True,
                         phases=[Phase.generate])
    for p in (1.0, 1.5, float("inf")):
        assert find(layer_cases("lp_pool2d"), lambda c, p=p: c.norm_type == p,
                    settings=settings_).norm_type == p
