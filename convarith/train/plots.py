"""Figures of a training run (matplotlib, Agg backend), each written atomically as PNG or SVG.

Each figure function takes plain data (metrics rows, arrays) and a path whose suffix picks
the format; :func:`activations` computes the data of the feature-map figure from a model.

- :func:`learning_curves`: loss and accuracy per epoch, train and test;
- :func:`lr_sweep`: several runs' training loss per step and test accuracy on one figure;
- :func:`filters`: the first convolution's kernels (LeNet-5's C1);
- :func:`feature_maps`: one image and its maps after each feature layer;
- :func:`confusion`: the confusion matrix of the test predictions;
- :func:`comparison`: test accuracy of named runs per epoch (fine-tuning vs scratch).

Colours are Okabe & Ito's ("Color Universal Design", 2008): distinct for colour-blind
readers and in greyscale prints together with the line styles. Files are written by
:func:`convarith.atomic.write_figure`, the one figure writer (atomic, no timestamps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convarith.atomic import write_figure
from convarith.choices import PLOT_FORMATS
from convarith.errors import ConvArithError

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000",
           "#F0E442")
STYLES = ("-", "--", "-.", ":")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure: Any, path: str | Path, *, dpi: int = 110) -> Path:
    """Write ``figure`` to ``path`` (format from the suffix) atomically and close it."""
    path = Path(path)
    kind = path.suffix.lstrip(".").lower()
    if kind not in PLOT_FORMATS:
        raise ConvArithError(
            f"Error saving a plot to {path}: the format {kind!r} is not offered. "
            f"Use a name ending in {', '.join('.' + f for f in PLOT_FORMATS)}."
        )
    try:
        return write_figure(figure, path, dpi=dpi, tight=True,
                            suffixes=tuple("." + f for f in PLOT_FORMATS))
    finally:
        _pyplot().close(figure)


def learning_curves(history: Sequence[dict[str, Any]], path: str | Path, *,
                    title: str = "") -> Path:
    """Loss (left) and accuracy (right) per epoch, train solid and test dashed."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    epochs = [row["epoch"] for row in history]
    splits = {"train": "train (mean over the epoch's batches)",
              "test": "test (at the end of the epoch)"}
    for axis, key, label in ((left, "loss", "cross-entropy loss"), (right, "accuracy", "accuracy")):
        for index, split in enumerate(("train", "test")):
            values = [row[f"{split}_{key}"] for row in history]
            if key == "accuracy":
                values = [100 * v for v in values]
            axis.plot(epochs, values, STYLES[index], marker="o", markersize=3,
                      color=COLOURS[index], label=splits[split])
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(label + (" (%)" if key == "accuracy" else ""))
        axis.grid(alpha=0.3)
        axis.legend()
    if history and all(row["train_loss"] > 0 for row in history):
        left.set_yscale("log")
    if history:
        best = max(history, key=lambda row: row["test_accuracy"])
        right.set_title(f"best test accuracy {100 * best['test_accuracy']:.2f}% "
                        f"(epoch {best['epoch']})", fontsize=9)
    figure.suptitle(title or "learning curves")
    figure.tight_layout()
    return save(figure, path)


