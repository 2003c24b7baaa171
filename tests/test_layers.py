"""Layer specs against PyTorch: shapes, parameters, buffers; LeNet-5's special layers."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from convarith.errors import ConvArithError
from convarith.specs.layers import (
    LENET5_C3_TABLE,
    SPECS,
    AdaptiveAvgPool,
    AvgPool,
    BatchNorm,
    Conv,
    ConvTranspose,
    Dropout,
    Flatten,
    GlobalAvgPool,
    Linear,
    LocalResponseNorm,
    LPPool,
    MaxPool,
    PartialConv,
    RBFOutput,
    ReLU,
    ScaledTanh,
    Sigmoid,
    SpatialDropout,
    Subsampling,
    Tanh,
)
from convarith.specs.network import Network


def torch_counts(module: torch.nn.Module) -> tuple[int, int]:
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return trainable, sum(b.numel() for b in module.buffers())


def check_against_torch(layer, input_shape) -> torch.Tensor:
    """Run the spec's torch module on a batch of 2 and compare shape and counts."""
    module = layer.to_torch(input_shape).eval()
    x = torch.randn(2, *input_shape)
    with torch.no_grad():
        y = module(x)
    assert tuple(y.shape[1:]) == layer.output_shape(input_shape)
    assert torch_counts(module) == (layer.params(input_shape), layer.buffers(input_shape))
    return y


