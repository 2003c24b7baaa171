"""Scratch conv2d (im2col + one matmul) against torch.nn.functional.conv2d, side by side.

Forward and backward on the convolution layers of LeNet-5 and AlexNet (shapes taken from
convarith's model zoo), float32, CPU, numpy's BLAS and torch limited to the same number of
threads (threadpoolctl and torch.set_num_threads; default one each: with two threads on a
shared two-core machine, both libraries' spinning threads make the timings meaningless;
``--threads 0`` keeps numpy's own BLAS thread count and gives torch the same). The two
implementations take turns, repeat by repeat, and the best time of each is kept. Targets: scratch forward at most 3x torch's time; the backward
is reported. The textbook loop version is timed on LeNet's small layers for contrast. Last,
the wall time of ``convarith verify --profile quick`` (target under 60 s).

Run: ``python benchmarks/bench_scratch.py [--repeats 5] [--threads 1] [--skip-verify]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from convarith import zoo
from convarith.bridges.scratch.conv import conv, conv2d_loop, conv_backward
from convarith.specs.layers import Conv


def blas_threads() -> tuple[int, str]:
    """Threads of numpy's BLAS, and which library it is."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1, "unknown BLAS (threadpoolctl missing)"
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return int(pool["num_threads"]), f"{pool.get('internal_api')} {pool.get('version')}"
    return os.cpu_count() or 1, "unknown BLAS"


