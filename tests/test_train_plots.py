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


def test_filters_and_feature_maps_of_an_rgb_model_are_drawn_in_colour(tmp_path):
    """The CIFAR-10 path (alexnet-small): its RGB kernels and the input image in their own
    colours. RdBu (the single-channel maps) and grey never have green as the strongest
    channel; an RGB picture of random weights or pixels has. Eight of the 48 first-layer
    kernels: the colour branch is the same for each, and every panel costs time."""
    from PIL import Image

    torch.manual_seed(0)
    model = zoo.get("alexnet-small").to_torch()
    image = np.random.default_rng(0).standard_normal((3, 32, 32)).astype(np.float32)
    maps = plots.activations(model, image)
    assert [m.shape for _, m in maps][:2] == [(48, 32, 32), (48, 15, 15)]
    drawn = plots.feature_maps(image, maps[:2], tmp_path / "maps.png")
    kernels = plots.filters(model.features[0].weight.detach().numpy()[:8],
                            tmp_path / "filters.png")
    for path in (drawn, kernels):
        red, green, blue = np.moveaxis(np.asarray(Image.open(path).convert("RGB"), dtype=int),
                                       -1, 0)
        assert ((green > red + 40) & (green > blue + 40)).sum() > 100, path.name


def test_confusion_counts_rows_are_true_classes():
    counts = plots.confusion_counts(np.array([2, 2, 0]), np.array([1, 2, 0]), 3)
    assert counts.tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 1]]


def test_mosaic_scales_each_map_and_separates_them():
    tiles = plots.mosaic(np.stack([np.eye(2), 3 * np.eye(2)]))
    assert tiles.shape == (2, 5) and np.isnan(tiles[:, 2]).all()
    assert np.array_equal(tiles[:, :2], np.eye(2)) and np.array_equal(tiles[:, 3:], np.eye(2))


def test_lr_sweep_draws_the_chance_line_and_marks_a_run_that_never_beat_it(tmp_path):
    stuck = [{"epoch": e, "test_accuracy": 0.0975} for e in (1, 2)]
    runs = [{"lr": 1.0, "steps": [2.3, 2.3], "steps_per_epoch": 1, "history": stuck,
             "diverged": None, "never_beat_chance": True},
            {"lr": 1e-2, "steps": [2.3, 0.5], "steps_per_epoch": 1, "history": HISTORY,
             "diverged": None, "never_beat_chance": False}]
    text = plots.lr_sweep(runs, tmp_path / "sweep.svg", classes=10).read_text()
    assert "chance (10% for 10 classes)" in text
    assert "lr=1 (never beat chance)" in text and "lr=0.01 (never beat chance)" not in text
    assert "end of epoch" in text


def test_curves_say_what_a_point_is_and_maps_and_filters_have_zero_centred_colour_bars(tmp_path):
    text = plots.learning_curves(HISTORY, tmp_path / "c.svg").read_text()
    assert "mean over the epoch" in text and "at the end of the epoch" in text
    weight = np.random.default_rng(0).standard_normal((4, 1, 3, 3))
    text = plots.filters(weight, tmp_path / "f.svg").read_text()
    assert "weight (zero-centred: white = 0)" in text
    image = np.zeros((1, 8, 8))
    maps = [("C1", np.random.default_rng(1).standard_normal((2, 4, 4)))]
    text = plots.feature_maps(image, maps, tmp_path / "m.svg").read_text()
    assert "zero-centred scale" in text


def test_plots_are_written_by_the_one_deterministic_figure_writer(tmp_path):
    a = plots.learning_curves(HISTORY, tmp_path / "a.svg").read_bytes()
    b = plots.learning_curves(HISTORY, tmp_path / "b.svg").read_bytes()
    assert a == b and b"<dc:date>" not in a
