"""Transfer learning: start from a trained run's weights, freeze some layers, train the rest.

:func:`start_from` copies every tensor of the run's ``best.pt`` whose name and shape match
into the new model, re-initialises the output layer to zero (its classes are new), and freezes
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


def _part(model: nn.Module, part: str, action: str) -> nn.Module:
    if not hasattr(model, part):
        raise ConvArithError(
            f"Error {action} {part!r}: the model has no such part. "
            "Use features or classifier (the zoo models' two halves)."
        )
    return getattr(model, part)


def start_from(model: nn.Module, run_dir: str | Path, *, model_name: str | None = None,
               freeze: tuple[str, ...] = (), reset: tuple[str, ...] = ()) -> list[str]:
    """Load ``run_dir``'s best weights into ``model`` (matching names and shapes) except the
    parts in ``reset``, which keep their fresh initialisation; set the output layer to zero
    unless it is reset; freeze the parts named; return lines describing what happened."""
    folder = Path(run_dir)
    state = checkpoint.load_checkpoint(folder / checkpoint.BEST)
    trained_name = state.get("meta", {}).get("model")
    if model_name is not None and trained_name not in (None, model_name):
        raise ConvArithError(
            f"Error fine-tuning {model_name} from {folder}: that run trained {trained_name}. "
            f"Fine-tune {trained_name}, or point --finetune at a {model_name} run."
        )
    own = model.state_dict()
    for part in reset:
        _part(model, part, "re-initialising")
    loaded = {name: tensor for name, tensor in state["model"].items()
              if name in own and own[name].shape == tensor.shape
              and not any(name.startswith(f"{part}.") for part in reset)}
    output = _output_layer(model)
    fresh = {f"{name}.{p}" for name, module in model.named_modules() if module is output
             for p, _ in module.named_parameters()}
    if any(name.startswith(f"{part}.") for name in fresh for part in reset):
        output, fresh = None, set()  # re-initialised with its part
    model.load_state_dict({**own, **{k: v for k, v in loaded.items() if k not in fresh}})
    if output is not None:
        # a zeroed output layer starts at the uniform guess (loss ln(classes)); a random one
        # on top of trained, large activations starts several times higher and learns slower
        for parameter in output.parameters():
            parameter.detach().zero_()
    for part in freeze:
        _part(model, part, "freezing").requires_grad_(False)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    lines = [f"fine-tuning from {folder / checkpoint.BEST} (epoch {state['epoch']}): "
             f"{len(set(loaded) - fresh)} tensors loaded"
             + (f", output layer set to zero ({', '.join(sorted(fresh))})" if fresh else "")
             + (f", {', '.join(reset)} re-initialised" if reset else "")]
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

    ``config`` sets the epochs, batch size, learning rate and seed of all three runs (the
    fine-tuning run uses ``finetune_lr`` if given). The fine-tuned network keeps the
    pre-trained convolutions frozen and learns a new classifier; measured here with
    lenet5-modern, 20 epochs at lr 1e-3: 55% test accuracy after one epoch and 92% after
    five, against 27% and 69% from scratch on the same 100 images.
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
