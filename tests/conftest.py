"""Shared test set-up: one compute thread per process, hypothesis profiles (fast "ci" by
default, "thorough" on request)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

# One OpenMP/BLAS thread in every test process and every process a test starts (torchrun, the
# CLI): `pytest -n 2` already runs one worker per core, and a second thread per worker only
# spins against the other worker (a quarter more CPU time on tests/test_trace_zoo.py here, no
# test faster). Set before torch or numpy is imported; a value set outside is kept.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Homework-shaped files the bench loads as a student's (some exit or loop when imported):
# never collected, not even for doctests.
collect_ignore = ["homework"]

# The profiles are fixed: "ci" keeps the whole suite well under the CI budget; "thorough"
# is what `convarith verify --profile thorough` runs. Choose with HYPOTHESIS_PROFILE.
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
#: The long version of every check that has a short default one (see CONTRIBUTING.md).
THOROUGH = PROFILE == "thorough"


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread while a module's tests run: under xdist's two workers on two cores,
    more threads only fight each other (and timings become meaningless)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@contextlib.contextmanager
def _run_plots_noted() -> Iterator[list[Path]]:
    import convarith.train.run as run

    draw = run.write_plots
    asked: list[Path] = []

    def note(model, data, result, folder, **options):
        asked.append(Path(folder))
        return draw(model, data, result, folder, **options) if THOROUGH else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "write_plots", note)
        yield asked


@pytest.fixture
def skip_run_plots() -> Iterator[list[Path]]:
    """A training run's four plots noted, not drawn, for tests whose claim is elsewhere (the
    recipe, a resume, a refusal, a fine-tune's weights): the plots are about 2 s of matplotlib
    per lenet run and 8 s for alexnet-small, the training itself a fraction of a second.
    Yields the folders the plots were asked for. The plots themselves are drawn and checked by
    test_train_plots.py and by the runs that assert their files (test_train_cli.py's
    ``finished_runs``, the Ctrl-C resume in test_train_faults.py, torchrun); with
    HYPOTHESIS_PROFILE=thorough every run draws them as well."""
    with _run_plots_noted() as asked:
        yield asked


@pytest.fixture(scope="module")
def skip_run_plots_in_module() -> Iterator[list[Path]]:
    """:func:`skip_run_plots` for a module-scoped run."""
    with _run_plots_noted() as asked:
        yield asked


@pytest.fixture(autouse=True, scope="module")
def _no_user_code_left_running():
    """A module whose tests leave a user's call running (a forward that loops forever, left
    behind by ``convarith.bridges.loading.call``) or a tracing hook on every module fails
    here: either one made every later test in its worker several times slower."""
    yield
    import threading

    left = [thread for thread in threading.enumerate() if thread.name == "convarith-user-code"]
    assert not left, f"{len(left)} call(s) of user code still running after this module"
    module = sys.modules.get("torch.nn.modules.module")
    if module is not None:
        hooks = (module._global_forward_hooks, module._global_forward_pre_hooks)
        assert not any(hooks), "a forward hook on every module was left by this module"
