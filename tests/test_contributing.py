"""CONTRIBUTING.md's "Adding a layer kind" holds: LPPool, the worked example, is named in
exactly the files the guide lists (at most four), so adding a kind in an existing family
touches those and the tests, and the guide cannot drift from the code.

"Named" means in code: a name or a string (``LPPool1d``, ``"lp_pool"``, ``"lp-pool"``, its
short name ``"lp"``); comments and docstrings that use a kind as an example are not places a
contributor has to edit (one of them is a doctest, ``derivations("lp_pool", ...)``).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The worked example's names: LPPool, LPPool1d/2d/3d, lp_pool, lp_pool2d, lp-pool, ...
NAMES = re.compile(r"lp[_-]?pool", re.IGNORECASE)
SHORT = "lp"  # its name within the pool family: pool_output_size(kind="lp")


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def names_the_kind(source: str) -> bool:
    """Whether code (not a comment or docstring) names the worked example's kind."""
    docs = _docstring_lines(ast.parse(source))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and token.start[0] in docs:
            continue
        if token.type == tokenize.NAME and NAMES.search(token.string):
            return True
        if token.type == tokenize.STRING and (
                NAMES.search(token.string) or token.string.strip("\"'") == SHORT):
            return True
    return False


def files_naming_the_kind() -> set[str]:
    files = [*(ROOT / "convarith").rglob("*.py"), *(ROOT / "cli").rglob("*.py")]
    return {str(path.relative_to(ROOT)) for path in files if names_the_kind(path.read_text())}


def files_the_guide_lists() -> list[str]:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Adding a layer kind", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. \*\*`([^`]+)`\*\*", section, flags=re.MULTILINE)


def test_the_worked_example_is_named_in_the_files_the_guide_lists_and_no_others():
    listed = files_the_guide_lists()
    assert listed, "CONTRIBUTING.md's 'Adding a layer kind' lists no files"
    assert files_naming_the_kind() == set(listed)


def test_a_kind_in_an_existing_family_takes_at_most_four_files():
    assert len(files_the_guide_lists()) <= 4


def test_the_scan_sees_code_and_skips_prose():
    assert names_the_kind('SCRATCH.add("lp_pool", layer)\n')
    assert names_the_kind("cls = nn.LPPool2d\n")
    assert names_the_kind('if kind == "lp":\n    pass\n')
    assert not names_the_kind('"""Pools: max, avg and LPPool."""\nx = 1  # like lp_pool\n')
    assert not names_the_kind('def f():\n    """>>> f("lp_pool")"""\n')
