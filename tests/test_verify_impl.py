"""The --impl bench against planted bugs: each deliberately wrong layer is reported, in words,
with its smallest failing case; the correct (scratch) layers pass.

The planted implementations live here, at module level, so the command-line tests can name
them as ``tests/test_verify_impl.py:function``.
"""

from __future__ import annotations

import numpy as np
import pytest

from convarith.bridges.scratch.conv import conv
from convarith.bridges.scratch.pool import avg_pool, max_pool
from convarith.bridges.verify.bench import run
from convarith.bridges.verify.cases import LayerCase
from convarith.bridges.verify.checks import Mismatch
from convarith.bridges.verify.impl import check_impl, describe_call, impl_arguments


def _pairs(value):
    return value if isinstance(value, tuple) else (value, value)


# --------------------------------------------------------------------------- planted bugs


def conv2d_padding_off_by_one(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Pads one extra row/column at the bottom/right."""
    ph, pw = _pairs(padding)
    return conv(x, weight, bias, stride, ((ph, ph + 1), (pw, pw + 1)), dilation, groups)


def conv2d_stride_ignored(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv(x, weight, bias, 1, padding, dilation, groups)


def conv2d_dilation_ignored(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv(x, weight, bias, stride, padding, 1, groups)


def conv2d_groups_ignored(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Every output channel reads the first group's input channels."""
    return conv(x[:, :weight.shape[1]], weight, bias, stride, padding, dilation, 1)


def conv_transpose2d_kernel_not_flipped(x, weight, bias=None, stride=1, padding=0,
                                        output_padding=0, groups=1, dilation=1):
    """The paper's stretch-pad-convolve construction, but with the kernel as it is."""
    (sh, sw), (ph, pw) = _pairs(stride), _pairs(padding)
    (ah, aw), (dh, dw) = _pairs(output_padding), _pairs(dilation)
    n, c_in, h, w = x.shape
    kh, kw = weight.shape[2:]
    z = np.zeros((n, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1))
    z[:, :, ::sh, ::sw] = x
    qh, qw = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    z = np.pad(z, [(0, 0), (0, 0), (max(qh, 0), max(qh + ah, 0)), (max(qw, 0), max(qw + aw, 0))])
    z = z[:, :, max(-qh, 0):z.shape[2] - max(-(qh + ah), 0),
          max(-qw, 0):z.shape[3] - max(-(qw + aw), 0)]
    c_out_group = weight.shape[1]
    swapped = weight.reshape(groups, c_in // groups, c_out_group, kh, kw).swapaxes(1, 2)
    swapped = swapped.reshape(groups * c_out_group, c_in // groups, kh, kw)  # no [..., ::-1, ::-1]
    return conv(z, swapped, bias, 1, 0, (dh, dw), groups)


def max_pool2d_ceil_keeps_window_in_padding(x, kernel_size, stride=None, padding=0, dilation=1,
                                            ceil_mode=False):
    """Ceil mode as ceil((i + 2p - k*) / s) + 1, without dropping a last window that would
    start in the right padding."""
    if not ceil_mode:
        return max_pool(x, kernel_size, stride, padding, dilation, False)
    (kh, kw), (ph, pw), (dh, dw) = _pairs(kernel_size), _pairs(padding), _pairs(dilation)
    sh, sw = _pairs(stride if stride is not None else kernel_size)
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph + sh - 1), (pw, pw + sw - 1)],
                constant_values=-np.inf)
    oh = -(-(x.shape[2] + 2 * ph - dh * (kh - 1) - 1) // sh) + 1
    ow = -(-(x.shape[3] + 2 * pw - dw * (kw - 1) - 1) // sw) + 1
    y = np.empty((*x.shape[:2], oh, ow))
    for u in range(oh):
        for v in range(ow):
            y[:, :, u, v] = xp[:, :, u * sh: u * sh + dh * (kh - 1) + 1: dh,
                               v * sw: v * sw + dw * (kw - 1) + 1: dw].max(axis=(2, 3))
    return y


def avg_pool2d_always_counts_padding(x, kernel_size, stride=None, padding=0, ceil_mode=False,
                                     count_include_pad=True):
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, True)


def max_pool2d_returns_list(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode).tolist()


def conv2d_without_groups(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if groups != 1:
        raise NotImplementedError("groups are not supported yet")
    return conv(x, weight, bias, stride, padding, dilation)


def helper_with_no_layer_name(x, *args, **kwargs):
    return x


# --------------------------------------------------------------------------- the bench


PLANTED = [
    ("conv2d", conv2d_padding_off_by_one, "returned shape"),
    ("conv2d", conv2d_stride_ignored, "returned shape"),
    ("conv2d", conv2d_dilation_ignored, "returned shape"),
    ("conv2d", conv2d_groups_ignored, "its value at"),
    ("conv_transpose2d", conv_transpose2d_kernel_not_flipped, "its value at"),
    ("max_pool2d", max_pool2d_ceil_keeps_window_in_padding, "returned shape"),
    ("avg_pool2d", avg_pool2d_always_counts_padding, "its value at"),
    ("max_pool2d", max_pool2d_returns_list, "returned a builtins.list, not a numpy array"),
    ("conv2d", conv2d_without_groups, "raised NotImplementedError: groups are not supported"),
]


@pytest.mark.parametrize(("layer", "function", "words"), PLANTED,
                         ids=[function.__name__ for _, function, _ in PLANTED])
def test_bench_reports_each_planted_bug_in_words(layer, function, words):
    report = run([layer], examples=200, impl=function, impl_name=f"x:{function.__name__}")
    (result,) = report.results
    assert not report.ok
    assert result.error is None, result.error
    assert isinstance(result.mismatch, Mismatch)
    assert words in str(result.mismatch)
    assert str(result.mismatch).startswith(f"{layer}: for input ")
    assert report.reproduce(layer) == (f"convarith verify --layer {layer} --seed 0 "
                                       f"--examples 200 --impl x:{function.__name__}")


def test_smallest_case_of_stride_ignored_is_the_smallest_strided_layer():
    report = run(["conv2d"], examples=200, impl=conv2d_stride_ignored)
    case = report.results[0].mismatch.case
    # shrunk: one image, one channel, a stride of 2 on one axis only
    assert case.input_shape[:2] == (1, 1)
    assert sorted(case.stride) == [1, 2]


def test_ceil_mode_bug_is_found_where_the_last_window_starts_in_padding():
    case = run(["max_pool2d"], examples=200,
               impl=max_pool2d_ceil_keeps_window_in_padding).results[0].mismatch.case
    assert case.ceil_mode
    stride = case.stride or case.kernel_size
    # torch drops the last window when (o-1)s >= i + p on some axis
    assert any((-(-(i + 2 * p - k) // s)) * s >= i + p
               for i, k, s, p in zip(case.spatial, case.kernel_size, stride, case.padding))


@pytest.mark.parametrize(("layer", "target"), [
    ("conv2d", "convarith.scratch.conv:conv2d"),
    ("conv_transpose2d", "convarith.scratch.transposed:conv_transpose2d"),
    ("max_pool2d", "convarith.scratch.pool:max_pool2d"),
    ("avg_pool2d", "convarith.scratch.pool:avg_pool2d"),
])
def test_bench_passes_correct_implementations(layer, target):
    from convarith.bridges.verify.impl import load_impl

    report = run([layer], examples=200, impl=load_impl(target), impl_name=target)
    assert report.ok, report.results[0].mismatch
    assert report.results[0].cases >= 200


def test_same_seed_gives_the_same_smallest_case():
    first = run(["avg_pool2d"], examples=100, seed=3, impl=avg_pool2d_always_counts_padding)
    again = run(["avg_pool2d"], examples=100, seed=3, impl=avg_pool2d_always_counts_padding)
    assert first.results[0].mismatch.case == again.results[0].mismatch.case


def test_message_names_the_shapes_like_a_teacher_would():
    case = LayerCase("conv2d", (1, 3, 7, 7), kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),
                     out_channels=4)
    with pytest.raises(Mismatch) as caught:
        check_impl(conv2d_stride_ignored, case)
    assert str(caught.value) == (
        "conv2d: for input 1x3x7x7, kernel 3, stride 2, padding 1, 4 output channels: "
        "your conv2d_stride_ignored returned shape (1, 4, 7, 7); torch gives (1, 4, 4, 4)")


def test_arguments_are_ints_when_axes_agree_and_pairs_when_they_differ():
    case = LayerCase("conv2d", (1, 2, 6, 5), kernel_size=(3, 2), stride=(2, 2), padding=(1, 0),
                     out_channels=2, groups=2, bias=False)
    _, kwargs = impl_arguments(case)
    assert kwargs == {"stride": 2, "padding": (1, 0), "dilation": 1, "groups": 2}
    assert describe_call(case) == "conv2d(x, weight, None, stride=2, padding=(1, 0), " \
                                  "dilation=1, groups=2)"
