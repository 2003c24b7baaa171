"""The README's examples as they stood before the re-lay (issue 11: "every README example
works unchanged") still run, word for word: its Python examples as doctests (old module
paths such as ``convarith.layers`` and ``convarith.scratch.conv`` included), its console
examples of the formula commands against the real output."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from convarith.cli import main

OLD = Path(__file__).resolve().parent / "golden" / "readme_before_relay.md"
CHECKED_COMMANDS = ("size", "solve", "params", "rf", "compare", "table", "list", "exercises")


def _console_examples() -> list[tuple[str, str]]:
    examples = []
    for block in re.findall(r"```console\n(.*?)```", OLD.read_text(), flags=re.S):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            if not chunk.startswith("$ convarith "):
                continue
            command, _, output = chunk.partition("\n")
            if "\n...\n" in f"\n{output}" or output.startswith("...") or not output.strip():
                continue
            if command.split()[2] in CHECKED_COMMANDS:
                examples.append((command[2:], output.rstrip("\n") + "\n"))
    return examples


def test_the_old_readme_python_examples_run_unchanged():
    blocks = re.findall(r"```python\n(.*?)```", OLD.read_text(), flags=re.S)
    text = "\n\n".join(block for block in blocks if ">>> " in block)
    test = doctest.DocTestParser().get_doctest(text, {}, OLD.name, str(OLD), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 38
    assert runner.failures == 0


def test_the_old_readme_has_its_console_examples():
    assert len(_console_examples()) >= 20


@pytest.mark.parametrize("command, expected", _console_examples(),
                         ids=lambda value: value[:60] if isinstance(value, str) else "")
def test_the_old_readme_console_example_prints_the_same(command, expected):
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.output == expected
