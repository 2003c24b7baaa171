"""Scenes agree with the formula core over random parameters, square and non-square.

Each animation's plan is checked against :mod:`convarith.formulas.output_size`: one frame per output
position, the window of output ``n`` at ``n*s - p`` (arXiv:1603.07285), taps ``d`` apart,
padding, inserted zeros and lost rows where the formulas put them. Values are checked against
torch, the reference implementation.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from convarith.errors import ConvArithError
from convarith.figures.animation import (
    MAX_FRAMES,
    PAPER_INPUT,
    PAPER_KERNEL,
    conv_scene,
    pool_scene,
    transposed_scene,
)
from convarith.formulas.output_size import (
    conv_output_size,
    conv_transpose_output_size,
    lost_axis,
    pool_output_size,
)

pairs = st.tuples
small = st.integers(1, 4)


@st.composite
def conv_params(draw):
    i = draw(pairs(st.integers(1, 9), st.integers(1, 9)))
    k = draw(pairs(small, small))
    s = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    p = draw(pairs(st.integers(0, 3), st.integers(0, 3)))
    d = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    return i, k, s, p, d


def _o(i, k, s, p, d):
    try:
        return conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
    except ConvArithError:
        return None


@given(conv_params())
def test_conv_scene_has_one_frame_per_output_position_at_the_formulas_window(params):
    i, k, s, p, d = params
    o = _o(i, k, s, p, d)
    if o is None:
        with pytest.raises(ConvArithError):
            conv_scene(i, kernel_size=k, stride=s, padding=p, dilation=d)
        return
    scene = conv_scene(i, kernel_size=k, stride=s, padding=p, dilation=d)
    assert scene.output_shape == o
    assert len(scene.frames) == o[0] * o[1]
    assert scene.input.shape == (i[0] + 2 * p[0], i[1] + 2 * p[1])
    assert scene.input.origin == (-p[0], -p[1])
    for n, frame in enumerate(scene.frames):
        r, c = divmod(n, o[1])
        assert frame.output_cell == (r, c)
        assert frame.window_start == (r * s[0] - p[0], c * s[1] - p[1])
        assert len(frame.taps) == k[0] * k[1]
        rows = sorted({t[0] for t in frame.taps})
        cols = sorted({t[1] for t in frame.taps})
        # grid cell = input cell - origin; taps are d apart (dilation gaps)
        assert rows == [r * s[0] + a * d[0] for a in range(k[0])]
        assert cols == [c * s[1] + b * d[1] for b in range(k[1])]
        assert all(0 <= tr < scene.input.shape[0] and 0 <= tc < scene.input.shape[1]
                   for tr, tc in frame.taps)


@given(conv_params())
def test_conv_scene_marks_padding_and_the_lost_rows_and_columns(params):
    i, k, s, p, d = params
    assume(_o(i, k, s, p, d) is not None)
    scene = conv_scene(i, kernel_size=k, stride=s, padding=p, dilation=d)
    rows, cols = scene.input.shape
    lost = [lost_axis(i[x], k[x], s[x], (p[x], p[x]), d[x]) for x in range(2)]
    zeros = scene.input.count("padding") + scene.input.count("unreached")
    assert zeros == rows * cols - i[0] * i[1]
    real = i[0] * i[1]
    kept = (i[0] - lost[0]) * (i[1] - lost[1])
    assert scene.input.count("lost") == real - kept
    assert scene.input.count("input") == kept
    covered = {tap for frame in scene.frames for tap in frame.taps}
    for r in range(rows):
        for c in range(cols):
            if scene.input.kinds[r][c] == "lost":
                # no window reaches a lost cell (taps or the gaps between them)
                assert not any(
                    f.window[0][0] <= r <= f.window[1][0] and f.window[0][1] <= c <= f.window[1][1]
                    for f in scene.frames)
    if d == (1, 1):
        assert all(scene.input.kinds[r][c] in ("input", "padding") for r, c in covered)
    # no tap lands on padding marked as unreached
    assert all(scene.input.kinds[r][c] != "unreached" for r, c in covered)


@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3))
def test_conv_scene_values_agree_with_torch_conv2d(i0, i1, k0, k1):
    assume(k0 <= i0 and k1 <= i1)
    import torch

    scene = conv_scene((i0, i1), kernel_size=(k0, k1), padding=(1, 0), values=True)
    image = [[v for v in row[:]] for row in scene.input.values]
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    w = torch.tensor(scene.kernel_values, dtype=torch.float64)[None, None]
    expected = torch.nn.functional.conv2d(x, w)[0, 0].tolist()  # the grid is already padded
    assert [list(map(float, row)) for row in scene.output_values] == expected
    assert [f.value for f in scene.frames] == [v for row in expected for v in row]


def test_numerical_convolution_is_the_papers_figure_1_1():
    scene = conv_scene(5, kernel_size=3, values=True)
    assert scene.input.values == PAPER_INPUT
    assert scene.kernel_values == PAPER_KERNEL
    assert scene.output_values == ((12, 12, 17), (10, 17, 19), (9, 6, 14))
    assert scene.frames[-1].note.endswith("= 14")


@st.composite
def transposed_params(draw):
    i = draw(pairs(st.integers(1, 5), st.integers(1, 5)))
    k = draw(pairs(small, small))
    s = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    p = draw(pairs(st.integers(0, 3), st.integers(0, 3)))
    d = draw(pairs(st.integers(1, 2), st.integers(1, 2)))
    a = draw(pairs(st.integers(0, 2), st.integers(0, 2)))
    return i, k, s, p, d, a


@given(transposed_params())
def test_transposed_scene_is_a_unit_stride_conv_over_the_stretched_padded_input(params):
    i, k, s, p, d, a = params
    try:
        o = conv_transpose_output_size(i, kernel_size=k, stride=s, padding=p,
                                       output_padding=a, dilation=d)
    except ConvArithError:
        with pytest.raises(ConvArithError):
            transposed_scene(i, kernel_size=k, stride=s, padding=p, output_padding=a,
                             dilation=d)
        return
    assume(o[0] * o[1] <= MAX_FRAMES)
    scene = transposed_scene(i, kernel_size=k, stride=s, padding=p, output_padding=a,
                             dilation=d)
    assert scene.output_shape == o
    assert len(scene.frames) == o[0] * o[1]
    # s - 1 zeros between units: (i - 1)(s - 1) inserted per axis
    span = [(i[x] - 1) * s[x] + 1 for x in range(2)]
    q = [d[x] * (k[x] - 1) - p[x] for x in range(2)]  # k* - p - 1
    shape = [span[x] + max(q[x], 0) + max(q[x] + a[x], 0) for x in range(2)]
    assert scene.input.shape == tuple(shape)
    if min(q) >= 0:
        assert scene.input.count("input") == i[0] * i[1]
        assert scene.input.count("inserted") == span[0] * span[1] - i[0] * i[1]
    else:  # p > k* - 1: the negative padding crops the stretched input, drawn dimmed
        assert scene.input.count("cropped") > 0
    for n, frame in enumerate(scene.frames):
        r, c = divmod(n, o[1])
        assert frame.window_start == (r - q[0], c - q[1])  # unit stride
        assert all(0 <= tr < shape[0] and 0 <= tc < shape[1] for tr, tc in frame.taps)


@st.composite
def pool_params(draw):
    i = draw(pairs(st.integers(1, 8), st.integers(1, 8)))
    k = draw(pairs(small, small))
    s = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    p = draw(pairs(st.integers(0, 2), st.integers(0, 2)))
    return i, k, s, p, draw(st.booleans()), draw(st.sampled_from(["max", "avg"]))


@given(pool_params())
def test_pool_scene_frames_and_values_agree_with_the_formula_and_torch(params):
    i, k, s, p, ceil, mode = params
    try:
        o = pool_output_size(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil, kind=mode)
    except ConvArithError:
        with pytest.raises(ConvArithError):
            pool_scene(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil, kind=mode)
        return
    import torch

    scene = pool_scene(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil, kind=mode)
    assert scene.output_shape == o
    assert len(scene.frames) == o[0] * o[1]
    for n, frame in enumerate(scene.frames):
        r, c = divmod(n, o[1])
        assert frame.window_start == (r * s[0] - p[0], c * s[1] - p[1])
    image = [[scene.input.values[r + p[0]][c + p[1]] for c in range(i[1])]
             for r in range(i[0])]
    x = torch.tensor(image, dtype=torch.float64)[None, None]
    pool = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    expected = pool(x, k, s, p, ceil_mode=ceil)[0, 0]
    assert torch.allclose(torch.tensor(scene.output_values, dtype=torch.float64), expected)
    lost = [0 if ceil else lost_axis(i[x], k[x], s[x], (p[x], p[x]), 1) for x in range(2)]
    assert scene.input.count("lost") == i[0] * i[1] - (i[0] - lost[0]) * (i[1] - lost[1])
    windows = {tap for frame in scene.frames for tap in frame.taps}
    assert all(scene.input.kinds[r][c] != "lost" for r, c in windows)
    if mode == "max":
        for frame in scene.frames:
            assert frame.chosen
            assert all(scene.input.values[r][c] == frame.value for r, c in frame.chosen)


def test_ceil_mode_pool_scene_shows_the_partial_window_beyond_the_input():
    scene = pool_scene(5, kernel_size=2, ceil_mode=True)
    last = scene.frames[-1]
    assert scene.output_shape == (3, 3)
    assert any(scene.input.kinds[r][c] == "beyond" for r, c in last.taps)


def test_the_notes_non_square_animation_4x4_input_2x3_kernel():
    scene = conv_scene((4, 4), kernel_size=(2, 3))
    assert scene.output_shape == (3, 2) == conv_output_size((4, 4), kernel_size=(2, 3))
    assert len(scene.frames) == 6
    assert scene.caption[0].startswith("rows: ") and scene.caption[1].startswith("cols: ")


def test_scene_errors_are_one_line_with_the_fix():
    with pytest.raises(ConvArithError, match=r"effective kernel \(7\) is larger"):
        conv_scene(5, kernel_size=7)
    with pytest.raises(ConvArithError, match="more than 1024. Use a smaller input"):
        conv_scene(40, kernel_size=1)
    with pytest.raises(ConvArithError, match="animations are 2-D"):
        conv_scene((3, 4, 5), kernel_size=1)
    with pytest.raises(ConvArithError, match="kind='min' is not a pooling kind it draws"):
        pool_scene(4, kernel_size=2, kind="min")
