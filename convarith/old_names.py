"""The module paths from before the layered packages (issue 11), kept importable.

``import convarith.table``, ``from convarith.layers import Conv`` or
``from convarith.scratch.conv import conv2d`` give the very module object of the new home
(:mod:`convarith.tables.table`, :mod:`convarith.specs.layers`, ...), so classes and functions
are the same objects under both names. Nothing is imported until an old name is used.

>>> import convarith.layers, convarith.specs.layers
>>> convarith.layers is convarith.specs.layers
True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

#: old module (under ``convarith.``) -> its home now
MOVED = {
    "arguments": "formulas.normalise",
    "output_size": "formulas.output_size",
    "solve": "formulas.solve",
    "counting": "formulas.counting",
    "receptive": "formulas.receptive",
    "explain": "formulas.explain",
    "notation": "formulas.notation",
    "compare": "formulas.compare",
    "layers": "specs.layers",
    "network": "specs.network",
    "zoo": "specs.zoo",
    "torch_layers": "bridges.torch_modules",
    "trace": "bridges.trace",
    "scratch": "bridges.scratch",
    "verify": "bridges.verify",
    "table": "tables.table",
    "scene": "figures.animation",
    "render": "figures.animation_render",
    "diagram": "figures.static",
    "drawing": "figures.static_render",
    "lecture": "figures.lecture",
}


def new_name(fullname: str) -> str | None:
    """The module's name now, or None when ``fullname`` is not an old path.

    >>> new_name("convarith.scratch.conv"), new_name("convarith.errors")
    ('convarith.bridges.scratch.conv', None)
    """
    package, _, rest = fullname.partition(".")
    if package != "convarith" or not rest:
        return None
    head, dot, tail = rest.partition(".")
    if head not in MOVED:
        return None
    return f"convarith.{MOVED[head]}{dot}{tail}"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers an old name with the module already loaded under its new one."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001
        target_name = new_name(fullname)
        if target_name is None:
            return None
        module = importlib.import_module(target_name)
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=hasattr(module, "__path__"),
            loader_state=(module, module.__spec__))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return spec.loader_state[0]

    def exec_module(self, module: ModuleType) -> None:
        """The module ran under its new name already; the import machinery has just set its
        ``__spec__`` to the old name's: give it back its own."""
        module.__spec__ = module.__spec__.loader_state[1]


def install() -> None:
    """Put the alias finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
