"""A bounded, fixed-seed fuzz of every command, in-process through click's CliRunner.

Every option of every command (read from the commands themselves, so a new option is fuzzed
without touching this file) gets valid values, values at and past its bounds, and nasty
ones (``nan``, ``-1``, ``2**63``, ``,``, ``1x2x3x4``, a NUL byte, ...). Whatever the
arguments, a call must end in exit status 0, 1 or 2, never with an exception other than
``SystemExit`` and never with a traceback; status 2 comes with an ``Error:`` line on stderr;
the formula commands print nothing to stdout before an error; and the last-resort "internal
error" line (a bug of ours) never appears.

The slow commands are fuzzed on their cheap paths (``train`` on one image per class for one
epoch, figures at 30 dpi, ``verify`` with a few cases) and fewer times. In the "ci"
hypothesis profile the whole file runs some 370 calls; HYPOTHESIS_PROFILE=thorough runs
more than 5,000 (twenty times as many per test).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st

from convarith.cli import COMMANDS, main

pytestmark = pytest.mark.usefixtures("one_torch_thread", "fuzz_folder")

SEED = 20261201
#: The profile's number of examples; heavy commands take a fraction of it.
PROFILE_EXAMPLES = settings.default.max_examples

NASTY = ["", " ", "0", "-1", "1", "2", "3", "7", "64", "1000", "-0", "00", "nan", "NaN", "inf",
         "-inf", "1e309", "1e-9", "0.5", "1.5", "2**63", str(2**63), str(2**64), "9" * 40,
         ",", ",,", "1,", ",1", "1,2", "x", "3x", "x3", "0x0", "3x3", "2x3", "1x2x3",
         "64x112x112", "1x2x3x4", "1:2", "1:2x0:1", ":", "a:b", "-1:2", "same", "full", "valid",
         "none", "\x00", "é", "１", "∞", "--help", "-", "--", "3 3", "3;3", "0x", "1e3"]

NASTY_TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=12))
SMALL_INT = st.integers(min_value=-2, max_value=12).map(str)
SIZE_VALUE = st.one_of(
    SMALL_INT,
    st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda t: f"{t[0]}x{t[1]}"),
    st.tuples(st.integers(0, 4), st.integers(0, 9), st.integers(0, 9)).map(
        lambda t: f"{t[0]}x{t[1]}x{t[2]}"),
    st.sampled_from(NASTY),
)
PADDING_VALUE = st.one_of(
    SIZE_VALUE,
    st.tuples(st.integers(-1, 3), st.integers(-1, 3)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.sampled_from(["same", "full", "valid", "1:2x0:1", "0:1x1:1"]),
)
LAYER_WORDS = ["conv", "pool", "maxpool", "avgpool", "transposed", "dilated", "x", ""]
RF_LAYER = st.tuples(
    st.sampled_from(LAYER_WORDS),
    st.lists(st.tuples(st.sampled_from(["k", "s", "p", "d", "q", ""]),
                       st.sampled_from(["0", "1", "2", "3", "5", "-1", "nan", "x", "", "2x2"])),
             max_size=4),
).map(lambda t: " ".join([t[0], *(f"{key}={value}" for key, value in t[1])]))
RF_STACK = st.one_of(st.lists(RF_LAYER, max_size=4).map("; ".join), NASTY_TEXT)

#: Models for `table` (the zoo and names no module matches: the fuzz never imports user code).
TABLE_MODELS = st.one_of(
    st.sampled_from(["lenet5", "alexnet", "lenet5-modern", "alexnet-small", "vgg16",
                     "resnet18", "no-such-model", "missing_file.py:Net", "missing_module:Net",
                     "alexnet:", ":", "x.py", "x.py:", "/", "\x00"]),
    st.text(alphabet="abcxyz-_ ", max_size=8),
)
IMPLS = st.sampled_from(["missing_module:conv2d", "missing_file.py:conv2d", "x.py", ":", "",
                         "missing:", "a b:c", "\x00"])
FIGURES = ["max_pooling", "conv_no_padding_no_strides", "formula_sheet", "rf_growth",
           "no_such_figure", ""]

_counter = itertools.count()


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory):
    """Every call runs in one scratch folder (commands write relative paths)."""
    folder = tmp_path_factory.mktemp("fuzz")
    previous = os.getcwd()
    os.chdir(folder)
    yield folder
    os.chdir(previous)


def fresh(name: str) -> str:
    return f"out{next(_counter)}/{name}"


def _value(param: click.Parameter, command: str) -> st.SearchStrategy[str]:
    """Values for one option or argument, from its click type, mixed with nasty ones."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(st.sampled_from(list(kind.choices)), st.sampled_from(NASTY))
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        low = kind.min if kind.min is not None else -3
        high = kind.max if kind.max is not None else low + 12
        numbers = st.integers(int(low) - 1, int(min(high, low + 12)) + 1).map(str)
        return st.one_of(numbers, st.sampled_from([str(high), str(int(high) + 1)]),
                         st.sampled_from(NASTY))
    if kind.name == "SIZE":
        return SIZE_VALUE
    if kind.name == "PADDING":
        return PADDING_VALUE
    if isinstance(kind, click.Path):
        suffixes = [".png", ".gif", ".svg", ".pdf", ".md", ".tex", ".csv", ".json", ".txt",
                    ".docx", "", ".GIF"]
        return st.one_of(st.sampled_from(suffixes).map(lambda s: fresh(f"file{s}")),
                         st.sampled_from(["", ".", "/", "\x00", "/proc/self/mem", "/dev/null",
                                          "missing/deeper/"]))
    if param.name in ("layers",):
        return RF_STACK
    if param.name == "model" and command in ("table", "explore"):
        return TABLE_MODELS
    if param.name == "impl":
        return IMPLS
    if param.name == "only":
        return st.sampled_from(FIGURES)
    if param.name in ("lr_sweep",):
        return st.sampled_from(["0.1,1", "0.1", "", ",", "nan", "0,1", "-1", "1e-3,x", "inf"])
    return NASTY_TEXT