def _smooth(values: Sequence[float], window: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(array) < window:
        return array
    kernel = np.ones(window) / window
    # a running mean that starts at the first step instead of dropping window-1 steps
    head = np.cumsum(array[:window - 1]) / np.arange(1, window)
    return np.concatenate([head, np.convolve(array, kernel, mode="valid")])


def lr_sweep(runs: Sequence[dict[str, Any]], path: str | Path, *, title: str = "",
             classes: int | None = None) -> Path:
    """One line per learning rate: training loss per step (left, running mean over a
    fifth of an epoch, log scale) and test accuracy per epoch (right, measured at the end of
    each epoch). A run that diverged ends in a cross at its last finite loss. With
    ``classes``, the right panel has the chance line (1/classes); a run flagged
    ``"never_beat_chance"`` (the training run decides, :func:`convarith.train.run.sweep`) is
    marked so in the legend and with a ring on its last point.

    Each run is ``{"lr", "steps", "steps_per_epoch", "history", "diverged"}`` and optionally
    ``"never_beat_chance"``.
    """
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for index, run in enumerate(sorted(runs, key=lambda run: run["lr"])):
        colour, style = COLOURS[index % len(COLOURS)], STYLES[index % len(STYLES)]
        per_epoch = max(run["steps_per_epoch"], 1)
        steps = np.asarray(run["steps"], dtype=np.float64)
        finite = steps[np.isfinite(steps)]
        history = run["history"]
        stuck = bool(history) and bool(run.get("never_beat_chance"))
        label = (f"lr={run['lr']:g}" + (" (diverged)" if run["diverged"] else "")
                 + (" (never beat chance)" if stuck else ""))
        if len(finite):
            smooth = _smooth(finite, max(1, per_epoch // 5))
            x = np.arange(1, len(smooth) + 1) / per_epoch
            left.plot(x, smooth, style, color=colour, label=label)
            if run["diverged"]:
                left.plot(x[-1], finite[-1], "x", color=colour, markersize=10, mew=2)
        if history:
            right.plot([row["epoch"] for row in history],
                       [100 * row["test_accuracy"] for row in history], style, marker="o",
                       markersize=3, color=colour, label=label)
            if stuck:
                right.plot(history[-1]["epoch"], 100 * history[-1]["test_accuracy"], "o",
                           markersize=13, markerfacecolor="none", markeredgecolor=colour,
                           markeredgewidth=2)
    if classes:
        right.axhline(100 / classes, color="#000000", linestyle=":", linewidth=1.2,
                      label=f"chance ({100 / classes:.0f}% for {classes} classes)")
    from matplotlib.ticker import MaxNLocator

    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("training loss (running mean)")
    right.set_xlabel("epoch")
    right.set_ylabel("test accuracy (%, end of epoch)")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    figure.suptitle(title or "learning-rate sweep: too high diverges or oscillates, too low crawls")
    figure.tight_layout()
    return save(figure, path)


def _grid(count: int) -> tuple[int, int]:
    columns = min(count, 8)
    return math.ceil(count / columns), columns


def filters(weight: np.ndarray, path: str | Path, *, title: str = "") -> Path:
    """The kernels of a convolution (``out x in x k x k``): one panel per output map, the
    input channels averaged, on one zero-centred colour scale shown in a colour bar (RGB
    kernels of 3 channels are shown in colour, each scaled to its own range)."""
    plt = _pyplot()
    weight = np.asarray(weight, dtype=np.float64)
    rows, columns = _grid(weight.shape[0])
    figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns + 1.0, 1.4 * rows + 0.6),
                                squeeze=False)
    limit = float(np.abs(weight).max()) or 1.0
    shown = None
    rgb = weight.shape[1] == 3
    for index, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if index >= weight.shape[0]:
            continue
        kernel = weight[index]
        if rgb:
            low, high = kernel.min(), kernel.max()
            axis.imshow(np.moveaxis((kernel - low) / ((high - low) or 1.0), 0, -1))
        else:
            shown = axis.imshow(kernel.mean(0), cmap="RdBu_r", vmin=-limit, vmax=limit)
        axis.set_title(str(index + 1), fontsize=9)
    if shown is not None:
        bar = figure.colorbar(shown, ax=axes, fraction=0.04, pad=0.03)
        bar.set_label("weight (zero-centred: white = 0)", fontsize=9)
    scale = ("each RGB kernel scaled to its own range" if rgb
             else "one zero-centred scale for all kernels")
    figure.suptitle((title or "first-layer filters") + f"\n({scale})", fontsize=11)
    return save(figure, path)


def activations(model: Any, image: np.ndarray, *,
                names: Sequence[str] | None = None) -> list[tuple[str, np.ndarray]]:
    """``[(name, maps C x H x W), ...]``: the maps of one image (``C x H x W``) after each
    layer of ``model.features``, an activation folded into the layer before it
    ("Conv2d + ReLU"), layers whose maps are 1x1 left out. ``names`` (one per module, e.g.
    the zoo's "C1", "S2") are shown before the module's class."""
    import torch

    captured: list[tuple[str, np.ndarray]] = []
    was_training = model.training
    model.eval()
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(image, dtype=np.float32))[None]
        for index, module in enumerate(model.features):
            before, x = x, module(x)
            name = type(module).__name__
            given = names[index] if names is not None and index < len(names) else ""
            elementwise = x.shape == before.shape and not any(True for _ in module.parameters())
            if elementwise and captured:
                captured[-1] = (f"{captured[-1][0]} + {name}", x[0].numpy().copy())
            else:
                captured.append((f"{given} ({name})" if given else name, x[0].numpy().copy()))
    model.train(was_training)
    return [(name, maps) for name, maps in captured if maps.ndim == 3 and maps[0].size > 1]


