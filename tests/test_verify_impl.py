"""The homework bench against planted bugs in torch.nn.functional-style layers: the card names
the feature each one breaks, in words, on the smallest case.

The planted implementations live here, at module level, so the command-line tests can name
them as ``tests/test_verify_impl.py:function``.
"""

from __future__ import annotations

import numpy as np
import pytest

from convarith.bridges.scratch.conv import conv
from convarith.bridges.scratch.pool import avg_pool, max_pool
from convarith.verify import check
from convarith.verify.cases import LayerCase
from convarith.verify.homework import SUPPORTED, UNSUPPORTED, WRONG

pytestmark = pytest.mark.usefixtures("one_torch_thread")


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
    ("conv2d", conv2d_padding_off_by_one, "basic", "returned output of shape"),
    ("conv2d", conv2d_stride_ignored, "stride", "returned output of shape"),
    ("conv2d", conv2d_dilation_ignored, "dilation", "returned output of shape"),
    ("conv2d", conv2d_groups_ignored, "groups", "of the right shape"),
    ("conv_transpose2d", conv_transpose2d_kernel_not_flipped, "basic", "of the right shape"),
    ("avg_pool2d", avg_pool2d_always_counts_padding, "count_include_pad", "of the right shape"),
    ("max_pool2d", max_pool2d_returns_list, "basic", "output is a list, not a numpy array"),
]


@pytest.mark.parametrize(("layer", "function", "feature", "words"), PLANTED,
                         ids=[function.__name__ for _, function, _, _ in PLANTED])
def test_card_names_the_feature_each_planted_bug_breaks(layer, function, feature, words):
    report = check(function, layer=layer, examples=10)
    cell = report.cell(feature)
    assert cell.status == WRONG
    assert words in cell.reason
    assert not report.ok
    if feature != "basic":
        assert report.cell("basic").status == SUPPORTED


def test_stride_ignored_is_caught_on_the_smallest_strided_case():
    cell = check(conv2d_stride_ignored, layer="conv2d", examples=10).cell("stride")
    assert cell.case == LayerCase("conv2d", (1, 1, 5, 5), kernel_size=(3, 3), stride=(2, 2),
                                  padding=(0, 0), dilation=(1, 1), out_channels=1)
    assert cell.reason == ("your conv2d_stride_ignored returned output of shape (1, 1, 3, 3); "
                           "torch gives (1, 1, 2, 2)")
    assert cell.call == ("conv2d_stride_ignored(x, weight, bias, stride=2, padding=0, "
                         "dilation=1, groups=1)")


def test_no_groups_is_a_limit_not_a_failure():
    report = check(conv2d_without_groups, layer="conv2d", examples=10)
    assert report.cell("groups").status == UNSUPPORTED
    assert report.cell("groups").note == "raises NotImplementedError: groups are not supported yet"
    assert report.ok


def test_same_seed_gives_the_same_smallest_case():
    first = check(max_pool2d_ceil_keeps_window_in_padding, layer="max_pool2d", examples=60,
                  seed=3).searches[0].failure
    again = check(max_pool2d_ceil_keeps_window_in_padding, layer="max_pool2d", examples=60,
                  seed=3).searches[0].failure
    assert first is not None and first.case == again.case


def test_arguments_are_ints_when_axes_agree_and_pairs_when_they_differ():
    from convarith.verify.conventions import Functional

    case = LayerCase("conv2d", (1, 2, 6, 5), kernel_size=(3, 2), stride=(2, 2), padding=(1, 0),
                     out_channels=2, groups=2, bias=False)
    convention = Functional("conv2d", conv2d_stride_ignored)
    _, args, kwargs = convention.forward_call(case, "x", "w", None)
    assert args == ("x", "w", None)
    assert kwargs == {"stride": 2, "padding": (1, 0), "dilation": 1, "groups": 2}
    assert convention.call_words(case) == ("conv2d_stride_ignored(x, weight, None, stride=2, "
                                           "padding=(1, 0), dilation=1, groups=2)")
