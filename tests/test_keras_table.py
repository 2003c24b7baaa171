"""Shape tables of Keras models (Keras 3 on the torch backend): every row's shape and
parameter count is Keras' own, and a network of specs written in Keras' convention gives
Keras' shapes."""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: Keras 3 on the pinned torch

import keras  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import convarith  # noqa: E402
from convarith.bridges.keras import channels_first  # noqa: E402
from convarith.cli import main  # noqa: E402
from convarith.errors import ConvArithError  # noqa: E402
from convarith.specs.layers import AvgPool, Conv, Flatten, Linear, MaxPool, ReLU  # noqa: E402
from convarith.specs.network import Network  # noqa: E402

L = keras.layers

MODEL_FILE = '''
import keras

L = keras.layers
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    L.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="conv1"),
    L.MaxPooling2D(2, padding="same", name="pool1"),
    L.Flatten(name="flatten"),
    L.Dense(10, name="logits"),
], name="tiny")
'''


def mixed_model() -> keras.Model:
    """Every kind the bridge maps, with odd sizes so that "same" pads unequally."""
    return keras.Sequential([
        keras.Input((29, 31, 3)),
        L.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
        L.Conv2D(8, (2, 3), strides=(1, 2), padding="valid", use_bias=False),
        L.BatchNormalization(),
        L.MaxPooling2D(3, strides=2, padding="same"),
        L.Conv2DTranspose(4, 3, strides=2, padding="same"),
        L.AveragePooling2D(2, padding="valid"),
        L.Conv2D(6, 3, dilation_rate=2, padding="same"),
        L.LayerNormalization(),  # no spec: Keras' own shape and count
        L.Dropout(0.25),
        L.Flatten(),
        L.Dense(12, activation="tanh"),
        L.Dense(3),
    ], name="mixed")


def test_every_row_has_keras_shape_and_parameters():
    model = mixed_model()
    table = convarith.table(model, fold=False)  # one row per record: Dropout has its own
    rows = {row.name: row for row in table.rows[1:]}
    for layer in model.layers:
        row = rows[layer.name]
        assert row.output_shape == channels_first(tuple(layer.output.shape)[1:]), layer.name
        trainable = sum(int(torch.tensor(w.shape).prod()) for w in layer.trainable_weights)
        assert row.params == trainable, layer.name
    assert table.totals["params"] == sum(
        int(torch.tensor(w.shape).prod()) for w in model.trainable_weights)
    assert table.totals["buffers"] == 2 * 8  # batch norm's moving mean and variance


def test_keras_padding_shows_where_keras_pads():
    table = convarith.table(mixed_model())
    first = table.rows[1]
    # 29 and 31 at stride 2 with k=3: 2 cells each, one on each side
    assert (first.type, first.padding, first.output_shape) == ("conv + relu", "1", (8, 15, 16))
    pool = next(row for row in table.rows if row.type == "max-pool")
    assert pool.padding == "0:1x1"  # 14x7 with k=3, s=2: (0, 1) and (1, 1)


def test_a_keras_table_is_channels_last_and_says_so():
    table = convarith.table(mixed_model())
    assert "input 29x31x3 (H x W x C)" in table.caption()
    assert table.header("output") == "output (HxWxC)"
    with pytest.raises(ConvArithError, match="no formula for its LayerNormalization"):
        convarith.table(mixed_model(), (57, 61, 3))  # H x W x C, as Keras writes it
    small = keras.Sequential([keras.Input((29, 31, 3)), L.Conv2D(4, 3, strides=2,
                                                                 padding="same")])
    moved = convarith.table(small, (57, 61, 3))
    assert moved.input_shape == (3, 57, 61) and moved.rows[-1].output_shape == (4, 29, 31)


