"""Training figures: written atomically as PNG or SVG, from plain data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convarith import zoo
from convarith.errors import ConvArithError
from convarith.train import plots

HISTORY = [{"epoch": e, "train_loss": 1 / e, "test_loss": 1.2 / e, "train_accuracy": 0.5 + e / 10,
            "test_accuracy": 0.45 + e / 10} for e in range(1, 4)]


@pytest.mark.parametrize("kind, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_learning_curves_in_both_formats(tmp_path, kind, magic):
    path = plots.learning_curves(HISTORY, tmp_path / f"curves.{kind}")
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [f"curves.{kind}"]  # no temporary left


def test_unknown_plot_format_is_refused(tmp_path):
    with pytest.raises(ConvArithError, match=r"the format 'jpg' is not offered. Use a name "
                                             r"ending in \.png, \.svg"):
        plots.learning_curves(HISTORY, tmp_path / "curves.jpg")


def test_lr_sweep_draws_diverged_and_finished_runs(tmp_path):
    runs = [
        {"lr": 1e-3, "steps": list(np.linspace(2.3, 0.1, 30)), "steps_per_epoch": 10,
         "history": HISTORY, "diverged": None},
        {"lr": 1.0, "steps": [2.3, 40.0, float("nan")], "steps_per_epoch": 10, "history": [],
         "diverged": "Training diverged ..."},
    ]
    path = plots.lr_sweep(runs, tmp_path / "sweep.svg")
    text = path.read_text()
    assert "lr=0.001" in text and "lr=1 (diverged)" in text


def test_filters_feature_maps_and_confusion_of_a_zoo_model(tmp_path):
    torch.manual_seed(0)
    model = zoo.get("lenet5-modern").to_torch()
    image = np.random.default_rng(0).standard_normal((1, 32, 32)).astype(np.float32)
    maps = plots.activations(model, image)
    assert [(name, m.shape) for name, m in maps] == [
        ("Conv2d + ReLU", (6, 28, 28)), ("MaxPool2d", (6, 14, 14)),
        ("Conv2d + ReLU", (16, 10, 10)), ("MaxPool2d", (16, 5, 5))]
    assert plots.feature_maps(image, maps, tmp_path / "maps.png").stat().st_size > 5_000
    weight = model.features[0].weight.detach().numpy()
    assert plots.filters(weight, tmp_path / "filters.png").stat().st_size > 2_000
    y = np.array([0, 1, 2, 2])
    assert plots.confusion(y, np.array([0, 2, 2, 2]), ("a", "b", "c"),
                           tmp_path / "confusion.png").exists()


def test_confusion_counts_rows_are_true_classes():
    counts = plots.confusion_counts(np.array([2, 2, 0]), np.array([1, 2, 0]), 3)
    assert counts.tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 1]]


def test_mosaic_scales_each_map_and_separates_them():
    tiles = plots.mosaic(np.stack([np.eye(2), 3 * np.eye(2)]))
    assert tiles.shape == (2, 5) and np.isnan(tiles[:, 2]).all()
    assert np.array_equal(tiles[:, :2], np.eye(2)) and np.array_equal(tiles[:, 3:], np.eye(2))
