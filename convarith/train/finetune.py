"""Transfer learning: start from a trained run's weights, freeze some layers, train the rest.

:func:`start_from` copies every tensor of the run's ``best.pt`` whose name and shape match
into the new model, re-initialises the output layer (its classes are new), and freezes
the named parts (``features``: every convolution and pooling layer; ``classifier``: the
dense layers), so only the rest trains, usually at a lower learning rate.

:func:`demo` is the classic small-data experiment on the embedded digits: train on digits
0-4, then learn digits 5-9 from only 20 images per class, once fine-tuning the 0-4 network
with its features frozen and once from scratch on the same 100 images, and plot both test
accuracies per epoch.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from torch import nn

from convarith.errors import ConvArithError
from convarith.train import checkpoint
from convarith.train.loop import TrainConfig


def _output_layer(model: nn.Module) -> nn.Module | None:
    trained = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    return trained[-1] if trained else None


def start_from(model: nn.Module, run_dir: str | Path, *, model_name: str | None = None,
               freeze: tuple[str, ...] = (), reset_output: bool = True) -> list[str]:
    """Load ``run_dir``'s best weights into ``model`` (matching names and shapes), reset the
    output layer, freeze the parts named; return lines describing what happened."""
    folder = Path(run_dir)
    state = checkpoint.load_checkpoint(folder / checkpoint.BEST)
    trained_name = state.get("meta", {}).get("model")
    if model_name is not None and trained_name not in (None, model_name):
        raise ConvArithError(
            f"Error fine-tuning {model_name} from {folder}: that run trained {trained_name}. "
            f"Fine-tune {trained_name}, or point --finetune at a {model_name} run."
        )
    own = model.state_dict()
    loaded = {name: tensor for name, tensor in state["model"].items()
              if name in own and own[name].shape == tensor.shape}
    output = _output_layer(model) if reset_output else None
    fresh = {f"{name}.{p}" for name, module in model.named_modules() if module is output
             for p, _ in module.named_parameters()}
    model.load_state_dict({**own, **{k: v for k, v in loaded.items() if k not in fresh}})
    for part in freeze:
        if not hasattr(model, part):
            raise ConvArithError(
                f"Error freezing {part!r}: the model has no such part. "
                "Use features or classifier (the zoo models' two halves)."
            )
        module = getattr(model, part)
        module.requires_grad_(False)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    lines = [f"fine-tuning from {folder / checkpoint.BEST} (epoch {state['epoch']}): "
             f"{len(loaded) - len(fresh & set(loaded))} tensors loaded"
             + (f", output layer re-initialised ({', '.join(sorted(fresh))})" if fresh else "")]
    if freeze:
        lines.append(f"frozen: {', '.join(freeze)} ({frozen:,} parameters); "
                     f"training {trainable:,} parameters")
    return lines


def demo(out: str | Path, *, model: str = "lenet5-modern", config: TrainConfig | None = None,
         first: tuple[int, ...] = (0, 1, 2, 3, 4), second: tuple[int, ...] = (5, 6, 7, 8, 9),
         per_class: int = 20, finetune_lr: float | None = None, console: Any = None,
         plot_format: str = "png") -> Path:
    """Pre-train on ``first``, then fine-tune (features frozen) vs train from scratch on
    ``per_class`` images of each class of ``second``; write ``out/finetune.<format>``.

    ``config`` sets the epochs, batch size, learning rate and seed of all three runs; the
    fine-tuning run uses ``finetune_lr`` (default a third of ``config.lr``).
    """
    from convarith.train import plots
    from convarith.train.run import RunSpec, run

    config = config or TrainConfig()
    folder = Path(out)
    show = console is not None
    base = RunSpec(model=model, classes=first, plot_format=plot_format)
    few = replace(base, classes=second, per_class=per_class)
    run(base, config, out=folder / "pretrain", console=console, show_progress=show,
        label="pre-train 0-4", table=False)
    tuned = run(few, replace(config, lr=finetune_lr or config.lr / 3), out=folder / "finetune",
                console=console, show_progress=show, label="fine-tune 5-9",
                finetune=folder / "pretrain", freeze=("features",), table=False)
    scratch = run(few, config, out=folder / "scratch", console=console, show_progress=show,
                  label="scratch 5-9", table=False)
    names = "".join(map(str, second))
    return plots.comparison(
        {f"fine-tuned from digits {''.join(map(str, first))} (features frozen)": tuned.history,
         "from scratch": scratch.history},
        folder / f"finetune.{plot_format}",
        title=f"digits {names[0]}-{names[-1]} from {per_class} images per class: "
              f"test accuracy ({model})")