def _command(path: tuple[str, ...]) -> click.Command:
    context = click.Context(main)
    command = main.get_command(context, path[0])
    for name in path[1:]:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@st.composite
def call(draw: Any, path: tuple[str, ...], *, skip: tuple[str, ...] = (),
         tail: tuple[str, ...] = (),
         arguments: dict[str, st.SearchStrategy[str]] | None = None) -> list[str]:
    """``convarith PATH ARGUMENT... OPTIONS... TAIL...`` with options drawn from the command's
    own parameters (those in ``skip`` left out; ``tail`` comes last, so it wins)."""
    command = _command(path)
    words = list(path)
    for param in command.params:
        if isinstance(param, click.Argument):
            given_strategy = (arguments or {}).get(param.name or "")
            strategy = given_strategy if given_strategy is not None else _value(param, path[0])
            words.append(draw(strategy))
    options = [p for p in command.params if isinstance(p, click.Option)
               and p.name not in ("help", *skip)]
    chosen = draw(st.lists(st.sampled_from(options), max_size=6, unique_by=lambda p: p.name)
                  ) if options else []
    for option in chosen:
        if option.is_flag:
            words.append(draw(st.sampled_from(option.opts + option.secondary_opts)))
        else:
            words += [draw(st.sampled_from(option.opts)), draw(_value(option, path[0]))]
    if draw(st.integers(0, 20)) == 0:
        words.append(draw(st.sampled_from(["--no-such-option", "extra", "-x", "--help"])))
    return words + list(tail)


FORMULA = ("size", "solve", "params", "rf", "compare", "list")


def check(words: list[str]) -> None:
    result = CliRunner().invoke(main, words, catch_exceptions=True)
    shown = f"convarith {' '.join(map(repr, words))}\nstdout: {result.stdout}\nstderr: " \
            f"{result.stderr}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}\n{shown}") \
            from result.exception
    assert result.exit_code in (0, 1, 2), shown
    assert "Traceback" not in result.output, shown
    assert "internal error" not in result.stderr, shown
    if result.exit_code == 2:
        assert any(line.startswith("Error: ") for line in result.stderr.splitlines()), shown
        if words and (words[0] in FORMULA or words[0] == "table"):
            assert result.stdout == "", f"output printed before the error\n{shown}"


