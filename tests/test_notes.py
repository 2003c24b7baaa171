"""The course notes' own numbers (issue: what the notes teach), through the API and the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from convarith import conv_output_size, conv_params
from convarith.cli import main
from convarith.formulas.compare import dense_vs_conv, sharing_factor
from convarith.formulas.notation import parse_layers
from convarith.formulas.receptive import RFLayer, explain_receptive_field, receptive_field


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_dense_28x28_512_hidden_one_output_needs_401920_weights():
    c = dense_vs_conv((1, 28, 28), hidden=512, outputs=1)
    assert c.dense.weights == 784 * 512 + 512 * 1 == 401_920
    assert c.dense.formula == "784 x 512 + 512 x 1 = 401,920"
    result = run("compare", "--input", "1x28x28", "--hidden", "512")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "401920"
    assert "784 x 512 + 512 x 1 = 401,920" in result.output


def test_full_hd_needs_over_a_billion_weights():
    c = dense_vs_conv((1, 1080, 1920), hidden=512, outputs=1)
    assert c.dense.weights == 1920 * 1080 * 512 + 512
    assert c.dense.weights > 1_000_000_000
    assert int(run("compare", "--input", "1080x1920", "--hidden",
                   "512").output.splitlines()[0]) > 10**9


def test_3x5x5_image_with_3_neurons_needs_225_weights():
    assert dense_vs_conv((3, 5, 5), hidden=3, outputs=0).dense.weights == 75 * 3 == 225
    assert run("compare", "--input", "3x5x5", "--hidden", "3", "--outputs",
               "0").output.splitlines()[0] == "225"


def test_sparse_connectivity_and_weight_sharing_as_counts():
    c = dense_vs_conv((1, 28, 28), hidden=512, out_channels=32, kernel_size=3)
    assert c.dense.per_unit == 784 and c.conv.per_unit == 9
    assert sharing_factor(c.dense) == 1
    assert sharing_factor(c.conv) == 26 * 26  # each weight is used at every position


def test_filter_bank_32_filters_on_3x100x100():
    assert conv_output_size((100, 100), kernel_size=3) == (98, 98)
    assert conv_params(3, 32, 3) == 896
    result = run("size", "conv", "--input", "3x100x100", "--kernel", "3", "--out-channels", "32")
    assert result.output.splitlines()[:2] == [
        "32x98x98", "parameters: 896 (32 filters of 3x3x3: 864 weights + 32 biases)"]


def test_three_3x3_stride_1_layers_give_7x7():
    assert receptive_field([RFLayer("conv", k=3)] * 3)[-1].r == 7
    result = run("rf", "conv k=3; conv k=3; conv k=3", "--explain")
    assert "r = 5 + (3 - 1) x 1 = 7" in result.output
    assert "agrees here" in result.output


def test_misconception_names_the_layer_where_the_shortcut_first_differs():
    stack = parse_layers("conv k=3; conv k=3 s=2; conv k=3; conv k=3")
    steps = explain_receptive_field(stack)
    # layer 2's own stride 2 makes the shortcut overshoot at once: 3 + 2*2 = 7, truth 5
    assert [s.differs for s in steps] == [False, True, True, True]
    assert (steps[1].shortcut, steps[1].row.r) == (7, 5)
    assert (steps[2].shortcut, steps[2].row.r) == (7, 9)
    result = run("rf", "conv k=3; conv k=3 s=2; conv k=3; conv k=3", "--explain")
    assert result.exit_code == 0
    assert "The shortcut first differs at layer 2 (conv k=3 s=2)." in result.output
    assert "gives 9, not 9" not in result.output


def test_first_layer_claim_filter_times_stride():
    result = run("rf", "conv k=11 s=4 p=2; pool k=3 s=2", "--explain")
    assert ("The claim 'in the first layer the receptive field is the filter size times the "
            "stride' gives 44; the first layer sees exactly its kernel, 11.") in result.output


def test_the_old_filters_keyword_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="use out_channels"):
        old = dense_vs_conv((3, 100, 100), hidden=512, filters=16)
    assert old == dense_vs_conv((3, 100, 100), hidden=512, out_channels=16)
