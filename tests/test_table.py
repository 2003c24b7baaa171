"""Shape tables: golden files for every zoo model in every format, the API, the CLI.

Golden files live in tests/golden/table/. After a deliberate change, rewrite them with
``CONVARITH_UPDATE_GOLDEN=1 pytest tests/test_table.py`` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from convarith import zoo
from convarith.choices import TABLE_COLUMNS, TABLE_FORMATS
from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.tables.table import table

GOLDEN = Path(__file__).parent / "golden" / "table"
UPDATE = os.environ.get("CONVARITH_UPDATE_GOLDEN") == "1"
SUFFIX = {"terminal": "txt", "markdown": "md", "latex": "tex", "csv": "csv", "json": "json"}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with CONVARITH_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("model", zoo.names())
@pytest.mark.parametrize("format", TABLE_FORMATS)
def test_golden_table(model, format):
    check_golden(f"{model}.{SUFFIX[format]}", table(model).render(format))


@pytest.mark.parametrize("args, name", [
    (("alexnet-paper", "--input", "3x224x224"), "alexnet-paper-224.txt"),
    (("alexnet", "--symbolic", "--columns", "layer,output,params,rf,jump"),
     "alexnet-symbolic.txt"),
    (("lenet5", "--all-layers", "--order", "chw", "--columns",
      "index,layer,type,output,params,buffers,connections"), "lenet5-all-layers.txt"),
])
def test_golden_cli_variants(args, name):
    result = run("table", *args)
    assert result.exit_code == 0, result.output
    check_golden(name, result.output)


# --------------------------------------------------------------------------- CLI


ALEXNET_SHAPES = ("224x224x3", "55x55x96", "27x27x96", "27x27x256", "13x13x256", "13x13x384",
                  "6x6x256", "9216", "4096", "1000")


def test_convarith_table_alexnet_prints_the_table_first_with_every_course_notes_shape():
    result = run("table", "alexnet")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["#", "layer", "type"]
    for shape in ALEXNET_SHAPES:
        assert re.search(rf"\s{shape}\s", result.output), shape
    assert re.search(r"total\s+62,378,344", result.output)


def test_input_reflows_the_table_and_footer_explains_224_versus_227():
    at_227 = run("table", "alexnet-paper").output
    at_224 = run("table", "alexnet-paper", "--input", "3x224x224").output
    assert "55x55x96" in at_227 and "54x54x96" in at_224
    assert "never covered: last 1 row and last 1 column of its input" in at_224
    assert "never covered:" not in at_227
    assert "from 224 it gives 54x54 and the last 1 row and column" in at_227
    assert "the 1 uncovered column is right padding, so 0 image pixels are lost" in at_227
    notes = run("table", "alexnet").output
    assert "never covered:" not in notes


def test_input_too_small_names_the_layer_in_one_error_line():
    result = run("table", "alexnet", "--input", "3x40x40")
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: at layer 13 (pool3) of alexnet with input 3x40x40: the layer's input is 256x1x1;")
    assert result.output.count("\n") == 1


def test_unknown_model_lists_the_known_ones():
    result = run("table", "googlenet")
    assert result.exit_code == 2
    assert result.output == ("Error: Unknown model 'googlenet'. Use one of lenet5, lenet5-modern, "
                             "alexnet, alexnet-paper, alexnet-torchvision, alexnet-small, vgg16, "
                             "zfnet (see 'convarith list').\n")


def test_unknown_column_is_an_error_listing_the_columns():
    result = run("table", "alexnet", "--columns", "layer,flops")
    assert result.exit_code == 2
    assert "'flops' not known. Use some of index, layer, type" in result.output


def test_output_file_is_written_in_the_format_of_its_suffix(tmp_path):
    target = tmp_path / "lenet5.tex"
    result = run("table", "lenet5", "-o", str(target))
    assert result.exit_code == 0
    assert result.output == f"Wrote {target} (latex, 9 rows).\n"
    assert target.read_text() == table("lenet5").to_latex()
    assert [p.name for p in tmp_path.iterdir()] == ["lenet5.tex"]  # no temporary left


def test_model_options_reach_the_zoo():
    result = run("table", "lenet5-modern", "-O", "activation=tanh", "-O", "kind=avg",
                 "--num-classes", "5", "--columns", "type,output")
    assert result.exit_code == 0
    assert "conv + tanh" in result.output and "avg-pool" in result.output
    assert re.search(r"dense\s+5\n", result.output)


def test_verify_reports_agreement_for_every_zoo_model():
    for name in ("lenet5", "alexnet-paper"):
        result = CliRunner().invoke(main, ["table", name, "--verify"])
        assert result.exit_code == 0, result.output
        assert "Verified against torch: all" in result.output


def test_list_names_every_model_with_one_line():
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == zoo.names()
    assert re.match(r"lenet5\s+1x32x32\s+60,000\s+LeNet-5 as published", lines[0])


# --------------------------------------------------------------------------- API


def test_table_api_rows_and_totals():
    t = table("alexnet", input=(3, 224, 224))
    assert t.rows[0].name == "input" and t.rows[0].output_shape == (3, 224, 224)
    conv1 = t.rows[1]
    assert (conv1.name, conv1.type, conv1.kernel, conv1.stride, conv1.padding) == \
        ("conv1", "conv + relu", "11", "4", "2")
    assert conv1.output_shape == (96, 55, 55) and conv1.params == 34944
    assert conv1.macs == 105415200 and conv1.memory == 96 * 55 * 55 * 4
    assert (conv1.rf, conv1.jump) == ((11, 11), (4, 4))
    assert t.rows[-1].name == "fc8"
    assert t.totals["params"] == sum(r.params for r in t.rows[1:]) == 62378344
    assert t.totals["macs"] == sum(r.macs for r in t.rows[1:])


def test_receptive_field_of_alexnet_pool5_is_195():
    pool3 = next(r for r in table("alexnet").rows if r.name == "pool3")
    assert (pool3.rf, pool3.jump) == ((195, 195), (32, 32))


def test_unfolded_rows_match_the_network_layers():
    net = zoo.get("lenet5")
    t = table(net, fold=False)
    assert [r.output_shape for r in t.rows[1:]] == net.shapes()
    assert [r.index for r in t.rows[1:]] == list(range(1, len(net.layers) + 1))


def test_lenet5_table_shows_connections_and_the_papers_total():
    t = table("lenet5")
    assert "connections" in t.columns
    rows = {r.name: r for r in t.rows}
    assert rows["C3"].connections == 151600 and rows["C3"].params == 1516
    assert t.totals["params"] == 60000


def test_symbolic_table_writes_sizes_in_h_and_w():
    t = table("alexnet", symbolic=True)
    assert "macs" not in t.columns and "memory" not in t.columns
    text = t.render_terminal()
    assert "(floor((H - 7)/4) + 1) x (floor((W - 7)/4) + 1) x 96" in text
    assert "floor((H - 31)/32) x floor((W - 31)/32) x 256" in text  # nested floors merged
    import sympy

    H, W = sympy.symbols("H W", integer=True, positive=True)
    for row, numeric in zip(t.rows, table("alexnet", (3, 227, 211)).rows):
        values = tuple(int(sympy.sympify(x).subs({H: 227, W: 211})) for x in row.output_shape)
        assert values == numeric.output_shape


def test_columns_select_and_order():
    t = table("alexnet", columns="layer,params,output")
    assert t.columns == ("layer", "params", "output")
    assert t.render_terminal().splitlines()[0].split() == ["layer", "params", "output",
                                                           "(HxWxC)"]
    with pytest.raises(ConvArithError, match="'bogus' not known"):
        table("alexnet", columns=["bogus"])
    assert set(table("alexnet", columns=TABLE_COLUMNS).columns) == set(TABLE_COLUMNS)


def test_groups_and_dilation_columns_appear_only_when_used():
    assert "groups" in table("alexnet-paper").columns
    assert "groups" not in table("alexnet").columns
    assert "dilation" not in table("vgg16").columns


def test_chw_order_writes_channels_first():
    assert "96x55x55" in table("alexnet", order="chw").render_terminal()


def test_csv_parses_with_exact_numbers_and_a_totals_row():
    rows = list(csv.DictReader(io.StringIO(table("alexnet").to_csv())))
    assert rows[1]["layer"] == "conv1" and rows[1]["macs"] == "105415200"
    assert rows[-1]["layer"] == "total" and rows[-1]["params"] == "62378344"


def test_json_follows_the_documented_schema():
    data = json.loads(table("alexnet-paper").to_json())
    assert data["schema"] == "convarith.table/1"
    assert data["input_shape"] == [3, 227, 227]
    keys = {"index", "layers", "name", "type", "kernel", "stride", "padding", "dilation",
            "groups", "input_shape", "output_shape", "params", "buffers", "connections", "macs",
            "memory", "rf", "jump", "left", "lost", "note"}
    assert all(set(row) == keys for row in data["rows"])
    from convarith.tables import schema  # the reader of exported tables knows every key

    assert set(schema.ROW_KEYS) == keys and set(schema.TABLE_KEYS) == set(data)
    assert schema.check_table(data, "alexnet-paper.json") is data
    assert data["rows"][1]["output_shape"] == [96, 55, 55]
    assert data["totals"]["params"] == 60965224
    assert any("224 vs 227" in note for note in data["footnotes"])
    symbolic = json.loads(table("alexnet", symbolic=True).to_json())
    assert symbolic["rows"][1]["output_shape"] == [96, "floor((H - 7)/4) + 1",
                                                   "floor((W - 7)/4) + 1"]


def test_latex_is_a_booktabs_tabular_with_escaped_text():
    text = table("alexnet").to_latex()
    assert r"\begin{tabular}{" in text and r"\toprule" in text and r"\bottomrule" in text
    assert r"55$\times$55$\times$96" in text
    assert r"\# & layer" in text
    assert "_" not in text.replace(r"\_", "")


def test_markdown_and_html_for_notebooks():
    t = table("lenet5")
    assert t._repr_markdown_() == t.to_markdown()
    html = t._repr_html_()
    assert html.startswith("<table>") and "<td style=\"text-align:left\">C3</td>" in html
    assert re.match(r"\|-+:\|:-+\|", t.to_markdown().splitlines()[1])  # numbers right


def test_memory_follows_dtype_and_batch():
    base = table("alexnet").rows[1].memory
    assert table("alexnet", dtype="float16", batch=4).rows[1].memory == base * 2


def test_layer_kinds_of_issue_seven_in_tables():
    from convarith.specs.layers import BatchNorm, Conv, GlobalAvgPool, Linear, SpatialDropout
    from convarith.specs.network import Network

    net = Network("gap", (3, 32, 32), (Conv(16, 3, padding=1), BatchNorm(), SpatialDropout(0.2),
                                       GlobalAvgPool(), Linear(10)))
    t = table(net, columns=TABLE_COLUMNS)
    rows = {r.type: r for r in t.rows}
    bn = rows["batch norm + spatial dropout 0.2"]
    assert (bn.params, bn.buffers) == (32, 33)
    assert rows["global avg-pool"].output_shape == (16,)
    assert t.totals["params"] == 448 + 32 + 170 and t.totals["buffers"] == 33


def test_convarith_table_module_is_also_the_function():
    import convarith
    import convarith.table as module

    assert module("lenet5").totals["params"] == 60000
    assert convarith.table("alexnet", (3, 227, 227)).rows[1].output_shape == \
        (96, 56, 56)


def test_no_totals_row_without_a_count_column():
    t = table("alexnet", columns="layer,output")
    assert not t.has_totals
    assert "total" not in t.render_terminal() and "total" not in t.to_csv()
    assert table("alexnet", columns="layer,params").to_csv().splitlines()[-1] == \
        "total,62378344"


def test_shape_layout_follows_the_input_dimensions():
    from convarith.specs.layers import Conv, Flatten, Linear
    from convarith.specs.network import Network

    net1d = Network("1d", (2, 50), (Conv(4, 5, stride=2), Flatten(), Linear(3)))
    t = table(net1d)
    assert t.layout() == "LxC" and t.rows[1].output_shape == (4, 23)
    assert "23x4" in t.render_terminal()
    assert table(net1d, order="chw").layout() == "CxL"
    net3d = Network("3d", (1, 8, 16, 16), (Conv(2, 3),))
    assert table(net3d).layout() == "DxHxWxC"
    assert "6x14x14x2" in table(net3d).render_terminal()

