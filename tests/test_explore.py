"""The explorer's data and its command, without a browser (tests/test_explore_browser.py
drives the page itself): the shipped data is what the formula core, the derivations and
the scenes say today, the page is self-contained and small, and the command writes or
serves it."""

from __future__ import annotations

import os
import random
import re
import textwrap
import threading
import urllib.request

import pytest
from click.testing import CliRunner

import convarith
from convarith.cli import main
from convarith.explore import build_page, operations
from convarith.explore.networks import network_data
from convarith.explore.serve import server


@pytest.fixture(scope="module")
def shipped():
    return operations.load()


def _text(payload, item):
    return payload["lines"][item] if isinstance(item, int) else item


def test_operations_are_kinds_of_the_house():
    from convarith import kinds

    for name in operations.OPERATIONS:
        assert kinds.get(name).name == name


def test_shipped_data_has_one_entry_per_configuration_the_controls_reach(shipped):
    assert shipped["ranges"] == {k: list(v) for k, v in operations.RANGES.items()}
    for kind in operations.OPERATIONS:
        op = shipped["operations"][kind]
        assert op["values"] == operations.field_values(kind)
        assert len(op["axes"]) == sum(1 for _ in operations.axis_keys(kind))


def test_shipped_pre_checks_are_the_formula_cores_today(shipped):
    for kind in operations.OPERATIONS:
        fresh = operations._pre_checks(kind)
        stored = {key: _text(shipped, t) for key, t in shipped["operations"][kind]["pre"].items()}
        assert stored == fresh, (f"stale explorer data ({kind}): rebuild it with "
                                 "python -m convarith.explore.operations")
    # a coupling a user meets: 'same' with a stride
    conv = shipped["operations"]["conv"]["pre"]
    assert _text(shipped, conv["same 2 1 1 1"]).startswith(
        "Error: computing the output size of a convolution: padding='same' is not supported "
        "for strided convolutions (stride=(2, 1))")
    assert "n 2 1 1 1" not in conv


#: Entries recomputed per kind: a sample in CI, all of them with HYPOTHESIS_PROFILE=thorough.
SAMPLE = None if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 60


def test_a_sample_of_shipped_entries_is_what_the_core_computes_today(shipped):
    """Every kind, valid and invalid entries alike: recomputed and compared (a stale data
    file fails here; rebuild it with ``python -m convarith.explore.operations``)."""
    from convarith.figures.animation import CELL_KINDS

    rng = random.Random(1)
    seen = {"valid": 0, "error": 0, "pre": 0}
    stale = "stale explorer data: rebuild it with python -m convarith.explore.operations"
    for kind in operations.OPERATIONS:
        op = shipped["operations"][kind]
        pre = operations._pre_checks(kind)
        keys = list(operations.axis_keys(kind))
        for n in rng.sample(range(len(keys)), SAMPLE or len(keys)):
            stored, fresh = op["axes"][n], operations.axis_entry(kind, keys[n], pre)
            if stored == 0:
                assert fresh is None, (stale, keys[n])
                seen["pre"] += 1
            elif len(stored) == 2:
                assert [_text(shipped, t) for t in stored] == list(fresh["errors"]), (stale, keys[n])
                seen["error"] += 1
            else:
                o, lines, kinds, taps = stored
                assert o == fresh["o"], (stale, keys[n])
                assert [_text(shipped, t) for t in lines] == fresh["lines"], (stale, keys[n])
                assert shipped["lists"][kinds] == "".join(
                    str(CELL_KINDS.index(c)) for c in fresh["kinds"])
                assert shipped["lists"][taps] == fresh["taps"]
                seen["valid"] += 1
    assert min(seen.values()) >= 5, seen