def test_a_network_of_specs_in_keras_convention_gives_keras_shapes():
    net = Network("keras-style", (3, 33, 33), (
        Conv(16, 5, stride=2, padding="same", convention="keras"), ReLU(),
        MaxPool(3, stride=2, padding="same", convention="keras"),
        Conv(32, 3, stride=2, padding="valid", convention="keras"),
        AvgPool(2, padding="same", convention="keras"), Flatten(), Linear(10),
    ))
    model = keras.Sequential([
        keras.Input((33, 33, 3)), L.Conv2D(16, 5, strides=2, padding="same"), L.ReLU(),
        L.MaxPooling2D(3, strides=2, padding="same"), L.Conv2D(32, 3, strides=2),
        L.AveragePooling2D(2, padding="same"), L.Flatten(), L.Dense(10),
    ])
    assert net.shapes() == [channels_first(tuple(layer.output.shape)[1:])
                            for layer in model.layers]
    assert net.params() == model.count_params()
    with torch.no_grad():  # the torch modules the specs build give the same shapes
        out = net.to_torch()(torch.zeros(1, 3, 33, 33))
    assert tuple(out.shape) == (1, 10)


def test_convarith_table_reads_a_keras_model_file(tmp_path, monkeypatch):
    path = tmp_path / "tiny_keras.py"
    path.write_text(MODEL_FILE)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["table", "tiny_keras.py:model",
                                       "--columns", "layer,type,padding,output,params"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[3].split() == ["conv1", "conv", "+", "relu", "0:1", "14x14x8", "80"]
    assert lines[4].split() == ["pool1", "max-pool", "0", "7x7x8"]
    assert "tiny_keras.py:model, input 28x28x1 (H x W x C)." in result.output
    bigger = CliRunner().invoke(main, ["table", "tiny_keras.py:model", "--input", "56x56x1",
                                       "--columns", "layer,output,params"])
    assert bigger.exit_code == 0, bigger.output
    logits = next(line for line in bigger.output.splitlines() if line.startswith("logits"))
    assert logits.split() == ["logits", "10", "15,690"]  # 14x14x8 flattened, 10 units
    checked = CliRunner().invoke(main, ["table", "tiny_keras.py:model", "--verify",
                                        "--columns", "layer"])
    assert checked.exit_code == 0, checked.output
    assert checked.output.endswith("Verified against Keras: all 4 layers agree in output "
                                   "shape and parameters.\n")


def test_verify_names_a_layer_convarith_reads_wrongly(monkeypatch):
    from convarith.bridges import keras as bridge

    model = mixed_model()
    assert bridge.keras_mismatches(model) == []
    real = bridge._specs

    def wrong(layer):  # as if the bridge forgot Keras' "same" on the first convolution
        found = real(layer)
        if layer is model.layers[0]:
            found = [Conv(8, 3, stride=2, padding=0, name=layer.name), *found[1:]]
        return found

    monkeypatch.setattr(bridge, "_specs", wrong)
    first = model.layers[0].name
    problems = bridge.keras_mismatches(model)  # the first is the culprit; later shapes follow
    assert problems[0] == f"{first} (Conv2D): convarith gives (8, 14, 15), Keras (8, 15, 16) " \
                          "(C first)"


def test_causal_conv1d_pads_the_left_only():
    model = keras.Sequential([keras.Input((20, 2)),
                              L.Conv1D(4, 3, dilation_rate=2, padding="causal", name="causal"),
                              L.Conv1D(4, 5, strides=3, padding="same", name="same")])
    table = convarith.table(model)
    assert [row.output_shape for row in table.rows[1:]] == [
        channels_first(tuple(layer.output.shape)[1:]) for layer in model.layers]
    assert [row.padding for row in table.rows[1:]] == ["4:0", "1:2"]
    assert table.layout() == "LxC"


def test_a_branching_keras_model_is_refused_in_one_line():
    inputs = keras.Input((8, 8, 1))
    a = L.Conv2D(2, 3, padding="same", name="a")(inputs)
    b = L.Conv2D(2, 1, name="b")(inputs)
    model = keras.Model(inputs, L.Add(name="add")([a, b]))
    with pytest.raises(ConvArithError, match="the model branches"):
        convarith.table(model)
