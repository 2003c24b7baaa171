"""``convarith verify``: the formula core, torch and the scratch layers (or yours) checked together."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from convarith.bridges.loading import CALL_TIMEOUT
from convarith.choices import HOMEWORK_CONVENTIONS, IMPL_LAYERS, VERIFY_LAYERS, VERIFY_PROFILES
from convarith.cli import options

if TYPE_CHECKING:
    from convarith.bridges.verify.bench import Report


@click.command()
@click.option("--examples", type=click.IntRange(min=1), default=None,
              help="Cases per layer kind (default: the profile's; with --impl, 100 per "
                   "pass).")
@options.seed("Seed of the case generator: the same seed gives the same run.",
              show_default=True)
@options.layer("Check only this layer kind (repeatable; default: all; with --impl, read "
               "from the function's name).", type=click.Choice(VERIFY_LAYERS), dest="layers",
               multiple=True)
@click.option("--profile", type=click.Choice(VERIFY_PROFILES), default="quick",
              show_default=True, help="quick: 300 cases per layer kind; thorough: 2,000.")
@click.option("--impl", "target", metavar="FILE.py:NAME",
              help="Check your own layer (path/file.py:NAME or module:NAME, a function or a "
                   f"class) against torch, as one of: {', '.join(IMPL_LAYERS)}.")
@options.convention("How --impl is called (default: read from its signature).",
                    choices=HOMEWORK_CONVENTIONS, default=None, show_default=False)
@click.option("--backward", "backward", metavar="NAME",
              help="The backward function of --impl (default: found beside it, e.g. "
                   "conv_backward_naive for conv_forward_naive).")
@click.option("--forward-only", is_flag=True, help="Do not check a backward function.")
@click.option("--require", default="", metavar="FEATURES",
              help="Features --impl must support, e.g. stride,padding (an assignment's "
                   "requirements).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=CALL_TIMEOUT,
              show_default=True, help="Seconds one call of --impl may take.")
@click.pass_context
def verify(ctx: click.Context, examples: int | None, seed: int, layers: tuple[str, ...],
           profile: str, target: str | None, convention: str | None, backward: str | None,
           forward_only: bool, require: str, timeout: float) -> None:
    """Check output sizes, values, gradients and identities against PyTorch.

    For every layer kind, hypothesis draws configurations (valid ones, ones at the edge of
    validity, invalid ones) and checks that the formula core, the real torch module and the
    from-scratch numpy layer give the same shape or all reject; then values (float64) and
    gradients against torch autograd; the receptive field measured by backpropagation; and
    the transposed-convolution identities of Dumoulin & Visin. A mismatch is shrunk to the
    smallest failing case and shown with the command that reproduces it. Exit status 1 on
    any mismatch.

    With --impl, your own layer is checked instead: first a capability card (each feature
    alone on the smallest case: supported, unsupported or wrong), then a search inside the
    supported space, for the forward pass and the backward pass (dx, dw, db). Conventions:
    torch.nn.functional style, CS231n (conv_forward_naive(x, w, b, conv_param)), Coursera
    NHWC (conv_forward(A_prev, W, b, hparameters)), d2l (corr2d(X, K), pool2d) and a class
    with forward/backward. Exit status 1 when anything supported is wrong or a --require'd
    feature is missing.

    \b
    Examples:
      convarith verify --profile quick
      convarith verify --layer conv2d --layer max_pool2d --examples 500 --seed 7
      convarith verify --impl mylayers:my_conv2d --layer conv2d
      convarith verify --impl layers.py:conv_forward_naive --require stride,padding
    """
    if target is not None:
        _verify_impl(ctx, target, layers, convention, backward, forward_only, require,
                     examples or 100, seed, timeout)
        return
    from convarith.bridges.verify.bench import PROFILES, run

    chosen = list(layers) or list(VERIFY_LAYERS)
    per_layer = examples or PROFILES[profile].max_examples
    click.echo(f"convarith verify: {len(chosen)} layer kind(s), {per_layer} cases each, "
               f"profile {profile}, seed {seed}")
    report = _run_with_progress(run, chosen, profile, examples, seed, per_layer)
    _print_report(report)
    if not report.ok:
        ctx.exit(1)


def _verify_impl(ctx: click.Context, target: str, layers: tuple[str, ...],
                 convention: str | None, backward: str | None, forward_only: bool,
                 require: str, examples: int, seed: int, timeout: float) -> None:
    """The homework bench on one function or class (see convarith.verify.homework)."""
    from convarith.bridges.loading import load
    from convarith.bridges.verify.conventions import guess_layer
    from convarith.bridges.verify.homework import check

    bad = [layer for layer in layers if layer not in IMPL_LAYERS]
    if bad:
        raise click.BadParameter(
            f"{bad[0]} cannot be checked with --impl. Use one of {', '.join(IMPL_LAYERS)}.",
            param_hint="'--layer'")
    loaded = load(target, example="layers.py:conv_forward_naive")
    chosen = layers or guess_layer(loaded.name)
    if not chosen:
        raise click.UsageError(
            f"Cannot tell which layer {loaded.name} implements. Add --layer with one of "
            f"{', '.join(IMPL_LAYERS)}.")
    ok = True
    for index, layer in enumerate(chosen):
        report = check(loaded.value, layer, convention=convention,
                       backward=False if forward_only else backward, require=require,
                       examples=examples, seed=seed, timeout=timeout, target=target)
        if index == 0:
            report.printed = loaded.printed + report.printed
        if index:
            click.echo("")
        click.echo(str(report))
        ok = ok and report.ok
    if not ok:
        ctx.exit(1)


def _run_with_progress(run: Callable[..., Report], chosen: list[str], profile: str,
                       examples: int | None, seed: int, per_layer: int) -> Report:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("", total=per_layer * len(chosen))
        done: dict[str, int] = {}

        def on_case(layer: str) -> None:
            done[layer] = done.get(layer, 0) + 1
            if done[layer] <= per_layer:  # shrinking reruns cases past the budget
                progress.update(task, advance=1, description=layer)

        return run(chosen, profile=profile, examples=examples, seed=seed, on_case=on_case)


def _print_report(report: Report) -> None:
    width = max(len("layer kind"), *(len(result.layer) for result in report.results))
    click.echo("")
    click.echo(f"{'layer kind':<{width}}  {'cases':>6}  {'time':>6}  result")
    for result in report.results:
        verdict = "ok" if result.ok else ("MISMATCH" if result.mismatch else "ERROR")
        click.echo(f"{result.layer:<{width}}  {result.cases:>6}  {result.seconds:>5.1f}s  "
                   f"{verdict}")
    failures = [result for result in report.results if not result.ok]
    total = sum(result.cases for result in report.results)
    click.echo("")
    for result in failures:
        if result.mismatch is not None:
            click.echo(f"Mismatch in {result.layer}, smallest failing case:")
            click.echo(f"  {result.mismatch.case.describe()}")
            click.echo(f"  {result.mismatch.detail}")
            click.echo(f"  case: {result.mismatch.case!r}")
        else:
            click.echo(f"The check of {result.layer} could not run: {result.error}")
        click.echo(f"  reproduce: {report.reproduce(result.layer)}")
        click.echo("")
    kinds = len(report.results)
    if failures:
        click.echo(f"{len(failures)} of {kinds} layer kind(s) failed ({total} cases run).")
    else:
        click.echo(f"{kinds} layer kind(s), {total} cases: everything agrees.")
