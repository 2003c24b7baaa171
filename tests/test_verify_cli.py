"""``convarith verify`` on the command line: report, exit status, --impl and its errors."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from convarith.bridges.verify.bench import PROFILES
from convarith.choices import VERIFY_PROFILES
from convarith.cli import main

PLANTED = "tests/test_verify_impl.py"


@pytest.fixture(autouse=True)
def at_repository_root(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # PLANTED is relative to it


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_clean_run_reports_cases_per_layer_kind_and_exits_0():
    result = invoke("verify", "--layer", "conv2d", "--layer", "receptive_field",
                    "--examples", "30")
    assert result.exit_code == 0, result.output
    assert re.search(r"^conv2d\s+30\s+\S+s\s+ok$", result.output, re.M)
    assert re.search(r"^receptive_field\s+30\s+\S+s\s+ok$", result.output, re.M)
    assert result.output.rstrip().endswith("2 layer kind(s), 60 cases: everything agrees.")


def test_planted_bug_exits_1_with_the_smallest_case_and_the_command_to_reproduce():
    target = f"{PLANTED}:conv2d_stride_ignored"
    result = invoke("verify", "--impl", target, "--examples", "100")
    assert result.exit_code == 1, result.output
    assert "Mismatch in conv2d, smallest failing case:" in result.output
    assert "your conv2d_stride_ignored returned shape" in result.output
    line = next(line for line in result.output.splitlines() if "reproduce:" in line)
    command = line.split("reproduce: ")[1]
    assert command == f"convarith verify --layer conv2d --seed 0 --examples 100 --impl {target}"
    # the command reproduces the same smallest case
    again = invoke(*shlex.split(command)[1:])
    assert again.exit_code == 1
    case_line = [x for x in result.output.splitlines() if x.startswith("  case: ")]
    assert case_line == [x for x in again.output.splitlines() if x.startswith("  case: ")]


def test_correct_implementation_passes_with_its_layer_read_from_its_name():
    result = invoke("verify", "--impl", "convarith.scratch.pool:max_pool2d", "--examples", "50")
    assert result.exit_code == 0, result.output
    assert "convarith.scratch.pool:max_pool2d agrees with torch." in result.output


def test_missing_file_is_one_error_line_with_status_2():
    result = invoke("verify", "--impl", "nowhere/mine.py:conv2d")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: loading the implementation 'nowhere/mine.py:conv2d': the file nowhere/mine.py "
        "does not exist. Check the path.")


def test_missing_function_is_one_error_line_with_status_2():
    result = invoke("verify", "--impl", f"{PLANTED}:conv2d_nonexistent")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: loading the implementation '{PLANTED}:conv2d_nonexistent': {PLANTED} has no "
        "conv2d_nonexistent. Check the function's name.")


def test_unreadable_layer_name_asks_for_layer():
    result = invoke("verify", "--impl", f"{PLANTED}:helper_with_no_layer_name")
    assert result.exit_code == 2
    assert "Cannot tell which layer helper_with_no_layer_name implements. Add --layer" \
        in result.output


def test_layer_without_impl_support_is_rejected():
    result = invoke("verify", "--impl", f"{PLANTED}:conv2d_stride_ignored", "--layer", "unfold")
    assert result.exit_code == 2
    assert "unfold cannot be checked with --impl" in result.output


def test_profiles_are_fixed_and_listed_once():
    assert tuple(PROFILES) == VERIFY_PROFILES == ("quick", "thorough")
    assert PROFILES["quick"].max_examples == 300
    assert PROFILES["thorough"].max_examples == 2000
    assert settings.get_profile("convarith-verify-quick").max_examples == 300
    # the test suite's own profiles are untouched
    assert settings.get_profile("thorough").max_examples == 2000
    assert settings.get_profile("ci").derandomize


def test_help_lists_every_layer_kind_and_the_example():
    result = invoke("verify", "--help")
    assert result.exit_code == 0
    assert "transposed_identities" in result.output
    assert "convarith verify --impl mylayers:my_conv2d --layer conv2d" in result.output
