"""The bench's dispatch tables: every layer kind has an entry in every table."""

from __future__ import annotations

import pytest

from convarith.verify import registry


def test_every_kind_has_an_entry_in_every_table():
    assert registry.missing() == {}


def test_a_missing_entry_is_named_by_table_and_kind(monkeypatch):
    registry.missing()  # the tables are filled
    monkeypatch.delitem(registry.SCRATCH_BACKWARD.entries, "avg_pool3d")
    monkeypatch.delitem(registry.STRATEGY.entries, "tanh")
    assert registry.missing() == {"scratch backward": ["avg_pool3d"],
                                  "hypothesis strategy": ["tanh"]}
    with pytest.raises(ValueError, match="no hypothesis strategy for layer kind 'tanh'"):
        registry.STRATEGY.entry("tanh")


def test_a_kind_registered_twice_is_refused():
    with pytest.raises(ValueError, match="torch module: 'conv2d' is registered twice"):
        registry.TORCH_MODULE.register("conv2d")(lambda case: None)
