"""One ``convarith train`` run from end to end: data, zoo model, shape table, loop, plots.

The model comes from the zoo (``convarith.zoo.get(name, in_channels=..., num_classes=...)``
then ``to_torch()``); the data are fitted to its input size; the run folder receives the
metrics, the checkpoints and the plots (``learning_curves``, ``confusion``, ``filters``,
``feature_maps``), and a learning-rate sweep one sub-folder per rate plus ``lr_sweep``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from convarith.errors import ConvArithError
from convarith.train import data as datasets
from convarith.train import plots
from convarith.train.augment import Augmentation, ten_crop_predict
from convarith.train.distributed import World, current
from convarith.train.loop import Diverged, RunResult, TrainConfig, seed, train

#: Image channels of each dataset (the model is built to match).
CHANNELS: dict[str, int] = {"digits": 1, "mnist": 1, "fashion-mnist": 1, "cifar10": 3}

#: The defaults of ``convarith train``: ``TrainConfig`` fields and ``augment``.
DEFAULTS: dict[str, Any] = {"epochs": 15, "batch_size": 32, "lr": 1e-3, "optimizer": "adam",
                            "schedule": "step", "logit_scale": 1.0, "augment": ()}

#: Where a (model, dataset) pair has its own defaults. LeNet-5 on the digits: chosen on
#: validation only (a stratified 20% of the 1,438 training images held out, five such folds,
#: mean accuracy; the 359 test images were not looked at while choosing): the cross-entropy
#: of 0.1 x its RBF outputs, LeCun et al.'s (1998, III.C) affine distortions, SGD and a
#: cosine schedule took the held-out accuracy from 96.5% (the generic defaults) to 99.55%
#: (five folds x two seeds), in 60 epochs (80 were no better).
RECIPES: dict[tuple[str, str], dict[str, Any]] = {
    ("lenet5", "digits"): {"epochs": 60, "optimizer": "sgd", "lr": 0.05, "schedule": "cosine",
                           "logit_scale": 0.1, "augment": ("affine",)},
}


def defaults(model: str, dataset: str) -> dict[str, Any]:
    """The default hyper-parameters of training ``model`` on ``dataset``.

    >>> defaults("lenet5", "digits")["logit_scale"], defaults("lenet5", "mnist")["logit_scale"]
    (0.1, 1.0)
    """
    return {**DEFAULTS, **RECIPES.get((model, dataset), {})}


def existing_run(folder: Path) -> str | None:
    """What ``folder`` already holds that a new run would overwrite, or ``None``: ``"a run"``
    (``last.pt``), ``"a learning-rate sweep"`` or ``"a numpy-engine run"``."""
    if (folder / "last.pt").exists():
        return "a run"
    if any(folder.glob("lr_sweep.*")) or any(folder.glob("lr=*/last.pt")):
        return "a learning-rate sweep"
    if (folder / "weights.npz").exists() or (folder / "metrics.json").exists():
        return "a numpy-engine run" if (folder / "weights.npz").exists() else "a run's metrics"
    return None


def check_writable(folder: Path) -> None:
    """Create ``folder`` and write (then remove) a file in it, so that a folder that cannot
    be written is one line before training, not after the first epoch."""
    import os
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".convarith-probe-")
        os.close(handle)
        os.unlink(probe)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConvArithError(
            f"Error preparing the run folder {folder}: {reason}. Choose an --out you can "
            "write to."
        ) from None


#: The ``convarith train`` settings a resumed run takes from its checkpoint unless given:
#: ``TrainConfig`` fields, then ``RunSpec`` fields.
RESUMED_CONFIG = ("epochs", "batch_size", "lr", "optimizer", "schedule", "weight_decay",
                  "logit_scale", "seed")
RESUMED_SPEC = ("data_dir", "normalisation", "classes", "per_class", "augment", "crop",
                "ten_crop")


def resumed_settings(state: dict[str, Any],
                     given: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The settings a run was started with (from its ``last.pt`` ``state``), except those in
    ``given`` (options given again, which :func:`convarith.train.loop.check_resume` then
    compares)."""
    stored = state.get("config") or {}
    spec = (state.get("meta") or {}).get("spec") or {}
    settings = {name: stored[name] for name in RESUMED_CONFIG
                if name in stored and name not in given}
    for name in RESUMED_SPEC:
        if name in spec and name not in given:
            value = spec[name]
            settings[name] = tuple(value) if isinstance(value, list) else value
    return settings


