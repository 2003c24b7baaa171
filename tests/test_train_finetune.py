"""Transfer learning: the digits 0-4 -> 5-9 demonstration, frozen layers stay frozen."""

from __future__ import annotations

import json

import torch

from convarith.train.finetune_demo import demo
from convarith.train.loop import TrainConfig


def test_finetune_demo_runs_and_keeps_the_frozen_features(tmp_path, skip_run_plots):
    figure = demo(tmp_path, config=TrainConfig(epochs=2, lr=1e-3, seed=0))
    # the comparison figure is drawn; each of the three runs' own plots only noted
    assert skip_run_plots == [tmp_path / run for run in ("pretrain", "finetune", "scratch")]
    assert figure == tmp_path / "finetune.png" and figure.stat().st_size > 10_000
    pretrained = torch.load(tmp_path / "pretrain" / "best.pt", weights_only=False)["model"]
    tuned = torch.load(tmp_path / "finetune" / "last.pt", weights_only=False)["model"]
    features = [name for name in pretrained if name.startswith("features")]
    assert features and all(torch.equal(pretrained[n], tuned[n]) for n in features)
    assert not torch.equal(pretrained["classifier.1.weight"], tuned["classifier.1.weight"])
    for run in ("finetune", "scratch"):
        summary = json.loads((tmp_path / run / "metrics.json").read_text())
        assert summary["train_images"] == 100  # 20 images of each of 5 classes
        assert summary["classes"] == ["5", "6", "7", "8", "9"]
    meta = json.loads((tmp_path / "finetune" / "metrics.json").read_text())["meta"]
    assert meta["freeze"] == ["features"] and meta["reset"] == ["classifier"]


def test_output_layer_starts_at_zero_and_reset_parts_are_fresh(tmp_path):
    from convarith import zoo
    from convarith.train.data import load, select
    from convarith.train.finetune import start_from
    from convarith.train.loop import seed, train

    data = select(load("digits", size=32), per_class=5)
    seed(0)
    trained = zoo.get("lenet5-modern").to_torch()
    train(trained, data, TrainConfig(epochs=1), out=tmp_path, show_progress=False)
    seed(1)
    model = zoo.get("lenet5-modern").to_torch()
    fresh = {k: v.clone() for k, v in model.state_dict().items()}
    notes = start_from(model, tmp_path, freeze=("features",))
    best = torch.load(tmp_path / "best.pt", weights_only=False)["model"]
    assert torch.equal(model.state_dict()["classifier.1.weight"], best["classifier.1.weight"])
    assert not model.classifier[5].weight.any() and not model.classifier[5].bias.any()
    assert "output layer set to zero" in notes[0] and "frozen: features" in notes[1]
    seed(1)
    model = zoo.get("lenet5-modern").to_torch()
    start_from(model, tmp_path, reset=("classifier",))
    assert torch.equal(model.state_dict()["classifier.1.weight"], fresh["classifier.1.weight"])
    assert torch.equal(model.state_dict()["classifier.5.weight"], fresh["classifier.5.weight"])
    assert torch.equal(model.state_dict()["features.0.weight"], best["features.0.weight"])
