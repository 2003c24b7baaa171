"""Keras' convention against Keras 3 itself, on the torch backend.

For Conv1D/2D/3D, Conv2DTranspose, MaxPooling2D and AveragePooling2D with "valid" and
"same", any stride and dilation: convarith's output size is Keras' (and Keras' rejections are
convarith's), and the PyTorch layer that :func:`convarith.solve.torch_equivalent` names,
built and given the Keras layer's weights, computes the Keras layer's values on random
input (which places the padding exactly where Keras places it). Example counts come from
the hypothesis profile: small at "ci", at least 1,000 per layer at "thorough".
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: Keras 3 on the pinned torch

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from convarith import conv_output_size, conv_transpose_output_size, pool_output_size  # noqa: E402
from convarith.bridges.keras import copy_keras_weights, torch_module  # noqa: E402
from convarith.errors import ConvArithError  # noqa: E402
from convarith.formulas.output_size import conv_arguments, keras_pool_arguments  # noqa: E402
from convarith.formulas.solve import torch_equivalent  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def per_layer(ci_examples: int) -> settings:
    """This test's example count: ``ci_examples`` under a small profile (Keras layers are
    slow to build), the profile's own count (at least 1,000) under "thorough"."""
    profile = settings.default.max_examples
    return settings(max_examples=max(profile, 1000) if profile >= 1000 else ci_examples)


def test_keras_runs_on_the_torch_backend():
    assert keras.backend.backend() == "torch"


#: What Keras raises for a configuration it rejects: ValueError from its own checks, or the
#: RuntimeError of the torch op it calls (a valid pooling window larger than the input).
KERAS_REJECTS = (ValueError, RuntimeError)


def as_numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value))


