"""The interactive explorer: an HTML page where every parameter is a slider and every
number, derivation and error is convarith's own (precomputed by the formula core, the
derivations and the scenes; the page's script only looks up and draws).

``convarith explore -o explorer.html`` writes it; in a notebook, ``convarith.explore()``
shows it inline.

>>> import convarith
>>> page = convarith.explore(models=("lenet5",))
>>> page._repr_html_().startswith("<iframe")
True
"""

from __future__ import annotations

import html
import sys
import types
from collections.abc import Sequence
from typing import Any

from convarith.explore.networks import DEFAULT_MODELS
from convarith.explore.page import build_page, write_page

__all__ = ["DEFAULT_MODELS", "Explorer", "build_page", "explore", "write_page"]


class Explorer:
    """The page, shown inline by Jupyter (in an iframe, so its script and style stay apart
    from the notebook's), or saved with :meth:`save`."""

    def __init__(self, models: Any = DEFAULT_MODELS, input: Any = None, *,
                 tables: Sequence[Any] = (), height: int = 900) -> None:
        from convarith.explore.networks import read_table_file

        self._tables = [read_table_file(path) for path in tables]
        self.html = build_page(models, input, self._tables)
        self.height = height
        self._models, self._input = models, input

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'style="width: 100%; height: {self.height}px; border: 0" '
                f'title="convarith explorer"></iframe>')

    def save(self, path: Any) -> int:
        """Write the page to ``path`` (atomically); returns its size in bytes."""
        return write_page(path, self._models, self._input, self._tables)


def explore(models: Any = DEFAULT_MODELS, input: Any = None, *, tables: Sequence[Any] = (),
            height: int = 900) -> Explorer:
    """The explorer for a notebook: ``convarith.explore()`` (zoo models by name, a
    ``Network`` or a ``torch.nn.Module`` with ``input``; ``tables``: exported JSON tables,
    by path)."""
    return Explorer(models, input, tables=tables, height=height)


class _CallableModule(types.ModuleType):
    """``convarith.explore`` is this package and also the function (importing the package
    sets the attribute ``explore`` of ``convarith`` to it), as ``convarith.table`` is."""

    def __call__(self, models: Any = DEFAULT_MODELS, input: Any = None, *,
                 tables: Sequence[Any] = (), height: int = 900) -> Explorer:
        return explore(models, input, tables=tables, height=height)


sys.modules[__name__].__class__ = _CallableModule
