"""``convarith train`` from the command line: run folder, help, errors, sweep, fine-tuning."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from convarith.cli import main

PLOTS = {"learning_curves.png", "confusion.png", "filters.png", "feature_maps.png"}


def invoke(*args: str):
    # standalone_mode=False as the LazyGroup does; it exits with the status in SystemExit
    runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def finished_runs(tmp_path_factory):
    """One epoch of each digits model with its recipe, plots and all, trained once for the
    tests that only read a finished run (each run costs about 2 s of plots)."""
    root = tmp_path_factory.mktemp("runs")
    runs = {
        "lenet5-modern": invoke("train", "lenet5-modern", "--epochs", "1", "--per-class", "20",
                                "--out", str(root / "lenet5-modern")),
        "lenet5": invoke("train", "lenet5", "--epochs", "1", "--per-class", "20", "--quiet",
                         "--out", str(root / "lenet5")),
    }
    for result in runs.values():
        assert result.exit_code == 0, result.output
    return {model: (root / model, result) for model, result in runs.items()}


def test_lenet5_on_digits_has_its_own_recipe_other_pairs_the_generic_defaults(
        tmp_path, finished_runs, skip_run_plots):
    for model, expected in (("lenet5", ("sgd", 0.05, "cosine", 0.1, ["affine"])),
                            ("lenet5-modern", ("adam", 1e-3, "step", 1.0, []))):
        out, _ = finished_runs[model]
        summary = json.loads((out / "metrics.json").read_text())
        config = summary["config"]
        assert (config["optimizer"], config["lr"], config["schedule"], config["logit_scale"],
                summary["meta"]["spec"]["augment"]) == expected
    out = tmp_path / "plain"
    assert invoke("train", "lenet5", "--epochs", "1", "--per-class", "5", "--quiet",
                  "--augment", "none", "--logit-scale", "1", "--out", str(out)).exit_code == 0
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["config"]["logit_scale"] == 1 and summary["meta"]["spec"]["augment"] == []


def test_help_shows_an_example():
    result = invoke("train", "--help")
    assert result.exit_code == 0
    assert "convarith train lenet5" in result.output
    assert "--lr-sweep" in result.output and "--finetune" in result.output


def test_one_epoch_run_writes_metrics_checkpoints_and_plots(finished_runs):
    out, result = finished_runs["lenet5-modern"]
    assert "C1" in result.output and "61,706" in result.output  # the shape table comes first
    assert "epoch 1/1" in result.output and "img/s" in result.output
    assert result.output.strip().endswith(f"wrote metrics, checkpoints and plots to {out}/")
    for model in ("lenet5-modern", "lenet5"):
        out, _ = finished_runs[model]
        names = {path.name for path in out.iterdir()}
        assert names == {"metrics.csv", "metrics.json", "last.pt", "best.pt"} | PLOTS, model
        summary = json.loads((out / "metrics.json").read_text())
        assert summary["train_images"] == 200 and summary["meta"]["model"] == model


def test_existing_run_is_not_overwritten_without_resume(tmp_path, skip_run_plots):
    out = tmp_path / "run"
    # no schedule: a step or cosine schedule is planned over its total and cannot be stretched
    assert invoke("train", "lenet5-modern", "--epochs", "1", "--out", str(out), "--quiet",
                  "--per-class", "5", "--schedule", "none").exit_code == 0
    result = invoke("train", "lenet5-modern", "--epochs", "1", "--out", str(out), "--quiet")
    assert result.exit_code == 2
    assert result.output == (f"Error: {out} already holds a run. Add --resume to continue it, "
                             "or choose another --out (or delete the folder).\n")
    resumed = invoke("train", "lenet5-modern", "--epochs", "2", "--out", str(out), "--quiet",
                     "--per-class", "5", "--resume")
    assert resumed.exit_code == 0, resumed.output
    rows = (out / "metrics.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2"]


def test_divergence_is_one_error_line_naming_the_rate(tmp_path):
    result = invoke("train", "lenet5-modern", "--epochs", "2", "--lr", "1000", "--optimizer",
                    "sgd", "--out", str(tmp_path / "run"), "--quiet", "--per-class", "10")
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("Error: Training diverged at epoch 1, step ")
    assert "with lr=1000:" in line and line.endswith(f"e.g. --lr 100. The metrics so far are in {tmp_path / 'run'}.")
    assert not (tmp_path / "run" / "last.pt").exists()


def test_offline_download_fails_cleanly(tmp_path, monkeypatch):
    import socket

    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CONVARITH_MIRROR", f"http://127.0.0.1:{port}/")
    result = invoke("train", "lenet5", "--dataset", "mnist", "--download", "--data-dir",
                    str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--quiet")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: downloading mnist: could not fetch")
    assert lines[0].endswith(f"into {tmp_path / 'data'} and run without --download.")


def test_bad_choices_are_one_line_errors(tmp_path):
    result = invoke("train", "lenet5", "--augment", "rotate", "--out", str(tmp_path))
    assert result.output == ("Error: Unknown --augment value rotate. Use one or more of crop, "
                             "flip, lighting, affine, separated by commas.\n")
    result = invoke("train", "lenet5", "--freeze", "features", "--out", str(tmp_path))
    assert result.output == "Error: --freeze applies to a fine-tuning run. Add --finetune RUN_DIR.\n"
    result = invoke("train", "lenet5", "--lr-sweep", "1e-3,fast", "--out", str(tmp_path))
    assert result.output.startswith("Error: Could not read --lr-sweep '1e-3,fast'")


def test_lr_sweep_writes_one_run_per_rate_and_one_figure(tmp_path, skip_run_plots):
    out = tmp_path / "sweep"
    result = invoke("train", "lenet5-modern", "--lr-sweep", "1e-3,1e4", "--epochs", "1",
                    "--optimizer", "sgd", "--out", str(out), "--quiet", "--per-class", "10")
    assert result.exit_code == 0, result.output
    assert "lr=10000: diverged at epoch 1, step " in result.output
    assert "lr=0.001: test accuracy" in result.output
    assert (out / "lr_sweep.png").stat().st_size > 10_000
    assert (out / "lr=0.001" / "best.pt").exists() and not (out / "lr=10000" / "last.pt").exists()
    assert skip_run_plots == [out / "lr=0.001"]  # the finished rate's own plots, as any run's


def test_finetune_freezes_features_and_starts_from_the_run(tmp_path, skip_run_plots):
    import torch

    base = tmp_path / "base"
    assert invoke("train", "lenet5-modern", "--classes", "0,1,2,3,4", "--epochs", "1",
                  "--out", str(base), "--quiet", "--per-class", "20").exit_code == 0
    tuned = tmp_path / "tuned"
    result = invoke("train", "lenet5-modern", "--classes", "5,6,7,8,9", "--per-class", "20",
                    "--epochs", "1", "--finetune", str(base), "--freeze", "features",
                    "--lr", "3e-4", "--out", str(tuned), "--quiet")
    assert result.exit_code == 0, result.output
    before = torch.load(base / "best.pt", weights_only=False)["model"]
    after = torch.load(tuned / "last.pt", weights_only=False)["model"]
    for name in before:
        if name.startswith("features"):
            assert torch.equal(before[name], after[name]), name
    assert not torch.equal(before["classifier.5.weight"], after["classifier.5.weight"])


def test_finetune_from_another_model_is_refused(tmp_path, finished_runs):
    base, _ = finished_runs["lenet5-modern"]
    result = invoke("train", "lenet5", "--finetune", str(base), "--out", str(tmp_path / "x"),
                    "--quiet")
    assert result.output.startswith(f"Error: fine-tuning lenet5 from {base}: that run "
                                    "trained lenet5-modern.")


def test_train_help_does_not_import_torch():
    code = ("import sys; from click.testing import CliRunner; from convarith.cli import main; "
            "CliRunner().invoke(main, ['train', '--help']); print('torch' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert output == "False"


def test_a_bounded_model_stuck_at_chance_is_said_to_have_learnt_nothing(tmp_path, finished_runs,
                                                                       skip_run_plots):
    # LeNet-5's tanh/RBF outputs cannot explode, so lr=1 saturates instead of diverging
    result = invoke("train", "lenet5", "--epochs", "1", "--lr", "1", "--per-class", "20",
                    "--quiet", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    assert ("no better than chance (10.00% for 10 classes): the network did not learn; with "
            "lr=1 try a smaller rate, e.g. --lr 0.1") in result.output
    _, healthy = finished_runs["lenet5"]  # the same run at lenet5's own rate
    assert "test accuracy" in healthy.output and "no better than chance" not in healthy.output
