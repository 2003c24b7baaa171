"""Checkpoints are foreign files: they load with ``torch.load(weights_only=True)``, so a
crafted ``last.pt``/``best.pt`` cannot run code, and a broken one is one line, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.train import checkpoint


class _Payload:
    """Writes a marker file when a plain unpickler (weights_only=False) loads it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def run(tmp_path_factory, skip_run_plots_in_module) -> Path:
    out = tmp_path_factory.mktemp("run") / "lenet"  # the checkpoints are the point, not plots
    result = invoke("train", "lenet5-modern", "--epochs", "1", "--per-class", "5", "--quiet",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_a_real_checkpoint_loads_with_weights_only(run):
    state = checkpoint.load_checkpoint(run / checkpoint.LAST)
    assert state["epoch"] == 1 and isinstance(state["torch_rng"], torch.Tensor)
    assert state["meta"]["model"] == "lenet5-modern"


@pytest.mark.parametrize("name, command", [
    (checkpoint.LAST, ("--resume", "--epochs", "2")),
    (checkpoint.BEST, ("--finetune", "RUN")),
])
def test_a_crafted_checkpoint_is_refused_and_never_run(run, tmp_path, name, command):
    crafted = tmp_path / "crafted"
    crafted.mkdir()
    marker = tmp_path / "payload-ran"
    state = checkpoint.load_checkpoint(run / checkpoint.LAST)
    state["meta"] = {"model": "lenet5-modern", "note": _Payload(str(marker))}
    torch.save(state, crafted / name)
    (crafted / checkpoint.METRICS_JSON).write_text((run / checkpoint.METRICS_JSON).read_text())
    (crafted / checkpoint.METRICS_CSV).write_text((run / checkpoint.METRICS_CSV).read_text())
    with pytest.raises(ConvArithError, match=r"holds more than tensors, numbers, strings and "
                                             r"lists .*weights_only=True and never runs code"):
        checkpoint.load_checkpoint(crafted / name)
    assert not marker.exists()
    args = [arg.replace("RUN", str(crafted)) for arg in command]
    out = crafted if "--resume" in args else tmp_path / "tuned"
    result = invoke("train", "lenet5-modern", "--per-class", "5", "--quiet", "--out", str(out),
                    *args)
    assert result.exit_code == 2, result.output
    assert "never runs code" in result.output and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and result.output.rstrip().endswith(errors[0])
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["empty", "truncated", "text"])
def test_a_broken_checkpoint_is_one_line(run, tmp_path, damage):
    raw = (run / checkpoint.LAST).read_bytes()
    body = {"empty": b"", "truncated": raw[: len(raw) // 2], "text": b"hello"}[damage]
    (tmp_path / checkpoint.LAST).write_bytes(body)
    with pytest.raises(ConvArithError, match=r"empty, truncated or not a torch checkpoint"):
        checkpoint.load_checkpoint(tmp_path / checkpoint.LAST)


def test_a_torch_file_that_is_not_a_run_checkpoint_is_one_line(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / checkpoint.LAST)
    with pytest.raises(ConvArithError, match=r"not a convarith run checkpoint"):
        checkpoint.load_checkpoint(tmp_path / checkpoint.LAST)
