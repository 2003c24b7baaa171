"""The command line's small promises: help on readable lines, options that do not apply
refused (not ignored), nothing printed before an error, plain grammar, errors that name the
command to run, readable symbolic answers, and a 3-part size whose reading is said."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from convarith.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_plain_convarith_prints_its_help_on_readable_lines():
    result = run()
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Usage: convarith [OPTIONS] COMMAND [ARGS]..."
    assert len(lines) > 20 and max(map(len, lines)) < 100
    assert "  train    " in result.stdout


def test_help_still_lists_commands_after_the_list_command_ran():
    """Importing convarith.cli.list once shadowed the builtin list() in the group."""
    assert run("list").exit_code == 0
    assert "Commands:" in run("--help").stdout


@pytest.mark.parametrize(("args", "line"), [
    (["size", "conv", "--input", "5", "--kernel", "3", "--ceil-mode"],
     "Error: --ceil-mode applies to pool, not conv. Drop it."),
    (["size", "pool", "--input", "5", "--kernel", "2", "--output-padding", "1"],
     "Error: --output-padding applies to transposed, not pool. Drop it."),
    (["size", "conv", "--input", "5", "--kernel", "3", "--pool", "avg"],
     "Error: --pool applies to pool, not conv. Drop it."),
    (["size", "adaptive", "--input", "13", "--output", "6", "--stride", "2"],
     "Error: --stride applies to conv, transposed and pool, not adaptive. Drop it."),
    (["size", "pool", "--input", "5", "--kernel", "2", "--strict"],
     "Error: --strict applies to conv, not pool. Drop it."),
    (["params", "linear", "--in-features", "3", "--out-features", "4", "--input", "5"],
     "Error: --input applies to conv and transposed, not linear. Drop it."),
    (["params", "conv", "--in-channels", "3", "--out-channels", "8", "--kernel", "3",
      "--in-features", "4"], "Error: --in-features applies to linear, not conv. Drop it."),
])
def test_options_that_do_not_apply_are_refused(args, line):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n"
    assert result.stdout == ""


def test_table_to_an_unknown_suffix_is_refused_not_filled_with_terminal_text(tmp_path):
    target = tmp_path / "x.docx"
    result = run("table", "lenet5", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: writing the table to {target}: .docx is not a "
                                    "format convarith writes")
    assert not target.exists()
    assert run("table", "lenet5", "-o", str(tmp_path / "x.docx"), "--format",
               "markdown").exit_code == 0


def test_params_prints_nothing_before_an_error():
    result = run("params", "conv", "--in-channels", "3", "--out-channels", "8", "--kernel",
                 "5", "--input", "2")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: computing the output size of a convolution")


def test_lost_rows_are_said_in_plain_grammar():
    many = run("size", "conv", "--input", "8", "--kernel", "3", "--stride", "3", "--explain")
    assert "the last 2 rows/columns of the padded input are never covered" in many.stdout
    one = run("size", "conv", "--input", "224", "--kernel", "11", "--stride", "4", "--padding",
              "2", "--explain")
    assert "the last row/column of the padded input is never covered" in one.stdout


def test_strict_names_the_command_that_lists_valid_inputs():
    result = run("size", "conv", "--input", "6", "--kernel", "3", "--stride", "2", "--strict")
    assert result.exit_code == 2
    assert "strict mode: the last 1 row/column of the input is never covered" in result.stderr
    assert ("Use an input size that 'convarith solve inputs --kernel 3 --stride 2 --padding 0 "
            "--dilation 1' lists") in result.stderr
    listed = run("solve", "inputs", "--kernel", "3", "--stride", "2", "--padding", "0",
                 "--dilation", "1")
    assert listed.exit_code == 0 and "7" in listed.stdout


def test_ceil_mode_symbolic_has_no_case_that_cannot_hold():
    """k=2, s=2, p=0: the last window never starts in the (absent) right padding."""
    result = run("size", "pool", "--input", "5", "--kernel", "2", "--stride", "2",
                 "--ceil-mode", "--symbolic")
    assert result.stdout == "floor((i - 1)/2) + 1\nat i=5: 3\n"
    padded = run("size", "pool", "--input", "5", "--kernel", "2", "--stride", "2", "--padding",
                 "1", "--ceil-mode", "--symbolic")
    assert "Piecewise" not in padded.stdout
    assert padded.stdout.splitlines()[0] == ("floor((i + 1)/2) if i <= 2*floor((i + 1)/2) - 1, "
                                            "else floor((i + 1)/2) + 1")


def test_ceil_mode_without_the_case_split_agrees_with_torch():
    torch = pytest.importorskip("torch")
    for i in range(2, 30):
        for k, s in ((2, 2), (3, 2), (3, 3), (2, 1)):
            pool = torch.nn.MaxPool1d(k, s, ceil_mode=True)
            expected = pool(torch.zeros(1, 1, i)).shape[-1]
            result = run("size", "pool", "--input", str(i), "--kernel", str(k), "--stride",
                         str(s), "--ceil-mode", "--symbolic")
            assert result.stdout.splitlines()[1] == f"at i={i}: {expected}", (i, k, s)


def test_three_part_size_says_which_reading_was_taken_and_gives_the_other():
    dhw = run("size", "conv", "--input", "64x112x112", "--kernel", "3", "--stride", "2",
              "--padding", "1")
    assert dhw.stdout == ("32x56x56\nread --input 64x112x112 as D x H x W (a 3-D layer); add "
                          "--layout chw to read it as C x H x W\n")
    chw = run("size", "conv", "--input", "64x112x112", "--kernel", "3", "--stride", "2",
              "--padding", "1", "--layout", "chw")
    assert chw.stdout == "64x56x56\nread --input 64x112x112 as C x H x W: 64 channels, kept\n"
    wrong = run("size", "conv", "--input", "112x112", "--kernel", "3", "--layout", "chw")
    assert wrong.exit_code == 2 and "--layout reads a 3-part --input" in wrong.stderr


@pytest.mark.parametrize("args", [
    ["animate", "conv", "--input", "4", "--kernel", "3", "--fps", "nan", "-o", "a.gif"],
    ["figures", "--fps", "nan", "--list"],
    ["verify", "--seed", "-1"],
])
def test_not_a_number_and_negative_seeds_are_refused(args):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--")
    assert result.stderr.count("\n") == 1


def test_ctrl_c_in_any_command_is_exit_130_and_one_line(monkeypatch):
    from convarith import kinds

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kinds, "get", interrupted)
    result = run("size", "conv", "--input", "5", "--kernel", "3")
    assert result.exit_code == 130
    assert result.stderr == "Interrupted.\n"
    assert result.stdout == ""
