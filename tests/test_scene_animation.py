"""Animation scenes agree with the formula core over random (also non-square) parameters."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from convarith.errors import ConvArithError
from convarith.figures.animation import conv_scene, pool_scene, transposed_scene
from convarith.formulas.output_size import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel,
    lost_axis,
    pool_output_size,
    uncovered_axis,
)

small = st.integers(1, 4)


@st.composite
def conv_params(draw):
    i = (draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    k = (draw(small), draw(small))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    try:
        conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
    except ConvArithError:
        assume(False)
    return i, k, s, p, d


def _scene(i, k, s, p, d, values=False):
    return conv_scene(i, kernel_size=k, stride=s, padding=p, dilation=d, values=values)


@given(conv_params())
def test_conv_frames_are_the_output_positions_in_raster_order(params):
    i, k, s, p, d = params
    o = conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
    scene = _scene(*params)
    assert scene.output_shape == o
    assert len(scene.frames) == o[0] * o[1]
    assert [f.output_cell for f in scene.frames] == [(r, c) for r in range(o[0])
                                                     for c in range(o[1])]


@given(conv_params())
def test_conv_window_of_step_n_starts_at_index_times_stride_minus_padding(params):
    i, k, s, p, d = params
    scene = _scene(*params)
    for frame in scene.frames:
        r, c = frame.output_cell
        assert frame.window_start == (r * s[0] - p[0][0], c * s[1] - p[1][0])
        expected = {(frame.window_start[0] + a * d[0] + p[0][0],
                     frame.window_start[1] + b * d[1] + p[1][0])
                    for a in range(k[0]) for b in range(k[1])}
        assert set(frame.taps) == expected
        assert len(frame.taps) == k[0] * k[1]


@given(conv_params())
def test_conv_grid_is_the_padded_input_with_the_lost_cells_marked(params):
    i, k, s, p, d = params
    scene = _scene(*params)
    grid = scene.input
    assert grid.shape == (i[0] + sum(p[0]), i[1] + sum(p[1]))
    assert grid.origin == (-p[0][0], -p[1][0])
    lost = [lost_axis(i[x], k[x], s[x], p[x], d[x]) for x in range(2)]
    real = i[0] * i[1]
    assert grid.count("lost") == real - (i[0] - lost[0]) * (i[1] - lost[1])
    assert grid.count("input") + grid.count("lost") == real
    zeros = grid.count("padding") + grid.count("unreached")
    assert zeros == grid.shape[0] * grid.shape[1] - real
    # the windows reach exactly up to the uncovered rows/columns
    reach = []
    for x in range(2):
        reach.append(max(max(tap[x] for tap in f.taps) for f in scene.frames) + 1)
        assert reach[x] == grid.shape[x] - uncovered_axis(i[x], k[x], s[x], p[x], d[x])
    # the padded rows and columns no window reaches are marked as such, and only those
    def padded(x: int, axis: int) -> bool:
        return not p[axis][0] <= x < p[axis][0] + i[axis]

    for r, row in enumerate(grid.kinds):
        for c, kind in enumerate(row):
            if kind in ("padding", "unreached"):
                assert (kind == "unreached") == ((r >= reach[0] and padded(r, 0))
                                                 or (c >= reach[1] and padded(c, 1)))


@given(conv_params())
def test_conv_caption_ends_in_the_output_size(params):
    i, k, s, p, d = params
    scene = _scene(*params)
    o = scene.output_shape
    if o[0] == o[1] and len(scene.caption) == 1:
        assert scene.caption[0].endswith(f" = {o[0]}")
    else:
        assert scene.caption[0].startswith("rows: ") and scene.caption[0].endswith(f" = {o[0]}")
        assert scene.caption[1].startswith("cols: ") and scene.caption[1].endswith(f" = {o[1]}")


@st.composite
def transposed_params(draw):
    i = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    k = (draw(small), draw(small))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 4)), draw(st.integers(0, 4)))
    a = tuple(draw(st.integers(0, max(s[x], d[x]) - 1)) for x in range(2))
    try:
        conv_transpose_output_size(i, kernel_size=k, stride=s, padding=p, output_padding=a,
                                   dilation=d)
    except ConvArithError:
        assume(False)
    return i, k, s, p, a, d


@given(transposed_params())
def test_transposed_is_a_unit_stride_conv_over_the_stretched_padded_input(params):
    i, k, s, p, a, d = params
    o = conv_transpose_output_size(i, kernel_size=k, stride=s, padding=p, output_padding=a,
                                   dilation=d)
    scene = transposed_scene(i, kernel_size=k, stride=s, padding=p, output_padding=a,
                             dilation=d)
    assert scene.output_shape == o and len(scene.frames) == o[0] * o[1]
    grid = scene.input
    q = [effective_kernel(k[x], d[x]) - p[x] - 1 for x in range(2)]
    span = [(i[x] - 1) * s[x] + 1 for x in range(2)]
    assert grid.shape == tuple(span[x] + max(q[x], 0) + max(q[x] + a[x], 0) for x in range(2))
    # p > k* - 1 crops the stretched input; what is left is the equivalent padded input
    live_rows = sum(1 for row in grid.kinds if set(row) != {"cropped"})
    live_cols = sum(1 for col in zip(*grid.kinds) if set(col) != {"cropped"})
    ke = [effective_kernel(k[x], d[x]) for x in range(2)]
    assert (live_rows, live_cols) == (o[0] + ke[0] - 1, o[1] + ke[1] - 1)
    if min(q) >= 0 and min(q[x] + a[x] for x in range(2)) >= 0:  # nothing cropped
        assert grid.count("input") == i[0] * i[1]
        assert grid.count("inserted") == span[0] * span[1] - i[0] * i[1]
    for frame in scene.frames:
        r, c = frame.output_cell
        assert frame.window_start == (r - q[0], c - q[1])
        for tr, tc in frame.taps:  # unit stride, always inside, never on a cropped cell
            assert 0 <= tr < grid.shape[0] and 0 <= tc < grid.shape[1]
            assert grid.kinds[tr][tc] != "cropped"


def test_transposed_matches_the_papers_figure_4_5():
    # arXiv:1603.07285 Figure 4.5: i=5, k=3, s=2, p=1 (stretched to 9x9, padded by 1): o=9
    scene = transposed_scene(5, kernel_size=3, stride=2, padding=1)
    assert scene.output_shape == (9, 9)
    assert scene.input.shape == (11, 11)
    assert scene.input.count("inserted") == 81 - 25


@st.composite
def pool_params(draw):
    i = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    k = (draw(small), draw(small))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    ceil = draw(st.booleans())
    mode = draw(st.sampled_from(["max", "avg"]))
    try:
        pool_output_size(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
    except ConvArithError:
        assume(False)
    return i, k, s, p, ceil, mode


@given(pool_params())
def test_pool_frames_and_windows_follow_the_formula_core(params):
    i, k, s, p, ceil, mode = params
    o = pool_output_size(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
    scene = pool_scene(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil, kind=mode)
    assert scene.output_shape == o and len(scene.frames) == o[0] * o[1]
    for frame in scene.frames:
        r, c = frame.output_cell
        assert frame.window_start == (r * s[0] - p[0], c * s[1] - p[1])
        # PyTorch never starts a window inside the right padding (ceil mode drops it)
        assert frame.window_start[0] < i[0] + p[0] and frame.window_start[1] < i[1] + p[1]
    if not ceil:
        assert scene.input.count("beyond") == 0


import torch  # noqa: E402  (the reference implementation)


@given(pool_params(), st.randoms(use_true_random=False))
def test_pool_values_equal_torch(params, rnd):
    i, k, s, p, ceil, mode = params
    values = [[rnd.randint(0, 9) for _ in range(i[1])] for _ in range(i[0])]
    scene = pool_scene(i, kernel_size=k, stride=s, padding=p, ceil_mode=ceil, kind=mode,
                       input_values=values)
    x = torch.tensor(values, dtype=torch.float64)[None, None]
    layer = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    expected = layer(x, k, s, p, ceil_mode=ceil)[0, 0].tolist()
    assert [[pytest.approx(v) for v in row] for row in expected] == \
        [list(row) for row in scene.output_values]
    if mode == "max":
        for frame in scene.frames:
            assert frame.chosen
            assert all(scene.input.values[r][c] == frame.value for r, c in frame.chosen)


@given(conv_params(), st.randoms(use_true_random=False))
def test_numerical_convolution_equals_torch_conv2d(params, rnd):
    i, k, s, p, d = params
    image = [[rnd.randint(0, 3) for _ in range(i[1])] for _ in range(i[0])]
    kernel = [[rnd.randint(-1, 2) for _ in range(k[1])] for _ in range(k[0])]
    scene = conv_scene(i, kernel_size=k, stride=s, padding=p, dilation=d, values=True,
                       input_values=image, kernel_values=kernel)
    x = torch.nn.functional.pad(torch.tensor(image, dtype=torch.float64)[None, None],
                                (p[1][0], p[1][1], p[0][0], p[0][1]))
    w = torch.tensor(kernel, dtype=torch.float64)[None, None]
    expected = torch.nn.functional.conv2d(x, w, stride=s, dilation=d)[0, 0].tolist()
    assert expected == [list(row) for row in scene.output_values]


def test_numerical_default_is_the_papers_figure_1_1():
    scene = conv_scene(5, kernel_size=3, values=True)
    assert scene.output_values == ((12, 12, 17), (10, 17, 19), (9, 6, 14))


def test_the_notes_non_square_animation_4x4_input_2x3_kernel():
    scene = conv_scene((4, 4), kernel_size=(2, 3))
    assert scene.output_shape == (3, 2) and len(scene.frames) == 6
    assert scene.caption == (
        "rows: o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊(4 + 2·0 − 2)/1⌋ + 1 = 2 + 1 = 3",
        "cols: o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊(4 + 2·0 − 3)/1⌋ + 1 = 1 + 1 = 2",
    )


def test_avg_pool_divides_ceil_mode_partial_window_by_cells_inside_padding():
    scene = pool_scene(3, kernel_size=2, ceil_mode=True, kind="avg",
                       input_values=[[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    # last window covers only the 9: ATen clips the window to i + p before counting
    assert scene.output_values[1][1] == 9
    assert math.isclose(scene.output_values[0][0], 3.0)


@pytest.mark.parametrize("call, message", [
    (lambda: conv_scene((4, 4, 4), kernel_size=3), "animations are 2-D"),
    (lambda: conv_scene(5, kernel_size=7), "effective kernel"),
    (lambda: conv_scene(64, kernel_size=1), "more than 1024"),
    (lambda: pool_scene(5, kernel_size=2, kind="median"), "Use max or avg"),
    (lambda: pool_scene(5, kernel_size=2, dilation=2, kind="avg"), "AvgPool has no dilation"),
    (lambda: conv_scene(3, kernel_size=2, values=True, input_values=[[1]]),
     "input values are not 3x3"),
])
def test_bad_parameters_are_one_line_errors(call, message):
    with pytest.raises(ConvArithError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_pool_scene_old_mode_keyword_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="use kind="):
        old = pool_scene(4, kernel_size=2, mode="avg")
    new = pool_scene(4, kernel_size=2, kind="avg")
    assert old.output_values == new.output_values and old.title == new.title


def test_lost_input_never_counts_padding_a_long_stride_skips():
    # found by the thorough profile: i=1 behind 2 left padding, k=1, s=3: the one window reads
    # the first padding cell; the input cell is lost, the second padding cell is not input
    scene = conv_scene((1, 1), kernel_size=1, stride=(3, 1), padding=((2, 0), (0, 0)))
    assert scene.input.count("lost") == 1
    assert lost_axis(1, 1, 3, (2, 0), 1) == 1
