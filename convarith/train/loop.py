"""The reference training loop: train and evaluate once per epoch, on in-memory tensors.

What it does, per epoch: shuffle the training set with a generator seeded by ``(seed,
epoch)`` (so a resumed run draws the same order), take mini-batches, step the optimizer
(SGD with momentum or Adam, optional weight decay), evaluate on the test split, step the
schedule (``step``: divide by 10 every third of the run; ``plateau``: divide by 10 when the
test loss stops falling, as Krizhevsky et al. 2012 did by hand; ``cosine``: from ``lr`` down
to 0 along half a cosine over the run, Loshchilov & Hutter 2017), write ``metrics.csv`` /
``metrics.json`` and the ``last.pt`` / ``best.pt`` checkpoints atomically.

Divergence: after every step the training loss must be finite and at most
``explode_factor`` times the larger of the first loss and ``ln(classes)`` (the loss of a
uniform guess). Otherwise the run stops with :class:`Diverged`, whose message names the
learning rate and suggests one ten times smaller; the metrics so far are written, no
checkpoint of the diverged weights is.

>>> import torch
>>> from convarith.train.data import load
>>> data = load("digits", size=8)
>>> torch.manual_seed(0)  # doctest: +ELLIPSIS
<torch._C.Generator object at ...>
>>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
>>> result = train(model, data, TrainConfig(epochs=2, lr=0.01), show_progress=False)
>>> [row["epoch"] for row in result.history], result.history[-1]["test_accuracy"] > 0.8
([1, 2], True)
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convarith.choices import OPTIMIZERS, SCHEDULES
from convarith.errors import ConvArithError
from convarith.train import checkpoint
from convarith.train.data import Dataset
from convarith.train.distributed import World, current
from convarith.train.epochs import (
    EpochMeter,
    EpochProgress,
    divergence,
    epoch_status,
    uniform_loss,
)

#: ``predict(model, images) -> logits``; the default calls the model.
Predict = Callable[[nn.Module, torch.Tensor], torch.Tensor]
#: ``augment(images, generator) -> images`` applied to each training batch.
Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one run (all stored in the checkpoints and ``metrics.json``)."""

    epochs: int = 15
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9  # SGD only
    schedule: str = "none"
    step_size: int = 0  # step schedule: epochs between divisions; 0 means a third of the run
    gamma: float = 0.1  # factor of both schedules
    patience: int = 2  # plateau schedule: epochs without a lower test loss before dividing
    weight_decay: float = 0.0
    # the loss is the cross-entropy of logit_scale x the model's outputs (a temperature):
    # LeNet-5's RBF outputs are negative squared distances in the hundreds, on which the plain
    # cross-entropy saturates; 0.1 lifted its held-out digits accuracy from 96.7% to 98.3%
    # (Adam, cosine, 40 epochs; see convarith.train.run.RECIPES)
    logit_scale: float = 1.0
    seed: int = 0
    explode_factor: float = 10.0
    # torch.set_num_threads during the run (None keeps torch's). One thread is fastest for
    # LeNet-sized batches: measured here, a LeNet-5 step on 32 images took 4.5 ms on one
    # thread and 12-350 ms on two when another process used the second core.
    threads: int | None = 1

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConvArithError(
                f"Unknown optimizer {self.optimizer!r}. Use one of {', '.join(OPTIMIZERS)}.")
        if self.schedule not in SCHEDULES:
            raise ConvArithError(
                f"Unknown schedule {self.schedule!r}. Use one of {', '.join(SCHEDULES)}.")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConvArithError(f"The learning rate lr={self.lr} must be positive. Use e.g. 1e-3.")
        if not (self.logit_scale > 0 and math.isfinite(self.logit_scale)):
            raise ConvArithError(
                f"The logit scale {self.logit_scale} must be positive. Use e.g. 1 or 0.1.")
        if self.epochs < 1 or self.batch_size < 1:
            raise ConvArithError(
                f"epochs={self.epochs} and batch_size={self.batch_size} must be at least 1.")
        if not (self.weight_decay >= 0 and math.isfinite(self.weight_decay)):
            raise ConvArithError(
                f"The weight decay {self.weight_decay} must be a finite number >= 0. Use e.g. "
                "5e-4, or 0 for none.")
        if not 0 <= self.seed < 2**32:
            raise ConvArithError(
                f"The seed {self.seed} is outside 0 .. 2**32 - 1, the seeds torch and numpy "
                "both take. Use e.g. --seed 0.")


