"""``--engine numpy``: the scratch layers train lenet5-modern, with torch's gradients."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner

from convarith import zoo
from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.train.data import load, select
from convarith.train.loop import TrainConfig
from convarith.train.numpy_engine import NumpyNetwork, Optimizer, train_numpy


@pytest.fixture(scope="module")
def batch():
    data = load("digits", size=32)
    return data.x_train[:16].astype(np.float64), data.y_train[:16]


def test_first_step_gradients_equal_torchs(batch):
    x, y = batch
    torch.manual_seed(0)
    module = zoo.get("lenet5-modern").to_torch().double()
    ours = NumpyNetwork(module)
    loss, _, grads = ours.loss_and_gradients(x, y)
    theirs = F.cross_entropy(module(torch.from_numpy(x)), torch.from_numpy(y))
    theirs.backward()
    assert loss == pytest.approx(theirs.item(), rel=1e-12)
    named = dict(module.named_parameters())
    assert set(grads) == set(named)
    for name, parameter in named.items():
        np.testing.assert_allclose(grads[name], parameter.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_one_optimizer_step_equals_torchs(batch, optimizer):
    x, y = batch
    torch.manual_seed(1)
    module = zoo.get("lenet5-modern").to_torch().double()
    ours = NumpyNetwork(module)
    config = TrainConfig(optimizer=optimizer, lr=0.01, weight_decay=1e-3)
    step = Optimizer(ours.params, config)
    reference = (torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3)
                 if optimizer == "sgd" else
                 torch.optim.Adam(module.parameters(), lr=0.01, weight_decay=1e-3))
    for _ in range(2):
        step.step(ours.params, ours.loss_and_gradients(x, y)[2])
        reference.zero_grad()
        F.cross_entropy(module(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        reference.step()
    for name, parameter in module.named_parameters():
        np.testing.assert_allclose(ours.params[name], parameter.detach().numpy(), rtol=1e-7,
                                   atol=1e-10, err_msg=name)


def test_a_short_numpy_run_lowers_the_loss():
    data = select(load("digits", size=32), per_class=10)
    torch.manual_seed(0)
    network = NumpyNetwork(zoo.get("lenet5-modern").to_torch())
    history = train_numpy(network, data, TrainConfig(epochs=3, lr=1e-3, batch_size=16))
    losses = [row["train_loss"] for row in history]
    assert losses[-1] < losses[0] and history[-1]["test_accuracy"] > 0.3


def test_layers_without_a_scratch_version_are_refused():
    with pytest.raises(ConvArithError, match=r"Error running features.1 \(ScaledTanh\) with the numpy engine"):
        NumpyNetwork(zoo.get("lenet5").to_torch())


def test_cli_numpy_engine_writes_metrics_and_curves(tmp_path):
    out = tmp_path / "numpy"
    result = CliRunner().invoke(main, ["train", "lenet5-modern", "--engine", "numpy", "--epochs",
                                       "1", "--per-class", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "numpy engine" in result.output and "numpy epoch 1/1" in result.output
    assert result.output.strip().endswith(f"learning curves to {out}/")
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["meta"]["engine"] == "numpy" and summary["train_images"] == 50
    assert (out / "learning_curves.png").exists() and (out / "weights.npz").exists()
