"""``convarith train``: train a zoo model for real and write metrics, checkpoints and plots."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from convarith.choices import (
    AUGMENTATIONS,
    DATASETS,
    ENGINES,
    NORMALISATIONS,
    OPTIMIZERS,
    PLOT_FORMATS,
    SCHEDULES,
    TRAIN_MODELS,
)
from convarith.cli import Interrupted, options
from convarith.cli.types import FiniteFloatRange, PathType
from convarith.errors import ConvArithError


@click.command(context_settings={"show_default": True})
@click.argument("model", type=click.Choice(TRAIN_MODELS))
@click.option("--dataset", type=click.Choice(DATASETS), default="digits",
              help="digits is embedded (scikit-learn); the others load from --data-dir.")
@click.option("--data-dir", type=PathType(file_okay=False), default="data",
              help="Folder with the MNIST/Fashion-MNIST IDX files or CIFAR-10 python batches.")
@click.option("--download", is_flag=True, help="Fetch missing dataset files first.")
@click.option("--epochs", type=click.IntRange(min=1),
              help="[default: 15; lenet5 on digits: 60]")
@click.option("--batch-size", type=click.IntRange(min=1), help="[default: 32]")
@click.option("--lr", type=FiniteFloatRange(min=0, min_open=True),
              help="Learning rate. [default: 0.001; lenet5 on digits: 0.05]")
@click.option("--lr-sweep", help="Train once per learning rate, e.g. 1e-4,1e-3,1e-2,1e-1,1, "
                                 "and plot them on one figure.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS),
              help="sgd uses momentum 0.9. [default: adam; lenet5 on digits: sgd]")
@click.option("--schedule", type=click.Choice(SCHEDULES),
              help="step: lr / 10 every third of the run; plateau: lr / 10 when the test loss "
                   "stops falling; cosine: lr down to 0 along half a cosine. [default: step; "
                   "lenet5 on digits: cosine; none with --lr-sweep and --finetune-demo]")
@click.option("--weight-decay", type=FiniteFloatRange(min=0), default=0.0)
@click.option("--logit-scale", type=FiniteFloatRange(min=0, min_open=True),
              help="The loss is the cross-entropy of this times the model's outputs. "
                   "[default: 1; lenet5 on digits: 0.1]")
@options.seed()
@click.option("--threads", type=click.IntRange(min=1), default=1,
              help="torch threads (one is fastest for LeNet-sized batches).")
@options.out_folder("Run folder [default: runs/MODEL-DATASET].")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last.pt.")
@click.option("--engine", type=click.Choice(ENGINES), default="torch",
              help="numpy: the from-scratch layers of convarith.scratch (lenet5-modern).")
@click.option("--normalise", "normalisation", type=click.Choice(NORMALISATIONS),
              help="[default: paper for greyscale, standard for cifar10]")
@click.option("--classes", help="Train on these classes only, e.g. 0,1,2,3,4.")
@click.option("--per-class", type=click.IntRange(min=1),
              help="At most this many training images per class.")
@click.option("--augment", help=f"Comma-separated, from {', '.join(AUGMENTATIONS)}, or none. "
                                "[default: none; lenet5 on digits: affine]")
@click.option("--crop-pad", type=click.IntRange(min=1), default=4,
              help="Padding of --augment crop.")
@click.option("--ten-crop", is_flag=True,
              help="Test on ten crops of the image padded by 2 (corners, centre, mirrored) "
                   "and average their softmax outputs.")
@click.option("--finetune", type=PathType(file_okay=False, exists=True),
              help="Start from this run folder's best weights.")
@click.option("--freeze", help="With --finetune: parts to keep fixed, e.g. features.")
@click.option("--reset", help="With --finetune: parts to re-initialise, e.g. classifier "
                              "[default: only the output layer, set to zero].")
@click.option("--finetune-demo", is_flag=True,
              help="Digits 0-4 then 5-9 with 20 images per class: fine-tuning vs scratch.")
@click.option("--plot-format", type=click.Choice(PLOT_FORMATS), default="png")
@click.option("--quiet", is_flag=True, help="No shape table and no progress bars.")
def train(model: str, dataset: str, data_dir: str, download: bool, epochs: int | None,
          batch_size: int | None, lr: float | None, lr_sweep: str | None,
          optimizer: str | None, schedule: str | None, weight_decay: float,
          logit_scale: float | None, seed: int, threads: int, out: str | None, resume: bool,
          engine: str, normalisation: str | None, classes: str | None,
          per_class: int | None, augment: str | None, crop_pad: int, ten_crop: bool,
          finetune: str | None, freeze: str | None, reset: str | None, finetune_demo: bool, plot_format: str,
          quiet: bool) -> None:
    """Train MODEL on real data; the run folder gets metrics.csv/json, best.pt/last.pt
    and the plots.

    \b
    Examples:
      convarith train lenet5
      convarith train lenet5 --lr-sweep 1e-4,1e-3,1e-2,1e-1,1 --epochs 5 --out runs/sweep
      convarith train lenet5-modern --optimizer sgd --lr 0.05 --schedule plateau
      convarith train alexnet-small --dataset cifar10 --data-dir data --augment crop,flip --ten-crop
      convarith train lenet5-modern --classes 0,1,2,3,4 --out runs/digits04
      convarith train lenet5-modern --classes 5,6,7,8,9 --per-class 20 \\
          --finetune runs/digits04 --freeze features --lr 3e-4
      convarith train lenet5-modern --finetune-demo --epochs 20 --out runs/finetune-demo
      convarith train lenet5-modern --resume --epochs 30 --out runs/lenet5-modern-digits
      torchrun --nproc_per_node=2 --no-python convarith train lenet5 --out runs/lenet5-ddp
    """
    from rich.console import Console

    from convarith.train import distributed
    from convarith.train.run import configure

    context = click.get_current_context()
    settings = configure(**{k: v for k, v in context.params.items() if k != "quiet"},
                         given=set(options.given_options()))
    folder, spec, config, rates = settings.folder, settings.spec, settings.config, settings.rates
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 140))
    if engine == "numpy":
        from convarith.train.numpy_engine import run_numpy

        history = run_numpy(spec, config, out=folder, console=None if quiet else console)
        click.echo(f"test accuracy {100 * history[-1]['test_accuracy']:.2f}% after "
                   f"{len(history)} epochs; wrote metrics, weights.npz and learning curves "
                   f"to {folder}/")
        return
    if finetune_demo:
        from convarith.train.finetune_demo import demo

        figure = demo(folder, model=model, config=config, console=None if quiet else console)
        click.echo(f"wrote {figure}")
        return
    world = distributed.from_environment()
    try:
        _train(spec, config, rates, folder=folder, console=console, quiet=quiet, world=world,
               resume=resume, finetune=finetune, frozen=settings.freeze,
               fresh=settings.reset, plot_format=plot_format)
    except KeyboardInterrupt as error:
        raise Interrupted(_resume_hint(folder, rates is not None)) from error
    finally:
        distributed.finish()


def _resume_hint(folder: Path, sweeping: bool) -> str:
    """What to do after an interrupted run: the command that continues it."""
    if sweeping:
        return (f"the learning-rate sweep in {folder} is incomplete; a sweep starts fresh, so "
                "delete the folder (or choose another --out) and run it again.")
    if not (folder / "last.pt").exists():
        return f"no epoch finished, nothing to resume in {folder}; run the command again."
    context = click.get_current_context()
    words = ["convarith", "train", context.params["model"]]
    for parameter in context.command.params:
        name = parameter.name
        if (not isinstance(parameter, click.Option) or name in ("resume", "out")
                or context.get_parameter_source(name) is not ParameterSource.COMMANDLINE):
            continue
        value = context.params[name]
        flag = parameter.opts[0]
        if parameter.is_flag:
            words.append(flag) if value else None
        else:
            words += [flag, shlex.quote(str(value))]
    words += ["--resume", "--out", shlex.quote(str(folder))]
    return f"the checkpoints in {folder} are intact; continue with: {' '.join(words)}"


def _train(spec: Any, config: Any, rates: tuple[float, ...] | None, *, folder: Path,
           console: Any, quiet: bool, world: Any, resume: bool, finetune: str | None,
           frozen: tuple[str, ...], fresh: tuple[str, ...], plot_format: str) -> None:
    """The torch engine's run or sweep, and its summary lines."""
    from convarith.train.loop import Diverged
    from convarith.train.run import (
        class_count,
        defaults,
        final_line,
        no_better_than_chance,
        run,
        sweep,
    )

    if rates is not None:
        runs = sweep(spec, config, rates, out=folder, console=console,
                     show_progress=not quiet)
        if world.main:
            for entry in runs:
                if entry["diverged"]:
                    epoch, step = entry["diverged_at"]
                    state = f"diverged at epoch {epoch}, step {step}"
                else:
                    accuracy = entry["history"][-1]["test_accuracy"]
                    state = f"test accuracy {100 * accuracy:.2f}%"
                    if no_better_than_chance(accuracy, class_count(spec)):
                        state += " (no better than chance: the network did not learn)"
                click.echo(f"lr={entry['lr']:g}: {state}")
            click.echo(f"wrote {folder / f'lr_sweep.{plot_format}'}")
        return
    try:
        result = run(spec, config, out=folder, resume=resume, console=console,
                     show_progress=not quiet, finetune=finetune, freeze=frozen, reset=fresh,
                     world=world, table=not quiet)
    except Diverged as error:
        if not world.main:  # every process diverges together; rank 0 says so once
            raise SystemExit(2) from None
        raise ConvArithError(f"{error} The metrics so far are in {folder}.") from None
    if world.main:
        click.echo(final_line(result, classes=class_count(spec),
                              lr=config.lr, usual_lr=defaults(spec.model, spec.dataset)["lr"]))
        click.echo(f"wrote metrics, checkpoints and plots to {folder}/")