def test_entries_match_torch_on_a_sample(shipped):
    """The numbers the page shows are torch's (the formula core is checked against torch
    elsewhere; here the page's own data is)."""
    import torch

    rng = random.Random(2)
    layers = {
        "conv": lambda k, s, p, d, a: torch.nn.Conv2d(1, 1, k, s, p, d),
        "conv_transpose": lambda k, s, p, d, a: torch.nn.ConvTranspose2d(1, 1, k, s, p, a, dilation=d),
        "max_pool": lambda k, s, p, d, a: torch.nn.MaxPool2d(k, s, p, d, ceil_mode=bool(a)),
        "avg_pool": lambda k, s, p, d, a: torch.nn.AvgPool2d(k, s, p, ceil_mode=bool(a)),
    }
    checked = 0
    for kind, make in layers.items():
        op = shipped["operations"][kind]
        keys = list(operations.axis_keys(kind))
        for n in rng.sample(range(len(keys)), 25):
            axis = keys[n]
            i, k, s, p, d = axis[:5]
            extra = axis[5] if len(axis) > 5 else 0
            entry = op["axes"][n]
            x = torch.zeros(1, 1, i, 1)
            if kind == "conv":
                if p == "full" or entry == 0:
                    continue  # no torch spelling; or 'same' with a stride, which torch refuses
                if ":" in p:
                    left, right = map(int, p.split(":"))
                    x = torch.nn.functional.pad(x, (0, 0, left, right))
                    p = 0
            if kind == "avg_pool" and d != 1:
                continue
            try:
                layer = make((k, 1), (s, 1), p if isinstance(p, str) else (p, 0), (d, 1),
                             (extra, 0) if kind == "conv_transpose" else extra)
                shape = layer(x).shape[2]
            except (RuntimeError, ValueError):
                shape = None
            if shape is None:
                assert entry != 0 and len(entry) == 2, (kind, axis)
            else:
                assert entry[0] == shape, (kind, axis)
            checked += 1
    assert checked >= 60


def test_transposed_derivation_names_each_axis_when_only_output_padding_differs():
    lines = CliRunner().invoke(main, ["size", "transposed", "--input", "3x3", "--kernel", "3",
                                      "--stride", "2", "--padding", "1", "--output-padding",
                                      "0x1", "--explain"]).stdout.splitlines()
    assert lines[0] == "5x6"
    assert "Transposed convolution output size (dimension 1):" in lines
    assert "Transposed convolution output size (dimension 2):" in lines


def test_network_rows_give_each_unit_the_pixels_of_its_receptive_field():
    net = network_data("alexnet")
    conv1 = net["rows"][1]
    assert conv1["cells"][1] == "conv1" and conv1["rf"] == [11, 11]
    # AlexNet's conv1 (k=11, s=4, p=2): unit n sees 4n - 2 .. 4n + 8
    assert conv1["units"][0][:3] == [[-2, 8], [2, 12], [6, 16]]
    assert len(conv1["units"][1]) == 55
    flatten = next(row for row in net["rows"] if row["cells"][1] == "flatten")
    assert flatten["units"] is None and flatten["rf"] is None