def fuzz(strategy: st.SearchStrategy[list[str]], share: float = 1.0):
    """Run ``check`` on ``strategy``'s calls, ``share`` of the profile's number of examples.
    (``verify`` runs hypothesis inside: that nesting is what the fuzz means to do.)"""
    examples = max(2, round(PROFILE_EXAMPLES * share))
    chosen = settings(max_examples=examples, suppress_health_check=[
        *settings.default.suppress_health_check, HealthCheck.nested_given])

    def decorate(test):
        return seed(SEED)(chosen(given(strategy)(test)))
    return decorate


# ------------------------------------------------------------- formula commands: fast
@fuzz(st.one_of(call(("size",))))
def test_fuzz_size(words):
    check(words)


@fuzz(st.one_of(call(("solve", "padding")), call(("solve", "same")), call(("solve", "inputs")),
                call(("solve",)), call(("params",))))
def test_fuzz_solve_and_params(words):
    check(words)


@fuzz(st.one_of(call(("rf",)), call(("compare",)), call(("list",)),
                st.lists(st.sampled_from(NASTY), max_size=3)))
def test_fuzz_rf_compare_list_and_top_level(words):
    check(words)


# ------------------------------------------------------------- table: the zoo, traced
@fuzz(call(("table",)), share=0.25)
@example(["table", "lenet5", "-o", "\x00"])  # found by the thorough profile: os.stat's ValueError
# found by the thorough profile: the symbolic table was printed before --verify's error
@example(["table", "lenet5", "--symbolic", "--order", "hwc", "--verify", "--input", "0"])
def test_fuzz_table(words):
    check(words)


# ------------------------------------------------------------- exercises and the explorer
@fuzz(call(("exercises",)), share=0.1)
def test_fuzz_exercises(words):
    check(words)


@fuzz(call(("explore",), skip=("output", "port")), share=0.05)
def test_fuzz_explore(words):
    # always to a file: without -o the page is served until Ctrl-C
    check([*words, "-o", fresh("explorer.html")])


# ------------------------------------------------------------- slow commands, cheap paths
@fuzz(call(("animate",), skip=("dpi", "output"), tail=("--dpi", "30")), share=0.06)
@example(["animate", "conv", "--input", "4", "--kernel", "3", "--dpi", "30"])
def test_fuzz_animate(words):
    if "-o" not in words and "--output" not in words:
        words = [*words, "-o", fresh("a.png")]
    check(words)


@fuzz(call(("draw",), skip=("dpi",), tail=("--dpi", "30")), share=0.05)
@example(["draw", "rf", "--layers", "conv k=3 s=2; pool k=2", "-o", "rf.png", "--dpi", "30"])
def test_fuzz_draw(words):
    check(words)


@fuzz(call(("figures",), skip=("dpi", "jobs", "fps"),
           tail=("--dpi", "30", "--jobs", "1", "--fps", "2")).filter(
    lambda words: "--only" in words or "--list" in words), share=0.03)
def test_fuzz_figures(words):
    check(words)


@fuzz(call(("verify",), skip=("examples", "profile"),
           tail=("--examples", "2", "--profile", "quick")), share=0.03)
def test_fuzz_verify(words):
    check(words)


@fuzz(call(("train",), skip=("download", "threads", "finetune_demo", "data_dir", "epochs",
                             "per_class", "quiet", "out", "ten_crop", "engine"),
           tail=("--epochs", "1", "--per-class", "1", "--quiet", "--threads", "1"),
           # alexnet-small takes a minute on the 359 test images; LeNets take a second
           arguments={"model": st.sampled_from(["lenet5", "lenet5-modern", "alexnet-large",
                                                 ""])}),
      share=0.03)
def test_fuzz_train(words):
    check([*words, "--out", fresh("run")])


def test_thorough_profile_runs_at_least_5000_calls():
    """The profile's examples times the shares above: 5,000 calls or more when thorough."""
    shares = [1, 1, 1, 0.25, 0.1, 0.05, 0.06, 0.05, 0.03, 0.03, 0.03]
    thorough = settings.get_profile("thorough").max_examples
    assert sum(max(2, round(thorough * share)) for share in shares) >= 5000
    source = Path(__file__).read_text()
    assert source.count("\n@fuzz(") == len(shares)
    assert [name for name in COMMANDS if f'call(("{name}",' not in source] == []
