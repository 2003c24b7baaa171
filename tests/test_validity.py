"""One set of validity rules: every entry point of a pooling layer (the size, the worked
derivation, the spec, the scratch layer, the scene) accepts exactly what torch accepts and
gives torch's size, because each calls the one normaliser
(convarith.formulas.output_size.pool_arguments).

A small grid is walked exhaustively (1-D: every kernel, stride, padding and dilation around
the boundaries), against the real torch modules.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

from convarith import ConvArithError, explain_pool, pool_output_size
from convarith.bridges.scratch.pool import avg_pool, lp_pool, max_pool
from convarith.figures.animation import pool_scene
from convarith.specs.layers import AvgPool, LPPool, MaxPool

pytestmark = pytest.mark.usefixtures("one_torch_thread")

REJECTED = "rejected"


def _outcome(compute):
    try:
        return tuple(compute())
    except ConvArithError:
        return REJECTED


def _torch(kind, i, k, s, p, d, ceil):
    """torch's size for a 1-D pooling, or REJECTED (also where its module has no such
    argument: AvgPool has no dilation, LPPool neither padding nor dilation)."""
    if kind == "max":
        module = torch.nn.MaxPool1d(k, s, padding=p, dilation=d, ceil_mode=ceil)
    elif d != 1 or (kind == "lp" and p != 0):
        return REJECTED
    elif kind == "avg":
        module = torch.nn.AvgPool1d(k, s, padding=p, ceil_mode=ceil)
    else:
        module = torch.nn.LPPool1d(2, k, s, ceil_mode=ceil)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(module(torch.ones(1, 1, i)).shape[2:])
    except RuntimeError:
        return REJECTED


def _entry_points(kind, i, k, s, p, d, ceil):
    """Each entry point's outcome: a size tuple, or REJECTED."""
    geometry = {"stride": s, "padding": p, "dilation": d, "ceil_mode": ceil}
    x = np.ones((1, 1, i))
    spec = {"max": lambda: MaxPool(k, s, padding=p, ceil_mode=ceil, dilation=d),
            "avg": lambda: AvgPool(k, s, padding=p, ceil_mode=ceil, dilation=d),
            "lp": lambda: LPPool(2, k, s, ceil_mode=ceil)}[kind]
    scratch = {"max": lambda: max_pool(x, k, s, p, d, ceil),
               "avg": lambda: avg_pool(x, k, s, p, ceil) if d == 1 else _refuse(),
               "lp": lambda: lp_pool(x, 2, k, s, ceil) if (p, d) == (0, 1) else _refuse()}[kind]
    spec_shape = (lambda: spec().output_shape((1, i))[1:]) if (kind != "lp" or (p, d) == (0, 1)) \
        else _refuse
    return {
        "pool_output_size": _outcome(lambda: pool_output_size((i,), k, kind=kind, **geometry)),
        "explain_pool": _outcome(lambda: (explain_pool(i, k, kind=kind, **geometry).result,)),
        "spec": _outcome(spec_shape),
        "scratch": _outcome(lambda: scratch().shape[2:]),
    }


def _refuse():
    # the spec or scratch function has no such argument, as torch's module has none
    raise ConvArithError("no such argument")


@pytest.mark.parametrize("kind", ["max", "avg", "lp"])
def test_every_entry_point_accepts_exactly_what_torch_accepts(kind):
    disagreements = []
    for i, k, s, p, d, ceil in itertools.product(range(1, 6), (1, 2, 3), (1, 2), (0, 1, 2),
                                                 (1, 2), (False, True)):
        want = _torch(kind, i, k, s, p, d, ceil)
        for who, got in _entry_points(kind, i, k, s, p, d, ceil).items():
            if got != want:
                disagreements.append(f"{who} {got} vs torch {want} at i={i} k={k} s={s} "
                                     f"p={p} d={d} ceil={ceil}")
    assert not disagreements, "\n".join(disagreements[:10])


def test_the_grid_reaches_both_sides_of_torch_validity():
    outcomes = {_torch(kind, i, k, 1, p, 1, False) == REJECTED
                for kind in ("max", "avg") for i in (1, 4) for k in (1, 3) for p in (0, 2)}
    assert outcomes == {True, False}


def test_explain_rejects_asymmetric_pool_padding_as_the_size_does():
    message = r"padding=\(\(0, 2\),\) is not supported by PyTorch's pooling layers"
    with pytest.raises(ConvArithError, match=message):
        pool_output_size(8, kernel_size=3, padding=((0, 2),))
    with pytest.raises(ConvArithError, match=message):
        explain_pool(8, kernel_size=3, padding=((0, 2),))


def test_avg_pool_spec_takes_a_dilation_of_ones_as_the_formula_does():
    assert AvgPool(2, dilation=(1, 1)).output_shape((3, 8, 8)) == (3, 4, 4)
    assert pool_output_size((8, 8), kernel_size=2, kind="avg", dilation=(1, 1)) == (4, 4)
    for entry in (lambda: AvgPool(2, dilation=(1, 2)).output_shape((3, 8, 8)),
                  lambda: pool_output_size((8, 8), kernel_size=2, kind="avg", dilation=(1, 2))):
        with pytest.raises(ConvArithError, match="AvgPool has no dilation in PyTorch"):
            entry()


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_scene_follows_the_same_rules(mode):
    with pytest.raises(ConvArithError, match="more than half of kernel_size"):
        pool_scene(8, kernel_size=2, padding=2, kind=mode)
    scene = pool_scene(5, kernel_size=2, stride=2, padding=1, ceil_mode=True, kind=mode)
    assert np.shape(scene.output_values) == pool_output_size((5, 5), kernel_size=2,
                                                             padding=1, ceil_mode=True,
                                                             kind=mode)
    if mode == "avg":
        with pytest.raises(ConvArithError, match="AvgPool has no dilation"):
            pool_scene(8, kernel_size=2, dilation=2, kind=mode)
