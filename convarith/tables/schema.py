"""Reading an exported table back: the JSON schema of :meth:`Table.to_dict`, written once
as data (the keys and the kind of value each holds), and the checks that turn a file that
is not such a table into one line naming what is wrong.

The explorer page runs the same checks in the browser on a file a user loads: it receives
:func:`schema_data` (these keys, kinds and messages), so the two cannot drift.

>>> from convarith.tables.table import table
>>> text = table("lenet5").to_json()
>>> read_table_json(text, "lenet5.json")["rows"][1]["left"]
[0, 0]
>>> read_table_json('{"schema": "other/2"}', "x.json")
Traceback (most recent call last):
...
convarith.errors.ConvArithError: Error reading x.json: its schema is "other/2", not "convarith.table/1" (another program's file, or a newer convarith's). Export the table again: convarith table MODEL --format json.
"""

from __future__ import annotations

import json
import re
from typing import Any

from convarith.choices import TABLE_COLUMNS
from convarith.errors import ConvArithError

SCHEMA = "convarith.table/1"

#: A file larger than this is not an exported table (VGG-16's is 20 kB).
MAX_BYTES = 5_000_000

#: What every value holds, by kind (the page's checker knows the same kind names).
KINDS: dict[str, str] = {
    "str": "a string",
    "int": "a whole number",
    "shape": "a list of whole numbers (a symbolic table, in H and W, has no input to draw "
             "on; export one at a size)",
    "strs": "a list of strings",
    "columns": "a list of column names (" + ", ".join(TABLE_COLUMNS) + ")",
    "ints": "a list of whole numbers",
    "shape|null": "a list of whole numbers or null",
    "ints|null": "a list of whole numbers or null",
    "jumps|null": "a list of whole numbers or fractions like \"1/2\", or null",
    "lefts|null": "a list of whole numbers (or nulls), or null",
    "rows": "a list of rows",
    "totals": "an object of whole numbers",
}

#: The keys of a table and the kind of each.
TABLE_KEYS: dict[str, str] = {
    "schema": "str", "model": "str", "input_shape": "shape", "shape_order": "str",
    "dtype": "str", "batch": "int", "columns": "columns", "rows": "rows", "totals": "totals",
    "footnotes": "strs",
}

#: The keys of every row and the kind of each.
ROW_KEYS: dict[str, str] = {
    "index": "int", "layers": "ints", "name": "str", "type": "str", "kernel": "str",
    "stride": "str", "padding": "str", "dilation": "str", "groups": "str",
    "input_shape": "shape|null", "output_shape": "shape", "params": "int", "buffers": "int",
    "connections": "int", "macs": "int", "memory": "int", "rf": "ints|null",
    "jump": "jumps|null", "left": "lefts|null", "lost": "ints|null", "note": "str",
}

#: The keys a traced module's rows add (a table with ``"inputs"``).
TRACED_ROW_KEYS: dict[str, str] = {"calls": "str", "frozen": "int"}

#: The one-line messages, with ``{name}`` (the file), ``{key}``, ``{row}``, ``{value}``
#: (as JSON) and ``{kind}`` (the :data:`KINDS` text) put in.
MESSAGES: dict[str, str] = {
    "too_big": "Error reading {name}: {size} bytes is not an exported table (those are "
               "kilobytes). Give the file convarith table MODEL --format json wrote.",
    "not_json": "Error reading {name}: it is not JSON. A convarith table is written by "
                "convarith table MODEL --format json.",
    "not_table": "Error reading {name}: it is JSON but not a convarith table (it has no "
                 "\"schema\": \"" + SCHEMA + "\"). Export one: convarith table MODEL "
                 "--format json.",
    "schema": "Error reading {name}: its schema is {value}, not \"" + SCHEMA + "\" (another "
              "program's file, or a newer convarith's). Export the table again: convarith "
              "table MODEL --format json.",
    "missing": "Error reading {name}: the table has no \"{key}\". Export it again: convarith "
               "table MODEL --format json.",
    "row_missing": "Error reading {name}: row {row} has no \"{key}\". Export it again: "
                   "convarith table MODEL --format json.",
    "row_missing_left": "Error reading {name}: row {row} has no \"left\" (where its "
                        "receptive field starts; older exports lack it). Export it again: "
                        "convarith table MODEL --format json.",
    "kind": "Error reading {name}: \"{key}\" is {value}, not {kind}. Export the table "
            "again: convarith table MODEL --format json.",
    "row_kind": "Error reading {name}: row {row}'s \"{key}\" is {value}, not {kind}. Export "
                "the table again: convarith table MODEL --format json.",
}

