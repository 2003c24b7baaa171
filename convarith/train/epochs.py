"""What the torch loop (:mod:`convarith.train.loop`) and the numpy engine
(:mod:`convarith.train.numpy_engine`) share of an epoch: the running sums, the metrics row,
the progress line and the divergence rule. No torch here: the numpy engine runs without it.

>>> meter = EpochMeter()
>>> meter.add(loss=2.0, correct=3, images=10)
>>> meter.add(loss=1.0, correct=7, images=10)
>>> row = meter.row(epoch=1, lr=0.1, test_loss=1.2, test_accuracy=0.6, seconds=2.0)
>>> row["train_loss"], row["train_accuracy"], row["images_per_second"]
(1.5, 0.5, 10.0)
>>> epoch_status(row)
'loss 1.5000  acc 50.00%  10 img/s | test loss 1.2000  acc 60.00%'
"""

from __future__ import annotations

import math
import time
from typing import Any


def divergence(loss: float, *, reference: float, factor: float, where: str,
               lr: float) -> str | None:
    """The message that stops a run whose training ``loss`` is not finite or above
    ``factor`` times ``reference``; ``None`` while training is sane.

    >>> divergence(2.1, reference=2.3, factor=10, where="epoch 1, step 5", lr=0.1) is None
    True
    >>> divergence(float("nan"), reference=2.3, factor=10, where="epoch 2, step 7", lr=0.5)
    'Training diverged at epoch 2, step 7 with lr=0.5: the training loss became NaN. Use a smaller learning rate, e.g. --lr 0.05.'
    >>> divergence(88.9, reference=3.88, factor=10, where="epoch 1, step 2", lr=0.1)
    'Training diverged at epoch 1, step 2 with lr=0.1: the training loss became 88.9, more than 10 times its starting level (3.88). Use a smaller learning rate, e.g. --lr 0.01.'
    """
    if math.isfinite(loss) and loss <= factor * reference:
        return None
    what = ("NaN" if math.isnan(loss) else "infinite" if math.isinf(loss) else
            f"{loss:.3g}, more than {factor:g} times its starting level ({reference:.3g})")
    return (f"Training diverged at {where} with lr={lr:g}: the training loss became {what}. "
            f"Use a smaller learning rate, e.g. --lr {lr / 10:g}.")


def uniform_loss(classes: int) -> float:
    """The cross-entropy of a uniform guess over ``classes``: where an untrained net starts,
    the floor of the reference level the divergence rule compares with."""
    return math.log(max(classes, 2))


class EpochMeter:
    """One epoch's running sums over the training batches: summed loss, correct and seen
    images, and the clock started when the meter was made."""

    def __init__(self) -> None:
        self.loss_sum, self.correct, self.seen = 0.0, 0.0, 0
        self.began = time.perf_counter()

    def add(self, *, loss: float, correct: float, images: int) -> None:
        """One batch: its mean ``loss``, how many of its ``images`` were ``correct``."""
        self.loss_sum += loss * images
        self.correct += correct
        self.seen += images

    def status(self) -> str:
        """The running progress line: mean loss, accuracy, throughput so far."""
        seen = max(self.seen, 1)
        elapsed = max(time.perf_counter() - self.began, 1e-9)
        return (f"loss {self.loss_sum / seen:.4f}  acc {self.correct / seen:6.2%}  "
                f"{self.seen / elapsed:,.0f} img/s")

    def row(self, *, epoch: int, lr: float, test_loss: float, test_accuracy: float,
            seconds: float) -> dict[str, Any]:
        """The epoch's metrics row, as both engines write it to ``metrics.csv``/``.json``."""
        seen = max(self.seen, 1)
        return {"epoch": epoch, "lr": lr, "train_loss": self.loss_sum / seen,
                "train_accuracy": self.correct / seen, "test_loss": test_loss,
                "test_accuracy": test_accuracy, "seconds": round(seconds, 4),
                "images_per_second": round(self.seen / seconds, 1) if seconds > 0 else 0.0}


def epoch_status(row: dict[str, Any]) -> str:
    """The progress line of a finished epoch: its training and test numbers."""
    return (f"loss {row['train_loss']:.4f}  acc {row['train_accuracy']:6.2%}  "
            f"{row['images_per_second']:,.0f} img/s | test loss {row['test_loss']:.4f}  "
            f"acc {row['test_accuracy']:6.2%}")


def progress_bar(console: Any) -> Any:
    """The progress bar both engines show: one line per epoch, the status fields after it."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(bar_width=24),
                    MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                    TimeElapsedColumn(), console=console, transient=False)


class EpochProgress:
    """The progress display of a run, or nothing when ``enabled`` is false: a context
    manager with one task per epoch."""

    def __init__(self, console: Any, *, enabled: bool) -> None:
        self.bar = progress_bar(console) if enabled else None
        self.task: Any = None

    def __enter__(self) -> EpochProgress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def start(self, name: str, steps: int) -> None:
        """A new epoch of ``steps`` batches, shown as ``name``."""
        if self.bar is not None:
            self.task = self.bar.add_task(name, total=steps, status="")

    def update(self, status: str, *, completed: int | None = None) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, status=status,
                            **({} if completed is None else {"completed": completed}))


__all__ = ["EpochMeter", "EpochProgress", "divergence", "epoch_status", "progress_bar",
           "uniform_loss"]

