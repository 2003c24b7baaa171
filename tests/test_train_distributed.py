"""The loop on two local processes (DDP, gloo, 127.0.0.1) agrees with one process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from convarith import zoo
from convarith.train.data import load, select
from convarith.train.loop import TrainConfig, seed, train

CONFIG = TrainConfig(epochs=2, batch_size=32, lr=1e-3, seed=5)


def _data():
    return select(load("digits", size=32), per_class=30)  # 300 images: batches split evenly


def _model() -> torch.nn.Module:
    seed(5)
    return zoo.get("lenet5-modern", in_channels=1, num_classes=10).to_torch()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _worker(rank: int, world_size: int, port: int, out: str) -> None:
    import torch.distributed as dist

    from convarith.train.distributed import current

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        world = current()
        result = train(_model(), _data(), CONFIG, out=out, show_progress=False, world=world)
        Path(out, f"rank{rank}.json").write_text(json.dumps({"history": result.history}))
    finally:
        dist.destroy_process_group()


def test_two_processes_agree_with_one(tmp_path):
    single = train(_model(), _data(), CONFIG, show_progress=False)
    port = _free_port()
    # forked, the two processes start with the torch this one has imported (spawned, each
    # would import torch and its compiler anew: about 6 s of CPU apiece); gloo is CPU only
    mp.start_processes(_worker, args=(2, port, str(tmp_path)), nprocs=2, join=True,
                       start_method="fork")
    histories = [json.loads((tmp_path / f"rank{r}.json").read_text())["history"] for r in (0, 1)]
    timeless = [[{k: v for k, v in row.items() if k not in ("seconds", "images_per_second")}
                 for row in history] for history in histories]
    assert timeless[0] == timeless[1]  # every process reports the global metrics
    for ours, theirs in zip(histories[0], single.history):
        assert ours["train_loss"] == pytest.approx(theirs["train_loss"], rel=1e-4)
        assert ours["test_loss"] == pytest.approx(theirs["test_loss"], rel=1e-4)
        assert ours["train_accuracy"] == pytest.approx(theirs["train_accuracy"], abs=2 / 300)
    assert json.loads((tmp_path / "metrics.json").read_text())["train_images"] == 300
    assert (tmp_path / "last.pt").exists()  # written by rank 0 only


def test_cli_runs_unchanged_under_torchrun(tmp_path):
    convarith = shutil.which("convarith") or str(Path(sys.executable).parent / "convarith")
    out = tmp_path / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
               "--master_addr=127.0.0.1", f"--master_port={_free_port()}", "--no-python",
               convarith, "train", "lenet5-modern", "--epochs", "1", "--per-class", "10",
               "--out", str(out), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("wrote metrics, checkpoints and plots") == 1  # rank 0 speaks
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["train_images"] == 100 and len(summary["epochs"]) == 1
