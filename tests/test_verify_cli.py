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


def test_planted_bug_exits_1_with_the_card_and_the_case_that_shows_it():
    result = invoke("verify", "--impl", f"{PLANTED}:conv2d_stride_ignored", "--examples", "10")
    assert result.exit_code == 1, result.output
    assert re.search(r"^  stride +wrong$", result.output, re.M)
    assert "  stride, forward pass: this case uses stride 2\n" \
           "    case: input 1x1x5x5, kernel 3, stride 2, 1 output channel\n" \
           "    call: conv2d_stride_ignored(x, weight, bias, stride=2, padding=0, dilation=1, " \
           "groups=1)\n" \
           "    your conv2d_stride_ignored returned output of shape (1, 1, 3, 3); torch gives " \
           "(1, 1, 2, 2)\n" in result.output


def test_search_failure_prints_the_command_that_reproduces_it():
    target = "tests/homework/ceil_window_in_padding.py:max_pool2d"
    result = invoke("verify", "--impl", target, "--examples", "40")
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "reproduce:" in line)
    command = line.split("reproduce: ")[1]
    assert command == (f"convarith verify --impl {target} --layer max_pool2d --convention "
                       "functional --seed 0 --examples 40")
    again = invoke(*shlex.split(command)[1:])
    assert again.exit_code == 1
    case = [x for x in result.output.splitlines() if x.startswith("    case: ")]
    assert case and case == [x for x in again.output.splitlines() if x.startswith("    case: ")]


def test_correct_implementation_passes_with_its_layer_read_from_its_name():
    result = invoke("verify", "--impl", "convarith.scratch.pool:max_pool2d", "--examples", "10")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(
        "Result: ok, everything supported agrees with torch.")


def test_cs231n_file_in_the_current_folder_by_module_name(tmp_path, monkeypatch):
    source = Path("convarith/bridges/verify/examples/cs231n_layers.py").read_text()
    (tmp_path / "layers.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--impl", "layers:conv_forward_naive", "--examples", "5")
    assert result.exit_code == 0, result.output
    assert "as conv2d, CS231n convention\nbackward: conv_backward_naive (found beside it)" \
        in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["__pycache__", "layers.py"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["layers.py"]  # no .hypothesis/ left


def test_require_makes_a_missing_feature_exit_1():
    target = "convarith/bridges/verify/examples/cs231n_layers.py:max_pool_forward_naive"
    result = invoke("verify", "--impl", target, "--require", "stride,padding",
                    "--examples", "5")
    assert result.exit_code == 1
    assert "  required but not supported: padding" in result.output
    unknown = invoke("verify", "--impl", target, "--require", "strides")
    assert unknown.exit_code == 2
    assert unknown.output.strip() == (
        "Error: reading --require 'strides': 'strides' is not a feature of max_pool2d. Use "
        "some of batch, channels, stride, stride_hw, padding, padding_hw, rect_input, "
        "rect_kernel, dilation, ceil_mode, uncovered.")


def test_missing_file_is_one_error_line_with_status_2():
    result = invoke("verify", "--impl", "nowhere/mine.py:conv2d")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: loading 'nowhere/mine.py:conv2d': the file nowhere/mine.py does not exist. "
        "Check the path (relative to the current folder).")


def test_file_without_a_name_is_one_error_line():
    result = invoke("verify", "--impl", "homework.py")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: loading 'homework.py': it names a file but no function or class in it. "
        "Write FILE.py:NAME, e.g. homework.py:conv_forward_naive.")


def test_missing_function_is_one_error_line_with_status_2():
    result = invoke("verify", "--impl", "tests/homework/no_groups.py:conv3d")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: loading 'tests/homework/no_groups.py:conv3d': tests/homework/no_groups.py has "
        "no conv3d. Defined there: conv2d.")


@pytest.mark.parametrize(("source", "words"), [
    ("def conv2d(x, w)\n    return x\n",
     "raised SyntaxError: expected ':' (at {file}:1: def conv2d(x, w)). Fix the file."),
    ("import sys\ndef conv2d(x, w):\n    return x\nsys.exit(3)\n",
     "raised SystemExit(3): the code called sys.exit(3) (at {file}:4: sys.exit(3)). Fix the "
     "file."),
    ("def stub():\n    raise NotImplementedError\nstub()\n",
     "raised NotImplementedError (no message) (at {file}:2: raise NotImplementedError). Fix "
     "the file."),
    ("raise KeyboardInterrupt\n",
     "raised KeyboardInterrupt: the code raised KeyboardInterrupt itself (at {file}:1: raise "
     "KeyboardInterrupt). Fix the file."),
])
def test_a_file_failing_at_import_is_one_line_naming_its_line(tmp_path, monkeypatch, source,
                                                               words):
    (tmp_path / "mine.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    result = invoke("verify", "--impl", "mine.py:conv2d")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == ("Error: loading 'mine.py:conv2d': importing mine.py "
                                     + words.format(file="mine.py"))


def test_unreadable_layer_name_asks_for_layer():
    result = invoke("verify", "--impl", f"{PLANTED}:helper_with_no_layer_name")
    assert result.exit_code == 2
    assert "Cannot tell which layer helper_with_no_layer_name implements. Add --layer" \
        in result.output


def test_layer_without_impl_support_is_rejected():
    result = invoke("verify", "--impl", f"{PLANTED}:conv2d_stride_ignored", "--layer", "unfold")
    assert result.exit_code == 2
    assert "unfold cannot be checked with --impl" in result.output


def test_notebook_report_is_what_the_command_line_prints():
    from convarith.verify import check

    target = "tests/homework/no_groups.py:conv2d"
    result = invoke("verify", "--impl", target, "--examples", "5")
    assert result.output.rstrip("\n") == str(check(target, examples=5))


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
    assert "--require" in result.output and "--convention" in result.output


def test_forward_only_leaves_the_backward_out():
    target = "convarith/bridges/verify/examples/numpy_cnn.py:MaxPool2D"
    result = invoke("verify", "--impl", target, "--forward-only", "--examples", "5")
    assert result.exit_code == 0, result.output
    assert "\nbackward:" not in result.output and "backward pass" not in result.output
    assert re.search(r"^  feature +forward$", result.output, re.M)
