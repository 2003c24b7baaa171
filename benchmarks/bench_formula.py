"""Formula core speed, measured against baselines in the same run.

1. Whole-process time of `convarith size conv --input 224 --kernel 11 --stride 4 --padding 2`
   against `python -c "import torch"` (target: at most 0.15 of it).
2. In-process numeric output-size evaluations per second (target: at least 100,000), against
   a bare inline expression of the same formula as the baseline.

Run: python benchmarks/bench_formula.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    convarith = shutil.which("convarith") or os.path.join(os.path.dirname(sys.executable),
                                                          "convarith")
    size_cmd = [convarith, "size", "conv", "--input", "224", "--kernel", "11", "--stride", "4",
                "--padding", "2"]
    torch_cmd = [sys.executable, "-c", "import torch"]
    wall(size_cmd, 1), wall(torch_cmd, 1)  # warm the file cache
    t_size = wall(size_cmd, runs)
    t_torch = wall(torch_cmd, runs)
    ratio = t_size / t_torch
    print(f"whole process, median of {runs}:")
    print(f"  convarith size conv ...   {t_size * 1000:7.1f} ms")
    print(f"  python -c 'import torch'  {t_torch * 1000:7.1f} ms")
    print(f"  ratio {ratio:.3f} (target <= 0.15): {'PASS' if ratio <= 0.15 else 'FAIL'}")

    from convarith import conv_output_size

    n = 200_000
    start = time.perf_counter()
    for i in range(n):
        conv_output_size(224 + (i & 7), kernel_size=11, stride=4, padding=2)
    t_formula = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(n):
        (224 + (i & 7) + 2 * 2 - 1 * (11 - 1) - 1) // 4 + 1
    t_bare = time.perf_counter() - start
    rate = n / t_formula
    print(f"in process, {n:,} evaluations:")
    print(f"  conv_output_size: {rate:,.0f}/s (target >= 100,000/s): "
          f"{'PASS' if rate >= 100_000 else 'FAIL'}")
    print(f"  bare inline expression: {n / t_bare:,.0f}/s "
          f"(convarith costs {t_formula / t_bare:.0f}x the bare arithmetic, for validation "
          "and normalisation)")


if __name__ == "__main__":
    main()
