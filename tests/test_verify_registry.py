"""The bench's dispatch tables (convarith.kinds tables): every kind verify checks value by
value has an entry in each, and a gap is named by table and kind."""

from __future__ import annotations

import pytest

from convarith.errors import ConvArithError
from convarith.verify import registry


def test_every_checked_kind_has_an_entry_in_every_table():
    assert registry.missing() == {}
    assert {table.name for table in registry.TABLES} == {
        "verify shape", "verify torch module", "verify torch call", "verify scratch forward",
        "verify scratch backward", "verify strategy"}


def test_a_missing_entry_is_named_by_table_and_kind(monkeypatch):
    registry.missing()  # the tables are filled
    monkeypatch.delitem(registry.SCRATCH_BACKWARD.entries, "avg_pool")
    monkeypatch.delitem(registry.STRATEGY.entries, "tanh")
    assert registry.missing() == {"verify scratch backward": ["avg_pool"],
                                  "verify strategy": ["tanh"]}
    with pytest.raises(ConvArithError, match="The verify strategy table has no entry for the "
                                             "layer kind 'tanh'"):
        registry.entry(registry.STRATEGY, "tanh")


def test_layer_names_find_their_kind():
    assert registry.entry(registry.SHAPE, "max_pool3d").__name__ == "_pool_shape"
    assert registry.entry(registry.SCRATCH_FORWARD, "unfold").__name__ == "_unfold"


def test_a_kind_registered_twice_is_refused():
    with pytest.raises(ConvArithError, match="already has an entry for 'conv'"):
        registry.TORCH_MODULE.register("conv")(lambda case: None)
