"""Tracing any torch.nn.Module: rows on the meta device, residual blocks, loading, and each
case the operator-level tracer must get right (one test per case of issue 12)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from torch import nn

from convarith import zoo
from convarith.bridges.trace import load, spec_of, trace
from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.tables.table import table, verify


class Residual(nn.Module):
    """A basic residual block: two 3x3 convolutions and a shortcut (1x1 when it strides)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Conv2d(c_in, c_out, 1, stride, bias=False) if stride > 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class TinyResNet(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block1 = Residual(8, 8)
        self.block2 = Residual(8, 16, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block2(self.block1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def test_residual_network_traced_matches_the_hand_written_table():
    t = table(TinyResNet(), (3, 32, 32), fold=False)
    got = [(r.name, r.output_shape, r.params, r.buffers) for r in t.rows[1:]]
    assert got == [
        ("stem", (8, 32, 32), 3 * 8 * 9 + 8, 0),
        ("block1.conv1", (8, 32, 32), 8 * 8 * 9, 0),
        ("block1.bn1", (8, 32, 32), 16, 17),
        ("block1.relu", (8, 32, 32), 0, 0),
        ("block1.conv2", (8, 32, 32), 8 * 8 * 9, 0),
        ("block1.bn2", (8, 32, 32), 16, 17),
        ("block1.add", (8, 32, 32), 0, 0),        # y + x: a row of its own
        ("block1.relu", (8, 32, 32), 0, 0),       # after the addition: the same module again
        ("block2.conv1", (16, 16, 16), 8 * 16 * 9, 0),
        ("block2.bn1", (16, 16, 16), 32, 33),
        ("block2.relu", (16, 16, 16), 0, 0),
        ("block2.conv2", (16, 16, 16), 16 * 16 * 9, 0),
        ("block2.bn2", (16, 16, 16), 32, 33),
        ("block2.shortcut", (16, 16, 16), 8 * 16, 0),
        ("block2.add", (16, 16, 16), 0, 0),
        ("block2.relu", (16, 16, 16), 0, 0),
        ("pool", (16, 1, 1), 0, 0),
        ("flatten", (16,), 0, 0),                 # torch.flatten in forward()
        ("fc", (10,), 16 * 10 + 10, 0),
    ]
    assert t.totals["params"] == sum(p.numel() for p in TinyResNet().parameters())
    rows = {r.name: r for r in t.rows}
    # the receptive field goes through the branches: the addition is the union of the
    # 3x3-3x3 path (7) and the shortcut (3), and block2 builds on it
    assert rows["block1.conv2"].rf == (7, 7) and rows["stem"].rf == (3, 3)
    assert rows["block1.add"].rf == (7, 7)
    assert rows["block2.conv1"].rf == (9, 9) and rows["block2.add"].rf == (9 + 2 * 2,) * 2
    assert rows["block2.add"].jump == (2, 2)
    # a 1x1 stride-2 shortcut on 32 never reads the last row and column
    assert "last 1 row and last 1 column" in rows["block2.shortcut"].note


def test_trace_checks_known_leaves_against_their_specs():
    traced = trace(TinyResNet(), (3, 32, 32))
    assert traced.mismatches == []


def test_trace_uses_no_real_memory_and_leaves_the_model_untouched():
    model = TinyResNet()
    before = model.stem.weight.detach().clone()
    trace(model, (3, 2048, 2048))
    assert model.stem.weight.device.type == "cpu"
    assert torch.equal(model.stem.weight, before)


def test_every_zoo_model_traced_agrees_with_its_own_spec_table():
    for name in zoo.names():
        net = zoo.get(name)
        with torch.device("meta"):
            model = net.to_torch()
        traced = table(model, net.input_shape, fold=False)
        spec = table(net, fold=False)
        assert [r.output_shape for r in traced.rows] == [r.output_shape for r in spec.rows]
        assert [r.params for r in traced.rows] == [r.params for r in spec.rows]
        assert [r.macs for r in traced.rows] == [r.macs for r in spec.rows]
        assert [r.rf for r in traced.rows] == [r.rf for r in spec.rows], name
        assert trace(model, net.input_shape).mismatches == []


def test_spec_of_knows_the_common_torch_layers():
    assert spec_of(nn.Conv2d(3, 8, (2, 3), stride=(1, 2), padding=1)).kernel_size == (2, 3)
    assert spec_of(nn.Dropout2d(0.3)).kind == "spatial dropout"
    assert spec_of(nn.GELU()) is None


def test_unknown_leaves_still_get_shapes_and_parameters():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.GELU(), nn.PixelShuffle(2))
    t = table(model, (1, 10, 10), fold=False)
    assert [(r.type, r.output_shape) for r in t.rows[1:]] == [
        ("conv", (4, 8, 8)), ("GELU", (4, 8, 8)), ("PixelShuffle", (1, 16, 16))]
    assert t.rows[3].rf is None  # a layer convarith does not know ends the receptive field


def write_model_file(tmp_path):
    path = tmp_path / "mynet.py"
    path.write_text(textwrap.dedent("""
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
                self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(6 * 14 * 14, num_classes))

            def forward(self, x):
                return self.classifier(self.features(x))

        def make(width=4):
            return nn.Sequential(nn.Conv2d(1, width, 3), nn.ReLU())

        instance = make(2)
    """))
    return path


def test_load_file_class_factory_and_instance(tmp_path):
    path = write_model_file(tmp_path)
    assert table(f"{path}:Net", (3, 32, 32)).rows[-1].output_shape == (10,)
    assert table(f"{path}:Net", (3, 32, 32), num_classes=4).rows[-1].output_shape == (4,)
    assert table(f"{path}:make", (1, 8, 8), width=7).rows[1].output_shape == (7, 6, 6)
    assert table(f"{path}:instance", (1, 8, 8)).rows[1].output_shape == (2, 6, 6)
    with torch.device("cpu"):
        assert next(load(f"{path}:Net").parameters()).device.type == "meta"


def test_load_package_module_factory():
    t = table("torch.nn:Identity", (3, 4, 4))
    assert [r.output_shape for r in t.rows] == [(3, 4, 4), (3, 4, 4)]


def test_load_errors_say_what_to_fix(tmp_path):
    path = write_model_file(tmp_path)
    with pytest.raises(ConvArithError, match=r"mynet\.py has no Nett\. Defined there: Net, make\."):
        load(f"{path}:Nett")
    with pytest.raises(ConvArithError, match="the file nowhere.py does not exist"):
        load("nowhere.py:Net")
    with pytest.raises(ConvArithError, match="there is no module no_such_package.models in the "
                                             "current folder or installed"):
        load("no_such_package.models:Net")
    with pytest.raises(ConvArithError, match="no input shape"):
        table(f"{path}:Net")
    with pytest.raises(ConvArithError, match=r"Error tracing Net with input 32: RuntimeError: Expected 3D"):
        table(f"{path}:Net", 32)
    with pytest.raises(ConvArithError, match=r"Error tracing Net with input 3x8x8"):
        table(f"{path}:Net", (3, 8, 8))


def test_cli_traces_a_file_and_verifies(tmp_path):
    path = write_model_file(tmp_path)
    result = CliRunner().invoke(main, ["table", f"{path}:Net", "--input", "3x32x32", "--verify"])
    assert result.exit_code == 0, result.output
    assert "14x14x6" in result.output
    assert "Verified against a real forward on CPU and model.parameters(): all 5 rows agree " \
           "in output shape, 12,226 parameters." in result.output


def test_verify_reports_a_spec_that_disagrees_with_torch(monkeypatch):
    from convarith.specs import layers

    original = layers.MaxPool.output_shape

    def off_by_one(self, shape):
        c, h, w = original(self, shape)
        return (c, h + 1, w)

    monkeypatch.setattr(layers.MaxPool, "output_shape", off_by_one)
    problems = verify(nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)), (1, 9, 9))
    assert problems == ["1: torch gives 2x3x3, convarith 2x4x3"]
    problems = verify("alexnet")
    assert problems[0].startswith("layer 3 (pool1): torch gives 96x27x27, the spec 96x28x27")
    result = CliRunner().invoke(main, ["table", "alexnet", "--verify"])
    assert result.exit_code == 1
    assert "Mismatch: layer 3 (pool1): torch gives 96x27x27, the spec 96x28x27" in result.output