@dataclass(frozen=True)
class RunSpec:
    """What to train on what (everything but the optimisation hyper-parameters)."""

    model: str = "lenet5"
    dataset: str = "digits"
    data_dir: str | None = None
    download: bool = False
    normalisation: str | None = None
    classes: tuple[int, ...] | None = None
    per_class: int | None = None
    augment: tuple[str, ...] = ()
    crop: int = 4  # padding of random crops
    ten_crop: bool = False
    ten_crop_pad: int = 2  # padding before the ten test crops are cut
    plot_format: str = "png"


@dataclass(frozen=True)
class Settings:
    """A ``convarith train`` run as :func:`configure` settles it: where, what, how."""

    folder: Path
    spec: RunSpec
    config: TrainConfig
    rates: tuple[float, ...] | None = None  # a learning-rate sweep
    freeze: tuple[str, ...] = ()
    reset: tuple[str, ...] = ()


def class_count(spec: RunSpec) -> int:
    """How many classes ``spec`` trains on: those it picks, else all of its dataset's.

    >>> class_count(RunSpec(classes=(0, 1, 2))), class_count(RunSpec(dataset="cifar10"))
    (3, 10)
    """
    return len(spec.classes) if spec.classes else len(datasets.CLASS_NAMES[spec.dataset])


