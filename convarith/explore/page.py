"""The explorer page: one self-contained HTML file (no network, works from ``file://``).

The template, style and script are package data; the data is the operation payload of
:mod:`convarith.explore.operations` and the tables of :mod:`convarith.explore.networks`,
each embedded as gzip in base64 (the page decodes them with the browser's
``DecompressionStream``).

>>> import re
>>> html = build_page(models=("lenet5",))
>>> html.startswith("<!DOCTYPE html>"), len(html) < MAX_BYTES
(True, True)
>>> sorted(set(re.findall(r"https?://[a-z0-9./-]+", html)))  # a name, never fetched
['http://www.w3.org/2000/svg']
"""

from __future__ import annotations

import base64
import gzip
import os
from collections.abc import Sequence
from importlib import resources
from typing import Any

from convarith.explore.networks import DEFAULT_MODELS, networks_data

#: A page larger than this is a bug (courses embed it; the issue promises under 1 MB).
MAX_BYTES = 1_000_000


def _asset(name: str) -> str:
    return resources.files("convarith.explore").joinpath(name).read_text(encoding="utf-8")


def table_reading() -> dict[str, Any]:
    """What the page needs to read and show an exported table itself (a file loaded in the
    browser, or one embedded with ``tables``): the schema's checks and the table's headers,
    as :mod:`convarith.tables` writes them."""
    from convarith.tables.schema import schema_data
    from convarith.tables.table import AXIS_LETTERS, COUNT_COLUMNS, HEADERS

    return {**schema_data(), "headers": HEADERS, "counts": list(COUNT_COLUMNS),
            "axis_letters": {str(n): letters for n, letters in AXIS_LETTERS.items()}}


def build_page(models: Any = DEFAULT_MODELS, input: Any = None,
               tables: Sequence[tuple[str, dict[str, Any]]] = ()) -> str:
    """The page's HTML text: the shipped operation data as it is, the tables beside it;
    ``tables`` are exported tables ``(file name, table)`` (see
    :func:`~convarith.explore.networks.read_table_file`), read by the page as a file loaded
    in it is."""
    from convarith import __version__
    from convarith.explore.operations import DATA_FILE, dumps
    from convarith.tables.schema import check_table

    for name, data in tables:
        check_table(data, name)
    payload = {"networks": networks_data(models, input) if models else [],
               "tables": [{"file": name, "table": data} for name, data in tables],
               "reading": table_reading()}
    networks = gzip.compress(dumps(payload), 9, mtime=0)
    html = _asset("explorer.html")
    for name, value in (("style", _asset("explorer.css")), ("script", _asset("explorer.js")),
                        ("version", __version__),
                        ("operations", base64.b64encode(DATA_FILE.read_bytes()).decode("ascii")),
                        ("networks", base64.b64encode(networks).decode("ascii"))):
        html = html.replace("{{" + name + "}}", value)
    return html


def write_page(path: str | os.PathLike[str], models: Any = DEFAULT_MODELS,
               input: Any = None, tables: Sequence[tuple[str, dict[str, Any]]] = ()) -> int:
    """Write the page to ``path`` atomically; returns its size in bytes."""
    from convarith.atomic import atomic_write

    data = build_page(models, input, tables).encode("utf-8")
    with atomic_write(path) as out:
        out.write(data)
    return len(data)