@dataclass
class RunResult:
    """What a run produced: one row per epoch, the loss of every step, the best epoch."""

    history: list[dict[str, Any]] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_accuracy: float = -1.0
    folder: Path | None = None
    diverged: str | None = None
    predictions: np.ndarray | None = None  # test predictions of the last epoch
    steps_per_epoch: int = 0
    diverged_at: tuple[int, int] | None = None  # (epoch, step) where the loss blew up

    @property
    def test_accuracy(self) -> float:
        return self.history[-1]["test_accuracy"] if self.history else float("nan")


class Diverged(ConvArithError):
    """The loss became NaN or exploded; ``result`` holds the run up to that point."""

    def __init__(self, message: str, result: RunResult) -> None:
        super().__init__(message)
        self.result = result


def seed(value: int) -> None:
    """Seed torch's global generator (weight initialisation, dropout)."""
    torch.manual_seed(value)


@contextlib.contextmanager
def deterministic(threads: int | None = None) -> Iterator[None]:
    """Deterministic torch kernels (and ``threads`` threads) for the duration, then restored."""
    previous, previous_threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.set_num_threads(previous_threads)


#: Fields of :class:`TrainConfig` that a resumed run may change: the total (within the
#: limits :func:`check_resume` sets) and the number of threads.
RESUMABLE = ("epochs", "threads")


def check_resume(state: dict[str, Any], config: TrainConfig, meta: dict[str, Any],
                 path: Path, *, spec: dict[str, Any] | None = None) -> None:
    """Refuse, in one line, to resume the run checkpointed in ``state`` with a different
    model, dataset or hyper-parameters, before its last epoch, or past the end of a schedule
    planned over its total (``step`` and ``cosine`` are laid out over the epochs given at the
    start: continuing a finished cosine run would make the rate climb back from 0)."""
    stored_meta = state.get("meta") or {}
    for key in ("model", "dataset"):
        if key in stored_meta and key in meta and stored_meta[key] != meta[key]:
            raise ConvArithError(
                f"Error resuming from {path}: that run trained {key} {stored_meta[key]}, not "
                f"{meta[key]}. Resume it as it was started, or start a new run in another --out."
            )
    stored = state.get("config") or {}
    changed = [f"{name} {stored[name]!r} (given {getattr(config, name)!r})"
               for name in stored if name not in RESUMABLE and hasattr(config, name)
               and stored[name] != getattr(config, name)]
    stored_spec = stored_meta.get("spec") or {}
    for name, value in (spec or meta.get("spec") or {}).items():
        if name in ("data_dir", "download", "plot_format") or name not in stored_spec:
            continue
        before = stored_spec[name]
        if _plain(before) != _plain(value):
            changed.append(f"{name} {_plain(before)!r} (given {_plain(value)!r})")
    if changed:
        raise ConvArithError(
            f"Error resuming from {path}: a resumed run continues with the settings it was "
            f"started with, and it was started with {', '.join(changed)}. Drop those options, "
            "or start a new run in another --out."
        )
    done, planned = int(state.get("epoch", 0)), int(stored.get("epochs", config.epochs))
    if config.epochs < done:
        raise ConvArithError(
            f"Error resuming from {path}: the run has already trained {done} epochs, more than "
            f"--epochs {config.epochs}. Give --epochs {done} or more."
        )
    if config.epochs > planned and config.schedule in ("step", "cosine"):
        shape = ("the rate falls to 0 along half a cosine" if config.schedule == "cosine"
                 else "the rate is divided by 10 every third of the run")
        raise ConvArithError(
            f"Error resuming from {path}: the run's {config.schedule} schedule is planned over "
            f"{planned} epochs ({shape}), so it cannot stretch to {config.epochs} without the "
            f"rate jumping back up. Resume with --epochs {planned}, or train a new run with "
            f"--epochs {config.epochs} in another --out."
        )


def _plain(value: Any) -> Any:
    """Tuples and lists alike (a checkpoint stores tuples as lists)."""
    return list(value) if isinstance(value, (tuple, list)) else value