def numbers(text: str | None, kind: type, option: str) -> tuple[Any, ...] | None:
    """A comma-separated list of numbers (``None`` stays ``None``).

    >>> numbers("1e-3, 1e-2", float, "--lr-sweep")
    (0.001, 0.01)
    """
    if text is None:
        return None
    try:
        return tuple(kind(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise ConvArithError(
            f"Could not read {option} {text!r}: write numbers separated by commas, "
            f"e.g. {option} {'1e-3,1e-2' if kind is float else '0,1,2,3,4'}."
        ) from None


def names(text: str | None, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """A comma-separated list of names, each one of ``allowed``."""
    picked = tuple(part for part in (text or "").replace(" ", "").split(",") if part)
    unknown = [name for name in picked if name not in allowed]
    if unknown:
        raise ConvArithError(
            f"Unknown {option} value {', '.join(unknown)}. Use one or more of "
            f"{', '.join(allowed)}, separated by commas."
        )
    return picked


def configure(model: str, *, dataset: str = "digits", data_dir: str | None = "data",
              download: bool = False, epochs: int | None = None,
              batch_size: int | None = None, lr: float | None = None,
              lr_sweep: str | None = None, optimizer: str | None = None,
              schedule: str | None = None, weight_decay: float = 0.0,
              logit_scale: float | None = None, seed: int = 0, threads: int = 1,
              out: str | None = None, resume: bool = False, engine: str = "torch",
              normalisation: str | None = None, classes: str | None = None,
              per_class: int | None = None, augment: str | None = None, crop_pad: int = 4,
              ten_crop: bool = False, finetune: str | None = None, freeze: str | None = None,
              reset: str | None = None, finetune_demo: bool = False,
              plot_format: str = "png", given: set[str] | frozenset[str] = frozenset(),
              ) -> Settings:
    """The settings of one ``convarith train`` run from its options (as the command line
    writes them: comma lists as text, ``None`` for "not given"), or one ConvArithError for
    options that do not go together. A resumed run takes every setting not
    ``given`` again from its checkpoint (and refuses one that differs); unset ones come from
    :func:`defaults`; a sweep and the fine-tuning demo run without a schedule. The run
    folder is checked writable."""
    from dataclasses import replace as replace_fields

    from convarith.choices import AUGMENTATIONS, FREEZE_PARTS
    from convarith.train.checkpoint import LAST, load_checkpoint
    from convarith.train.loop import check_resume

    folder = Path(out or f"runs/{model}-{dataset}")
    rates = numbers(lr_sweep, float, "--lr-sweep")
    frozen = names(freeze, FREEZE_PARTS, "--freeze")
    fresh = names(reset, FREEZE_PARTS, "--reset")
    if (frozen or fresh) and not finetune:
        raise ConvArithError(f"--{'freeze' if frozen else 'reset'} applies to a fine-tuning run. "
                             "Add --finetune RUN_DIR.")
    if rates is not None and (resume or finetune):
        raise ConvArithError("--lr-sweep starts fresh runs. Drop --resume/--finetune.")
    if finetune_demo and (resume or finetune or rates is not None):
        raise ConvArithError("--finetune-demo runs its own two trainings. Drop "
                             "--resume/--finetune/--lr-sweep.")
    if engine == "numpy":
        extra = [name for name, value in (("--resume", resume), ("--lr-sweep", rates),
                                          ("--finetune", finetune),
                                          ("--finetune-demo", finetune_demo))
                 if value not in (None, False)]
        if extra:
            raise ConvArithError(
                f"--engine numpy trains one fresh run; it has no {', '.join(extra)}. Drop "
                f"{'it' if len(extra) == 1 else 'them'}, or use --engine torch."
            )
    if rates is not None and any(rate <= 0 or rate != rate or rate == float("inf")
                                 for rate in rates):
        raise ConvArithError(f"--lr-sweep {lr_sweep!r}: every rate must be a positive finite "
                             "number, e.g. --lr-sweep 1e-3,1e-2,1e-1.")
    holds = existing_run(folder)
    if not resume and not finetune_demo and holds:
        raise ConvArithError(
            f"{folder} already holds {holds}. "
            + ("Add --resume to continue it, or choose" if holds == "a run" else "Choose")
            + " another --out (or delete the folder)."
        )
    chosen = numbers(classes, int, "--classes")
    if chosen is not None and len(chosen) < 2:
        raise ConvArithError(
            f"--classes {classes!r} names {len(chosen)} class{'' if len(chosen) == 1 else 'es'}; "
            "a classifier needs at least 2 (with one, every answer is right). Give two or "
            "more, e.g. --classes 0,1."
        )
    preset, state = defaults(model, dataset), None
    augment_names = (preset["augment"] if augment is None else () if augment == "none"
                     else names(augment, AUGMENTATIONS, "--augment"))
    spec = RunSpec(model=model, dataset=dataset, data_dir=data_dir, download=download,
                   normalisation=normalisation, classes=chosen, per_class=per_class,
                   augment=augment_names, crop=crop_pad, ten_crop=ten_crop,
                   plot_format=plot_format)
    if resume:
        state = load_checkpoint(folder / LAST)
        again = {{"crop_pad": "crop"}.get(name, name) for name in given}
        settings = resumed_settings(state, again)  # what the run was started with
        spec_fields = RunSpec.__dataclass_fields__
        preset = {**preset, **{k: v for k, v in settings.items() if k not in spec_fields}}
        spec = replace_fields(spec, **{k: v for k, v in settings.items() if k in spec_fields})
    schedule = schedule or ("none" if rates is not None or finetune_demo else preset["schedule"])
    config = TrainConfig(epochs=epochs or preset["epochs"],
                         batch_size=batch_size or preset["batch_size"], lr=lr or preset["lr"],
                         optimizer=optimizer or preset["optimizer"], schedule=schedule,
                         weight_decay=preset.get("weight_decay", weight_decay),
                         logit_scale=logit_scale or preset["logit_scale"],
                         seed=preset.get("seed", seed), threads=threads)
    if state is not None:
        check_resume(state, config, {"model": model, "dataset": dataset}, folder / LAST,
                     spec=spec.__dict__)
    check_writable(folder)
    return Settings(folder, spec, config, rates, frozen, fresh)


def build(spec: RunSpec, *, classes: int) -> tuple[Any, Any]:
    """``(network spec, torch module)`` of the zoo model for ``spec``'s dataset."""
    from convarith.specs import zoo

    network = zoo.get(spec.model, in_channels=CHANNELS[spec.dataset], num_classes=classes)
    return network, network.to_torch()


def load_data(spec: RunSpec, *, size: int, seed_value: int = 0) -> datasets.Dataset:
    """The dataset of ``spec`` at ``size x size``, restricted to its classes and per-class count."""
    data = datasets.load(spec.dataset, size=size, data_dir=spec.data_dir,
                         download=spec.download, normalisation=spec.normalisation)
    if spec.classes is not None or spec.per_class is not None:
        data = datasets.select(data, classes=spec.classes, per_class=spec.per_class,
                               seed=seed_value)
    return data


def shape_table(network: Any) -> str:
    """The zoo network's shape table as terminal text."""
    from convarith.tables.table import table

    return table(network).render_terminal()


def write_plots(model: Any, data: datasets.Dataset, result: RunResult, folder: Path, *,
                name: str, plot_format: str = "png",
                layer_names: list[str] | None = None) -> list[Path]:
    """The plots of a finished run: learning curves, confusion matrix, first-layer filters
    and the feature maps of the first test image."""
    written = [plots.learning_curves(result.history, folder / f"learning_curves.{plot_format}",
                                     title=f"{name}: learning curves")]
    if result.predictions is not None:
        written.append(plots.confusion(data.y_test, result.predictions, data.classes,
                                       folder / f"confusion.{plot_format}",
                                       title=f"{name}: confusion matrix (test)"))
    first = next((m for m in model.modules() if getattr(m, "weight", None) is not None
                  and m.weight.dim() == 4), None)
    first_name = (layer_names or ["first-layer"])[0] or "first-layer"
    if first is not None:
        written.append(plots.filters(first.weight.detach().numpy(),
                                     folder / f"filters.{plot_format}",
                                     title=f"{name}: trained {first_name} filters"))
    image = data.x_test[0]
    written.append(plots.feature_maps(image, plots.activations(model, image, names=layer_names),
                                      folder / f"feature_maps.{plot_format}",
                                      title=f"{name}: feature maps of one test image "
                                            f"(class {data.classes[data.y_test[0]]})"))
    return written


def hooks(spec: RunSpec, data: datasets.Dataset) -> dict[str, Any]:
    """The ``augment`` and ``predict`` arguments of the loop for ``spec``."""
    augmentation = Augmentation.parse(spec.augment, crop=spec.crop, images=data.x_train)
    return {"augment": augmentation or None,
            "predict": ten_crop_predict(spec.ten_crop_pad) if spec.ten_crop else None}


def run(spec: RunSpec, config: TrainConfig, *, out: str | Path, resume: bool = False,
        console: Any = None, show_progress: bool = True, finetune: str | Path | None = None,
        freeze: tuple[str, ...] = (), reset: tuple[str, ...] = (), world: World | None = None,
        label: str = "", table: bool = True) -> RunResult:
    """Train ``spec.model`` as ``config`` says, writing everything into ``out``."""
    world = world or current()
    folder = Path(out)
    data_classes = class_count(spec)
    seed(config.seed)
    network, model = build(spec, classes=data_classes)
    data = load_data(spec, size=int(network.input_shape[-1]), seed_value=config.seed)
    notes: list[str] = []
    if finetune is not None:
        from convarith.train.finetune import start_from

        notes = start_from(model, finetune, model_name=spec.model, freeze=freeze, reset=reset)
    if console is not None and world.main:
        if table:
            console.print(shape_table(network), soft_wrap=True, markup=False, highlight=False)
        what = f"{len(data.y_train):,} training and {len(data.y_test):,} test images"
        console.print(f"{spec.model} on {spec.dataset} ({what}, {data.size}x{data.size}); "
                      f"{config.optimizer} lr={config.lr:g}, batch {config.batch_size}, "
                      f"{config.epochs} epoch{'' if config.epochs == 1 else 's'}, seed {config.seed}"
                      + (f"; {world.size} processes (DDP, gloo)" if world.size > 1 else ""))
        for note in notes:
            console.print(note)
    meta = {"model": spec.model, "dataset": spec.dataset, "spec": spec.__dict__,
            "finetune": str(finetune) if finetune else None, "freeze": list(freeze),
            "reset": list(reset)}
    result = train(model, data, config, out=folder, resume=resume, console=console,
                   show_progress=show_progress, label=label, meta=meta, world=world,
                   **hooks(spec, data))
    if world.main:
        write_plots(model, data, result, folder, name=spec.model, plot_format=spec.plot_format,
                    layer_names=[layer.name for layer in network.layers])
    return result


def sweep(spec: RunSpec, config: TrainConfig, rates: tuple[float, ...], *, out: str | Path,
          console: Any = None, show_progress: bool = True) -> list[dict[str, Any]]:
    """One run per learning rate (the same seed and data), each in ``out/lr=RATE``, and
    ``out/lr_sweep.<format>`` with all of them. Diverged runs are kept, marked."""
    if not rates:
        raise ConvArithError("A learning-rate sweep needs rates. Give e.g. --lr-sweep 1e-3,1e-2.")
    folder = Path(out)
    classes = class_count(spec)
    runs = []
    for rate in rates:
        try:
            result = run(spec, replace(config, lr=rate), out=folder / f"lr={rate:g}",
                         console=console if show_progress else None,
                         show_progress=show_progress, label=f"lr={rate:g}", table=False)
        except Diverged as error:
            result = error.result
            if console is not None and show_progress:
                console.print(f"[red]lr={rate:g}: {error}")
        best = max((row["test_accuracy"] for row in result.history), default=0.0)
        runs.append({"lr": rate, "steps": result.steps, "history": result.history,
                     "diverged": result.diverged, "diverged_at": result.diverged_at,
                     "steps_per_epoch": result.steps_per_epoch,
                     "never_beat_chance": no_better_than_chance(best, classes)})
    plots.lr_sweep(runs, folder / f"lr_sweep.{spec.plot_format}",
                   title=f"{spec.model} on {spec.dataset}: learning-rate sweep "
                         f"({config.optimizer}, batch {config.batch_size})", classes=classes)
    return runs


def no_better_than_chance(accuracy: float, classes: int) -> bool:
    """Whether a test accuracy is within half a chance level of guessing (``< 1.5 / classes``).

    >>> no_better_than_chance(0.0975, 10), no_better_than_chance(0.9, 10)
    (True, False)
    """
    return accuracy < 1.5 / classes


#: Fewer optimizer steps than this in a whole run are too few to learn from, whatever the rate.
FEW_STEPS = 100


def final_line(result: RunResult, *, classes: int | None = None, lr: float | None = None,
               usual_lr: float | None = None) -> str:
    """One line summing up a finished run; it says so when the network never beat chance,
    and which way to go: a rate ten times nearer the usual one ``usual_lr`` (the default of
    the model and dataset), or, at the usual rate, more steps when it took few.

    A model with bounded outputs (LeNet-5's scaled tanh and RBF units) cannot blow up at a
    far too high learning rate: it saturates and stays at chance instead, which the
    divergence check cannot see.

    >>> stuck = RunResult(history=[{"epoch": 1, "test_accuracy": 0.0975, "seconds": 1.0,
    ...                             "images_per_second": 1000.0}], best_epoch=1)
    >>> print(final_line(stuck, classes=10, lr=1.0))
    best test accuracy 9.75% at epoch 1; last 9.75%; 1.0 s training, 1,000 images/s
    no better than chance (10.00% for 10 classes): the network did not learn; with lr=1 try a smaller rate, e.g. --lr 0.1
    >>> print(final_line(stuck, classes=10, lr=1e-6, usual_lr=0.05).splitlines()[1])
    no better than chance (10.00% for 10 classes): the network did not learn; with lr=1e-06 try a larger rate, e.g. --lr 1e-05
    >>> stuck.steps = [2.3]  # one step of a 100,000-image batch, say
    >>> print(final_line(stuck, classes=10, lr=0.05, usual_lr=0.05).splitlines()[1])
    no better than chance (10.00% for 10 classes): the network did not learn; it took only 1 optimizer step: give it more with more --epochs or a smaller --batch-size
    """
    best = result.history[result.best_epoch - 1] if result.best_epoch else None
    if best is None:
        return "no epoch finished"
    total = sum(row["seconds"] for row in result.history)
    mean_rate = np.mean([row["images_per_second"] for row in result.history])
    line = (f"best test accuracy {100 * best['test_accuracy']:.2f}% at epoch {best['epoch']}; "
            f"last {100 * result.test_accuracy:.2f}%; {total:.1f} s training, "
            f"{mean_rate:,.0f} images/s")
    if classes and no_better_than_chance(best["test_accuracy"], classes):
        steps = len(result.steps)
        if lr and usual_lr and lr > usual_lr:
            advice = f"; with lr={lr:g} try a smaller rate, e.g. --lr {lr / 10:g}"
        elif lr and usual_lr and lr < usual_lr:
            advice = f"; with lr={lr:g} try a larger rate, e.g. --lr {lr * 10:g}"
        elif 0 < steps < FEW_STEPS:
            advice = (f"; it took only {steps} optimizer step{'' if steps == 1 else 's'}: give "
                      "it more with more --epochs or a smaller --batch-size")
        elif lr and usual_lr:
            advice = ("; try other rates, e.g. --lr-sweep "
                      f"{lr / 100:g},{lr / 10:g},{lr * 10:g} --epochs 5 --out runs/sweep")
        elif lr:
            advice = f"; with lr={lr:g} try a smaller rate, e.g. --lr {lr / 10:g}"
        else:
            advice = ""
        line += (f"\nno better than chance ({100 / classes:.2f}% for {classes} classes): the "
                 f"network did not learn{advice}")
    return line
