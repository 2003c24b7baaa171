"""The model zoo: the papers' and the course notes' numbers, and every model against torch."""

from __future__ import annotations

import pytest
import torch

from convarith import zoo
from convarith.errors import ConvArithError
from convarith.specs.layers import Conv, Linear, MaxPool, PartialConv, RBFOutput, Subsampling


def rows_by_name(net):
    return {layer.name: (layer, i, o) for layer, (i, o) in zip(net.layers, net.flow())
            if layer.name}


@pytest.mark.parametrize("name, shape, params, connections", [
    ("C1", (6, 28, 28), 156, 122304),
    ("S2", (6, 14, 14), 12, 5880),
    ("C3", (16, 10, 10), 1516, 151600),
    ("S4", (16, 5, 5), 32, 2000),
    ("C5", (120, 1, 1), 48120, 48120),
    ("F6", (84,), 10164, 10164),
    ("output", (10,), 0, 840),
])
def test_lenet5_layer_matches_the_paper(name, shape, params, connections):
    layer, i, o = rows_by_name(zoo.get("lenet5"))[name]
    assert (o, layer.params(i), layer.connections(i)) == (shape, params, connections)


def test_lenet5_has_60000_trainable_parameters_and_paper_layers():
    net = zoo.get("lenet5")
    assert net.input_shape == (1, 32, 32)
    assert net.params() == 60000
    named = rows_by_name(net)
    assert isinstance(named["C3"][0], PartialConv)
    assert isinstance(named["S2"][0], Subsampling) and isinstance(named["S4"][0], Subsampling)
    assert isinstance(named["output"][0], RBFOutput)


def test_lenet5_modern_has_61706_parameters_for_every_option():
    for activation in ("relu", "tanh", "sigmoid"):
        for pool in ("max", "avg"):
            net = zoo.get("lenet5-modern", activation=activation, kind=pool)
            assert net.params() == 61706
            assert net.shapes()[-1] == (10,)


def test_lenet_pads_28x28_to_the_papers_32x32_field():
    for name in ("lenet5", "lenet5-modern"):
        assert zoo.get(name, input_size=28).shapes() == zoo.get(name).shapes()


def test_alexnet_has_the_course_notes_shapes():
    net = zoo.get("alexnet")
    assert net.input_shape == (3, 224, 224)
    shapes = {layer.name: o for layer, (_, o) in zip(net.layers, net.flow()) if layer.name}
    assert shapes == {
        "conv1": (96, 55, 55), "pool1": (96, 27, 27),
        "conv2": (256, 27, 27), "pool2": (256, 13, 13),
        "conv3": (384, 13, 13), "conv4": (384, 13, 13), "conv5": (256, 13, 13),
        "pool3": (256, 6, 6),
        "fc6": (4096,), "fc7": (4096,), "fc8": (1000,),
    }
    assert (9216,) in net.shapes()
    conv1 = net.layers[0]
    assert (conv1.kernel_size, conv1.stride, conv1.padding) == (11, 4, 2)
    assert sum(1 for layer in net.layers if layer.kind == "dropout") == 2
    assert all(layer.p == 0.5 for layer in net.layers if layer.kind == "dropout")


@pytest.mark.parametrize("name, total", [
    ("alexnet", 62378344),
    ("alexnet-paper", 60965224),       # the paper's two towers, "60 million parameters"
    ("alexnet-torchvision", 61100840),  # torchvision.models.alexnet
    ("vgg16", 138357544),              # torchvision.models.vgg16
])
def test_known_parameter_totals(name, total):
    assert zoo.get(name).params() == total


def test_alexnet_paper_needs_227_and_uses_two_towers():
    net = zoo.get("alexnet-paper")
    assert net.input_shape == (3, 227, 227)
    assert net.shapes()[0] == (96, 55, 55)
    groups = {layer.name: layer.groups for layer in net.layers if isinstance(layer, Conv)}
    assert groups == {"conv1": 1, "conv2": 2, "conv3": 1, "conv4": 2, "conv5": 2}
    assert net.with_input((3, 224, 224)).shapes()[0] == (96, 54, 54)
    footnote = " ".join(net.footnotes)
    assert "54x54" in footnote and "last 1 row" in footnote
    assert "so 0 image pixels are lost" in footnote


