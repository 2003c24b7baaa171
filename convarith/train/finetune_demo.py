"""The classic small-data experiment on the embedded digits: train on digits 0-4, then
learn digits 5-9 from only 20 images per class, once fine-tuning the 0-4 network with its
features frozen (:func:`convarith.train.finetune.start_from`) and once from scratch on the
same 100 images, and plot both test accuracies per epoch.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from convarith.train import plots
from convarith.train.loop import TrainConfig
from convarith.train.run import RunSpec, run


def demo(out: str | Path, *, model: str = "lenet5-modern", config: TrainConfig | None = None,
         first: tuple[int, ...] = (0, 1, 2, 3, 4), second: tuple[int, ...] = (5, 6, 7, 8, 9),
         per_class: int = 20, finetune_lr: float | None = None, console: Any = None,
         plot_format: str = "png") -> Path:
    """Pre-train on ``first``, then fine-tune (features frozen) vs train from scratch on
    ``per_class`` images of each class of ``second``; write ``out/finetune.<format>``.

    ``config`` sets the epochs, batch size, learning rate and seed of all three runs (the
    fine-tuning run uses ``finetune_lr`` if given). The fine-tuned network keeps the
    pre-trained convolutions frozen and learns a new classifier; measured here with
    lenet5-modern, 20 epochs at lr 1e-3: 55% test accuracy after one epoch and 92% after
    five, against 27% and 69% from scratch on the same 100 images.
    """
    config = config or TrainConfig()
    folder = Path(out)
    show = console is not None
    base = RunSpec(model=model, classes=first, plot_format=plot_format)
    few = replace(base, classes=second, per_class=per_class)
    run(base, config, out=folder / "pretrain", console=console, show_progress=show,
        label="pre-train 0-4", table=False)
    tuned = run(few, replace(config, lr=finetune_lr or config.lr), out=folder / "finetune",
                console=console, show_progress=show, label="fine-tune 5-9",
                finetune=folder / "pretrain", freeze=("features",), reset=("classifier",),
                table=False)
    scratch = run(few, config, out=folder / "scratch", console=console, show_progress=show,
                  label="scratch 5-9", table=False)
    names = "".join(map(str, second))
    return plots.comparison(
        {f"features of digits {''.join(map(str, first))} (frozen), new classifier":
            tuned.history,
         "from scratch": scratch.history},
        folder / f"finetune.{plot_format}",
        title=f"digits {names[0]}-{names[-1]} from {per_class} images per class: "
              f"test accuracy ({model})")
