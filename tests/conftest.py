"""Shared test set-up: one compute thread per process, hypothesis profiles (fast "ci" by
default, "thorough" on request)."""

from __future__ import annotations

import os

# One OpenMP/BLAS thread in every test process and every process a test starts (torchrun, the
# CLI): `pytest -n 2` already runs one worker per core, and a second thread per worker only
# spins against the other worker (about a fifth more CPU time on torch-heavy files here, no
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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread while a module's tests run: under xdist's two workers on two cores,
    more threads only fight each other (and timings become meaningless)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def skip_run_plots(monkeypatch):
    """A training run's four plots noted, not drawn, for tests whose claim is elsewhere (the
    recipe, a resume, a refusal, a fine-tune's weights): the plots are about 2 s of matplotlib
    per lenet run and 8 s for alexnet-small, the training itself a fraction of a second.
    Yields the folders the plots were asked for. The plots themselves are drawn and checked by
    test_train_plots.py and by the runs that assert their files (test_train_cli.py's
    ``finished_runs``, the Ctrl-C resume in test_train_faults.py, torchrun)."""
    asked: list[object] = []

    def note(model, data, result, folder, **options):
        asked.append(folder)
        return []

    monkeypatch.setattr("convarith.train.run.write_plots", note)
    return asked
