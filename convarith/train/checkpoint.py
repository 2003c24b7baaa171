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
    """A checkpoint written by :func:`save_checkpoint` (tensors on the CPU).

    It is read with ``torch.load(..., weights_only=True)``: torch's restricted unpickler
    builds only tensors, numbers, strings, lists, tuples and dicts, so a crafted ``.pt`` file
    cannot run code. A checkpoint holds nothing else (see :func:`save_checkpoint`); a file
    that needs more, or is not a checkpoint at all, is refused in one line.
    """
    import torch

    path = Path(path)
    folder = path.parent
    if not path.exists() and (folder / "weights.npz").exists():
        raise ConvArithError(
            f"Error loading a checkpoint: {folder} holds a numpy-engine run (weights.npz), "
            f"which has no {path.name}: it can be neither resumed nor fine-tuned from. Train "
            "with --engine torch for a run that can."
        )
    sweep = any(folder.glob(f"lr=*/{path.name}")) or any(folder.glob("lr_sweep.*"))
    if not path.exists() and sweep:
        rates = sorted(p.parent.name for p in folder.glob("lr=*/" + path.name))
        raise ConvArithError(
            f"Error loading a checkpoint: {folder} holds a learning-rate sweep, whose runs are "
            f"in its sub-folders ({', '.join(rates) or 'none finished'}). Point at one of them, "
            f"e.g. {folder / (rates[0] if rates else 'lr=RATE')}."
        )
    if not path.exists():
        raise ConvArithError(
            f"Error loading a checkpoint: {path} does not exist. Point at a run folder that "
            f"holds {LAST} or {BEST} (written by 'convarith train ... --out FOLDER')."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a foreign file: whatever it raises, say what it is
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        refused = next((line for line in lines if "GLOBAL" in line), None)
        if refused is not None or (lines and "Weights only load failed" in lines[0]):
            # torch's own message is many lines of advice; this one names what was asked for
            raise ConvArithError(
                f"Error loading the checkpoint {path}: it holds more than tensors, numbers, "
                f"strings and lists ({refused or lines[0]}); convarith loads checkpoints with "
                "weights_only=True and never runs code from them. Use a checkpoint written "
                "by 'convarith train'."
            ) from None
        reason = (" ".join(lines) or type(error).__name__)[:200]
        raise ConvArithError(
            f"Error loading the checkpoint {path}: it is empty, truncated or not a torch "
            f"checkpoint ({type(error).__name__}: {reason}). Use the {LAST} or {BEST} of a "
            "complete 'convarith train' run, or start the run again without --resume."
        ) from None
    if not isinstance(state, dict) or "model" not in state:
        raise ConvArithError(
            f"Error loading the checkpoint {path}: it is not a convarith run checkpoint (no "
            "'model' entry). Use the last.pt or best.pt of a 'convarith train' run."
        )
    return state


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
