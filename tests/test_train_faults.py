"""Training under faults: a kill at any point leaves a run that --resume finishes
consistently, Ctrl-C says how to resume, schedules are not stretched, and bad settings are
refused before anything is printed or trained."""

from __future__ import annotations

import errno
import json
import os
import shlex
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.train import checkpoint, loop
from convarith.train.data import load, select
from convarith.train.loop import TrainConfig, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def small_digits():
    return select(load("digits", size=8), per_class=15)


def tiny_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))


CONFIG = TrainConfig(epochs=2, lr=0.05, optimizer="sgd", schedule="cosine", batch_size=16)


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even except Exception blocks)."""


def _agreement(folder: Path) -> tuple[int, int, int, list[float]]:
    best = checkpoint.load_checkpoint(folder / checkpoint.BEST)
    last = checkpoint.load_checkpoint(folder / checkpoint.LAST)
    summary = json.loads((folder / checkpoint.METRICS_JSON).read_text())
    return (best["epoch"], last["best_epoch"], summary["best_epoch"],
            [row["test_accuracy"] for row in summary["epochs"]])


def test_a_kill_before_any_write_of_any_epoch_resumes_to_the_same_run(tmp_path, small_digits,
                                                                      monkeypatch):
    """Every checkpoint or metrics write is a point where a kill can land; after each one,
    --resume finishes a run whose best.pt, last.pt and metrics.json name the same best epoch,
    and whose metrics are those of the run that was never killed."""
    train(tiny_model(), small_digits, CONFIG, out=tmp_path / "whole", show_progress=False)
    whole = _agreement(tmp_path / "whole")
    assert whole[0] == whole[1] == whole[2]

    writes = {"count": 0}
    real_save, real_metrics = checkpoint.save_checkpoint, checkpoint.write_metrics

    def counted(real):
        def write(*args, **kwargs):
            writes["count"] += 1
            if writes["count"] == writes.get("kill_at"):
                raise Killed
            return real(*args, **kwargs)
        return write

    monkeypatch.setattr(checkpoint, "save_checkpoint", counted(real_save))
    monkeypatch.setattr(checkpoint, "write_metrics", counted(real_metrics))
    train(tiny_model(), small_digits, CONFIG, out=tmp_path / "count", show_progress=False)
    total = writes["count"]
    assert total >= 2 * 2  # at least last.pt and the metrics every epoch
    for kill_at in range(1, total + 1):
        folder = tmp_path / f"killed-{kill_at}"
        writes.update(count=0, kill_at=kill_at)
        with pytest.raises(Killed):
            train(tiny_model(), small_digits, CONFIG, out=folder, show_progress=False)
        writes.pop("kill_at")
        resume = (folder / checkpoint.LAST).exists()
        train(tiny_model(), small_digits, CONFIG, out=folder, resume=resume,
              show_progress=False)
        assert _agreement(folder) == whole, f"killed before write {kill_at}"


def test_stretching_a_finished_cosine_run_is_refused_with_the_reason(tmp_path):
    state = {"model": {}, "epoch": 60, "config": {**TrainConfig(epochs=60, schedule="cosine",
                                                                 lr=0.05).__dict__},
             "meta": {"model": "lenet5", "dataset": "digits"}}
    with pytest.raises(ConvArithError, match=r"cosine schedule is planned over 60 epochs \(the "
                                             r"rate falls to 0 along half a cosine\), so it "
                                             r"cannot stretch to 80 without the rate jumping "
                                             r"back up\. Resume with --epochs 60, or train a "
                                             r"new run with --epochs 80 in another --out\."):
        loop.check_resume(state, TrainConfig(epochs=80, schedule="cosine", lr=0.05),
                          {"model": "lenet5"}, tmp_path / "last.pt")


def test_readme_resume_example_on_a_finished_60_epoch_run_is_one_line(tmp_path):
    """`convarith train lenet5 --resume --epochs 80` (its settings read from last.pt)."""
    from convarith.train.run import defaults

    preset = defaults("lenet5", "digits")
    config = TrainConfig(epochs=60, lr=preset["lr"], optimizer=preset["optimizer"],
                         schedule=preset["schedule"], logit_scale=preset["logit_scale"])
    folder = tmp_path / "run"
    folder.mkdir()
    torch.save({"model": {}, "epoch": 60, "config": config.__dict__,
                "meta": {"model": "lenet5", "dataset": "digits",
                         "spec": {"augment": ["affine"]}}}, folder / "last.pt")
    result = invoke("train", "lenet5", "--resume", "--epochs", "80", "--out", str(folder),
                    "--quiet")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # nothing printed before the error
    assert result.stderr.startswith(f"Error: resuming from {folder / 'last.pt'}: the run's "
                                    "cosine schedule is planned over 60 epochs")


def test_resuming_with_other_settings_or_another_model_is_refused(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    torch.save({"model": {}, "epoch": 2, "config": TrainConfig(epochs=5, lr=0.01).__dict__,
                "meta": {"model": "lenet5-modern", "dataset": "digits"}}, folder / "last.pt")
    other = invoke("train", "lenet5", "--resume", "--out", str(folder))
    assert other.exit_code == 2
    assert "that run trained model lenet5-modern, not lenet5" in other.stderr
    changed = invoke("train", "lenet5-modern", "--resume", "--lr", "0.1", "--out", str(folder))
    assert changed.exit_code == 2
    assert "it was started with lr 0.01 (given 0.1)" in changed.stderr


def test_full_disk_during_a_checkpoint_is_one_line(tmp_path, small_digits, monkeypatch):
    def full(state, stream):
        stream.write(b"PK")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(ConvArithError) as caught:
        train(tiny_model(), small_digits, TrainConfig(epochs=1), out=tmp_path / "run",
              show_progress=False)
    message = str(caught.value)
    assert "No space left on device. Free some space, or choose another folder." in message
    assert "\n" not in message
    assert not [p for p in (tmp_path / "run").iterdir() if p.name.endswith(".tmp")]


def test_ctrl_c_says_how_to_resume_and_the_resume_finishes_with_every_plot(tmp_path,
                                                                         monkeypatch):
    out = tmp_path / "run"
    args = ["train", "lenet5-modern", "--epochs", "2", "--per-class", "3", "--schedule",
            "none", "--quiet", "--out", str(out)]
    real = loop.evaluate
    calls = {"n": 0}

    def interrupted(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(loop, "evaluate", interrupted)
    stopped = invoke(*args)
    assert stopped.exit_code == 130, stopped.output
    line = stopped.stderr.strip()
    assert line.count("\n") == 0 and "Traceback" not in stopped.output
    assert line.startswith(f"Interrupted: the checkpoints in {out} are intact; continue with: "
                           "convarith train lenet5-modern ")
    command = shlex.split(line.split("continue with: ", 1)[1])
    assert command[-3:] == ["--resume", "--out", str(out)]
    monkeypatch.setattr(loop, "evaluate", real)
    resumed = invoke(*command[1:])
    assert resumed.exit_code == 0, resumed.output
    plots = {"learning_curves.png", "confusion.png", "filters.png", "feature_maps.png"}
    assert plots <= {p.name for p in out.iterdir()}
    # a kill between the last epoch and the plots: --resume draws them
    for name in plots:
        (out / name).unlink()
    again = invoke(*command[1:])
    assert again.exit_code == 0, again.output
    assert plots <= {p.name for p in out.iterdir()}


def test_interrupt_before_the_first_epoch_says_there_is_nothing_to_resume(tmp_path,
                                                                         monkeypatch):
    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("convarith.train.run.load_data", stop)
    result = invoke("train", "lenet5", "--out", str(tmp_path / "run"), "--quiet")
    assert result.exit_code == 130
    assert result.stderr == (f"Interrupted: no epoch finished, nothing to resume in "
                             f"{tmp_path / 'run'}; run the command again.\n")


@pytest.mark.parametrize(("args", "words"), [
    (["--seed", "-1"], "Invalid value for '--seed': -1 is not in the range 0<=x<=4294967295."),
    (["--seed", str(2**63)], "is not in the range 0<=x<=4294967295"),
    (["--weight-decay", "nan"], "'nan' is not a finite number"),
    (["--lr", "inf"], "'inf' is not a finite number"),
    (["--classes", ","], "--classes ',' names 0 classes; a classifier needs at least 2"),
    (["--classes", "3"], "--classes '3' names 1 class; a classifier needs at least 2"),
    (["--engine", "numpy", "--resume"], "--engine numpy trains one fresh run; it has no --resume"),
    (["--engine", "numpy", "--lr-sweep", "0.1,1"], "it has no --lr-sweep"),
    (["--lr-sweep", "0.1,nan"], "every rate must be a positive finite number"),
])
def test_bad_numbers_and_options_that_do_not_apply_are_one_line(tmp_path, args, words):
    model = "lenet5-modern" if "numpy" in args else "lenet5"
    result = invoke("train", model, "--out", str(tmp_path / "run"), "--quiet", *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert words in result.stderr


def test_numpy_engine_and_second_sweep_do_not_overwrite(tmp_path):
    numpy_run = tmp_path / "numpy"
    numpy_run.mkdir()
    (numpy_run / "weights.npz").write_bytes(b"")
    result = invoke("train", "lenet5-modern", "--engine", "numpy", "--out", str(numpy_run))
    assert result.exit_code == 2
    assert f"{numpy_run} already holds a numpy-engine run" in result.stderr
    sweep = tmp_path / "sweep"
    (sweep / "lr=0.1").mkdir(parents=True)
    (sweep / "lr=0.1" / "last.pt").write_bytes(b"")
    result = invoke("train", "lenet5", "--lr-sweep", "0.01,0.1", "--out", str(sweep))
    assert result.exit_code == 2
    assert f"{sweep} already holds a learning-rate sweep. Choose another --out" in result.stderr


def test_unwritable_output_folder_is_refused_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("train", "lenet5", "--out", str(blocker / "run"), "--quiet")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: preparing the run folder {blocker / 'run'}: ")


def test_checkpoints_of_another_run_kind_are_one_line(tmp_path):
    numpy_run = tmp_path / "numpy"
    numpy_run.mkdir()
    (numpy_run / "weights.npz").write_bytes(b"")
    result = invoke("train", "lenet5-modern", "--finetune", str(numpy_run), "--out",
                    str(tmp_path / "tuned"))
    assert result.exit_code == 2
    assert result.stderr == (f"Error: loading a checkpoint: {numpy_run} holds a numpy-engine "
                             "run (weights.npz), which has no best.pt: it can be neither "
                             "resumed nor fine-tuned from. Train with --engine torch for a run "
                             "that can.\n")
    sweep = tmp_path / "sweep"
    (sweep / "lr=0.1").mkdir(parents=True)
    (sweep / "lr=0.1" / "last.pt").write_bytes(b"")
    result = invoke("train", "lenet5", "--resume", "--out", str(sweep))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: loading a checkpoint: {sweep} holds a learning-"
                                    "rate sweep, whose runs are in its sub-folders (lr=0.1). "
                                    f"Point at one of them, e.g. {sweep / 'lr=0.1'}.")
