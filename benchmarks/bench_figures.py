"""Lecture-set speed and size, measured against baselines in the same run.

1. Wall time of `convarith figures --out TMP` (the whole lecture set, in a fresh process, as a
   user runs it) on this machine. Target: under 60 s.
2. Baseline, same run: the plain-matplotlib cost of the same number of animation frames:
   one 8x5-inch figure at 100 dpi with nothing on it, drawn and copied out as an RGB image
   once per frame, in one process. The ratio says what the lecture set costs per frame over
   the least any matplotlib animation of that size can cost.
3. Baseline, same run: one animation alone (`convarith animate conv ... -o x.gif`, whole
   process), so the set's time also reads as "so many single animations".
4. The size of every GIF written. Target: each under 300 KB (printed as a ratio to it).

Run: python benchmarks/bench_figures.py [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
TARGET_GIF_BYTES = 300 * 1024
HERE = Path(sys.executable).parent
CONVARITH = str(HERE / "convarith")


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def empty_frames(count: int) -> float:
    """Seconds to draw ``count`` empty 800x500 px frames with plain matplotlib (Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    start = time.perf_counter()
    figure = Figure(figsize=(8, 5), dpi=100)
    canvas = FigureCanvasAgg(figure)
    figure.add_axes((0, 0, 1, 1)).axis("off")
    for _ in range(count):
        canvas.draw()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                         "RGBA", 0, 1).convert("RGB")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="passed to convarith figures")
    args = parser.parse_args()
    from convarith.figures.lecture import ANIMATED_KINDS, LECTURE_SET, scene_of

    frames = sum(len(scene_of(item).frames) for item in LECTURE_SET
                 if item.kind in ANIMATED_KINDS)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures"
        command = [CONVARITH, "figures", "--out", str(out)]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        whole = timed(command)
        single = timed([CONVARITH, "animate", "conv", "--input", "5", "--kernel", "3",
                        "--stride", "2", "--padding", "1", "-o", str(Path(tmp) / "one.gif")])
        empty = empty_frames(frames)
        sizes = sorted(((p.stat().st_size, p.name) for p in out.iterdir()), reverse=True)
    print(f"machine: {os.cpu_count()} CPUs; {len(LECTURE_SET)} figures, {frames} animation "
          "frames")
    print(f"convarith figures (whole set, fresh process): {whole:6.2f} s   "
          f"target {TARGET_SECONDS:.0f} s: ratio {whole / TARGET_SECONDS:.2f}")
    print(f"baseline, one animation (convarith animate conv, 9 frames): {single:6.2f} s   "
          f"set / one = {whole / single:.1f}")
    print(f"baseline, {frames} empty 800x500 matplotlib frames, one process: {empty:6.2f} s   "
          f"set / empty = {whole / empty:.2f}")
    gifs = [(size, name) for size, name in sizes if name.endswith(".gif")]
    print(f"largest GIF: {gifs[0][1]} {gifs[0][0] / 1024:.0f} KB   target 300 KB: ratio "
          f"{gifs[0][0] / TARGET_GIF_BYTES:.2f}; every GIF under target: "
          f"{all(size < TARGET_GIF_BYTES for size, _ in gifs)}")
    total = sum(size for size, _ in sizes)
    print(f"total: {total / 2**20:.2f} MB in {len(sizes)} files")
    for size, name in sizes:
        print(f"  {size / 1024:7.1f} KB  {size / TARGET_GIF_BYTES:5.2f}  {name}")


if __name__ == "__main__":
    main()