#: A missing row key with a message of its own.
MISSING_ROW_MESSAGES: dict[str, str] = {"left": "row_missing_left"}

_FRACTION = re.compile(r"^-?\d+/\d+$")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list_of(value: Any, test: Any) -> bool:
    return isinstance(value, list) and all(test(v) for v in value)


def has_kind(value: Any, kind: str) -> bool:
    """Whether ``value`` is of the :data:`KINDS` ``kind``."""
    if kind.endswith("|null"):
        return value is None or has_kind(value, kind[:-len("|null")])
    return {
        "str": lambda: isinstance(value, str),
        "int": lambda: _int(value),
        "shape": lambda: _list_of(value, _int),
        "ints": lambda: _list_of(value, _int),
        "strs": lambda: _list_of(value, lambda v: isinstance(v, str)),
        "columns": lambda: _list_of(value, lambda v: v in TABLE_COLUMNS),
        "jumps": lambda: _list_of(value, lambda v: _int(v) or (isinstance(v, str) and
                                                             bool(_FRACTION.match(v)))),
        "lefts": lambda: _list_of(value, lambda v: v is None or _int(v)),
        "rows": lambda: _list_of(value, lambda v: isinstance(v, dict)),
        "totals": lambda: isinstance(value, dict) and all(_int(v) for v in value.values()),
    }[kind]()


def shown(value: Any) -> str:
    """A value as the messages write it: compact JSON, cut at 60 characters."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(message: str, **values: Any) -> ConvArithError:
    return ConvArithError(MESSAGES[message].format(**values))


def check_table(data: Any, name: str) -> dict[str, Any]:
    """``data`` (parsed JSON) if it is a convarith table, else :class:`ConvArithError` with
    the first thing wrong, in the order the page checks them."""
    if not isinstance(data, dict) or "schema" not in data:
        raise _fail("not_table", name=name)
    if data["schema"] != SCHEMA:
        raise _fail("schema", name=name, value=shown(data["schema"]))
    for key, kind in TABLE_KEYS.items():
        if key not in data:
            raise _fail("missing", name=name, key=key)
        if not has_kind(data[key], kind):
            raise _fail("kind", name=name, key=key, value=shown(data[key]), kind=KINDS[kind])
    row_keys = {**ROW_KEYS, **(TRACED_ROW_KEYS if "inputs" in data else {})}
    for number, row in enumerate(data["rows"]):
        for key, kind in row_keys.items():
            if key not in row:
                raise _fail(MISSING_ROW_MESSAGES.get(key, "row_missing"), name=name,
                            row=number, key=key)
            if not has_kind(row[key], kind):
                raise _fail("row_kind", name=name, row=number, key=key,
                            value=shown(row[key]), kind=KINDS[kind])
    return data


def read_table_json(text: str | bytes, name: str) -> dict[str, Any]:
    """The table in ``text`` (an exported JSON table; ``name`` is the file, for messages)."""
    if len(text) > MAX_BYTES:
        raise _fail("too_big", name=name, size=f"{len(text):,}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise _fail("not_json", name=name) from None
    try:
        data = json.loads(text)
    except ValueError:
        raise _fail("not_json", name=name) from None
    return check_table(data, name)


def schema_data() -> dict[str, Any]:
    """The checks as data, for the page's own reader of a loaded file."""
    return {"schema": SCHEMA, "max_bytes": MAX_BYTES, "kinds": KINDS, "columns": TABLE_COLUMNS, "table": TABLE_KEYS, "row": ROW_KEYS,
            "traced_row": TRACED_ROW_KEYS, "messages": MESSAGES,
            "missing_row_messages": MISSING_ROW_MESSAGES}
