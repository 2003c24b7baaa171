"""Transfer learning: start from a trained run's weights, freeze some layers, train the rest.

:func:`start_from` copies every tensor of the run's ``best.pt`` whose name and shape match
into the new model, re-initialises the output layer to zero (its classes are new), and freezes
the named parts (``features``: every convolution and pooling layer; ``classifier``: the
dense layers), so only the rest trains, usually at a lower learning rate.

The small-data experiment built on it is :func:`convarith.train.finetune_demo.demo`.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from convarith.errors import ConvArithError
from convarith.train import checkpoint


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