def mosaic(maps: np.ndarray, *, gap: int = 1, scale: bool = True) -> np.ndarray:
    """The maps ``C x H x W`` side by side, each scaled to [0, 1] (or as they are, with
    ``scale=False``), NaN columns between.

    >>> mosaic(np.array([[[0.0, 2.0]], [[5.0, 5.0]]])).tolist()
    [[0.0, 1.0, nan, 0.0, 0.0]]
    >>> mosaic(np.array([[[-1.0, 2.0]]]), scale=False).tolist()
    [[-1.0, 2.0]]
    """
    channels, height, width = maps.shape
    if scale:
        low = maps.min(axis=(1, 2), keepdims=True)
        span = maps.max(axis=(1, 2), keepdims=True) - low
        scaled = (maps - low) / np.where(span > 0, span, 1.0)
    else:
        scaled = maps
    tiles = np.full((height, channels * (width + gap) - gap), np.nan)
    for index in range(channels):
        tiles[:, index * (width + gap):index * (width + gap) + width] = scaled[index]
    return tiles


def feature_maps(image: np.ndarray, maps: Sequence[tuple[str, np.ndarray]], path: str | Path,
                 *, title: str = "", max_maps: int = 16) -> Path:
    """The input image (high values white, as in the channels figure), then one row per
    layer with (up to ``max_maps`` of) its maps on one zero-centred colour scale per layer,
    shown in that row's colour bar."""
    plt = _pyplot()
    import matplotlib

    colormap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="#BBBBBB")
    figure, axes = plt.subplots(len(maps) + 1, 1, figsize=(9, 1.25 * (len(maps) + 1) + 0.6),
                                squeeze=False)
    picture = np.asarray(image, dtype=np.float64)
    if picture.shape[0] == 3:
        axes[0, 0].imshow(np.moveaxis((picture - picture.min()) / (np.ptp(picture) or 1.0), 0, -1))
    else:
        # the same polarity as channels.png: 0 black, high values (the digit's ink) white
        axes[0, 0].imshow(picture.mean(0), cmap="gray")
    axes[0, 0].set_title("input " + "x".join(map(str, picture.shape)), fontsize=9)
    for axis, (name, values) in zip(axes[1:, 0], maps):
        shown = values[:max_maps]
        limit = float(np.abs(shown).max()) or 1.0
        drawn = axis.imshow(mosaic(shown, scale=False), cmap=colormap, vmin=-limit, vmax=limit,
                            interpolation="nearest")
        bar = figure.colorbar(drawn, ax=axis, fraction=0.025, pad=0.01)
        bar.ax.tick_params(labelsize=7)
        more = f", first {len(shown)} shown" if len(values) > len(shown) else ""
        axis.set_title(f"{name}: {'x'.join(map(str, values.shape))}{more}", fontsize=9)
    for axis in axes.flat:
        axis.set_axis_off()
    figure.suptitle((title or "feature maps of one image")
                    + "\n(each layer on one zero-centred scale: white = 0, red > 0, blue < 0)",
                    fontsize=11)
    return save(figure, path)


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """``counts[true, predicted]``.

    >>> confusion_counts(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def confusion(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str],
              path: str | Path, *, title: str = "") -> Path:
    """The confusion matrix (rows: true class, columns: predicted), counts in the cells."""
    plt = _pyplot()
    counts = confusion_counts(y_true, y_pred, len(classes))
    size = max(4.0, 0.45 * len(classes) + 2)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(counts, cmap="Blues")
    top = counts.max() or 1
    for (i, j), value in np.ndenumerate(counts):
        if value:
            axis.text(j, i, str(value), ha="center", va="center", fontsize=8,
                      color="white" if value > top / 2 else "black")
    axis.set_xticks(range(len(classes)), classes, rotation=45 if len(classes[0]) > 2 else 0)
    axis.set_yticks(range(len(classes)), classes)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    axis.set_title(title or f"confusion matrix (accuracy {100 * accuracy:.2f}%)")
    figure.tight_layout()
    return save(figure, path)


def comparison(curves: dict[str, Sequence[dict[str, Any]]], path: str | Path, *,
               title: str = "") -> Path:
    """Test accuracy per epoch of several named runs on one axis."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    for index, (name, history) in enumerate(curves.items()):
        axis.plot([row["epoch"] for row in history],
                  [100 * row["test_accuracy"] for row in history], STYLES[index % 4],
                  marker="o", markersize=3, color=COLOURS[index % len(COLOURS)], label=name)
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("epoch")
    axis.set_ylabel("test accuracy (%)")
    axis.grid(alpha=0.3)
    axis.legend()
    axis.set_title(title or "test accuracy")
    figure.tight_layout()
    return save(figure, path)