def test_page_is_self_contained_and_under_a_megabyte():
    page = build_page()
    assert len(page.encode()) < 1_000_000
    assert set(re.findall(r"https?://[a-z0-9./-]+", page)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|fetch\(", page)
    assert "default-src 'none'" in page  # the browser itself refuses any request


def test_explore_writes_the_page_atomically(tmp_path):
    target = tmp_path / "explorer.html"
    target.write_text("old")
    result = CliRunner().invoke(main, ["explore", "-o", str(target), "--model", "lenet5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {target} (")
    assert target.read_text(encoding="utf-8") == build_page(("lenet5",))
    assert [p.name for p in tmp_path.iterdir()] == ["explorer.html"]


def test_explore_puts_a_users_model_in_the_network_view(tmp_path):
    model = tmp_path / "tiny.py"
    model.write_text(textwrap.dedent("""
        import torch.nn as nn

        class Tiny(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 4, 3, stride=2, padding=1)
                self.pool = nn.MaxPool2d(2)

            def forward(self, x):
                return self.pool(self.conv(x))
    """))
    page = tmp_path / "tiny.html"
    result = CliRunner().invoke(main, ["explore", "--model", f"{model}:Tiny", "--input",
                                       "1x16x16", "-o", str(page)])
    assert result.exit_code == 0, result.output
    tiny = network_data(f"{model}:Tiny", (1, 16, 16))
    assert [row["rf"] for row in tiny["rows"]] == [[1, 1], [3, 3], [5, 5]]
    assert tiny["rows"][1]["units"][0][:2] == [[-1, 1], [1, 3]]  # k=3, s=2, p=1
    assert page.stat().st_size < 1_000_000


def test_explore_bad_model_is_one_error_line(tmp_path):
    result = CliRunner().invoke(main, ["explore", "--model", "resnet9000", "-o",
                                       str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Unknown model 'resnet9000'.")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def test_explore_without_output_serves_on_localhost(monkeypatch):
    served = {}

    def fake_serve(page, *, port, browser, announce):
        served.update(page=page, port=port, browser=browser)

    monkeypatch.setattr("convarith.explore.serve.serve", fake_serve)
    result = CliRunner().invoke(main, ["explore", "--no-browser", "--port", "0",
                                       "--model", "lenet5"])
    assert result.exit_code == 0, result.output
    assert served == {"page": build_page(("lenet5",)).encode(), "port": 0, "browser": False}


def test_server_listens_on_127_0_0_1_and_answers_with_the_page():
    httpd = server(b"<!DOCTYPE html>page", port=0)
    assert httpd.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.read() == b"<!DOCTYPE html>page"
            assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_notebook_repr_is_the_page_in_an_iframe():
    shown = convarith.explore(("lenet5",))._repr_html_()
    assert shown.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert "<script" not in shown  # escaped: the notebook runs nothing of it outside the frame


# --------------------------------------------------------------------------- exported tables

from table_files import RESIDUAL, broken_files, cli_line, exported, spans  # noqa: E402


@pytest.mark.parametrize("model", ["lenet5", "alexnet", "zfnet", "alexnet-small"])
def test_exported_left_is_where_the_tracer_and_the_recurrence_start_each_field(model):
    from convarith.specs import zoo

    data = exported(model)
    spec = convarith.table(model)
    traced = convarith.table(zoo.get(model).to_torch(), spec.input_shape)  # through the graph
    with_field = [r for r in data["rows"] if r["rf"]]
    assert [r["left"] for r in with_field] == \
        [list(r.left) for r in traced.rows if r.rf] == [list(r.left) for r in spec.rows if r.rf]
    for row, ours in zip(data["rows"], spec.rows):
        if not row["rf"] or ours.fields is None:
            continue
        for axis, (field, size) in enumerate(zip(ours.fields, row["output_shape"][1:])):
            for n in {0, size // 2, size - 1}:  # each unit, by the recurrence's own pixels
                assert spans(row, axis, n) == (field.pixels(n) if field else (n, n)), row["name"]
    assert data["rows"][1]["left"] == {"lenet5": [0, 0], "alexnet": [-2, -2], "zfnet": [-1, -1],
                                       "alexnet-small": [-2, -2]}[model]


def test_exported_fields_of_a_users_branched_model_are_what_backprop_measures():
    """A real forward on CPU: the input cells with a gradient from one output unit are the
    cells the JSON row says it sees (clipped to the input), through both branches."""
    import importlib.util

    import torch

    from convarith.tables import schema

    data = exported(f"{RESIDUAL}:Residual", "--input", "1x16x16")
    assert set(data) == {*schema.TABLE_KEYS, "inputs"}  # a traced table, every key read back
    assert all(set(r) == {*schema.ROW_KEYS, *schema.TRACED_ROW_KEYS} for r in data["rows"])
    rows = {r["name"]: r for r in data["rows"]}
    assert rows["conv2"]["left"] == [-4, -4] and rows["shortcut"]["left"] == [-5, -5]
    assert rows["add"]["left"] == [-5, -5] and rows["add"]["rf"] == [10, 10]  # the union

    spec = importlib.util.spec_from_file_location("residual_net", RESIDUAL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Residual()
    model.pool = torch.nn.AvgPool2d(2)  # max pooling's gradient reaches one cell; same field
    with torch.no_grad():  # positive weights: no ReLU closes, no gradient cancels
        for p in model.parameters():
            p.fill_(1.0 / p[0].numel() if p.dim() > 1 else 0.01)
    outputs = {}
    for name in ("stem", "conv1", "conv2", "shortcut", "pool"):
        getattr(model, name).register_forward_hook(
            lambda m, args, out, name=name: outputs.update({name: out}))
    model.pool.register_forward_hook(lambda m, args, out: outputs.update(add=args[0]))
    x = torch.rand(1, 1, 16, 16, requires_grad=True)
    model(x)
    checked = 0
    for name, y in outputs.items():
        row = rows[name]
        for unit in [(0, 0), (y.shape[2] // 2, y.shape[3] - 1), (y.shape[2] - 1, 1)]:
            (gradient,) = torch.autograd.grad(y[0, :, unit[0], unit[1]].sum(), x,
                                              retain_graph=True)
            seen = gradient[0, 0]
            measured = [torch.nonzero(seen.sum(1 - axis)).flatten().tolist() for axis in (0, 1)]
            for axis in (0, 1):
                lo, hi = spans(row, axis, unit[axis])
                assert (measured[axis][0], measured[axis][-1]) == (max(lo, 0), min(hi, 15)), \
                    (name, unit, axis)
            checked += 1
    assert checked == 18


def test_explore_embeds_an_exported_table(tmp_path):
    import base64
    import gzip
    import json

    path = tmp_path / "residual.json"
    path.write_text(json.dumps(exported(f"{RESIDUAL}:Residual", "--input", "1x16x16")))
    page = tmp_path / "page.html"
    result = CliRunner().invoke(main, ["explore", "--table", str(path), "-o", str(page)])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    payload = re.search(r'id="payload-networks">([^<]*)<', text).group(1)
    shown = json.loads(gzip.decompress(base64.b64decode(payload)))
    assert shown["networks"] == []  # without --model, only the table
    assert shown["tables"] == [{"file": "residual.json", "table": json.loads(path.read_text())}]
    assert shown["reading"]["schema"] == "convarith.table/1"
    assert len(text.encode()) < 1_000_000
    sized = CliRunner().invoke(main, ["explore", "--table", str(path), "--input", "32", "-o",
                                      str(tmp_path / "sized.html")])
    assert sized.exit_code == 2 and len(sized.stderr.splitlines()) == 1
    assert sized.stderr.startswith("Error: --input sizes the --model models, and with only "
                                   "--table there are none")
    assert not (tmp_path / "sized.html").exists()


def test_explore_refuses_a_file_that_is_not_an_exported_table_in_one_line(tmp_path):
    for name, (content, message) in broken_files().items():
        (tmp_path / name).write_bytes(content)
        result = CliRunner().invoke(main, ["explore", "--table", str(tmp_path / name), "-o",
                                           str(tmp_path / "page.html")])
        line = cli_line(message)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", line + "\n"), name
    missing = CliRunner().invoke(main, ["explore", "--table", str(tmp_path / "nope.json"), "-o",
                                        str(tmp_path / "page.html")])
    assert missing.exit_code == 2
    assert missing.stderr == (f"Error: reading {tmp_path / 'nope.json'}: no such file. Give "
                              "an exported table: convarith table MODEL --format json -o "
                              "FILE.json\n")
    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:  # a data dump named .json: refused before it is read
        out.truncate(5_000_001)
    refused = CliRunner().invoke(main, ["explore", "--table", str(huge), "-o",
                                        str(tmp_path / "page.html")])
    assert (refused.exit_code, refused.stderr) == (
        2, "Error: reading huge.json: 5,000,001 bytes is not an exported table (those are "
           "kilobytes). Give the file convarith table MODEL --format json wrote.\n")
    assert not (tmp_path / "page.html").exists()


def test_notebook_explorer_embeds_exported_tables(tmp_path):
    from convarith.explore.networks import read_table_file

    path = tmp_path / "lenet5.json"
    path.write_text(convarith.table("lenet5").to_json())
    page = convarith.explore(("alexnet",), tables=[path])
    assert page.html == build_page(("alexnet",), tables=[read_table_file(path)])
    assert page.save(tmp_path / "page.html") == len(page.html.encode())


def test_exported_left_is_null_where_a_field_repeats_with_a_period():
    """After a transposed convolution, neighbouring units see differently placed cells (a
    period of 2): no ``left + n jump`` rule holds there, and the JSON says so with null; a
    row whose field is a plain chain again keeps it exact for every unit."""
    models = os.path.join(os.path.dirname(__file__), "models_zoo.py")
    data = exported(f"{models}:UNetSkip", "--input", "1x16x16")
    shown = convarith.table(f"{models}:UNetSkip", (1, 16, 16))
    lefts = {r["name"]: r["left"] for r in data["rows"]}
    assert lefts == {"input": [0, 0], "enc": [-1, -1], "down": [-2, -2], "up": [None, None],
                     "concat": [None, None], "dec": [None, None], "smooth": [None, None]}
    for row, ours in zip(data["rows"], shown.rows):
        for axis, field in enumerate(ours.fields or ()):
            units = [field.pixels(n) for n in range(row["output_shape"][axis + 1])]
            by_rule = [(field.left + n * field.jump, field.left + n * field.jump + field.r - 1)
                       for n in range(len(units))]
            assert (units == by_rule) == (row["left"][axis] is not None), (row["name"], axis)
