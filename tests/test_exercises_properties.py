"""Exercises against the formula core and real torch layers: for random seeds, topics and
levels, every problem is one PyTorch accepts (or, in the validity topic, rejects exactly when
torch does), every key answer is the formula core's and torch's, and every named mistake
gives a wrong answer of its own."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convarith import (
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    conv_transpose_params,
    linear_params,
    pool_output_size,
    receptive_field,
    same_padding,
)
from convarith.errors import ConvArithError
from convarith.exercises import LEVELS, TOPICS, generate
from convarith.exercises.answers import INVALID
from convarith.exercises.mistakes import mistakes_of
from convarith.exercises.solutions import rf_notation
from convarith.formulas.notation import parse_layers

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def formula_core(config):
    """The answer recomputed straight from the public formula functions."""
    kind, i = config["kind"], config.get("i")
    try:
        if kind == "conv":
            o = conv_output_size((i, i), config["k"], stride=config["s"], padding=config["p"],
                                 dilation=config["d"])[0]
        elif kind == "pool":
            o = pool_output_size((i, i), config["k"], stride=config["s"], padding=config["p"],
                                 dilation=config["d"], ceil_mode=config["ceil"])[0]
        elif kind == "transposed":
            o = conv_transpose_output_size((i, i), config["k"], stride=config["s"],
                                           padding=config["p"], output_padding=config["a"],
                                           dilation=config["d"])[0]
    except ConvArithError:
        return INVALID
    if kind in ("conv", "pool", "transposed"):
        return (o, o, config["c_out"]) if config.get("volume") else o
    if kind == "conv_params":
        return conv_params(config["c_in"], config["c_out"], config["k"], groups=config["g"],
                           bias=config["bias"])
    if kind == "transposed_params":
        return conv_transpose_params(config["c_in"], config["c_out"], config["k"],
                                     bias=config["bias"])
    if kind == "linear_params":
        return linear_params(config["n_in"], config["n_out"], bias=config["bias"])
    if kind == "rf":
        return receptive_field(parse_layers(rf_notation(config["layers"])))[-1].r
    _, left, right = same_padding(config["k"], dilation=config["d"])
    return (left, right) if config.get("pair") else left


def torch_answer(config):
    """The answer PyTorch gives: real layers run on CPU (or built, for parameter counts)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    kind, i = config["kind"], config.get("i")
    if kind in ("conv", "pool", "transposed"):
        def build(c_in, c_out, **device):
            if kind == "conv":
                return nn.Conv2d(c_in, c_out, config["k"], stride=config["s"],
                                 padding=config["p"], dilation=config["d"], **device)
            if kind == "pool":
                return nn.MaxPool2d(config["k"], stride=config["s"], padding=config["p"],
                                    dilation=config["d"], ceil_mode=config["ceil"])
            return nn.ConvTranspose2d(c_in, c_out, config["k"], stride=config["s"],
                                      padding=config["p"], output_padding=config["a"],
                                      dilation=config["d"], **device)

        try:  # the size from a real one-channel layer on CPU
            with torch.no_grad():
                shape = build(1, 1)(torch.zeros(1, 1, i, i)).shape
        except (RuntimeError, ValueError):
            return INVALID
        assert shape[2] == shape[3]
        if not config.get("volume"):
            return shape[2]
        c_in, c_out = config["c_in"], config["c_out"]  # the depth from the full layer
        volume = build(c_in, c_out, device="meta")(torch.empty(1, c_in, i, i, device="meta"))
        assert volume.shape[2:] == shape[2:]
        return (shape[2], shape[3], volume.shape[1])
    if kind in ("conv_params", "transposed_params", "linear_params"):
        if kind == "conv_params":
            layer = nn.Conv2d(config["c_in"], config["c_out"], config["k"], groups=config["g"],
                              bias=config["bias"], device="meta")
        elif kind == "transposed_params":
            layer = nn.ConvTranspose2d(config["c_in"], config["c_out"], config["k"],
                                       bias=config["bias"], device="meta")
        else:
            layer = nn.Linear(config["n_in"], config["n_out"], bias=config["bias"],
                              device="meta")
        return sum(p.numel() for p in layer.parameters())
    if kind == "rf":
        from convarith.bridges.verify.receptive import StackCase, measured_field

        stack = tuple(parse_layers(rf_notation(config["layers"])))
        last = receptive_field(list(stack))[-1]
        measured = measured_field(StackCase(stack, 4 * last.r + 4 * last.j + 16))
        assert measured is not None, "the input was too small to measure the field"
        return measured[1]
    # padding: torch's own padding="same" keeps the size, and equals explicit padding there
    k, d = config["k"], config["d"]
    torch.manual_seed(0)
    same = nn.Conv2d(1, 1, k, padding="same", dilation=d, bias=False, dtype=torch.float64)
    x = torch.randn(1, 1, i, i, dtype=torch.float64)
    with torch.no_grad():
        y = same(x)
        assert y.shape[-2:] == (i, i)
        for left in range(d * (k - 1) + 1):
            right = d * (k - 1) - left
            padded = F.conv2d(F.pad(x, (left, right, left, right)), same.weight, dilation=d)
            if torch.equal(padded, y):
                return (left, right) if config.get("pair") else left
    raise AssertionError("no explicit padding reproduces torch's padding='same'")


