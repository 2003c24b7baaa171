"""The README's examples run: its Python examples as doctests, its console examples of the
formula commands against the real output (prose that nothing runs drifts out of date)."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from convarith.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
# Commands whose output is deterministic and quick (no timings, no training): checked verbatim.
CHECKED_COMMANDS = ("size", "solve", "params", "rf", "compare", "table", "list", "exercises")


def console_examples(path: Path = README) -> list[tuple[str, str]]:
    """(command, expected output) for each `$ convarith ...` of a console block of ``path``."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", path.read_text(), flags=re.S):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            if not chunk.startswith("$ convarith "):
                continue
            command, _, output = chunk.partition("\n")
            if "\n...\n" in f"\n{output}" or output.startswith("...") or not output.strip():
                continue  # an abridged example, or a command shown without its output
            examples.append((command[2:], output.rstrip("\n") + "\n"))
    return examples


def python_examples(path: Path = README) -> doctest.DocTestRunner:
    """The ``>>>`` examples of the python blocks of ``path``, run as one doctest."""
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)
    text = "\n\n".join(block for block in blocks if ">>> " in block)
    test = doctest.DocTestParser().get_doctest(text, {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    return runner


def test_readme_python_examples_run():
    runner = python_examples()
    assert runner.tries > 0
    assert runner.failures == 0


@pytest.mark.parametrize("command, expected",
                         [e for e in console_examples() if e[0].split()[1] in CHECKED_COMMANDS],
                         ids=lambda value: value[:60] if isinstance(value, str) else "")
def test_readme_console_example(command, expected):
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.output == expected


@pytest.mark.parametrize("command, expected",
                         [e for e in console_examples() if e[0].startswith("convarith verify --impl")],
                         ids=lambda value: value[:60] if isinstance(value, str) else "")
def test_readme_homework_bench_example(command, expected, monkeypatch):
    """`verify --impl` on the homework files named in the README: the card and findings
    printed exactly (no timings in them), from the repository's root as the README runs it."""
    monkeypatch.chdir(README.parent)
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.output == expected


def test_readme_has_the_two_setup_commands():
    text = README.read_text()
    assert "pip install -e . && convarith table alexnet" in text
    assert 'pip install -e ".[test]" && python -m pytest -n 2' in text

