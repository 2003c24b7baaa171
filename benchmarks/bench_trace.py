"""Tracing speed and memory against torchinfo's real forward, side by side in one run.

For ResNet-152 at 224x224 and 1024x1024 and GoogLeNet at 224x224 (written from torch.nn in
tests/models_zoo.py, torchvision's layouts), each measurement in a fresh process with the
model built on CPU with real weights, as a user has it:

* convarith: ``convarith.trace.trace(model, (3, S, S))`` (the operator-level tracer on the
  meta device);
* baseline: ``torchinfo.summary(model, (1, 3, S, S))`` (hooks around one real forward).

Each process first runs its tool once on a 64x64 input (imports, first-call allocations:
the meta device's first convolution imports torch._dynamo, reported apart as "cold"), then
times the measured call and reads the peak RSS it added. Targets (issue 12): time ratio at
most 0.25 at 224, memory flat in the input size.

Needs torchinfo (``pip install -e ".[bench]"``). Run: python benchmarks/bench_trace.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {tests!r})
import torch
import models_zoo
torch.manual_seed(0)
model = getattr(models_zoo, {model!r})().eval()
size = {size}

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

if {tool!r} == "convarith":
    from convarith.bridges.trace import trace
    run = lambda s: trace(model, (3, s, s))
else:
    import torchinfo
    run = lambda s: torchinfo.summary(model, (1, 3, s, s), verbose=0)
start = time.perf_counter(); run(64); cold = time.perf_counter() - start
before = peak()
start = time.perf_counter(); run(size); seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "cold": cold, "added": peak() - before}}))
"""


def measure(tool: str, model: str, size: int) -> dict[str, float]:
    code = CHILD.format(tests=str(TESTS), model=model, size=size, tool=tool)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{tool} on {model} at {size} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="resnet152:224,resnet152:1024,googlenet:224",
                        help="MODEL:SIZE,... (functions of tests/models_zoo.py)")
    args = parser.parse_args()
    mib = 2**20
    print(f"{'model':<10} {'input':>9}  {'convarith s':>11} {'torchinfo s':>11} {'ratio':>6}"
          f"  {'convarith MiB':>13} {'torchinfo MiB':>13}  {'cold s (c/t)':>13}")
    for case in args.cases.split(","):
        model, _, size = case.partition(":")
        ours = measure("convarith", model, int(size))
        theirs = measure("torchinfo", model, int(size))
        print(f"{model:<10} {size + 'x' + size:>9}  {ours['seconds']:11.3f} "
              f"{theirs['seconds']:11.3f} {ours['seconds'] / theirs['seconds']:6.3f}  "
              f"{ours['added'] / mib:13.1f} {theirs['added'] / mib:13.1f}  "
              f"{ours['cold']:6.1f}/{theirs['cold']:.1f}", flush=True)


if __name__ == "__main__":
    main()
