"""The pooling scene draws power-average pooling (torch's LPPool) from the kind's data alone.

``pool_scene`` names no pooling kind: what a window reads and writes is each kind's
``kinds.Window``. Its values are checked against the real ``torch.nn.LPPool2d`` (p = 1, 2, 3,
1.5 and inf, ceil mode, non-square inputs, kernels and strides, negative inputs where torch
gives NaN), and ``convarith animate pool --pool lp --norm-type P`` writes the figure.
"""

from __future__ import annotations

import math

import pytest
import torch
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from convarith import kinds
from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.figures.animation import POOL_INPUT, animation_scene, pool_scene
from convarith.formulas.explain import explain_pool
from convarith.formulas.output_size import pool_output_size

POWERS = (1.0, 2.0, 3.0, 1.5, math.inf)


def torch_lp_pool(values, p, kernel, stride, ceil):
    x = torch.tensor(values, dtype=torch.float64)[None, None]
    layer = torch.nn.LPPool2d(p, kernel, stride=stride, ceil_mode=ceil)
    return layer(x)[0, 0].tolist()


def same(expected, got):
    """Row by row equal, NaN where torch gives NaN."""
    assert len(expected) == len(got)
    for want_row, got_row in zip(expected, got):
        assert len(want_row) == len(got_row)
        for want, value in zip(want_row, got_row):
            if math.isnan(want):
                assert math.isnan(value)
            else:
                assert value == pytest.approx(want, rel=1e-12, abs=1e-12)


@st.composite
def lp_params(draw):
    i = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    ceil = draw(st.booleans())
    p = draw(st.sampled_from(POWERS))
    low = draw(st.sampled_from((0, -3)))  # negative cells: torch's NaN for p = 3, 1.5
    values = [[draw(st.integers(low, 9)) for _ in range(i[1])] for _ in range(i[0])]
    try:
        pool_output_size(i, kernel_size=k, stride=k if s is None else s, ceil_mode=ceil,
                         kind="lp")
    except ConvArithError:
        assume(False)
    return i, k, s, ceil, p, values


@given(lp_params())
def test_lp_pool_scene_values_equal_torch_lppool2d(params):
    i, k, s, ceil, p, values = params
    scene = pool_scene(i, kernel_size=k, stride=s, ceil_mode=ceil, kind="lp", norm_type=p,
                       input_values=values)
    same(torch_lp_pool(values, p, k, s, ceil), scene.output_values)
    assert [frame.value for frame in scene.frames] == \
        [v for row in scene.output_values for v in row]
    if math.isinf(p):  # the maximum of |x|, marked as max pooling marks its maximum
        for frame in scene.frames:
            assert frame.chosen
            assert all(abs(scene.input.values[r][c]) == frame.value for r, c in frame.chosen)
    else:
        assert not any(frame.chosen for frame in scene.frames)


@pytest.mark.parametrize("p", POWERS)
@pytest.mark.parametrize("i, k, s, ceil", [
    ((5, 5), (2, 2), None, True),     # the last window cut to one cell, scaled by K/n = 4
    ((4, 7), (2, 3), (1, 2), False),  # non-square everything
    ((6, 5), (3, 2), (2, 2), True),
])
def test_lp_pool_scene_equals_torch_on_fixed_cases(p, i, k, s, ceil):
    values = [[(3 * r + 5 * c) % 7 - 2 for c in range(i[1])] for r in range(i[0])]
    scene = pool_scene(i, kernel_size=k, stride=s, ceil_mode=ceil, kind="lp", norm_type=p,
                       input_values=values)
    same(torch_lp_pool(values, p, k, s, ceil), scene.output_values)


def test_a_ceil_mode_window_is_scaled_as_torch_does_not_a_plain_sum():
    # torch: (K * avg_pool(x^p))^(1/p): the cut window [5] of a 2x2 kernel writes (4*5^1)
    scene = pool_scene(3, kernel_size=2, ceil_mode=True, kind="lp", norm_type=1,
                       input_values=[[1, 2, 0], [3, 4, 0], [0, 0, 5]])
    assert scene.output_values == ((10, 0), (0, 20))
    assert scene.frames[-1].note == "o(1, 1) = 4/1 · (5) = 20"
    assert torch_lp_pool([[1, 2, 0], [3, 4, 0], [0, 0, 5]], 1, 2, None, True) == [[10, 0],
                                                                                   [0, 20]]


def test_the_notes_write_the_power_mean_out():
    scene = pool_scene(5, kernel_size=2, kind="lp", norm_type=2)
    assert scene.frames[0].note == "o(0, 0) = (9² + 1² + 2² + 4²)^(1/2) = 10.1"
    assert scene.frames[0].value == pytest.approx(math.sqrt(81 + 1 + 4 + 16))
    cube = pool_scene(2, kernel_size=2, kind="lp", norm_type=3, input_values=[[1, -2], [0, 3]])
    assert cube.frames[0].note == "o(0, 0) = (1³ + (−2)³ + 0³ + 3³)^(1/3) = 2.71"
    odd = pool_scene(2, kernel_size=2, kind="lp", norm_type=1.5, input_values=[[1, 1], [1, 1]])
    assert odd.frames[0].note == "o(0, 0) = (1^1.5 + 1^1.5 + 1^1.5 + 1^1.5)^(1/1.5) = 2.52"
    top = pool_scene(2, kernel_size=2, kind="lp", norm_type=math.inf,
                     input_values=[[1, -7], [0, 3]])
    assert top.frames[0].note == "o(0, 0) = max(|1|, |−7|, |0|, |3|) = 7"
    assert top.frames[0].chosen == ((0, 1),)


