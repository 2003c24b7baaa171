"""The network view's data: shape tables with their receptive-field column, and for every
row the input pixels each output unit sees, all from :mod:`convarith.tables.table` and
:mod:`convarith.formulas.receptive` (the page looks them up and draws them).

>>> net = network_data("lenet5")
>>> net["headers"][:3], net["rows"][1]["cells"][1]
(['#', 'layer', 'type'], 'C1')
>>> net["rows"][1]["units"][0][0], net["input"]
([0, 4], [32, 32])
"""

from __future__ import annotations

from typing import Any

#: The zoo models the page offers unless told otherwise.
DEFAULT_MODELS: tuple[str, ...] = ("lenet5", "alexnet", "vgg16", "zfnet", "alexnet-small")


def network_data(model: Any, input: Any = None, *, name: str | None = None) -> dict[str, Any]:
    """One table for the page: the cells as the terminal table writes them, and per row
    with a receptive field, per spatial axis, ``[first, last]`` input pixel of each output
    unit (:meth:`~convarith.receptive.RFRow.pixels`)."""
    from convarith.tables.table import table

    shown = table(model, input)
    headers, cells, totals = shown.grid()
    rows = []
    for row, row_cells in zip(shown.rows, cells):
        units = None
        spatial = tuple(row.output_shape[1:]) if len(row.output_shape) >= 2 else ()
        if row.fields is not None and len(row.fields) == len(spatial):
            units = [[list(field.pixels(n)) if field else [n, n] for n in range(size)]
                     for field, size in zip(row.fields, spatial)]
        rows.append({"cells": row_cells, "units": units,
                     "rf": list(row.rf) if row.rf else None,
                     "jump": list(row.jump) if row.jump else None})
    return {"name": name or shown.model, "caption": shown.caption(), "headers": headers,
            "rows": rows, "totals": totals, "footnotes": list(shown.footnotes),
            "input": list(shown.input_shape[1:]),
            "rf_column": headers.index("RF") if "RF" in headers else None}


def networks_data(models: Any = DEFAULT_MODELS, input: Any = None) -> list[dict[str, Any]]:
    """:func:`network_data` of each model (zoo names, Networks, or modules)."""
    return [network_data(model, input) for model in models]



def read_table_file(path: Any) -> tuple[str, dict[str, Any]]:
    """``(file name, table)`` of an exported JSON table (``convarith table MODEL --format
    json``), checked by :func:`convarith.tables.schema.read_table_json` as the page checks
    a file loaded in the browser; the page draws it from its own ``rf``, ``jump`` and
    ``left``."""
    from pathlib import Path

    from convarith.errors import ConvArithError
    from convarith.tables.schema import MAX_BYTES, MESSAGES, read_table_json

    path = Path(path)
    try:
        if not path.is_file():
            raise FileNotFoundError(2, "no such file" if not path.exists() else "not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConvArithError(MESSAGES["too_big"].format(name=path.name, size=f"{size:,}"))
        raw = path.read_bytes()
    except OSError as error:
        raise ConvArithError(
            f"Error reading {path}: {error.strerror or error}. Give an exported table: "
            "convarith table MODEL --format json -o FILE.json") from None
    return path.name, read_table_json(raw, path.name)