def check_problem(problem):
    assert problem.parts, "a problem without an answer"
    for part in problem.parts:
        config = part.config
        assert part.answer == formula_core(config), part
        assert part.answer == torch_answer(config), part
        if problem.topic != "validity":
            assert part.answer != INVALID
        applying = {model.name: wrong for model, wrong in mistakes_of(config)}
        assert applying, f"no known mistake applies to: {problem.question}"
        assert part.answer not in applying.values(), (applying, config)  # each one is wrong
        assert {m.name: m.answer for m in part.mistakes} == applying  # and the key names it
        targeted = [applying[name] for name in part.targets]  # the mistakes it is built for
        assert len(set(map(repr, targeted))) == len(targeted), (part.targets, config)
    if problem.table is not None:  # torch checks the whole network in the table test
        blanks = [cell for row in problem.table["cells"] for cell in row if cell.startswith("(")]
        assert blanks == [f"({part.label})" for part in problem.parts]


@given(seed=st.integers(0, 2**32 - 1), topic=st.sampled_from(TOPICS),
       level=st.sampled_from(LEVELS))
def test_every_problem_is_valid_and_its_key_is_the_formula_core_and_torch(seed, topic, level):
    sheet = generate([topic], count=2, seed=seed, level=level)
    for problem in sheet.problems:
        check_problem(problem)


@functools.cache
def torch_disagrees(net):
    return net.check_torch()


# Building a network in torch is the slow part: a fifth of the profile's examples (20 under
# "ci", 400 under "thorough"); a zoo model is checked once.
@settings(max_examples=max(10, settings().max_examples // 5))
@given(seed=st.integers(0, 2**32 - 1), level=st.sampled_from(LEVELS))
def test_table_blanks_are_the_table_cells_torch_confirms(seed, level):
    from convarith.tables.table import table

    (problem,) = generate(["table"], count=1, seed=seed, level=level).problems
    shown = table(problem.table["network"], columns=["layer", "output", "params"])
    by_name = {row.name: row for row in shown.rows}
    for part in problem.parts:
        (row,) = [r for r in problem.table["cells"] if f"({part.label})" in r]
        spec_row = by_name[row[0]]
        if part.config["kind"] in ("conv", "pool"):
            c, h, w = spec_row.output_shape
            assert part.answer == (h, w, c)
        else:
            assert part.answer == spec_row.params
    assert torch_disagrees(problem.table["network"]) == []


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("level", LEVELS)
def test_same_seed_same_sheet_other_seed_other_sheet(topic, level):
    first = generate([topic], count=3, seed=11, level=level)
    assert generate([topic], count=3, seed=11, level=level) == first
    assert any(generate([topic], count=3, seed=seed, level=level) != first
               for seed in (12, 13, 14))