def test_torchvision_models_when_installed():
    code = "import torchvision"
    if subprocess.run([sys.executable, "-c", code], capture_output=True).returncode != 0:
        with pytest.raises(ConvArithError, match="there is no module torchvision.models in the "
                                                 "current folder or installed"):
            load("torchvision:resnet18")
        return
    t = table("torchvision.models:resnet18", (3, 224, 224))
    assert t.totals["params"] == 11689512


# --------------------------------------------------------------------------- issue 12 cases

import models_zoo as Z  # noqa: E402


def rows_of(model, input, **options):
    return {r.name: r for r in table(model, input, **options).rows}


def test_a_module_called_six_times_counts_its_parameters_once():
    t = table(Z.ReusedInALoop(), (3, 16, 16))
    conv_rows = [r for r in t.rows if r.name == "conv"]
    assert [r.calls for r in conv_rows] == [f"{n}/6" for n in range(1, 7)]
    assert [r.params for r in conv_rows] == [36_928, 0, 0, 0, 0, 0]
    assert t.totals["params"] == 64 * 3 + 64 + 36_928
    assert "calls" in t.columns and "1/6" in t.render_terminal()


def test_tied_weights_count_once_and_integer_inputs_trace():
    model = Z.TiedWeights()
    rows = rows_of(model, "12:int64")
    assert rows["input"].output_shape == (12,)
    assert rows["embed"].params == 100 * 32 and rows["head"].params == 100  # bias only
    assert rows["head"].output_shape == (12, 100)
    assert sum(r.params for r in rows.values() if r.index) == \
        sum(p.numel() for p in model.parameters())


