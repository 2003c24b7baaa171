"""The homework bench on homework-shaped layers: each mimic of a real failure kind gets the
right capability card and verdict, correct layers in every convention get no false alarm,
and the limits of correct-but-limited layers are listed, not failed.

The mimics live in tests/homework/ (one file each, loaded as the CLI loads a student's file);
the correct layers of each convention in convarith/bridges/verify/examples/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from convarith.verify import Unsupported, check
from convarith.verify.features import BASE, BY_NAME, features, probe, uses
from convarith.verify.homework import SUPPORTED, UNSUPPORTED, WRONG

ROOT = Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "tests" / "homework"
EXAMPLES = ROOT / "convarith" / "bridges" / "verify" / "examples"
FAST = {"examples": 10, "timeout": 5.0}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def in_homework_folder(monkeypatch):
    monkeypatch.chdir(HOMEWORK)  # a student runs the bench from their own folder


def statuses(report, direction="forward"):
    return {row.feature: (row.forward if direction == "forward" else row.backward).status
            for row in report.rows}


def only(report, status, direction="forward"):
    return sorted(name for name, value in statuses(report, direction).items() if value == status)


# --------------------------------------------------------------------------- mimics


@pytest.mark.parametrize(("target", "wrong", "words"), [
    ("ignores_groups.py:conv2d", ["groups"], "this case uses groups 2"),
    ("stride_width.py:conv_forward_naive", ["stride", "uncovered"],
     "returned output of shape (1, 1, 2, 3); torch gives (1, 1, 2, 2)"),
    ("hw_swapped.py:conv_forward_naive", ["rect_input", "rect_kernel"],
     "returned output of shape (1, 1, 5, 3); torch gives (1, 1, 3, 5)"),
    ("bias_column.py:conv_forward_naive", ["channels"],
     "raised ValueError: operands could not be broadcast together with shapes (3,9) (3,) "
     "(at bias_column.py:17:"),
    ("pool_window_no_stride.py:max_pool_forward_naive", ["stride", "uncovered"],
     "returned output of the right shape (1, 1, 2, 2), but at (0, 0, 0, 1)"),
])
def test_each_failure_kind_is_wrong_only_where_it_is(target, wrong, words):
    report = check(target, **FAST)
    assert only(report, WRONG) == wrong
    assert statuses(report)["basic"] == SUPPORTED
    assert not report.ok
    assert words in str(report)
    # the search ran inside the supported space and found nothing more
    assert [search.failure for search in report.searches] == [None]


def test_python2_division_fails_the_basic_case_at_the_users_line():
    report = check("py2_division.py:conv_forward_naive", **FAST)
    assert statuses(report)["basic"] == WRONG
    text = str(report)
    assert ("your conv_forward_naive raised TypeError: 'float' object cannot be interpreted as "
            "an integer (at py2_division.py:12: out = np.zeros((N, F, H_out, W_out)))") in text
    assert "forward pass wrong on the basic case (fix this first" in text
    assert report.searches[0].skipped == "the basic case is wrong (see the findings)"
    assert text.endswith("Result: WRONG, 8 features wrong on the card.")


@pytest.mark.parametrize("target", ["no_groups.py:conv2d", "asserts_no_groups.py:conv2d"])
def test_a_declared_limit_is_unsupported_and_the_rest_passes(target):
    report = check(target, **FAST)
    assert only(report, UNSUPPORTED) == ["groups"]
    assert only(report, WRONG) == []
    assert report.ok
    assert report.searches[0].cases == FAST["examples"]
    assert "groups" not in report.searches[0].allowed
    assert str(report).endswith("Result: ok, everything supported agrees with torch "
                                "(unsupported: groups).")


def test_unsupported_raised_from_convarith_counts_as_a_declared_limit():
    from convarith.scratch.conv import conv

    def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        if dilation != 1:
            raise Unsupported("no dilation yet")
        return conv(x, weight, bias, stride, padding, 1, groups)

    report = check(conv2d, layer="conv2d", **FAST)
    assert only(report, UNSUPPORTED) == ["dilation"]
    assert report.ok
    assert "raises Unsupported: no dilation yet" in str(report)


def test_backward_returning_zeros_is_wrong_while_its_forward_passes():
    report = check("backward_zeros.py:conv_forward_naive", **FAST)
    assert report.backward_name == "conv_backward_naive" and report.backward_found
    assert only(report, WRONG, "forward") == []
    assert statuses(report, "backward")["basic"] == WRONG
    assert "returned dx of the right shape (1, 1, 5, 5), but at (0, 0, 0, 0) it is 0" \
        in str(report)
    assert not report.ok


def test_backward_cropping_with_minus_pad_fails_at_padding_0_only():
    report = check("backward_pad0.py:conv_forward_naive", **FAST)
    backward = statuses(report, "backward")
    assert backward["basic"] == WRONG
    assert backward["padding"] == SUPPORTED  # [1:-1] is right; [0:-0] is empty
    assert "your conv_backward_naive returned dx of shape (1, 1, 0, 0); torch gives " \
           "(1, 1, 5, 5)" in str(report)
    assert only(report, WRONG, "forward") == []


def test_prints_at_import_and_in_calls_are_shown_apart(capsys):
    report = check("side_effects.py:conv_forward_naive", **FAST)
    assert report.ok
    assert capsys.readouterr().out == ""  # nothing leaked into the caller's output
    assert report.printed.startswith("Loading my layers...\nconv_forward_naive called\n"
                                     "demo output shape: (2, 3, 4, 4)\n")
    text = str(report)
    assert "Your code printed" in text and "  | Loading my layers..." in text
    assert text.index("Capability card") < text.index("Your code printed")


def test_a_hanging_function_is_reported_not_waited_for():
    report = check("hangs.py:conv2d", layer="conv2d", examples=5, timeout=0.3)
    cell = report.cell("stride")
    assert cell.status == WRONG
    assert cell.reason == "your conv2d did not return within 0.3 s (an endless loop?)"
    assert report.cell("basic").status == SUPPORTED
    assert not report.ok


def test_sys_exit_and_keyboard_interrupt_in_a_call_are_findings_not_exits():
    from convarith.scratch.conv import conv

    def conv2d(x, weight, bias=None, stride=1, padding=0):
        if padding:
            raise SystemExit(0)
        if stride != 1:
            raise KeyboardInterrupt
        return conv(x, weight, bias, stride, padding)

    report = check(conv2d, layer="conv2d", **FAST)
    assert "raised SystemExit(0): the code called sys.exit(0)" in report.cell("padding").reason
    assert "raised KeyboardInterrupt: the code raised KeyboardInterrupt itself" \
        in report.cell("stride").reason
    assert not report.ok


# --------------------------------------------------------------------------- no false alarms


@pytest.mark.parametrize(("target", "layer", "unsupported"), [
    ("cs231n_layers.py:conv_forward_naive", None,
     ["bias", "dilation", "groups", "padding_hw", "stride_hw"]),
    ("cs231n_layers.py:max_pool_forward_naive", None,
     ["ceil_mode", "dilation", "padding", "padding_hw", "stride_hw"]),
    ("coursera_layers.py:conv_forward", None,
     ["bias", "dilation", "groups", "padding_hw", "rect_kernel", "stride_hw"]),
    ("coursera_layers.py:pool_forward", "max_pool2d",
     ["ceil_mode", "dilation", "padding", "padding_hw", "rect_kernel", "stride_hw"]),
    ("coursera_layers.py:pool_forward", "avg_pool2d",
     ["ceil_mode", "count_include_pad", "padding", "padding_hw", "rect_kernel", "stride_hw"]),
    ("d2l_layers.py:corr2d", None,
     ["batch", "bias", "channels", "dilation", "groups", "padding", "padding_hw", "stride",
      "stride_hw", "uncovered"]),
    ("d2l_layers.py:corr2d_multi_in_out", None,
     ["batch", "bias", "dilation", "groups", "padding", "padding_hw", "stride", "stride_hw",
      "uncovered"]),
    ("d2l_layers.py:pool2d", "avg_pool2d",
     ["batch", "ceil_mode", "channels", "count_include_pad", "padding", "padding_hw", "stride",
      "stride_hw", "uncovered"]),
    ("numpy_cnn.py:Conv2D", None, ["bias", "dilation", "groups", "padding_hw", "stride_hw"]),
    ("numpy_cnn.py:MaxPool2D", None,
     ["ceil_mode", "dilation", "padding", "padding_hw", "rect_kernel", "stride_hw"]),
])
def test_correct_layers_of_every_convention_pass_with_their_limits(target, layer, unsupported):
    report = check(str(EXAMPLES / target.split(":")[0]) + ":" + target.split(":")[1],
                   layer=layer, **FAST)
    assert [] == only(report, WRONG) == only(report, WRONG, "backward" if report.backward_name
                                             else "forward")
    assert only(report, UNSUPPORTED) == unsupported
    assert report.ok, str(report)
    assert all(search.cases > 0 and search.failure is None for search in report.searches)


class ParamsDictConv:
    """A class keeping its arrays in dicts (``params``, ``grads``) and its bias as a column."""

    def __init__(self, num_filters, filter_size, in_channels, stride=1, pad=0):
        import numpy as np

        self.stride, self.pad = stride, pad
        self.params = {"W": np.zeros((num_filters, in_channels, filter_size, filter_size)),
                       "b": np.zeros((num_filters, 1))}
        self.grads = {}

    def forward(self, x):
        from convarith.scratch.conv import conv

        self.x = x
        return conv(x, self.params["W"], self.params["b"].ravel(), self.stride, self.pad)

    def backward(self, dout):
        from convarith.scratch.conv import conv_backward

        dx, dw, db = conv_backward(dout, self.x, self.params["W"], stride=self.stride,
                                   padding=self.pad)
        self.grads = {"W": dw, "b": db.reshape(-1, 1)}
        return dx


def test_a_class_with_params_and_grads_dicts_is_built_set_and_read():
    report = check(ParamsDictConv, layer="conv2d", **FAST)
    assert report.convention == "class" and report.backward_name == "ParamsDictConv.backward"
    assert only(report, WRONG) == only(report, WRONG, "backward") == []
    assert report.cell("channels", "backward").status == SUPPORTED
    # filter_size is one int: a non-square kernel is declined, not failed
    assert report.cell("rect_kernel").status == UNSUPPORTED
    assert report.ok


def test_d2l_written_with_torch_returns_float32_and_passes():
    for layer in ("max_pool2d", "avg_pool2d"):
        assert check("d2l_torch.py:pool2d", layer=layer, **FAST).ok
    report = check("d2l_torch.py:corr2d", **FAST)
    assert report.convention == "d2l" and report.ok


@pytest.mark.parametrize("layer", ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"])
def test_torch_style_forward_and_backward_support_everything(layer):
    report = check(f"functional_pair.py:{layer}", examples=10)
    assert report.convention == "functional"
    assert report.backward_name == f"{layer}_backward" and report.backward_found
    assert only(report, UNSUPPORTED) == only(report, UNSUPPORTED, "backward") == []
    assert report.ok, str(report)
    assert [search.cases for search in report.searches] == [10, 10]


# --------------------------------------------------------------------------- the card itself


@pytest.mark.parametrize("layer", list(BASE))
def test_each_probe_uses_its_feature_and_only_what_it_needs(layer):
    base = BASE[layer]
    assert uses(base, layer) == ()
    for feature in features(layer):
        used = set(uses(probe(layer, feature.name), layer))
        allowed = {feature.name, *feature.needs}
        if feature.name == "ceil_mode":
            allowed.add("uncovered")
        assert feature.name in used and used <= allowed, (feature.name, used)


def test_search_finds_and_shrinks_a_bug_the_single_feature_probes_miss():
    from hypothesis import settings

    # as many cases as the test profile allows ("ci": 100, "thorough": 2,000)
    report = check("ceil_window_in_padding.py:max_pool2d", examples=settings().max_examples)
    assert only(report, WRONG) == []  # ceil mode alone (no padding) is right
    failure = report.searches[0].failure
    assert failure is not None and failure.status == WRONG
    case = failure.case
    assert "ceil_mode" in uses(case, "max_pool2d")
    # where torch drops the last window, as it would start in the right padding or past it
    assert any((-(-(i + 2 * p - k) // s)) * s >= i + p
               for i, k, s, p in zip(case.spatial, case.kernel_size, case.stride, case.padding))
    assert case.input_shape[:2] == (1, 1)  # shrunk
    assert "smallest failing case after" in str(report)
    assert "reproduce: convarith verify --impl ceil_window_in_padding.py:max_pool2d " \
        f"--layer max_pool2d --convention functional --seed 0 --examples {report.examples}" \
        in str(report)


def test_required_features_make_an_unsupported_one_fail():
    report = check(str(EXAMPLES / "cs231n_layers.py") + ":max_pool_forward_naive",
                   require="stride,padding", **FAST)
    assert report.missing == ["padding"]
    assert not report.ok
    assert str(report).endswith("Result: WRONG, required but not supported: padding.")


def test_notebook_report_renders_the_same_card_as_html():
    report = check("no_groups.py:conv2d", **FAST)
    page = report._repr_html_()
    assert page.count("<tr>") == len(report.rows) + 1
    assert '<td style="color:#6e7781">unsupported</td>' in page
    assert "raises NotImplementedError: groups" in page
    assert "Result: ok" in page


def test_every_feature_label_is_unique_and_named_once():
    labels = [feature.label for feature in BY_NAME.values()]
    assert len(labels) == len(set(labels))
