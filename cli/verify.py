"""``convarith verify``: the formula core, torch and the scratch layers (or yours) checked together."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from convarith.choices import IMPL_LAYERS, VERIFY_LAYERS, VERIFY_PROFILES
from convarith.cli.types import SEED

if TYPE_CHECKING:
    from convarith.bridges.verify.bench import Report


@click.command()
@click.option("--examples", type=click.IntRange(min=1), default=None,
              help="Cases per layer kind (default: the profile's).")
@click.option("--seed", type=SEED, default=0, show_default=True,
              help="Seed of the case generator: the same seed gives the same run.")
@click.option("--layer", "layers", type=click.Choice(VERIFY_LAYERS), multiple=True,
              help="Check only this layer kind (repeatable; default: all).")
@click.option("--profile", type=click.Choice(VERIFY_PROFILES), default="quick",
              show_default=True, help="quick: 300 cases per layer kind; thorough: 2,000.")
@click.option("--impl", "target", metavar="MODULE:FUNCTION",
              help="Check your own function (module:function or path/file.py:function) "
                   f"against torch, as one of: {', '.join(IMPL_LAYERS)}.")
@click.pass_context
def verify(ctx: click.Context, examples: int | None, seed: int, layers: tuple[str, ...],
           profile: str, target: str | None) -> None:
    """Check output sizes, values, gradients and identities against PyTorch.

    For every layer kind, hypothesis draws configurations (valid ones, ones at the edge of
    validity, invalid ones) and checks that the formula core, the real torch module and the
    from-scratch numpy layer give the same shape or all reject; then values (float64) and
    gradients against torch autograd; the receptive field measured by backpropagation; and
    the transposed-convolution identities of Dumoulin & Visin. A mismatch is shrunk to the
    smallest failing case and shown with the command that reproduces it. Exit status 1 on
    any mismatch.

    With --impl, your function (numpy arrays in and out, torch.nn.functional's arguments)
    is checked against torch instead, e.g. conv2d(x, weight, bias=None, stride=1, padding=0,
    dilation=1, groups=1).

    \b
    Examples:
      convarith verify --profile quick
      convarith verify --layer conv2d --layer max_pool2d --examples 500 --seed 7
      convarith verify --impl mylayers:my_conv2d --layer conv2d
      convarith verify --impl homework/pool.py:max_pool2d
    """
    from convarith.bridges.verify.bench import PROFILES, run

    impl = None
    if target is not None:
        from convarith.bridges.verify.impl import load_impl

        layers = _impl_layers(target, layers)
        impl = load_impl(target)
    chosen = list(layers) or list(VERIFY_LAYERS)
    per_layer = examples or PROFILES[profile].max_examples
    click.echo(f"convarith verify: {len(chosen)} layer kind(s), {per_layer} cases each, "
               f"profile {profile}, seed {seed}"
               + (f", checking {target} against torch" if target else ""))
    report = _run_with_progress(run, chosen, profile, examples, seed, impl, target, per_layer)
    _print_report(report, target)
    if not report.ok:
        ctx.exit(1)


def _impl_layers(target: str, layers: tuple[str, ...]) -> tuple[str, ...]:
    """The layer kinds a user's function is checked as: given, or read from its name."""
    if layers:
        bad = [layer for layer in layers if layer not in IMPL_LAYERS]
        if bad:
            raise click.BadParameter(
                f"{bad[0]} cannot be checked with --impl. Use one of {', '.join(IMPL_LAYERS)}.",
                param_hint="'--layer'")
        return layers
    name = target.rpartition(":")[2]
    for layer in sorted(IMPL_LAYERS, key=len, reverse=True):  # conv_transpose2d before conv2d
        if layer in name:
            return (layer,)
    raise click.UsageError(
        f"Cannot tell which layer {name} implements. Add --layer with one of "
        f"{', '.join(IMPL_LAYERS)}.")


def _run_with_progress(run: Callable[..., Report], chosen: list[str], profile: str,
                       examples: int | None, seed: int, impl: Callable[..., Any] | None,
                       target: str | None, per_layer: int) -> Report:
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

        return run(chosen, profile=profile, examples=examples, seed=seed, impl=impl,
                   impl_name=target, on_case=on_case)


def _print_report(report: Report, target: str | None) -> None:
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
            if target:
                from convarith.bridges.verify.impl import describe_call

                case = result.mismatch.case
                shapes = f"x of shape {case.input_shape}"
                if case.weight_shape():
                    shapes += f", weight {case.weight_shape()}"
                click.echo(f"  call: {describe_call(case)}, {shapes}")
            click.echo(f"  case: {result.mismatch.case!r}")
        else:
            click.echo(f"The check of {result.layer} could not run: {result.error}")
        click.echo(f"  reproduce: {report.reproduce(result.layer)}")
        click.echo("")
    kinds = len(report.results)
    if failures:
        click.echo(f"{len(failures)} of {kinds} layer kind(s) failed ({total} cases run).")
    else:
        what = f"{target} agrees with torch" if target else "everything agrees"
        click.echo(f"{kinds} layer kind(s), {total} cases: {what}.")
