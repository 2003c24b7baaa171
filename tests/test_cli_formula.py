"""The formula commands: first line is the bare result; bad input is one Error line, exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from convarith.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_size_conv_prints_55_first():
    result = run("size", "conv", "--input", "224", "--kernel", "11", "--stride", "4",
                 "--padding", "2")
    assert result.exit_code == 0
    assert result.output == "55\n"


def test_size_conv_explain():
    result = run("size", "conv", "--input", "224", "--kernel", "11", "--stride", "4",
                 "--padding", "2", "--explain")
    lines = result.output.splitlines()
    assert lines[0] == "55"
    assert "    = ⌊217/4⌋ + 1" in lines
    assert "217 mod 4 = 1" in result.output


def test_size_2d_and_3d_inputs():
    assert run("size", "conv", "--input", "224x224", "--kernel", "11", "--stride", "4",
               "--padding", "2").output.splitlines()[0] == "55x55"
    assert run("size", "conv", "--input", "8x32x32", "--kernel", "3",
               "--padding", "same").output.splitlines()[0] == "8x32x32"


def test_size_with_channels_reports_filter_bank():
    result = run("size", "conv", "--input", "3x100x100", "--kernel", "3", "--out-channels", "32")
    lines = result.output.splitlines()
    assert lines[0] == "32x98x98"
    assert lines[1].startswith("parameters: 896 ")


def test_size_symbolic_and_latex():
    result = run("size", "conv", "--input", "224", "--kernel", "3", "--padding", "1",
                 "--symbolic")
    assert result.output.splitlines() == ["i", "at i=224: 224"]
    result = run("size", "conv", "--input", "224", "--kernel", "11", "--stride", "4",
                 "--padding", "2", "--latex")
    assert result.output.splitlines()[1].startswith(r"o = \left\lfloor")


def test_size_pool_transposed_adaptive():
    assert run("size", "pool", "--input", "5", "--kernel", "2", "--stride", "2", "--padding",
               "1", "--ceil-mode").output.splitlines()[0] == "3"
    assert run("size", "transposed", "--input", "3", "--kernel", "3", "--stride", "2",
               "--padding", "1", "--output-padding", "1").output.splitlines()[0] == "6"
    adaptive = run("size", "adaptive", "--input", "5", "--output", "3").output.splitlines()
    assert adaptive == ["3", "bins: [0,2) [1,4) [3,5)"]


def test_kernel_too_large_is_one_error_line():
    result = run("size", "conv", "--input", "5", "--kernel", "7")
    assert result.exit_code == 2
    assert result.output == (
        "Error: computing the output size of a convolution for i=5, k=7, s=1, p=0, d=1: the "
        "effective kernel (7) is larger than the padded input (5). Use p >= 1, or k <= 5.\n")


def test_unreadable_size_is_one_error_line():
    result = run("size", "conv", "--input", "5x", "--kernel", "3")
    assert result.exit_code == 2
    assert result.output == (
        "Error: Invalid value for '--input': Could not read the size '5x'. Write a number or "
        "numbers joined by x, e.g. 224, 224x224 or 3x224x224. (see 'convarith size --help')\n")


def test_same_with_stride_is_one_error_line():
    result = run("size", "conv", "--input", "10", "--kernel", "3", "--stride", "2",
                 "--padding", "same")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "padding='same' is not supported for strided convolutions" in result.output


def test_unknown_kind_is_one_error_line():
    result = run("size", "blur", "--input", "5")
    assert result.exit_code == 2
    assert result.output.startswith("Error: Invalid value for '{conv|transposed|pool|adaptive}': "
                                    "'blur' is not one of 'conv', 'transposed', 'pool', 'adaptive'.")
    assert result.output.count("\n") == 1


def test_solve_padding():
    assert run("solve", "padding", "--input", "32", "--output", "32", "--kernel",
               "5").output == "2\n"
    result = run("solve", "padding", "--input", "32", "--output", "32", "--kernel", "4")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "none"
    assert "1 on the left and 2 on the right" in result.output


def test_solve_same_and_inputs():
    assert run("solve", "same", "--kernel", "4").output.splitlines()[0] == "3 1 2"
    assert run("solve", "inputs", "--kernel", "11", "--stride", "4", "--range",
               "220:230").output == "223 227\n"


def test_params_conv_with_macs():
    result = run("params", "conv", "--in-channels", "3", "--out-channels", "96", "--kernel",
                 "11", "--input", "224", "--stride", "4", "--padding", "2")
    lines = result.output.splitlines()
    assert lines[0] == "34944"
    assert lines[2] == "output 96x55x55"
    assert lines[3].startswith("MACs 105,415,200; FLOPs 210,830,400")


def test_params_linear():
    assert run("params", "linear", "--in-features", "9216", "--out-features",
               "4096").output.splitlines()[0] == "37752832"


def test_rf_table():
    result = run("rf", "conv k=11 s=4 p=2; pool k=3 s=2; conv k=5 p=2")
    lines = result.output.splitlines()
    assert lines[0].split() == ["layer", "r", "j", "first", "centre"]
    assert lines[3].split()[-4:] == ["51", "8", "-18", "7"]


def test_rf_bad_layer():
    result = run("rf", "conv k=3; blur k=2")
    assert result.exit_code == 2
    assert result.output.startswith("Error: Could not read layer 2 ('blur k=2'): 'blur' is not")


def test_every_command_help_shows_an_example():
    for command in ("size", "solve", "params", "rf"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output


FORMULA_COMMANDS = [
    ["size", "conv", "--input", "224", "--kernel", "11", "--stride", "4", "--padding", "2",
     "--explain"],
    ["size", "pool", "--input", "5", "--kernel", "2", "--ceil-mode"],
    ["size", "transposed", "--input", "5", "--kernel", "3", "--explain"],
    ["size", "adaptive", "--input", "13", "--output", "6"],
    ["solve", "padding", "--input", "32", "--output", "32", "--kernel", "5"],
    ["params", "conv", "--in-channels", "3", "--out-channels", "8", "--kernel", "3",
     "--input", "32"],
    ["rf", "conv k=3; pool k=2"],
    ["--help"],
]


@pytest.mark.parametrize("args", FORMULA_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_formula_commands_never_load_torch_or_matplotlib(args):
    code = (
        "import sys\n"
        "from convarith.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('torch', 'matplotlib', 'sympy', 'numpy') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines()[-1] == "HEAVY []"


def test_import_convarith_loads_no_heavy_module():
    code = ("import sys, convarith\n"
            "print(sorted(m for m in ('torch', 'matplotlib', 'sympy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_size_average_pool_follows_avgpool_rules():
    assert run("size", "pool", "--input", "5x5", "--kernel", "2", "--pool",
               "avg").output.splitlines()[0] == "2x2"
    result = run("size", "pool", "--input", "10", "--kernel", "3", "--dilation", "2", "--pool",
                 "avg")
    assert result.exit_code == 2
    assert "AvgPool has no dilation in PyTorch" in result.output
    result = run("size", "pool", "--input", "1x4x4", "--kernel", "2", "--padding", "1",
                 "--pool", "avg")
    assert result.exit_code == 2
    assert "which AvgPool3d rejects even with padding" in result.output
