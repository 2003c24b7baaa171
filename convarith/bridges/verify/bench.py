"""The verification bench: every check, driven by hypothesis with fixed profiles, in one report.

For each layer kind, hypothesis draws cases from the shared strategies and runs the checker;
on a mismatch it shrinks the case to the smallest one that still fails, and the report keeps
that one with the command that reproduces it. Runs are deterministic for a given seed.

Checks per layer kind (names of :data:`convarith.choices.VERIFY_LAYERS`):

* every layer: shape by the formula core == real torch module == scratch layer, or all three
  reject; then, where torch accepts, scratch values (float64) and gradients against torch
  autograd;
* "receptive_field": a random conv/pool stack's field measured by backpropagation against
  :func:`convarith.receptive_field`;
* "transposed_identities": a convolution as a matrix ``C``, its transpose as ``C^T``, and
  the stretch-pad-convolve construction (arXiv:1603.07285, section 4);

A user's own layer (``convarith verify --impl``) has its own bench, the capability card and
the search inside the supported space: :mod:`convarith.verify.homework`.

>>> report = run(["relu"], examples=5)
>>> report.results[0].layer, report.results[0].mismatch, report.ok
('relu', None, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from convarith.bridges.verify.cases import LayerCase, expected_shape
from convarith.bridges.verify.checks import Mismatch, check_scratch_values, check_shape
from convarith.choices import VERIFY_LAYERS, VERIFY_PROFILES
from convarith.errors import ConvArithError

_COMMON: dict[str, Any] = {
    "deadline": None, "database": None, "derandomize": False, "report_multiple_bugs": False,
    "verbosity": Verbosity.quiet, "suppress_health_check": list(HealthCheck),
    "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
}

#: The fixed profiles of ``convarith verify --profile``: examples per layer kind.
PROFILES: dict[str, settings] = {
    "quick": settings(max_examples=300, **_COMMON),
    "thorough": settings(max_examples=2000, **_COMMON),
}
assert tuple(PROFILES) == VERIFY_PROFILES
for _name, _profile in PROFILES.items():
    # registered under their own names, so the test suite's "ci"/"thorough" stay untouched
    settings.register_profile(f"convarith-verify-{_name}", _profile)


@dataclass
class LayerResult:
    """What the bench found for one layer kind."""

    layer: str
    cases: int = 0
    seconds: float = 0.0
    mismatch: Mismatch | None = None
    error: str | None = None  # the bench itself could not run the check (not a mismatch)

    @property
    def ok(self) -> bool:
        return self.mismatch is None and self.error is None


@dataclass
class Report:
    """Results per layer kind, and how to reproduce the run."""

    examples: int
    seed: int
    profile: str
    results: list[LayerResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    def reproduce(self, layer: str) -> str:
        """The command that reruns one layer kind's check, to the same minimal case."""
        return f"convarith verify --layer {layer} --seed {self.seed} --examples {self.examples}"


def _accepted(case: LayerCase) -> bool:
    try:
        return math.prod(expected_shape(case)) > 0
    except ConvArithError:
        return False


def _layer_check(case: LayerCase) -> None:
    """Shape three ways; then values and gradients where the layer is valid."""
    check_shape(case, scratch=True)
    if _accepted(case):
        check_scratch_values(case)


def plan(layer: str) -> tuple[st.SearchStrategy[Any], Callable[[Any], None]]:
    """The strategy and the checker of one layer kind."""
    if layer == "receptive_field":
        from convarith.bridges.verify.receptive import check_receptive_field, stacks

        return stacks(), check_receptive_field
    if layer == "transposed_identities":
        from convarith.bridges.verify.identities import check_transposed_identities
        from convarith.bridges.verify.strategies import layer_cases

        return layer_cases("conv2d", padding_forms=("int", "axes")), check_transposed_identities
    from convarith.bridges.verify.strategies import shape_cases

    return shape_cases(layer), _layer_check


def run(layers: Sequence[str] = VERIFY_LAYERS, *, profile: str = "quick",
        examples: int | None = None, seed: int = 0,
        on_case: Callable[[str], None] | None = None) -> Report:
    """Run the checks of ``layers``; ``on_case(layer)`` is called after every case."""
    import torch

    if profile not in PROFILES:
        raise ConvArithError(f"Error running the verification bench: profile={profile!r} is "
                             f"not known. Use one of {', '.join(PROFILES)}.")
    unknown = [layer for layer in layers if layer not in VERIFY_LAYERS]
    if unknown:
        raise ConvArithError(f"Error running the verification bench: layer {unknown[0]!r} is "
                             f"not known. Use one of {', '.join(VERIFY_LAYERS)}.")
    chosen = settings(PROFILES[profile], max_examples=examples or PROFILES[profile].max_examples)
    report = Report(chosen.max_examples, seed, profile)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: a second thread only adds wake-up latency
    try:
        for layer in layers:
            report.results.append(_run_layer(layer, chosen, seed, on_case))
    finally:
        torch.set_num_threads(threads)
    return report


def _run_layer(layer: str, chosen: settings, seed: int,
               on_case: Callable[[str], None] | None) -> LayerResult:
    import warnings

    from hypothesis.errors import HypothesisException

    strategy, check = plan(layer)
    result = LayerResult(layer)

    @hypothesis_seed(seed)
    @chosen
    @given(strategy)
    def bench(case: Any) -> None:
        result.cases += 1
        if on_case is not None:
            on_case(layer)
        check(case)

    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bench()
    except Mismatch as mismatch:
        result.mismatch = mismatch
    except HypothesisException as error:
        result.error = f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
    except Exception as error:  # a checker bug must not hide the other layer kinds' results
        result.error = f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
    result.seconds = time.perf_counter() - start
    return result
