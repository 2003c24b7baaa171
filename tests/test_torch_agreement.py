"""The formula core against the installed PyTorch: the same size where torch accepts a layer,
ConvArithError where torch raises (issue 2), and the symbolic form against the numeric one.

torch is the judge: the real ``torch.nn`` modules run on tiny CPU tensors (one thread: a
grouped float64 convolution costs milliseconds when torch wakes a second thread for it).
"""

from __future__ import annotations

import pytest
import sympy
import torch
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from convarith import (
    ConvArithError,
    adaptive_pool_bins,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
    unfold_blocks,
)
from convarith.bridges.verify.cases import LayerCase, expected_shape
from convarith.bridges.verify.reference import TORCH_REJECTS, torch_shape
from convarith.bridges.verify.strategies import layer_cases, shape_cases
from convarith.choices import SIZED_LAYERS

#: Every layer kind with an output-size formula (issue 2's list).
SIZED_LAYERS = SIZED_LAYERS  # the one registry, convarith.choices


pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: Searches for one example that exists: generation only, no shrinking (the example found
#: is only checked, never shown, and shrinking it cost 60 times the search).
REACH = settings(max_examples=400, database=None, derandomize=True, phases=[Phase.generate])
#: The sympy checks cost ~50 ms an example: a third of the profile's count (33 under "ci",
#: 666 under HYPOTHESIS_PROFILE=thorough).
SYMBOLIC = settings(max_examples=max(10, settings.default.max_examples // 3), derandomize=True)


# "The formula core gives torch's size, or rejects where torch raises" is checked, for every
# sized layer and with the scratch layers as a third voice, by
# tests/test_verify_checks.py::test_formula_torch_and_scratch_give_one_shape_or_all_reject
# (its example count follows the hypothesis profile: HYPOTHESIS_PROFILE=thorough runs 2,000).


def _torch_rejects(case: LayerCase) -> bool:
    try:
        torch_shape(case)
    except TORCH_REJECTS:
        return True
    return False


@pytest.mark.parametrize("layer", SIZED_LAYERS)
def test_strategies_reach_both_sides_of_torch_validity(layer):
    # the agreement above means little unless torch rejects some drawn cases and accepts others
    settings_ = REACH
    assert _torch_rejects(find(shape_cases(layer), _torch_rejects, settings=settings_))
    assert not _torch_rejects(find(shape_cases(layer), lambda c: not _torch_rejects(c),
                                   settings=settings_))


@pytest.mark.parametrize("layer", ["max_pool1d", "max_pool2d", "avg_pool2d", "avg_pool3d"])
def test_pool_strategies_cover_ceil_mode_and_dilation(layer):
    settings_ = REACH
    find(layer_cases(layer), lambda c: c.ceil_mode, settings=settings_)
    find(layer_cases(layer), lambda c: not c.ceil_mode, settings=settings_)
    if layer.startswith("max"):
        find(layer_cases(layer), lambda c: c.ceil_mode and max(c.dilation) > 1,
             settings=settings_)


def test_avg_pool3d_rejects_input_smaller_than_kernel_even_with_padding():
    case = LayerCase("avg_pool3d", (1, 1, 1, 4, 4), kernel_size=(2, 2, 2), padding=(1, 1, 1))
    with pytest.raises(RuntimeError, match="smaller than kernel size"):
        torch_shape(case)
    with pytest.raises(ConvArithError, match="smaller than the kernel"):
        expected_shape(case)
    # the same numbers in 2-D are fine for torch and the formula core
    flat = LayerCase("avg_pool2d", (1, 1, 1, 4), kernel_size=(2, 2), padding=(1, 1))
    assert expected_shape(flat) == torch_shape(flat) == (1, 1, 1, 3)


def test_adaptive_pool_accepts_empty_input_only_for_output_one_as_torch_does():
    assert torch_shape(LayerCase("adaptive_avg_pool2d", (1, 1, 0, 3), output_size=(1, 1))) \
        == (1, 1, 1, 1)
    assert adaptive_pool_bins((0, 3), 1) == ([(0, 0)], [(0, 3)])
    with pytest.raises(RuntimeError):
        torch_shape(LayerCase("adaptive_avg_pool2d", (1, 1, 0, 3), output_size=(1, 2)))
    with pytest.raises(ConvArithError, match="input_size=0 must be at least 1"):
        adaptive_pool_bins((0, 3), (1, 2))


@settings(derandomize=True)
@given(case=layer_cases("adaptive_avg_pool2d"))
def test_adaptive_pool_bins_are_the_windows_torch_averages(case):
    x = torch.rand(case.input_shape, dtype=torch.float64)
    got = torch.nn.functional.adaptive_avg_pool2d(x, case.output_size)
    rows, cols = adaptive_pool_bins(case.spatial, case.output_size)
    for a, (r0, r1) in enumerate(rows):
        for b, (c0, c1) in enumerate(cols):
            want = x[:, :, r0:r1, c0:c1].mean(dim=(2, 3))
            torch.testing.assert_close(got[:, :, a, b], want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- symbolic


def _symbols(prefix: str, values: tuple[int, ...]) -> tuple[tuple[sympy.Symbol, ...], dict]:
    names = tuple(sympy.Symbol(f"{prefix}{axis}", integer=True, positive=prefix != "p")
                  for axis in range(len(values)))
    return names, dict(zip(names, values))


def _numeric(value):
    return tuple(int(v) for v in value) if isinstance(value, tuple) else int(value)


def _evaluated(symbolic, values: dict):
    if isinstance(symbolic, tuple):
        return tuple(int(sympy.sympify(v).subs(values)) for v in symbolic)
    return int(sympy.sympify(symbolic).subs(values))


@SYMBOLIC
@given(case=layer_cases("conv2d"))
def test_symbolic_conv_size_at_random_integers_equals_numeric(case):
    if isinstance(case.padding, str) or isinstance(case.padding[0], tuple):
        padding = case.padding  # modes and pairs stay numeric; the rest goes symbolic
        p_subs: dict = {}
    else:
        padding, p_subs = _symbols("p", case.padding)
    i, i_subs = _symbols("i", case.spatial)
    k, k_subs = _symbols("k", case.kernel_size)
    s, s_subs = _symbols("s", case.stride)
    d, d_subs = _symbols("d", case.dilation)
    if case.padding == "same":
        # "same" needs to know that s = 1 and the total padding d(k-1): k, s, d stay numeric
        k, k_subs, d, d_subs = case.kernel_size, {}, case.dilation, {}
        s, s_subs = case.stride, {}
    symbolic = conv_output_size(i, k, stride=s, padding=padding, dilation=d)
    numeric = conv_output_size(case.spatial, case.kernel_size, stride=case.stride,
                               padding=case.padding, dilation=case.dilation)
    assert _evaluated(symbolic, {**i_subs, **k_subs, **s_subs, **d_subs, **p_subs}) == numeric


@SYMBOLIC
@given(case=layer_cases("conv_transpose2d"))
def test_symbolic_transposed_size_at_random_integers_equals_numeric(case):
    i, i_subs = _symbols("i", case.spatial)
    k, k_subs = _symbols("k", case.kernel_size)
    s, s_subs = _symbols("s", case.stride)
    p, p_subs = _symbols("p", case.padding)
    d, d_subs = _symbols("d", case.dilation)
    symbolic = conv_transpose_output_size(i, k, stride=s, padding=p,
                                          output_padding=case.output_padding, dilation=d)
    numeric = conv_transpose_output_size(case.spatial, case.kernel_size, stride=case.stride,
                                         padding=case.padding,
                                         output_padding=case.output_padding,
                                         dilation=case.dilation)
    assert _evaluated(symbolic, {**i_subs, **k_subs, **s_subs, **p_subs, **d_subs}) == numeric


@pytest.mark.parametrize("layer", ["max_pool2d", "avg_pool2d"])
@SYMBOLIC
@given(data=st.data())
def test_symbolic_pool_size_at_random_integers_equals_numeric(layer, data):
    case = data.draw(layer_cases(layer))
    stride = case.stride or case.kernel_size
    i, i_subs = _symbols("i", case.spatial)
    k, k_subs = _symbols("k", case.kernel_size)
    s, s_subs = _symbols("s", stride)
    p, p_subs = _symbols("p", case.padding)
    kind = layer.split("_")[0]
    symbolic = pool_output_size(i, k, stride=s, padding=p, dilation=case.dilation,
                                ceil_mode=case.ceil_mode, kind=kind)
    numeric = pool_output_size(case.spatial, case.kernel_size, stride=stride,
                               padding=case.padding, dilation=case.dilation,
                               ceil_mode=case.ceil_mode, kind=kind)
    assert _evaluated(symbolic, {**i_subs, **k_subs, **s_subs, **p_subs}) == _numeric(numeric)


@SYMBOLIC
@given(case=layer_cases("unfold"))
def test_symbolic_unfold_blocks_at_random_integers_equals_numeric(case):
    i, i_subs = _symbols("i", case.spatial)
    s, s_subs = _symbols("s", case.stride)
    symbolic = unfold_blocks(i, case.kernel_size, dilation=case.dilation,
                             padding=case.padding, stride=s)
    numeric = unfold_blocks(case.spatial, case.kernel_size, dilation=case.dilation,
                            padding=case.padding, stride=case.stride)
    assert _evaluated(symbolic, {**i_subs, **s_subs}) == numeric


# --------------------------------------------------------------------------- solvers


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@settings(derandomize=True)
@given(k=st.integers(1, 7), d=st.integers(1, 3), i=st.integers(1, 12))
def test_same_padding_split_is_where_torch_puts_same_padding(k, d, i):
    from convarith import same_padding

    total, left, right = same_padding(k, dilation=d)
    x = torch.rand(1, 1, i, dtype=torch.float64)
    w = torch.rand(1, 1, k, dtype=torch.float64)
    want = torch.nn.functional.conv1d(x, w, padding="same", dilation=d)
    got = torch.nn.functional.conv1d(torch.nn.functional.pad(x, (left, right)), w, dilation=d)
    assert total == left + right
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


@settings(derandomize=True)
@given(i=st.integers(1, 20), o=st.integers(1, 20), k=st.integers(1, 6), s=st.integers(1, 3),
       d=st.integers(1, 2))
def test_padding_for_lists_exactly_the_paddings_torch_maps_to_the_output(i, o, k, s, d):
    from convarith import padding_for

    found = padding_for(i, o, kernel_size=k, stride=s, dilation=d)
    x = torch.zeros(1, 1, i, dtype=torch.float64)
    w = torch.zeros(1, 1, k, dtype=torch.float64)
    torch_says = []
    for p in range(o * s + d * (k - 1) + 2):  # beyond this the output only grows
        try:
            size = torch.nn.functional.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1]
        except RuntimeError:
            continue
        if size == o:
            torch_says.append(p)
    assert list(found) == torch_says