def test_title_caption_and_notes_name_the_kind_from_its_data():
    scene = pool_scene(5, kernel_size=2, kind="lp", norm_type=2)
    assert scene.title == "Power-average pooling (p = 2): i = 5, k = 2, s = 2"
    assert pool_scene(5, kernel_size=2, kind="lp", norm_type=math.inf).title.startswith(
        "Power-average pooling (p = ∞): ")
    # the caption is the formula layer's derivation for this kind
    (derivation,) = explain_pool(5, kernel_size=2, stride=2, kind="lp")
    formula, *steps = derivation.text().splitlines()[1:2 + len(derivation.steps)]
    assert scene.caption == (" ".join(line.strip() for line in (formula, *steps)),)
    assert scene.caption[0].endswith(f"= {derivation.result}")
    assert scene.caption == pool_scene(5, kernel_size=2, kind="max").caption
    assert scene.notes[-1].startswith("p = 2 is LPPool's norm_type, the power p: ")
    assert "the formula's p, the padding, is 0 (LPPool has none)" in scene.notes[-1]
    assert scene.input.count("padding") == 0 and scene.input_label == "input 5×5"


def test_the_default_power_is_the_kinds_and_the_scene_table_has_every_animated_kind():
    assert pool_scene(4, kernel_size=2, kind="lp").output_values == \
        pool_scene(4, kernel_size=2, kind="lp", norm_type=2).output_values
    table = kinds.tables()["scene"]
    assert table.missing() == []
    assert {k.name for k in kinds.KINDS.values() if k.animated} == set(table)
    via_table = table["lp_pool"](5, kernel_size=2, norm_type=3)
    assert via_table.output_values == pool_scene(5, kernel_size=2, kind="lp",
                                                 norm_type=3).output_values
    assert table["max_pool"](5, kernel_size=3, stride=1).output_values == \
        pool_scene(5, kernel_size=3, stride=1).output_values
    assert pool_scene(5, kernel_size=3, stride=1).output_values == ((9, 7, 8), (6, 4, 5),
                                                                     (8, 7, 9))
    assert POOL_INPUT[0][0] == 9


@pytest.mark.parametrize("call, message", [
    (lambda: pool_scene(5, kernel_size=2, kind="lp", norm_type=0),
     "norm_type=0 is not a positive number. Give p > 0, e.g. norm_type=2 (inf allowed)."),
    (lambda: pool_scene(5, kernel_size=2, kind="lp", norm_type=-1), "norm_type=-1 is not a"),
    (lambda: pool_scene(5, kernel_size=2, kind="lp", norm_type=math.nan), "norm_type=nan"),
    (lambda: pool_scene(5, kernel_size=2, kind="max", norm_type=2),
     "norm_type=2 is an argument of lp pooling, not max. Drop it, or use kind='lp'."),
    (lambda: pool_scene(5, kernel_size=2, kind="avg", divisor=3),
     "divisor= is not an argument of pool_scene"),
    (lambda: pool_scene(5, kernel_size=2, padding=1, kind="lp"), "LPPool has no padding"),
    (lambda: animation_scene("conv", 5, kernel_size=2, norm_type=2),
     "--norm-type applies to pool, not conv. Drop it."),
])
def test_bad_arguments_are_one_line_errors(call, message):
    with pytest.raises(ConvArithError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.")) as info:
        call()
    assert "\n" not in str(info.value)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_convarith_animate_pool_lp_with_its_norm_type(tmp_path):
    out = tmp_path / "lp.png"
    result = run("animate", "pool", "--input", "5x4", "--kernel", "2", "--ceil-mode",
                 "--pool", "lp", "--norm-type", "3", "--dpi", "30", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out} (6 frames: output 3x2)\n"
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("args, message", [
    (("pool", "--pool", "max", "--norm-type", "2"),
     "Error: building the max pooling animation: norm_type=2.0 is an argument of lp pooling"),
    (("conv", "--norm-type", "2"), "Error: --norm-type applies to pool, not conv. Drop it."),
    (("pool", "--pool", "lp", "--norm-type", "0"), "Error: building the lp pooling animation: "
                                                   "norm_type=0.0 is not a positive number."),
])
def test_norm_type_where_it_does_not_apply_is_one_error_line(tmp_path, args, message):
    result = run("animate", *args, "--input", "4", "--kernel", "2", "-o",
                 str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1 and result.output.startswith(message), \
        result.output