def make_optimizer(parameters: Any, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=config.lr, momentum=config.momentum,
                               weight_decay=config.weight_decay)
    return torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)


def make_schedule(optimizer: torch.optim.Optimizer, config: TrainConfig) -> Any:
    if config.schedule == "step":
        step = config.step_size or max(1, config.epochs // 3)
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=step, gamma=config.gamma)
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    if config.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=config.gamma, patience=config.patience)
    return None


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 500,
             predict: Predict | None = None,
             logit_scale: float = 1.0) -> tuple[float, float, np.ndarray]:
    """``(mean cross-entropy, accuracy, predicted classes)`` of ``model`` on ``x, y``; the
    cross-entropy is that of ``logit_scale`` x the model's outputs, as in training."""
    was_training = model.training
    model.eval()
    total, predictions = 0.0, []
    for start in range(0, len(x), batch_size):
        images, labels = x[start:start + batch_size], y[start:start + batch_size]
        # a predict hook returns log-probabilities already; raw outputs get the loss's scale
        logits = predict(model, images) if predict else model(images) * logit_scale
        total += F.cross_entropy(logits, labels, reduction="sum").item()
        predictions.append(logits.argmax(1))
    model.train(was_training)
    predicted = torch.cat(predictions) if predictions else torch.zeros(0, dtype=torch.long)
    accuracy = (predicted == y).double().mean().item() if len(y) else float("nan")
    return total / max(len(y), 1), accuracy, predicted.numpy()


