"""Lecture-set speed and size, both styles, measured against baselines in the same run.

1. Wall time of `convarith figures --out TMP` (the whole flat lecture set, a fresh process, as
   a user runs it) and of `convarith figures --style paper --out TMP` (the paper's fifteen
   animations in their look). Target: each under 60 s.
2. Baseline, same run: the plain-matplotlib cost of the same number of animation frames:
   one 8x5-inch figure at 100 dpi with nothing on it, drawn and copied out as an RGB image
   once per frame, in one process. The ratio says what a set costs per frame over the least
   any matplotlib animation of that size can cost.
3. Baseline, same run: one animation alone in each style (`convarith animate conv ... -o
   x.gif [--style paper]`, whole process), so a set's time also reads as "so many single
   animations", and the paper style's cost reads against the flat one's.
4. The size of every GIF written. Target: each under 300 KB (printed as a ratio to it).

Run: python benchmarks/bench_figures.py [--jobs N] [--style flat|paper|both]
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


def measure(style: str, tmp: Path, jobs: int | None) -> None:
    from convarith.figures.lecture import animated, figure_set, scene_of

    chosen = figure_set(style)
    frames = sum(len(scene_of(item).frames) for item in chosen if animated(item))
    out = tmp / style
    command = [CONVARITH, "figures", "--style", style, "--out", str(out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    whole = timed(command)
    single = timed([CONVARITH, "animate", "conv", "--input", "5", "--kernel", "3", "--stride",
                    "2", "--padding", "1", "--style", style, "-o", str(tmp / f"{style}.gif")])
    empty = empty_frames(frames)
    sizes = sorted(((p.stat().st_size, p.name) for p in out.iterdir()), reverse=True)
    print(f"\nstyle {style}: {len(chosen)} figures, {frames} animation frames")
    print(f"convarith figures --style {style} (fresh process): {whole:6.2f} s   "
          f"target {TARGET_SECONDS:.0f} s: ratio {whole / TARGET_SECONDS:.2f}")
    print(f"baseline, one animation (animate conv --style {style}, 9 frames): {single:6.2f} s"
          f"   set / one = {whole / single:.1f}")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="passed to convarith figures")
    parser.add_argument("--style", choices=("flat", "paper", "both"), default="both")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs (shared: times are wall clock)")
    styles = ("flat", "paper") if args.style == "both" else (args.style,)
    with tempfile.TemporaryDirectory() as tmp:
        for style in styles:
            measure(style, Path(tmp), args.jobs)


if __name__ == "__main__":
    main()