def test_parameters_of_non_leaf_modules_parameter_lists_and_the_model_itself_count():
    model = Z.OwnParameters()
    t = table(model, (3, 8, 8))
    assert t.totals["params"] == sum(p.numel() for p in model.parameters()) == 656
    rows = {r.name: r for r in t.rows}
    assert rows["block.conv"].params == 448 + 16  # the block's own scale joins its conv row
    assert rows["matmul"].params == 160 and rows["matmul"].macs == 160


def test_frozen_parameters_are_counted_apart_and_never_a_verify_mismatch():
    model = Z.frozen_backbone()
    t = table(model, (3, 8, 8))
    assert t.totals["params"] == sum(p.numel() for p in model.parameters())
    assert t.totals["frozen"] == 224 + 16
    assert "frozen" in t.columns
    assert verify(model, (3, 8, 8)) == []


def test_feature_vectors_need_no_channels():
    t = table(Z.LinearOnly(), (10,))
    assert [r.output_shape for r in t.rows] == [(10,), (32,), (3,)]
    assert t.rows[1].macs == 320 and t.rows[-1].rf is None


def test_two_inputs_and_keyword_inputs():
    t = table(Z.Siamese(), [(1, 16, 16), (1, 16, 16)])
    assert [r.name for r in t.rows[:2]] == ["input 1", "input 2"]
    assert [r.calls for r in t.rows if r.name == "fc"] == ["1/2", "2/2"]
    assert "inputs 1x16x16 (C x H x W), 1x16x16 (C x H x W)" in t.caption()
    t = table(Z.KeywordInput(), {"image": (3, 8, 8), "mask": (4, 8, 8)})
    assert [r.name for r in t.rows[:2]] == ["image", "mask"]
    assert t.rows[-1].type == "mul" and t.rows[-1].output_shape == (4, 8, 8)
    example = torch.zeros(2, 3, 8, 8)
    assert table(Z.KeywordInput(), {"image": example, "mask": "4x8x8"}).rows[0].output_shape \
        == (3, 8, 8)


def test_torchscript_is_refused_on_meta_in_one_line_and_traced_on_cpu():
    scripted = torch.jit.script(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()))
    with pytest.raises(ConvArithError, match=r"TorchScript module.*--device cpu"):
        table(scripted, (3, 8, 8))
    t = table(scripted, (3, 8, 8), device="cpu")
    assert [r.type for r in t.rows[1:]] == ["conv + relu"]
    assert t.totals["params"] == 112


def test_pruned_and_lazy_modules():
    model = Z.pruned()
    rows = rows_of(model, (3, 10, 10))
    assert rows["0"].params == 8 * 27 + 8 and rows["0"].buffers == 8 * 27  # orig + mask
    assert rows["0"].macs == 8 * 27 * 64
    lazy = Z.lazy()
    rows = rows_of(lazy, (3, 8, 8))
    assert rows["3"].params == 8 * 36 * 5 + 5 and rows["3"].output_shape == (5,)
    assert isinstance(lazy[0].weight, nn.parameter.UninitializedParameter)  # left lazy


def test_data_dependent_code_is_named_and_cpu_is_offered():
    with pytest.raises(ConvArithError, match=r"reads tensor values or moves tensors.*"
                                             r"--device cpu"):
        table(Z.ReadsValues(), (4,))
    assert table(Z.ReadsValues(), (4,), device="cpu").rows[-1].output_shape == (4,)

    class Gaussian(nn.Module):
        def forward(self, x):
            return torch.distributions.Normal(x, x.abs() + 1)

    with pytest.raises(ConvArithError, match="--device cpu"):
        table(Gaussian(), (3,))