def best(function: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs, in seconds (after one warm-up run)."""
    return side_by_side([function], repeats)[0]


def side_by_side(functions: list[Callable[[], object]], repeats: int) -> list[float]:
    """The fastest run of each function, the functions taking turns so that a busy moment of
    the machine slows them alike (each warmed up once first)."""
    for function in functions:
        function()
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for function, record in zip(functions, times):
            start = time.perf_counter()
            function()
            record.append(time.perf_counter() - start)
    return [min(record) for record in times]


def conv_layers(model: str) -> list[tuple[str, Conv, tuple[int, ...]]]:
    net = zoo.get(model)
    found = []
    for index, (layer, (shape_in, _)) in enumerate(zip(net.layers, net.flow()), 1):
        if type(layer) is Conv:
            found.append((f"{model} conv{len(found) + 1} (layer {index})", layer, shape_in))
    return found


def measure(name: str, layer: Conv, shape_in: tuple[int, ...], batch: int, repeats: int,
            rng: np.random.Generator) -> dict[str, float | str]:
    c_in = shape_in[0]
    k = layer.kernel_size
    weight_shape = (layer.out_channels, c_in // layer.groups,
                    *(k if isinstance(k, tuple) else (k, k)))
    x = rng.standard_normal((batch, *shape_in)).astype(np.float32)
    w = rng.standard_normal(weight_shape).astype(np.float32)
    b = rng.standard_normal(layer.out_channels).astype(np.float32)
    args = {"stride": layer.stride, "padding": layer.padding, "dilation": layer.dilation,
            "groups": layer.groups}
    xt, wt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    y_torch = F.conv2d(xt, wt, bt, **args)
    y_scratch = conv(x, w, b, **args)
    error = float(np.max(np.abs(y_scratch - y_torch.detach().numpy())))
    dy = rng.standard_normal(y_scratch.shape).astype(np.float32)
    dyt = torch.from_numpy(dy)
    def torch_forward_pass() -> object:
        with torch.no_grad():
            return F.conv2d(xt, wt, bt, **args)

    torch_forward, scratch_forward = side_by_side(
        [torch_forward_pass, lambda: conv(x, w, b, **args)], repeats)
    torch_backward, scratch_backward = side_by_side(
        [lambda: torch.autograd.grad(y_torch, (xt, wt, bt), dyt, retain_graph=True),
         lambda: conv_backward(dy, x, w, **args)], repeats)
    return {"name": name, "input": f"{batch}x" + "x".join(map(str, shape_in)),
            "weight": "x".join(map(str, weight_shape)),
            "torch_fwd": torch_forward, "scratch_fwd": scratch_forward,
            "torch_bwd": torch_backward, "scratch_bwd": scratch_backward, "max_abs_err": error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lenet-batch", type=int, default=64)
    parser.add_argument("--alexnet-batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for both numpy's BLAS and torch (default 1; 0: numpy's "
                             "own BLAS thread count)")
    parser.add_argument("--skip-verify", action="store_true")
    options = parser.parse_args()

    threads, blas = blas_threads()
    if options.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(options.threads, user_api="blas")
        threads, blas = blas_threads()
    torch.set_num_threads(threads)
    print(f"numpy {np.__version__} with {blas}, {threads} BLAS thread(s); torch "
          f"{torch.__version__} set to {torch.get_num_threads()} thread(s); float32, CPU; "
          f"best of {options.repeats}")
    rng = np.random.default_rng(0)
    rows = []
    for model, batch in (("lenet5-modern", options.lenet_batch),
                         ("alexnet", options.alexnet_batch)):
        for name, layer, shape_in in conv_layers(model):
            rows.append(measure(name, layer, shape_in, batch, options.repeats, rng))

    print()
    header = (f"{'layer':<30} {'input':>16} {'weight':>14} {'torch fwd':>10} {'scratch':>10} "
              f"{'ratio':>6} {'torch bwd':>10} {'scratch':>10} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['name']:<30} {row['input']:>16} {row['weight']:>14} "
              f"{row['torch_fwd'] * 1e3:>8.2f}ms {row['scratch_fwd'] * 1e3:>8.2f}ms "
              f"{row['scratch_fwd'] / row['torch_fwd']:>5.2f}x "
              f"{row['torch_bwd'] * 1e3:>8.2f}ms {row['scratch_bwd'] * 1e3:>8.2f}ms "
              f"{row['scratch_bwd'] / row['torch_bwd']:>5.2f}x")
    forward = sum(r["scratch_fwd"] for r in rows) / sum(r["torch_fwd"] for r in rows)
    backward = sum(r["scratch_bwd"] for r in rows) / sum(r["torch_bwd"] for r in rows)
    worst = max(r["scratch_fwd"] / r["torch_fwd"] for r in rows)
    print(f"\nforward, all layers: scratch/torch = {forward:.2f}x (worst layer {worst:.2f}x; "
          f"target <= 3x: {'met' if worst <= 3 else 'NOT met'})")
    print(f"backward, all layers: scratch/torch = {backward:.2f}x")
    print(f"largest |scratch - torch| forward difference: "
          f"{max(r['max_abs_err'] for r in rows):.2e} (float32)")

    print("\nloop version (textbook sum) for contrast, batch 1:")
    for name, layer, shape_in in conv_layers("lenet5-modern"):
        x = rng.standard_normal((1, *shape_in)).astype(np.float32)
        k = layer.kernel_size
        w = rng.standard_normal((layer.out_channels, shape_in[0],
                                 *(k if isinstance(k, tuple) else (k, k)))).astype(np.float32)
        args = (None, layer.stride, layer.padding, layer.dilation, layer.groups)
        loop = best(lambda x=x, w=w, args=args: conv2d_loop(x, w, *args), 1)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)

        def reference_pass(xt=xt, wt=wt, layer=layer) -> object:
            with torch.no_grad():
                return F.conv2d(xt, wt, None, layer.stride, layer.padding, layer.dilation,
                                layer.groups)

        vectorised, reference = side_by_side(
            [lambda x=x, w=w, args=args: conv(x, w, *args), reference_pass], options.repeats)
        print(f"  {name:<30} loop {loop * 1e3:8.1f}ms  im2col {vectorised * 1e3:6.3f}ms  "
              f"torch {reference * 1e3:6.3f}ms  loop/im2col {loop / vectorised:7.0f}x")

    if not options.skip_verify:
        command = shutil.which("convarith") or os.path.join(os.path.dirname(sys.executable),
                                                            "convarith")
        start = time.perf_counter()
        done = subprocess.run([command, "verify", "--profile", "quick"], capture_output=True,
                              text=True)
        wall = time.perf_counter() - start
        last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
        print(f"\nconvarith verify --profile quick: {wall:.1f} s wall, exit {done.returncode} "
              f"(target < 60 s: {'met' if wall < 60 else 'NOT met'}): {last}")


if __name__ == "__main__":
    main()
