"""Every layer kind has an entry in every table keyed by kind (convarith.kinds).

The tables are declared by the modules that own them (the formula layer's output sizes and
derivations, the specs, the scratch layers, ... and any table added later): importing every
module of convarith declares them all, then each is walked against ``kinds.KINDS``.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import convarith
from convarith import kinds
from convarith.errors import ConvArithError


def _import_every_module() -> None:
    for module in pkgutil.walk_packages(convarith.__path__, "convarith."):
        importlib.import_module(module.name)


_import_every_module()

#: Tables the house has today; others that declare themselves later are checked too.
EXPECTED_TABLES = ("output_size", "explain", "spec", "scratch", "scene")


def test_the_tables_of_the_house_are_declared():
    assert set(EXPECTED_TABLES) <= set(kinds.tables())


@pytest.mark.parametrize("name", sorted(kinds.tables()))
def test_every_kind_has_an_entry_in_every_table(name):
    table = kinds.tables()[name]
    missing = table.missing()
    assert not missing, (f"the {name} table ({table.doc}) has no entry for: "
                         f"{', '.join(missing)}")


@pytest.mark.parametrize("name", sorted(kinds.tables()))
def test_tables_hold_only_known_kinds(name):
    assert set(kinds.tables()[name]) <= set(kinds.KINDS)


def test_a_table_missing_a_kind_is_named():
    table = kinds.Table("probe", covers=lambda kind: kind.family == "pool")
    table.add("max_pool", object())
    assert table.missing() == ["avg_pool", "lp_pool", "subsampling"]


def test_an_entry_for_an_unknown_kind_is_refused():
    table = kinds.Table("probe", covers=lambda kind: True)
    with pytest.raises(ConvArithError, match="'maxpool' is not a layer kind"):
        table.add("maxpool", object())


def test_an_entry_is_registered_once():
    table = kinds.Table("probe", covers=lambda kind: True)
    table.add("relu", 1)
    with pytest.raises(ConvArithError, match="already has an entry for 'relu'"):
        table.add("relu", 2)


def test_a_missing_entry_is_one_clear_error():
    with pytest.raises(ConvArithError, match="The spec table has no entry for the layer kind "
                                             "'unfold'"):
        kinds.tables()["spec"]["unfold"]


def test_layer_names_split_back_into_kind_and_dimension():
    for kind in kinds.KINDS.values():
        for name in kind.layer_names:
            back, n = kinds.split_layer_name(name)
            assert back is kind
            assert n is None if not kind.dims else n in kind.dims


def test_every_sized_kind_answers_through_its_formula():
    assert kinds.get("conv").formula(224, kernel_size=11, stride=4, padding=2) == 55
    assert kinds.get("avg_pool").formula(28, kernel_size=2) == 14
    assert kinds.get("lp_pool").formula(7, kernel_size=2, ceil_mode=True) == 4
    assert kinds.get("adaptive_avg_pool").formula((13, 13), 6) == (6, 6)
    (derivation,) = kinds.get("max_pool").explanation(5, kernel_size=2, stride=2, padding=1,
                                                       ceil_mode=True)
    assert derivation.result == 3


def test_the_pooling_kinds_marked_animated_are_the_ones_the_scene_draws():
    from convarith.figures.animation import pool_scene

    drawn = [kind.short for kind in kinds.of_family("pool", sized=True) if kind.animated]
    assert drawn == ["max", "avg", "lp"]  # every sized pooling kind has a window to draw
    for kind in kinds.of_family("pool", sized=True):
        if kind.animated:
            assert kind.window is not None
            assert pool_scene(4, kernel_size=2, kind=kind.short).output_shape == (2, 2)
        else:
            with pytest.raises(ConvArithError, match=f"kind='{kind.short}' is not a pooling "
                                                     "kind it draws"):
                pool_scene(4, kernel_size=2, kind=kind.short)
    with pytest.raises(ConvArithError, match="kind='median' is not a pooling kind it draws. "
                                             "Use max or avg or lp."):
        pool_scene(4, kernel_size=2, kind="median")