def test_zfnet_has_the_papers_map_sizes():
    shapes = [o[1:] for layer, (_, o) in zip(zoo.get("zfnet").layers, zoo.get("zfnet").flow())
              if isinstance(layer, (Conv, MaxPool))]
    assert [s[0] for s in shapes] == [110, 55, 26, 13, 13, 13, 13, 6]


def test_alexnet_small_takes_32x32_colour_or_grey():
    for channels in (1, 3):
        net = zoo.get("alexnet-small", in_channels=channels)
        assert net.input_shape == (channels, 32, 32)
        assert net.shapes()[-1] == (10,)
    assert [o for layer, (_, o) in zip(net.layers, net.flow())
            if isinstance(layer, MaxPool)] == [(48, 15, 15), (128, 7, 7), (128, 3, 3)]


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_model_matches_its_torch_module_row_by_row(name):
    net = zoo.get(name)
    sizes = {"lenet5": [32, 36], "lenet5-modern": [32, 40], "alexnet-small": [32, 48]}
    for size in sizes.get(name, [224, 227, 256]):
        variant = net.with_input((net.input_shape[0], size, size))
        with torch.device("meta"):
            model = variant.to_torch()
            x = torch.empty(2, *variant.input_shape)
            modules = [*model.features, *model.classifier]
            assert len(modules) == len(variant.layers)
            for module, layer, (i, o) in zip(modules, variant.layers, variant.flow()):
                x = module(x)
                assert tuple(x.shape[1:]) == o, (size, layer.label)
                params = sum(p.numel() for p in module.parameters())
                assert params == layer.params(i), (size, layer.label)
        assert tuple(x.shape) == (2, variant.num_classes)


@pytest.mark.parametrize("name", ["lenet5", "lenet5-modern", "alexnet-small"])
def test_small_models_run_for_real_and_give_class_scores(name):
    net = zoo.get(name, in_channels=1, num_classes=7)
    model = net.to_torch().eval()
    scores = model(torch.randn(4, *net.input_shape))
    assert scores.shape == (4, 7) and torch.isfinite(scores).all()
    # transfer learning: the convolution part and the dense part are separate children
    assert isinstance(model.features[0], torch.nn.Conv2d)
    assert all(not isinstance(m, torch.nn.Linear) for m in model.features)


def test_lenet5_to_torch_scores_are_negative_distances():
    model = zoo.get("lenet5").to_torch().eval()
    rbf = model.classifier[-1]
    assert rbf.outputs_distances is False
    features = model.classifier[:-1](model.features(torch.randn(3, 1, 32, 32)))
    assert torch.allclose(model.classifier[-1](features), -rbf.distances(features))
    assert (model(torch.randn(3, 1, 32, 32)) <= 0).all()


def test_models_listing_has_a_line_for_each_name():
    assert list(zoo.MODELS) == zoo.names()
    assert all(zoo.MODELS[name] and "\n" not in zoo.MODELS[name] for name in zoo.names())


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ConvArithError, match=r"Unknown model 'lenet'. Use one of lenet5, "
                                             r"lenet5-modern, alexnet, .*zfnet"):
        zoo.get("lenet")


def test_unknown_option_lists_the_accepted_ones():
    with pytest.raises(ConvArithError, match=r"Error building alexnet: option\(s\) width not "
                                             r"known. Use in_channels, num_classes, input_size"):
        zoo.get("alexnet", width=2)
    with pytest.raises(ConvArithError, match="activation='gelu' is not known"):
        zoo.get("lenet5-modern", activation="gelu")


def test_input_too_small_names_the_layer():
    with pytest.raises(ConvArithError, match=r"Error at layer 13 \(pool3\) of alexnet with "
                                             r"input 3x48x48: the layer.s input is 256x2x2"):
        zoo.get("alexnet", input_size=48).shapes()


def test_num_classes_sets_the_last_layer():
    for name in zoo.names():
        net = zoo.get(name, num_classes=5)
        assert net.shapes()[-1] == (5,)
        assert isinstance(net.layers[-1], (Linear, RBFOutput))
