"""Ctrl-C and kill in real processes: exit status 130 (SIGINT) or 143 (SIGTERM), one line,
no traceback, and `figures --jobs N` workers gone at once, also after the main process is
killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

CONVARITH = [sys.executable, "-c", "from convarith.cli import main; main()"]
SLOW = ["figures", "--dpi", "100", "--jobs", "2", "--only", "conv_padding_strides",
        "--only", "conv_dilation", "--only", "transposed_padding_strides",
        "--only", "max_pooling"]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_figures(tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    process = subprocess.Popen([*CONVARITH, *SLOW, "--out", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ends = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < ends and process.poll() is None:
        time.sleep(0.1)
        workers = children(process.pid)
    assert len(workers) >= 2, "the workers never started"
    time.sleep(0.5)  # let them start drawing
    return process, workers


def wait_gone(pids: list[int], seconds: float = 5) -> list[int]:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


@pytest.mark.parametrize(("signum", "status", "line"), [
    (signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated."),
])
def test_figures_jobs_stops_its_workers_at_once(tmp_path, signum, status, line):
    process, workers = start_figures(tmp_path)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == status, stderr
    assert stderr.strip().splitlines()[-1] == line
    assert "Traceback" not in stderr
    assert wait_gone(workers) == []


def test_figures_workers_die_with_a_killed_main_process(tmp_path):
    process, workers = start_figures(tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert wait_gone(workers) == []
