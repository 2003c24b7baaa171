"""The reference training loop, measured against baselines in the same run.

1. The default `convarith train lenet5` on the embedded digits, as a whole process: its
   final test accuracy (target: at least 98%) and its wall time (target: at most 60 s),
   with `python -c "import torch"` timed beside it for scale. The defaults of lenet5 on
   digits are `convarith.train.run.RECIPES`, chosen on folds held out of the training images
   only; `--seeds 0,1,2` also scores the default run at other seeds (mean and spread).
   For scale, scikit-learn's RBF SVM and 3-nearest-neighbours on the raw 8x8 pixels of the
   same split are scored beside it.
2. Training throughput (images/s) of the loop (progress bar, metrics, divergence checks,
   checkpoints all on) against a bare hand-written torch loop on the same model, data, batch
   size, optimizer and thread count, alternated and repeated (target: at least 0.9 of it).

Run: python benchmarks/bench_train.py [--repeats 3] [--epochs 3] [--skip-cli]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def whole_run(folder: Path, *extra: str) -> tuple[float, dict]:
    convarith = shutil.which("convarith") or os.path.join(os.path.dirname(sys.executable),
                                                          "convarith")
    start = time.perf_counter()
    subprocess.run([convarith, "train", "lenet5", "--out", str(folder), *extra], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, json.loads((folder / "metrics.json").read_text())


def reference_accuracies() -> dict[str, float]:
    """Classic classifiers on the same fixed split, raw 8x8 pixels (values 0..16)."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    from convarith.train.data import read_digits

    x_train, y_train, x_test, y_test = read_digits()
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    models = {"RBF SVM (gamma=0.001)": SVC(gamma=0.001),
              "3-nearest neighbours": KNeighborsClassifier(3)}
    return {name: float((model.fit(flat_train, y_train).predict(flat_test) == y_test).mean())
            for name, model in models.items()}


def bare_loop(model, x, y, *, epochs: int, batch_size: int, lr: float, seed: int) -> float:
    """Images per second of the plainest loop: shuffle, forward, loss, backward, step."""
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    seen, elapsed = 0, 0.0
    for epoch in range(epochs):
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed + epoch))
        start = time.perf_counter()
        for first in range(0, len(y), batch_size):
            index = order[first:first + batch_size]
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        elapsed += time.perf_counter() - start
        seen += len(y)
    return seen / elapsed


def throughput(epochs: int, repeats: int) -> tuple[list[float], list[float]]:
    import torch
    from rich.console import Console

    from convarith import zoo
    from convarith.train.data import load
    from convarith.train.loop import TrainConfig, train

    torch.set_num_threads(1)  # the loop's default; both loops get the same
    network = zoo.get("lenet5", in_channels=1, num_classes=10)
    data = load("digits", size=32)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    config = TrainConfig(epochs=epochs, batch_size=32, lr=1e-3, optimizer="adam", threads=1)
    ours, bare = [], []
    for repeat in range(repeats):
        torch.manual_seed(repeat)
        model = network.to_torch()
        bare.append(bare_loop(model, x, y, epochs=epochs, batch_size=32, lr=1e-3, seed=repeat))
        torch.manual_seed(repeat)
        model = network.to_torch()
        with tempfile.TemporaryDirectory() as folder:
            console = Console(file=io.StringIO(), width=150, force_terminal=True)
            result = train(model, data, config, out=folder, console=console)
        seconds = sum(row["seconds"] for row in result.history)
        ours.append(sum(len(y) for _ in result.history) / seconds)
    return ours, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--seeds", default="",
                        help="also run the default at these seeds, e.g. 0,1,2")
    options = parser.parse_args()

    if not options.skip_cli:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        torch_import = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as folder:
            wall, summary = whole_run(Path(folder) / "run")
        last = summary["epochs"][-1]
        accuracy = last["test_accuracy"]
        training = sum(row["seconds"] for row in summary["epochs"])
        print("convarith train lenet5 (digits, defaults), whole process:")
        print(f"  wall time {wall:6.1f} s (target <= 60 s: {'PASS' if wall <= 60 else 'FAIL'}); "
              f"of which training {training:.1f} s; python -c 'import torch' {torch_import:.1f} s")
        print(f"  final test accuracy {100 * accuracy:.2f}% on {summary['test_images']} images "
              f"(target >= 98%: {'PASS' if accuracy >= 0.98 else 'FAIL'}); best "
              f"{100 * summary['best_test_accuracy']:.2f}% at epoch {summary['best_epoch']}")
        for name, value in reference_accuracies().items():
            print(f"  same split, {name} on raw 8x8 pixels: {100 * value:.2f}%")
        seeds = [int(value) for value in options.seeds.split(",") if value.strip()]
        if seeds:
            finals = []
            for value in seeds:
                with tempfile.TemporaryDirectory() as folder:
                    _, summary = whole_run(Path(folder) / "run", "--seed", str(value))
                finals.append(100 * summary["epochs"][-1]["test_accuracy"])
            spread = statistics.stdev(finals) if len(finals) > 1 else 0.0
            print(f"  seeds {seeds}: final test accuracy {[round(v, 2) for v in finals]}, mean "
                  f"{statistics.mean(finals):.2f}% (sd {spread:.2f}, min {min(finals):.2f}%)")

    ours, bare = throughput(options.epochs, options.repeats)
    ratio = statistics.median(ours) / statistics.median(bare)
    print(f"training throughput, lenet5 on digits, batch 32, Adam, 1 thread, "
          f"{options.epochs} epochs x {options.repeats} (median):")
    print(f"  convarith loop   {statistics.median(ours):8,.0f} images/s  "
          f"{[round(v) for v in ours]}")
    print(f"  bare torch loop  {statistics.median(bare):8,.0f} images/s  "
          f"{[round(v) for v in bare]}")
    print(f"  ratio {ratio:.3f} (target >= 0.9): {'PASS' if ratio >= 0.9 else 'FAIL'}")


if __name__ == "__main__":
    main()