@st.composite
def geometries(draw, dims: int, *, high: int = 12, dilation: bool = True,
               output_padding: bool = False):
    """Per-axis input, kernel, stride, dilation (some Keras rejects), and the padding mode."""
    axes = st.integers(1, high)
    i = tuple(draw(axes) for _ in range(dims))
    k = tuple(draw(st.integers(1, 5)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    d = tuple(draw(st.integers(1, 3)) if dilation else 1 for _ in range(dims))
    mode = draw(st.sampled_from(["valid", "same"]))
    op = None
    if output_padding and draw(st.booleans()):
        op = tuple(draw(st.integers(0, 3)) for _ in range(dims))
    return i, k, s, d, mode, op


def keras_input(i: tuple[int, ...], channels: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((1, *i, channels)).astype("float32")


def channels_first(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).movedim(-1, 1)


def run_torch(eq, x: np.ndarray, keras_layer=None, channels=(3, 2)) -> np.ndarray:
    module = torch_module(eq, *channels)
    if keras_layer is not None:
        copy_keras_weights(keras_layer, module)
    with torch.no_grad():
        return module(channels_first(x)).movedim(1, -1).numpy()


def check_conv(dims: int, geometry, layer_class) -> None:
    i, k, s, d, mode, _ = geometry
    try:
        layer = layer_class(2, k, strides=s, padding=mode, dilation_rate=d)
        x = keras_input(i, 3, seed=sum(i) + 7 * sum(k))
        y = as_numpy(layer(x))
    except KERAS_REJECTS as error:
        with pytest.raises(ConvArithError):
            conv_output_size(i, k, stride=s, padding=mode, dilation=d, convention="keras")
        assert "stride" in str(error) or "negative" in str(error), error
        return
    ours = conv_output_size(i, k, stride=s, padding=mode, dilation=d, convention="keras")
    assert y.shape[1:-1] == ours
    eq = torch_equivalent("conv", i, k, stride=s, padding=mode, dilation=d)
    np.testing.assert_allclose(run_torch(eq, x, layer), y, atol=1e-4, rtol=1e-4)


@per_layer(30)
@given(geometries(1, high=16))
def test_conv1d_agrees_with_keras(geometry):
    check_conv(1, geometry, keras.layers.Conv1D)


@per_layer(30)
@given(geometries(2))
def test_conv2d_agrees_with_keras(geometry):
    check_conv(2, geometry, keras.layers.Conv2D)


@per_layer(15)
@given(geometries(3, high=7))
def test_conv3d_agrees_with_keras(geometry):
    check_conv(3, geometry, keras.layers.Conv3D)


@per_layer(30)
@example(((1, 1), (1, 2), (1, 1), (1, 1), "same", (0, 0)))  # Keras' empty output
@given(geometries(2, high=8, output_padding=True))
def test_conv2d_transpose_agrees_with_keras(geometry):
    i, k, s, d, mode, op = geometry
    try:
        layer = keras.layers.Conv2DTranspose(2, k, strides=s, padding=mode, output_padding=op,
                                             dilation_rate=d)
        x = keras_input(i, 3, seed=sum(i) + 5 * sum(k))
        y = as_numpy(layer(x))
    except KERAS_REJECTS:
        with pytest.raises(ConvArithError):
            conv_transpose_output_size(i, k, stride=s, padding=mode, output_padding=op,
                                       dilation=d, convention="keras")
        return
    ours = conv_transpose_output_size(i, k, stride=s, padding=mode, output_padding=op,
                                      dilation=d, convention="keras")
    assert y.shape[1:-1] == ours
    if 0 in ours:
        return  # Keras' empty output ("same", i = 1, even kernel, output_padding 0)
    eq = torch_equivalent("conv_transpose", i, k, stride=s, padding=mode, dilation=d,
                          output_padding=op)
    np.testing.assert_allclose(run_torch(eq, x, layer), y, atol=1e-4, rtol=1e-4)


@per_layer(30)
@given(geometries(2, dilation=False), st.booleans())
def test_max_pooling2d_agrees_with_keras(geometry, default_stride):
    i, k, s, _, mode, _ = geometry
    s = None if default_stride else s
    try:
        y = as_numpy(keras.layers.MaxPooling2D(k, strides=s, padding=mode)(
            x := keras_input(i, 2, seed=sum(i) + sum(k))))
    except KERAS_REJECTS:
        with pytest.raises(ConvArithError):
            pool_output_size(i, k, stride=s, padding=mode, convention="keras")
        return
    assert y.shape[1:-1] == pool_output_size(i, k, stride=s, padding=mode, convention="keras")
    eq = torch_equivalent("max_pool", i, k, stride=s, padding=mode)
    np.testing.assert_allclose(run_torch(eq, x, channels=()), y, atol=1e-6)


def inside_average(x: np.ndarray, k, s, pairs) -> np.ndarray:
    """Average pooling by hand: each window's mean over the cells inside the input."""
    _, h, w, c = x.shape
    rows = (h + sum(pairs[0]) - k[0]) // s[0] + 1
    cols = (w + sum(pairs[1]) - k[1]) // s[1] + 1
    out = np.zeros((1, rows, cols, c), dtype="float64")
    for a in range(rows):
        for b in range(cols):
            top, left = a * s[0] - pairs[0][0], b * s[1] - pairs[1][0]
            cells = x[0, max(top, 0):top + k[0], max(left, 0):left + k[1]]
            out[0, a, b] = cells.reshape(-1, c).mean(axis=0)
    return out


@per_layer(30)
@given(geometries(2, dilation=False), st.booleans())
def test_average_pooling2d_agrees_with_keras(geometry, default_stride):
    i, k, s, _, mode, _ = geometry
    s = None if default_stride else s
    try:
        y = as_numpy(keras.layers.AveragePooling2D(k, strides=s, padding=mode)(
            x := keras_input(i, 2, seed=sum(i) + sum(k))))
    except KERAS_REJECTS:
        with pytest.raises(ConvArithError):
            pool_output_size(i, k, stride=s, padding=mode, convention="keras", kind="avg")
        return
    assert y.shape[1:-1] == pool_output_size(i, k, stride=s, padding=mode,
                                             convention="keras", kind="avg")
    eq = torch_equivalent("avg_pool", i, k, stride=s, padding=mode)
    ours = run_torch(eq, x, channels=())
    pairs = keras_pool_arguments(i, k, s, mode).p
    np.testing.assert_allclose(ours, inside_average(x, eq.kernel_size, eq.stride, pairs),
                               atol=1e-5)
    if all(left == right for left, right in pairs):
        np.testing.assert_allclose(ours, y, atol=1e-5)
    else:
        # Keras 3's torch backend pads unequal "same" pooling by repeating the edge
        # (keras/src/backend/torch/nn.py, _apply_same_padding: mode="replicate"), so its
        # averages count the repeated cells, unlike TensorFlow's and the documented rule.
        # Pinned here: when Keras changes, this fails and the comparison above applies.
        edge = F.pad(channels_first(x), eq.f_pad(), mode="replicate")
        replicated = F.avg_pool2d(edge, eq.kernel_size, eq.stride).movedim(1, -1).numpy()
        np.testing.assert_allclose(y, replicated, atol=1e-5)


# --------------------------------------------------------------------------- named cases


def test_same_keeps_the_size_at_stride_1_for_any_kernel():
    """The course notes' statement: with "same" and stride 1 the output size is the input's."""
    for k in range(1, 8):
        layer = keras.layers.Conv2D(1, k, padding="same")
        assert as_numpy(layer(np.ones((1, 9, 9, 1), "float32"))).shape == (1, 9, 9, 1)
        assert conv_output_size((9, 9), k, padding="same", convention="keras") == (9, 9)


def test_same_at_stride_2_gives_ceil_half_where_torch_refuses():
    layer = keras.layers.Conv2D(1, 3, strides=2, padding="same")
    for i in (7, 8):
        assert as_numpy(layer(np.ones((1, i, i, 1), "float32"))).shape[1:3] == (4, 4)
        assert conv_output_size(i, 3, stride=2, padding="same", convention="keras") == 4
    with pytest.raises(ValueError, match="strided"):
        torch.nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ConvArithError, match="not supported for strided"):
        conv_output_size(8, 3, stride=2, padding="same")


def test_same_puts_the_extra_cell_on_the_bottom_right():
    """A delta image through a kernel of distinct weights shows which side Keras padded:
    8x8, k=3, s=2 pads 1 cell in total, on the bottom and right only."""
    layer = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
    layer.build((1, 8, 8, 1))
    weights = np.arange(1, 10, dtype="float32").reshape(3, 3, 1, 1)
    layer.set_weights([weights])
    delta = np.zeros((1, 8, 8, 1), "float32")
    delta[0, 0, 0, 0] = 1.0
    out = as_numpy(layer(delta))[0, :, :, 0]
    # no padding on top/left: the first window starts on the delta, which meets weight 1
    assert out[0, 0] == 1.0 and np.count_nonzero(out) == 1
    assert conv_arguments((8, 8), 3, 2, "same", 1, convention="keras").p == ((0, 1), (0, 1))
    delta[0, 0, 0, 0], delta[0, 7, 7, 0] = 0.0, 1.0
    out = as_numpy(layer(delta))[0, :, :, 0]
    # the last window covers rows 6, 7 and the padding row 8: the delta meets weight 5
    assert out[3, 3] == 5.0 and np.count_nonzero(out) == 1


def test_max_pooling_same_padding_never_wins_a_max():
    x = -np.arange(1, 26, dtype="float32").reshape(1, 5, 5, 1)  # every value below 0
    y = as_numpy(keras.layers.MaxPooling2D(2, padding="same")(x))[0, :, :, 0]
    eq = torch_equivalent("max_pool", (5, 5), 2, padding="same")
    assert eq.pad == ((0, 1), (0, 1))
    assert y[2, 2] == x[0, 4, 4, 0]  # the corner window holds one real cell and three pads
    np.testing.assert_array_equal(run_torch(eq, x, channels=()), y[None, :, :, None])


def test_keras_rejects_what_convarith_rejects_by_name():
    with pytest.raises(ValueError, match="dilation_rate"):
        keras.layers.Conv2D(1, 3, strides=2, dilation_rate=2)
    with pytest.raises(ConvArithError, match="strides > 1 together with dilation_rate > 1"):
        conv_output_size(9, 3, stride=2, dilation=2, padding="same", convention="keras")
    with pytest.raises(ValueError, match="output_padding"):
        keras.layers.Conv2DTranspose(1, 3, strides=2, output_padding=2)
    with pytest.raises(ConvArithError, match="smaller than the stride"):
        conv_transpose_output_size(4, 3, stride=2, padding="same", output_padding=2,
                                   convention="keras")
