"""Tracing any torch.nn.Module: leaf rows on the meta device, residual blocks, loading."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
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
        ("block1.relu", (8, 32, 32), 0, 0),       # after the addition: the same module again
        ("block2.conv1", (16, 16, 16), 8 * 16 * 9, 0),
        ("block2.bn1", (16, 16, 16), 32, 33),
        ("block2.relu", (16, 16, 16), 0, 0),
        ("block2.conv2", (16, 16, 16), 16 * 16 * 9, 0),
        ("block2.bn2", (16, 16, 16), 32, 33),
        ("block2.shortcut", (16, 16, 16), 8 * 16, 0),
        ("block2.relu", (16, 16, 16), 0, 0),
        ("pool", (16, 1, 1), 0, 0),
        ("fc", (10,), 16 * 10 + 10, 0),
    ]
    assert t.totals["params"] == sum(p.numel() for p in TinyResNet().parameters())
    rows = {r.name: r for r in t.rows}
    # the receptive field follows the chain until the first branch (the second relu's
    # input is y + x), then stops
    assert rows["block1.conv2"].rf == (7, 7) and rows["stem"].rf == (3, 3)
    assert rows["block2.conv1"].rf is None
    # a 1x1 stride-2 shortcut on 32 never reads the last row and column
    assert "last 1 row and last 1 column" in rows["block2.shortcut"].note


def test_trace_checks_known_leaves_against_their_specs():
    traced = trace(TinyResNet(), (3, 32, 32))
    assert traced.mismatches == []
    assert not traced.chain


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
    with pytest.raises(ConvArithError, match=r"has no 'Nett'. Modules there: Net, instance"):
        load(f"{path}:Nett")
    with pytest.raises(ConvArithError, match="the file nowhere.py does not exist"):
        load("nowhere.py:Net")
    with pytest.raises(ConvArithError, match="cannot import no_such_package"):
        load("no_such_package.models:Net")
    with pytest.raises(ConvArithError, match="no input shape"):
        table(f"{path}:Net")
    with pytest.raises(ConvArithError, match=r"input=32 does not give the channels"):
        table(f"{path}:Net", 32)
    with pytest.raises(ConvArithError, match=r"Error tracing Net with input 3x8x8"):
        table(f"{path}:Net", (3, 8, 8))


def test_cli_traces_a_file_and_verifies(tmp_path):
    path = write_model_file(tmp_path)
    result = CliRunner().invoke(main, ["table", f"{path}:Net", "--input", "3x32x32", "--verify"])
    assert result.exit_code == 0, result.output
    assert "14x14x6" in result.output
    assert "Verified against torch" in result.output


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
        with pytest.raises(ConvArithError, match="cannot import torchvision"):
            load("torchvision:resnet18")
        return
    t = table("torchvision.models:resnet18", (3, 224, 224))
    assert t.totals["params"] == 11689512