def test_functional_operations_have_rows():
    rows = rows_of(Z.FunctionalPooling(), (3, 32, 32))
    assert [(r.type, r.kernel, r.output_shape) for r in list(rows.values())[2:]] == [
        ("max-pool", "2", (8, 15, 15)), ("conv", "3", (8, 11, 11)),
        ("avg-pool", "3", (8, 6, 6)), ("interpolate", "", (8, 12, 12))]
    assert rows["conv1"].type == "conv + relu"  # F.relu folds into the row before
    rows = rows_of(Z.InceptionStyle(), (3, 12, 12))
    assert rows["concat"].output_shape == (15, 12, 12) and rows["concat"].rf == (5, 5)


def test_in_place_addition_is_a_branch_and_its_relu_follows_it():
    rows = rows_of(Z.resnet18(), (3, 64, 64))
    assert rows["layer1.0.bn2"].type == "batch norm"
    assert rows["layer1.0.add"].type == "add + relu"
    assert rows["layer1.0.add"].rf == (27, 27)


def test_depth_folds_modules_into_their_parents():
    t = table(Z.resnet18(), (3, 64, 64), depth=1)
    assert [r.name for r in t.rows] == ["input", "conv1", "bn1", "maxpool", "layer1",
                                        "layer2", "layer3", "layer4", "avgpool", "flatten",
                                        "fc"]
    assert t.totals["params"] == 11_689_512
    assert {r.name: r for r in t.rows}["layer4"].rf == (435, 435)


def test_cli_repeatable_inputs_dtype_depth_mode_and_device(tmp_path):
    path = tmp_path / "zoo.py"
    here = str(Path(__file__).parent)
    path.write_text(f"import sys\nsys.path.insert(0, {here!r})\nfrom models_zoo import *\n")
    run = CliRunner().invoke
    result = run(main, ["table", f"{path}:Siamese", "--input", "1x16x16", "--input",
                        "1x16x16", "--columns", "layer,calls,output,params"])
    assert result.exit_code == 0, result.output
    assert "input 2" in result.output and "2/2" in result.output
    result = run(main, ["table", f"{path}:TiedWeights", "--input", "12:int64"])
    assert result.exit_code == 0 and "12x100" in result.output
    result = run(main, ["table", f"{path}:TrainOnlyHead", "--input", "3x8x8", "--depth", "1",
                        "--verify"])
    assert result.exit_code == 0, result.output
    assert re.search(r"aux\s+Sequential.*not run", result.output)
    result = run(main, ["table", f"{path}:TrainOnlyHead", "--input", "3x8x8", "--mode", "train",
                        "--depth", "1", "--verify"])
    assert result.exit_code == 0, result.output
    assert re.search(r"aux\s+Sequential\s+4\s+212", result.output), result.output
    assert "not run" not in result.output
    result = run(main, ["table", f"{path}:ReadsValues", "--input", "4"])
    assert result.exit_code == 2 and result.output.startswith("Error: tracing ReadsValues")
    assert len(result.output.strip().splitlines()) == 1
    result = run(main, ["table", f"{path}:ReadsValues", "--input", "4", "--device", "cpu"])
    assert result.exit_code == 0
    result = run(main, ["table", f"{path}:LinearOnly", "--input", "10:float99"])
    assert result.exit_code == 2 and "dtype 'float99' is not known" in result.output


def test_merging_paths_whose_centres_disagree_is_said():
    class Skewed(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(1, 1, 3, padding=1)
            self.b = nn.Conv2d(1, 1, 2)

        def forward(self, x):
            return self.a(x) + self.b(F.pad(x, (1, 0, 1, 0)))  # a 2x2 window, left-padded

    rows = rows_of(Skewed(), (1, 8, 8))
    assert rows["add"].rf == (3, 3)
    assert rows["add"].note == "paths not centred alike: centres differ by 0.5 px"
    assert rows_of(Z.InceptionStyle(), (3, 12, 12))["concat"].note == ""


def test_json_of_a_traced_table_lists_every_input_and_the_new_columns():
    import json

    data = json.loads(table(Z.Siamese(), ["1x16x16", "1x16x16"]).to_json())
    assert data["inputs"] == [{"name": "input 1", "shape": [1, 16, 16], "dtype": "float32"},
                              {"name": "input 2", "shape": [1, 16, 16], "dtype": "float32"}]
    fc = [row for row in data["rows"] if row["name"] == "fc"]
    assert [(row["calls"], row["params"], row["frozen"]) for row in fc] == \
        [("1/2", 6288, 0), ("2/2", 0, 0)]
    assert data["totals"]["frozen"] == 0
