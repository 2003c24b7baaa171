"""The README's examples as they stood before the re-lay (issue 11: "every README example
works unchanged") still run, word for word: its Python examples as doctests (old module
paths such as ``convarith.layers`` and ``convarith.scratch.conv`` included), its console
examples of the formula commands against the real output."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_readme import CHECKED_COMMANDS, console_examples, python_examples

from convarith.cli import main

OLD = Path(__file__).resolve().parent / "golden" / "readme_before_relay.md"
CHECKED = [e for e in console_examples(OLD) if e[0].split()[1] in CHECKED_COMMANDS]


def test_the_old_readme_python_examples_run_unchanged():
    runner = python_examples(OLD)
    assert runner.tries >= 38
    assert runner.failures == 0


def test_the_old_readme_has_its_console_examples():
    assert len(CHECKED) >= 20


@pytest.mark.parametrize("command, expected", CHECKED,
                         ids=lambda value: value[:60] if isinstance(value, str) else "")
def test_the_old_readme_console_example_prints_the_same(command, expected):
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.output == expected
