"""The house's import rules beyond the import-linter contracts (pyproject.toml): no module
imports itself back through others, and no module takes another module's private names.

grimp (import-linter's graph) reads every import statement, those inside functions
included, so a "lazy" import that closes a loop counts as one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(set(graph.find_modules_directly_imported_by(m)) & set(modules))
             for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if child < len(edges[node]):
                work.append((node, child + 1))
                nxt = edges[node][child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("convarith", "cli", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert _cycles(graph) == [["a.b", "a.c"]]


def _private_imports(path: Path, module: str) -> list[str]:
    """``from convarith.x import _name`` and ``x._name`` on a convarith module bound by an
    import, in ``path`` (the module ``module``)."""
    found = []
    tree = ast.parse(path.read_text(), str(path))
    modules = set()  # names bound to convarith modules: import a.b as m, from a import b
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name for alias in node.names
                        if alias.name.split(".")[0] in ("convarith", "cli")}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and \
                node.module.split(".")[0] in ("convarith", "cli"):
            modules |= {alias.asname or alias.name for alias in node.names
                        if _is_module(f"{node.module}.{alias.name}")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id in modules and node.attr.startswith("_") and \
                not node.attr.startswith("__"):
            found.append(f"{_shown(path)}:{node.lineno} uses {node.value.id}."
                         f"{node.attr}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if node.module.split(".")[0] not in ("convarith", "cli") or node.module == module:
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{_shown(path)}:{node.lineno} imports "
                             f"{alias.name} from {node.module}")
    return found


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def _is_module(name: str) -> bool:
    parts = name.split(".")
    folder = ROOT / ("cli" if parts[0] == "cli" else "convarith")
    if parts[:2] == ["convarith", "cli"]:
        folder, parts = ROOT / "cli", ["cli", *parts[2:]]
    rest = parts[1:]
    return (folder.joinpath(*rest).with_suffix(".py").exists()
            or (folder.joinpath(*rest) / "__init__.py").exists()) if rest else True


def test_no_private_names_imported_across_modules() -> None:
    found = []
    for folder, package in ((ROOT / "convarith", "convarith"), (ROOT / "cli", "cli")):
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found += _private_imports(path, name)
    assert found == []


def test_the_private_import_finder_finds_both_forms(tmp_path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from convarith.specs import layers as L\n"
                      "from convarith.specs.layers import _size_arg, Conv\n"
                      "L._size_arg((3,))\nL.Conv\n")
    found = _private_imports(sample, "sample")
    assert [line.split(" ", 1)[1] for line in found] == [
        "uses L._size_arg", "imports _size_arg from convarith.specs.layers"]
