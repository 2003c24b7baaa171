"""Checkpoints and metrics files of a run folder, each written atomically.

A run folder holds ``last.pt`` (after every epoch, for ``--resume``), ``best.pt`` (the epoch
with the best test accuracy), ``metrics.csv`` and ``metrics.json``. Every file is written to
a temporary file in the same folder and renamed over the old one, so a run killed mid-write
leaves the previous version intact, never half a file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from convarith.atomic import atomic_write
from convarith.errors import ConvArithError

LAST = "last.pt"
BEST = "best.pt"
METRICS_CSV = "metrics.csv"
METRICS_JSON = "metrics.json"


def write_atomically(path: str | Path, write: Callable[[BinaryIO], Any]) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``."""
    with atomic_write(path) as stream:
        write(stream)
    return Path(path)


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """``torch.save`` of ``state``, atomically."""
    import torch

    return write_atomically(path, lambda stream: torch.save(state, stream))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A checkpoint written by :func:`save_checkpoint` (tensors on the CPU)."""
    import torch

    path = Path(path)
    if not path.exists():
        raise ConvArithError(
            f"Error loading a checkpoint: {path} does not exist. Point at a run folder that "
            f"holds {LAST} or {BEST} (written by 'convarith train ... --out FOLDER')."
        )
    return torch.load(path, map_location="cpu", weights_only=False)


def write_metrics(folder: str | Path, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    """``metrics.csv`` (one row per epoch) and ``metrics.json`` (``summary`` plus the rows)."""
    folder = Path(folder)
    text = io.StringIO()
    if rows:
        writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_atomically(folder / METRICS_CSV, lambda stream: stream.write(text.getvalue().encode()))
    payload = json.dumps({**summary, "epochs": rows}, indent=2, default=str)
    write_atomically(folder / METRICS_JSON, lambda stream: stream.write(payload.encode()))
