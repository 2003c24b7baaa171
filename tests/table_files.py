"""Exported tables for the explorer's tests (tests/test_explore.py and
tests/test_explore_browser.py): what ``convarith table ... --format json`` prints, and files
that are not such a table, each with the one line convarith answers."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

import convarith
from convarith.cli import main

RESIDUAL = os.path.join(os.path.dirname(__file__), "residual_net.py")


def exported(*args: str) -> dict:
    """What ``convarith table ... --format json`` prints, parsed."""
    result = CliRunner().invoke(main, ["table", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def spans(row: dict, axis: int, n: int) -> tuple[int, int]:
    """The input pixels unit ``n`` sees by the JSON row's own numbers (RFRow.pixels)."""
    first = row["left"][axis] + n * row["jump"][axis]
    return first, first + row["rf"][axis] - 1


def broken_files() -> dict[str, tuple[bytes, str]]:
    """Files that are not an exported table, as users have them, and the message each gets
    (the command line writes it ``Error: reading ...``)."""
    good = convarith.table("lenet5").to_dict()
    old = json.loads(json.dumps(good))
    del old["rows"][2]["left"]
    symbolic = exported("alexnet", "--symbolic")
    wrong_row = json.loads(json.dumps(good))
    wrong_row["rows"][1]["rf"] = "5x5"
    return {
        "notes.txt": (b"conv1 5x5 stride 1\n",
                      "Error reading notes.txt: it is not JSON. A convarith table is written by "
                      "convarith table MODEL --format json."),
        "model.json": (json.dumps({"layers": [{"type": "Conv2D"}]}).encode(),
                       "Error reading model.json: it is JSON but not a convarith table (it has no "
                       '"schema": "convarith.table/1"). Export one: convarith table MODEL '
                       "--format json."),
        "future.json": (json.dumps({**good, "schema": "convarith.table/2"}).encode(),
                        'Error reading future.json: its schema is "convarith.table/2", not '
                        '"convarith.table/1" (another program\'s file, or a newer convarith\'s). '
                        "Export the table again: convarith table MODEL --format json."),
        "old.json": (json.dumps(old).encode(),
                     'Error reading old.json: row 2 has no "left" (where its receptive field '
                     "starts; older exports lack it). Export it again: convarith table MODEL "
                     "--format json."),
        "symbolic.json": (json.dumps(symbolic).encode(),
                          'Error reading symbolic.json: "input_shape" is [3,"H","W"], not a list '
                          "of whole numbers (a symbolic table, in H and W, has no input to draw "
                          "on; export one at a size). Export the table again: convarith table "
                          "MODEL --format json."),
        "edited.json": (json.dumps(wrong_row).encode(),
                        'Error reading edited.json: row 1\'s "rf" is "5x5", not a list of whole '
                        "numbers or null. Export the table again: convarith table MODEL --format "
                        "json."),
        "empty.json": (b"", "Error reading empty.json: it is not JSON. A convarith table is "
                            "written by convarith table MODEL --format json."),
    }


def cli_line(message: str) -> str:
    """A message as the command line (and the page) writes it."""
    return "Error: " + message.removeprefix("Error ")