def test_importing_layers_zoo_and_table_does_not_import_torch():
    code = ("import sys, convarith.layers, convarith.network, convarith.zoo; "
            "convarith.zoo.get('alexnet').shapes(); "
            "print(any(m == 'torch' or m.startswith('torch.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


SPEC_CASES = [
    (Conv(96, 11, stride=4, padding=2), (3, 224, 224)),
    (Conv(8, (2, 3), stride=(1, 2), padding=((1, 0), (2, 1))), (3, 9, 10)),
    (Conv(8, 3, padding="same", dilation=2), (4, 11)),
    (Conv(6, 3, stride=2, groups=3, bias=False), (3, 5, 7, 9)),
    (ConvTranspose(8, 4, stride=2, padding=1, output_padding=1), (16, 5, 5)),
    (ConvTranspose(4, 3, stride=3, groups=2, dilation=2), (6, 7)),
    (MaxPool(3, stride=2), (4, 55, 55)),
    (MaxPool(3, stride=2, padding=1, ceil_mode=True, dilation=2), (4, 12, 11)),
    (AvgPool(2), (6, 28, 28)),
    (AvgPool(3, stride=2, padding=1, ceil_mode=True), (2, 8)),
    (LPPool(2, 3, stride=2), (3, 9, 9)), (LPPool(1, 2, ceil_mode=True), (2, 7)),
    (LPPool(3, (2, 1, 2)), (2, 4, 3, 5)),
    (AdaptiveAvgPool(6), (4, 13, 13)),
    (AdaptiveAvgPool((2, 3)), (4, 5, 7)),
    (GlobalAvgPool(), (5, 7, 7)),
    (Flatten(), (4, 6, 6)),
    (Linear(7), (12,)),
    (ReLU(), (3, 4, 4)), (Tanh(), (3,)), (Sigmoid(), (3, 2)), (ScaledTanh(), (3, 4, 4)),
    (Dropout(0.5), (10,)), (SpatialDropout(0.2), (3, 4, 4)),
    (BatchNorm(), (6, 5, 5)), (BatchNorm(), (6,)), (BatchNorm(affine=False), (3, 4, 4, 4)),
    (LocalResponseNorm(), (8, 6, 6)),
    (PartialConv(LENET5_C3_TABLE, 5), (6, 14, 14)),
    (Subsampling(2), (6, 28, 28)),
    (RBFOutput(10), (84,)),
]


@pytest.mark.parametrize("layer, shape", SPEC_CASES)
def test_spec_matches_its_torch_module(layer, shape):
    check_against_torch(layer, shape)


def test_every_layer_kind_is_checked_against_torch():
    checked = {type(layer) for layer, _ in SPEC_CASES}
    assert set(SPECS.entries.values()) <= checked


def test_spatial_batch_norm_counts_two_trainable_per_channel_and_running_statistics():
    bn = BatchNorm()
    assert bn.params((32, 8, 8)) == 64
    assert bn.buffers((32, 8, 8)) == 65  # running mean, running variance, batch counter
    module = bn.to_torch((32, 8, 8))
    assert isinstance(module, torch.nn.BatchNorm2d)
    # one mean per channel, over batch and positions
    x = torch.randn(4, 32, 8, 8) * 3 + 1
    y = module.train()(x)
    assert torch.allclose(y.mean(dim=(0, 2, 3)), torch.zeros(32), atol=1e-5)


def test_spatial_dropout_zeroes_whole_feature_maps():
    module = SpatialDropout(0.5).to_torch((16, 6, 6)).train()
    torch.manual_seed(0)
    y = module(torch.ones(8, 16, 6, 6))
    per_map = y.flatten(2)
    assert ((per_map == 0).all(-1) | (per_map != 0).all(-1)).all()
    assert (per_map == 0).all(-1).any()


def test_global_average_pooling_is_the_mean_of_each_map():
    x = torch.randn(3, 5, 4, 6)
    y = GlobalAvgPool().to_torch((5, 4, 6))(x)
    assert torch.allclose(y, x.mean(dim=(2, 3)))
    assert GlobalAvgPool().params((5, 4, 6)) == 0


def test_scaled_tanh_is_lecuns_function():
    y = ScaledTanh().to_torch((1,))(torch.tensor([1.0, -1.0, 0.5]))
    expected = [1.7159 * math.tanh(2 * a / 3) for a in (1.0, -1.0, 0.5)]
    assert y.tolist() == pytest.approx(expected)
    assert y[0].item() == pytest.approx(1.0, abs=1e-3)  # f(1) = 1 (appendix A)


def test_subsampling_is_window_sum_times_coefficient_plus_bias():
    module = Subsampling(2).to_torch((2, 4, 4))
    with torch.no_grad():
        module.coefficient.copy_(torch.tensor([2.0, -1.0]))
        module.bias.copy_(torch.tensor([0.5, 3.0]))
    x = torch.arange(32.0).view(1, 2, 4, 4)
    y = module(x)
    window = x[0, :, :2, :2].sum(dim=(1, 2))
    assert y[0, :, 0, 0].tolist() == pytest.approx((window * torch.tensor([2.0, -1.0])
                                                    + torch.tensor([0.5, 3.0])).tolist())
    assert Subsampling(2).params((6, 28, 28)) == 12


def test_lenet5_c3_table_is_table_one_of_the_paper():
    assert LENET5_C3_TABLE == (
        (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
        (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
        (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5),
    )


def test_partial_conv_output_map_ignores_unconnected_input_maps():
    module = PartialConv(LENET5_C3_TABLE, 5).to_torch((6, 14, 14))
    for m, maps in enumerate(LENET5_C3_TABLE):
        x = torch.randn(1, 6, 14, 14, requires_grad=True)
        module(x)[0, m].sum().backward()
        touched = {c for c in range(6) if x.grad[0, c].abs().sum() > 0}
        assert touched == set(maps)


def test_partial_conv_rejects_a_table_naming_missing_maps():
    with pytest.raises(ConvArithError, match=r"output map 1 reads input maps \(0, 7\)"):
        PartialConv(((0,), (0, 7)), 3).output_shape((6, 8, 8))


def test_rbf_output_returns_negative_squared_distances_to_fixed_prototypes():
    module = RBFOutput(10).to_torch((84,))
    prototypes = module.prototypes
    assert prototypes.shape == (10, 84)
    assert set(prototypes.unique().tolist()) == {-1.0, 1.0}
    assert len({tuple(p.tolist()) for p in prototypes}) == 10
    x = torch.randn(3, 84)
    expected = -((x[:, None, :] - prototypes[None]) ** 2).sum(-1)
    assert torch.allclose(module(x), expected, atol=1e-4)
    assert module(prototypes[4:5]).argmax().item() == 4
    assert not list(module.parameters())


def test_lrn_passes_the_papers_alpha_to_torch():
    module = LocalResponseNorm(5, 1e-4, 0.75, 2.0).to_torch((8, 3, 3))
    x = torch.randn(1, 8, 3, 3) * 10
    # b = a / (k + alpha * sum over 5 neighbouring channels of a^2)^beta  (paper, section 3.3)
    sq = torch.nn.functional.pad(x**2, (0, 0, 0, 0, 2, 2))
    sums = sum(sq[:, i:i + 8] for i in range(5))
    assert torch.allclose(module(x), x / (2 + 1e-4 * sums) ** 0.75, atol=1e-5)


def test_conv_connections_are_products_plus_one_bias_per_unit():
    c1 = Conv(6, 5)
    assert c1.connections((1, 32, 32)) == 122304
    assert c1.connections((1, 32, 32)) == 28 * 28 * 6 * (25 + 1)


def test_receptive_field_steps_carry_the_geometry():
    step = Conv(96, 11, stride=4, padding=2).rf_layers((3, 224, 224))[0]
    assert (step.kind, step.k, step.s, step.p, step.d) == ("conv", 11, 4, 2, 1)
    assert MaxPool(3, stride=2).rf_layers((1, 9, 9))[0].s == 2
    assert ReLU().rf_layers((1, 9, 9)) is None
    assert Conv(4, (2, 3), padding=((1, 0), (2, 1))).rf_layers((1, 8, 8))[1].p == 2


def test_lost_input_of_alexnet_conv1_224_versus_227():
    assert Conv(96, 11, stride=4).lost((3, 224, 224)) == (1, 1)
    assert Conv(96, 11, stride=4).lost((3, 227, 227)) == (0, 0)
    assert Conv(96, 11, stride=4, padding=2).lost((3, 224, 224)) == (0, 0)


def test_layer_errors_name_the_layer_and_values():
    with pytest.raises(ConvArithError, match=r"Error at layer 1 \(conv1\) of t with input "
                                             r"3x4x4: the layer's input is 3x4x4; computing "
                                             r"the output size of a convolution"):
        Network("t", (3, 4, 4), (Conv(8, 5, name="conv1"),)).shapes()
    with pytest.raises(ConvArithError, match="in_channels=3 is not divisible by groups=2"):
        Conv(8, 3, groups=2).output_shape((3, 8, 8))
    with pytest.raises(ConvArithError, match="is not .C, L., .C, H, W. or"):
        Conv(8, 3).output_shape((10,))


# --------------------------------------------------------------------------- property

# drawn unchecked: a stack may hold a layer its own checks refuse (pool padding over half
# the kernel, output_padding at the stride), which torch must refuse as well
_spatial_layers = st.one_of(
    st.builds(lambda c, k, s, p, d: Conv.unchecked(out_channels=c, kernel_size=k, stride=s,
                                                   padding=p, dilation=d),
              st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
              st.integers(1, 2)),
    st.builds(lambda c, k, s, p, d, a: ConvTranspose.unchecked(
                  out_channels=c, kernel_size=k, stride=s, padding=p, dilation=d,
                  output_padding=a),
              st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
              st.integers(1, 2), st.integers(0, 1)),
    st.builds(lambda k, s, p, c: MaxPool.unchecked(kernel_size=k, stride=s, padding=p,
                                                   ceil_mode=c),
              st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.booleans()),
    st.builds(lambda k, s, p, c: AvgPool.unchecked(kernel_size=k, stride=s, padding=p,
                                                   ceil_mode=c),
              st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.booleans()),
    st.builds(AdaptiveAvgPool, st.integers(1, 4)),
    st.sampled_from([ReLU(), BatchNorm(), SpatialDropout(0.1), LocalResponseNorm(3)]),
)


@given(channels=st.integers(1, 3), size=st.integers(1, 16), dims=st.integers(1, 3),
       stack=st.lists(_spatial_layers, min_size=1, max_size=5),
       head=st.sampled_from([Flatten(), GlobalAvgPool()]))
def test_random_sequential_stacks_match_torch(channels, size, dims, stack, head):
    input_shape = (channels,) + (size,) * dims
    net = Network("random", input_shape, (*stack, head, Linear(3)))
    try:
        shapes = Network("random", input_shape,
                         tuple(layer.checked() for layer in net.layers)).shapes()
    except ConvArithError:
        # convarith rejects: torch itself must reject the stack too, or (torch 2.13's
        # ConvTranspose2d/3d, unlike ConvTranspose1d, for an output size of exactly 0) give an
        # empty tensor where convarith says the output must be at least 1
        try:
            x = torch.randn(1, *input_shape)
            for layer in net.layers:
                x = layer.to_torch(tuple(x.shape[1:])).eval()(x)
                if x.numel() == 0:
                    assert isinstance(layer, ConvTranspose) and dims > 1, layer
                    return
        except (RuntimeError, ValueError) as rejected:
            assert not isinstance(rejected, ConvArithError)
            return
        pytest.fail("convarith rejects a stack torch runs")
    model = net.to_torch().eval()
    x = torch.randn(2, *input_shape)
    with torch.no_grad():
        for module, expected in zip([*model.features, *model.classifier], shapes):
            x = module(x)
            assert tuple(x.shape[1:]) == expected
    assert torch_counts(model) == (net.params(), net.buffers())


def test_transposed_output_size_zero_is_refused_though_torch_2d_gives_an_empty_tensor():
    """torch 2.13: ConvTranspose1d refuses an output size of 0, ConvTranspose2d/3d return an
    empty tensor; convarith refuses it in every dimension (found by the thorough profile)."""
    with pytest.raises(ConvArithError, match="the output size would be 0, but it must be at "
                                             "least 1"):
        ConvTranspose(1, 4, padding=2).output_shape((1, 1, 1))
    assert torch.nn.ConvTranspose2d(1, 1, 4, padding=2)(torch.randn(1, 1, 1, 1)).shape == (1, 1, 0, 0)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        torch.nn.ConvTranspose1d(1, 1, 4, padding=2)(torch.randn(1, 1, 1))
