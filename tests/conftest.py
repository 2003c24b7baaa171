"""Shared test set-up: hypothesis profiles (fast "ci" by default, "thorough" on request)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

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
