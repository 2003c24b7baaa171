"""Shape-table speed and tracing memory, measured against baselines in the same run.

1. Whole-process time of `convarith table alexnet` (median of several runs) against the
   torchinfo way of getting the same table: `python -c` that imports torch, builds AlexNet
   and runs one real forward pass. Targets: at most 0.5 s, and at most 0.25 of the baseline.
2. Peak memory added by tracing a real (CPU) AlexNet on the meta device at 224x224 and at
   2048x2048 input, each in a fresh process (peak RSS after tracing minus peak RSS before).
   Target: 2048x2048 costs no more than 224x224 (within 5 MiB of noise). For scale, the same
   processes also report what one real forward pass at 224x224 adds.

Run: python benchmarks/bench_table.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time

# torchvision's AlexNet written out (torchvision itself is not a dependency)
ALEXNET = textwrap.dedent("""
    import torch
    from torch import nn
    model = nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(),
        nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
    )
""")

TORCHINFO_WAY = ALEXNET + textwrap.dedent("""
    with torch.no_grad():
        out = model(torch.randn(1, 3, 224, 224))
    for m in model:
        pass
""")

MEMORY = ALEXNET + textwrap.dedent("""
    import resource, sys
    from convarith.bridges.trace import trace
    size, real = int(sys.argv[1]), sys.argv[2] == "real"
    trace(model, (3, 64, 64))  # warm up: imports and first-call allocations
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if real:
        with torch.no_grad():
            model(torch.randn(1, 3, size, size))
    else:
        rows = trace(model, (3, size, size)).records
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) * 1024)  # ru_maxrss is in KiB on Linux
""")


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_added(size: int, mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", MEMORY, str(size), mode], check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    convarith = shutil.which("convarith") or os.path.join(os.path.dirname(sys.executable),
                                                          "convarith")
    table_cmd = [convarith, "table", "alexnet"]
    baseline_cmd = [sys.executable, "-c", TORCHINFO_WAY]
    wall(table_cmd, 1), wall(baseline_cmd, 1)  # warm the file cache
    t_table = wall(table_cmd, runs)
    t_base = wall(baseline_cmd, runs)
    ratio = t_table / t_base
    print(f"whole process, median of {runs}:")
    print(f"  convarith table alexnet                       {t_table * 1000:7.1f} ms "
          f"(target <= 500 ms: {'PASS' if t_table <= 0.5 else 'FAIL'})")
    print(f"  python: import torch, AlexNet, one forward    {t_base * 1000:7.1f} ms")
    print(f"  ratio {ratio:.3f} (target <= 0.25): {'PASS' if ratio <= 0.25 else 'FAIL'}")

    mib = 2**20
    traced = {size: peak_added(size, "meta") for size in (224, 2048)}
    real = peak_added(224, "real")
    grows = traced[2048] - traced[224]
    print("peak memory added by tracing AlexNet (meta device), fresh process each:")
    print(f"  input 224x224     {traced[224] / mib:7.2f} MiB")
    print(f"  input 2048x2048   {traced[2048] / mib:7.2f} MiB")
    print(f"  difference {grows / mib:+.2f} MiB (target <= +5 MiB): "
          f"{'PASS' if grows <= 5 * mib else 'FAIL'}")
    print(f"  for scale, one real forward pass at 224x224 adds {real / mib:.2f} MiB")


if __name__ == "__main__":
    main()
