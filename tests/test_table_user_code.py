"""``convarith table FILE.py:NAME`` runs foreign code through the one loader
(:mod:`convarith.bridges.loading`, shared with ``verify --impl``): whatever the file does at
import, in its factory or in ``forward``, the command prints one ``Error:`` line naming the
file, the line and the exception, exit status 2; a forward that never returns is stopped."""

from __future__ import annotations

import textwrap
import threading

import pytest
from click.testing import CliRunner

from convarith.bridges import trace as tracing
from convarith.cli import main
from convarith.errors import ConvArithError

HEADER = "import torch\nfrom torch import nn\n"

FORWARD = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        x = self.conv(x)
        {body}
"""


def run(tmp_path, source: str, *extra: str, name: str = "Net"):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(source))
    return CliRunner().invoke(main, ["table", f"{path}:{name}", "--input", "3x8x8", *extra])


@pytest.mark.parametrize("source, expected", [
    ("def broken(:\n", r"importing .*model\.py raised SyntaxError: .*model\.py:3"),
    ("undefined_name\n", r"raised NameError: name 'undefined_name' is not defined \(at .*model\.py:3"),
    ("import sys\nsys.exit(0)\n", r"raised SystemExit\(0\): the code called sys\.exit\(0\)"),
])
def test_an_exception_while_importing_the_file_is_one_line(tmp_path, source, expected):
    result = run(tmp_path, source)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert __import__("re").search(expected, errors[0]), errors[0]


@pytest.mark.parametrize("body, expected", [
    ("return {}['missing']", r"KeyError: 'missing' \(at .*model\.py:\d+: return \{\}\['missing'\]\)"),
    ("return x.no_such_thing", r"AttributeError: .*no_such_thing"),
    ("return 1 / 0", r"ZeroDivisionError: division by zero \(at .*model\.py"),
    ("raise NotImplementedError", r"NotImplementedError \(no message\) \(at .*model\.py"),
    ("raise SystemExit(0)", r"SystemExit\(0\): the code called sys\.exit\(0\)"),
    ("raise KeyboardInterrupt", r"KeyboardInterrupt: the code raised KeyboardInterrupt itself"),
])
def test_an_exception_in_forward_is_one_line_naming_the_users_line(tmp_path, body, expected):
    result = run(tmp_path, FORWARD.format(body=body))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: tracing Net")
    assert __import__("re").search(expected, errors[0]), errors[0]


def test_wrong_factory_arguments_are_one_line_naming_the_option(tmp_path):
    result = run(tmp_path, FORWARD.format(body="return x"), "--num-classes", "10")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "building Net(num_classes=10) raised TypeError" in result.output
    assert "It does not take --num-classes: drop those options." in result.output


def test_a_file_without_a_name_and_a_missing_name_say_what_to_write(tmp_path):
    (tmp_path / "model.py").write_text(HEADER + FORWARD.format(body="return x"))
    runner = CliRunner()
    plain = runner.invoke(main, ["table", str(tmp_path / "model.py"), "--input", "3x8x8"])
    missing = runner.invoke(main, ["table", f"{tmp_path / 'model.py'}:Missing",
                                   "--input", "3x8x8"])
    assert plain.exit_code == 2 and missing.exit_code == 2
    assert "names a file but no function or class in it. Write FILE.py:NAME, e.g. " \
        "model.py:Net." in plain.output, plain.output
    assert "has no Missing. Defined there: Net" in missing.output


def test_a_forward_that_never_returns_is_stopped_after_the_bound(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(HEADER + textwrap.dedent(FORWARD.format(body="while True: pass")))
    model = tracing.load(f"{path}:Net")
    with pytest.raises(ConvArithError, match=r"the forward did not return within 0\.5 s, so "
                                             r"it was stopped"):
        tracing.trace(model, (3, 8, 8), timeout=0.5)
    # and stopped for real: no thread left spinning, no tracing hook left on every module
    from torch.nn.modules import module

    assert not [t for t in threading.enumerate() if t.name == "convarith-user-code"]
    assert not module._global_forward_hooks and not module._global_forward_pre_hooks


def test_prints_of_the_users_code_do_not_reach_the_table(tmp_path):
    result = run(tmp_path, 'print("hello from import")\n' +
                 FORWARD.format(body='print("in forward")\n        return x'))
    assert result.exit_code == 0, result.output
    assert "hello from import" not in result.output and "in forward" not in result.output