def _finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def train(model: nn.Module, data: Dataset, config: TrainConfig = TrainConfig(), *,
          out: str | Path | None = None, resume: bool = False, show_progress: bool = True,
          console: Any = None, label: str = "", meta: dict[str, Any] | None = None,
          augment: Augment | None = None, predict: Predict | None = None,
          world: World | None = None) -> RunResult:
    """Train ``model`` (which returns logits) on ``data``; see the module docstring.

    ``out``: the run folder (metrics and checkpoints); ``resume``: continue from
    ``out/last.pt`` up to ``config.epochs``; ``meta``: extra facts stored with the
    checkpoints (model name, dataset); ``augment``/``predict``: training-batch augmentation
    and test-time prediction (see :mod:`convarith.train.augment`); ``world``: the process
    group (default: the one set up, if any). Only parameters with ``requires_grad`` train.
    """
    world = world or current()
    folder = Path(out) if out is not None else None
    writes = folder is not None and world.main
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    x_test, y_test = torch.from_numpy(data.x_test), torch.from_numpy(data.y_test)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(trainable, config)
    schedule = make_schedule(optimizer, config)
    result = RunResult(folder=folder)
    reference: float | None = None
    start = 1
    if resume:
        if folder is None:
            raise ConvArithError("Resuming needs the run folder. Pass out=... (--out).")
        state = checkpoint.load_checkpoint(folder / checkpoint.LAST)
        check_resume(state, config, meta or {}, folder / checkpoint.LAST)
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as error:
            reason = " ".join(str(error).split())[:160]
            raise ConvArithError(
                f"Error resuming from {folder / checkpoint.LAST}: its weights do not fit this "
                f"model ({reason}). Resume with the model, dataset and classes the run was "
                "started with, or start a new run in another --out."
            ) from None
        if schedule is not None and state.get("schedule") is not None:
            schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["torch_rng"])
        result.history, result.steps = list(state["history"]), list(state["steps"])
        result.best_epoch, result.best_accuracy = state["best_epoch"], state["best_accuracy"]
        reference, start = state["reference_loss"], state["epoch"] + 1
        resumed = True
    else:
        resumed = False
        torch.manual_seed(config.seed)
    net = world.wrap(model)
    floor = uniform_loss(len(data.classes))
    summary = {"config": asdict(config), "meta": meta or {}, "classes": list(data.classes),
               "train_images": len(y_train), "test_images": len(y_test)}

    def write_metrics() -> None:
        if writes:
            checkpoint.write_metrics(folder, result.history, {
                **summary, "best_epoch": result.best_epoch,
                "best_test_accuracy": result.best_accuracy, "diverged": result.diverged,
                "steps_per_epoch": steps_per_epoch, "steps": result.steps})

    batch = config.batch_size
    steps_per_epoch = sum(1 for s in range(0, len(y_train), batch)
                          if min(batch, len(y_train) - s) >= world.size)
    result.steps_per_epoch = steps_per_epoch
    if resumed:
        write_metrics()  # a kill after last.pt but before the metrics left them an epoch behind
    progress = EpochProgress(console, enabled=show_progress and world.main)
    with deterministic(config.threads), progress:
        for epoch in range(start, config.epochs + 1):
            lr = optimizer.param_groups[0]["lr"]
            order = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(
                config.seed * 1_000_003 + epoch))
            augment_generator = torch.Generator().manual_seed(config.seed * 7_919 + epoch)
            net.train()
            progress.start(f"{label} epoch {epoch}/{config.epochs}".strip(), steps_per_epoch)
            meter = EpochMeter()
            for step, first in enumerate(range(0, len(y_train), batch)):
                indices = order[first:first + batch]
                if len(indices) < world.size:
                    break  # every process needs at least one image
                indices = world.shard(indices)
                images, labels = x_train[indices], y_train[indices]
                if augment is not None:
                    images = augment(images, augment_generator)
                logits = net(images)
                loss = F.cross_entropy(logits * config.logit_scale, labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                value = loss.item()
                if world.size > 1:
                    value = world.sum([value])[0] / world.size
                reference = value if reference is None else reference
                result.steps.append(value)
                # the loss is the mean over every process, the correct count this process's
                meter.add(loss=value, correct=int((logits.argmax(1) == labels).sum()),
                          images=len(labels) * world.size)
                message = divergence(value, reference=max(reference, floor),
                                     factor=config.explode_factor, where=f"epoch {epoch}, "
                                     f"step {step + 1}", lr=lr)
                if message is not None:
                    result.diverged_at, result.diverged = (epoch, step + 1), message
                    break
                if step % 5 == 0 or step + 1 == steps_per_epoch:
                    progress.update(meter.status(), completed=step + 1)
            seconds = time.perf_counter() - meter.began
            if result.diverged is None and not _finite(model):
                result.diverged_at = (epoch, steps_per_epoch)
                result.diverged = (f"Training diverged at epoch {epoch} with lr={lr:g}: the "
                                   f"weights are no longer finite. Use a smaller learning "
                                   f"rate, e.g. --lr {lr / 10:g}.")
            if result.diverged is not None:
                progress.update(f"[red]diverged (lr={lr:g})")
                write_metrics()
                raise Diverged(result.diverged, result)
            if world.size > 1:
                meter.correct = world.sum([float(meter.correct)])[0]
            test_loss, test_accuracy, result.predictions = evaluate(
                model, x_test, y_test, predict=predict, logit_scale=config.logit_scale)
            row = meter.row(epoch=epoch, lr=lr, test_loss=test_loss,
                            test_accuracy=test_accuracy, seconds=seconds)
            result.history.append(row)
            progress.update(epoch_status(row), completed=steps_per_epoch)
            if isinstance(schedule, torch.optim.lr_scheduler.ReduceLROnPlateau):
                schedule.step(test_loss)
            elif schedule is not None:
                schedule.step()
            improved = test_accuracy > result.best_accuracy
            if improved:
                result.best_epoch, result.best_accuracy = epoch, test_accuracy
            if writes:
                state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "schedule": schedule.state_dict() if schedule is not None else None,
                         "epoch": epoch, "history": result.history, "steps": result.steps,
                         "best_epoch": result.best_epoch, "best_accuracy": result.best_accuracy,
                         "reference_loss": reference, "torch_rng": torch.get_rng_state(),
                         "config": asdict(config), "meta": meta or {},
                         "classes": list(data.classes)}
                # best.pt before last.pt: a kill between the two leaves last.pt an epoch
                # behind, so --resume runs that epoch again (deterministically, the same)
                # and best.pt, last.pt and metrics.json agree again on the best epoch
                if improved:
                    checkpoint.save_checkpoint(folder / checkpoint.BEST, state)
                checkpoint.save_checkpoint(folder / checkpoint.LAST, state)
                write_metrics()
    if result.predictions is None and result.history:
        # resumed after the last epoch: the plots still need the test predictions
        _, _, result.predictions = evaluate(model, x_test, y_test, predict=predict,
                                            logit_scale=config.logit_scale)
    return result
