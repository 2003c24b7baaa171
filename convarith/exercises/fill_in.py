"""Shape tables with blanks: a zoo model or a random valid stack, some cells left for the
student to fill in.

The table is :func:`convarith.table.table`'s (every number from the formula core); a blank
is an output shape or a parameter count of a row whose layer the exercise configs can state
(a square convolution, pooling or dense layer), chosen only where some known mistake applies
and every one that does gives a wrong answer. Each blank's answer, worked solution and mistakes come from the
same functions as the single-layer problems.

>>> import random
>>> problem = table_problem(1, random.Random(3))
>>> sorted(problem["answers"])
['A', 'B', 'C']
"""

from __future__ import annotations

import random
from typing import Any

from convarith.errors import ConvArithError
from convarith.exercises.mistakes import mistakes_of
from convarith.exercises.solutions import Config, answer_of
from convarith.specs.layers import Conv, Flatten, Layer, Linear, MaxPool, ReLU
from convarith.specs.network import Network

#: Zoo models a level-3 table can blank (built from plain convolutions, pooling and dense
#: layers; LeNet-5 as published has partial connections the single-layer configs cannot state).
TABLE_MODELS: tuple[str, ...] = ("lenet5-modern", "alexnet", "zfnet", "alexnet-small")

#: Columns of an exercise table (the totals row is left out: it would give blanks away).
COLUMNS: tuple[str, ...] = ("layer", "type", "kernel", "stride", "padding", "dilation",
                            "groups", "output", "params")

LABELS = "ABCDEFGHIJ"


def _scalar(value: Any) -> Any:
    """An int, or the one value every axis shares (None when the axes differ)."""
    if isinstance(value, (tuple, list)):
        values = {_scalar(v) for v in value}
        return values.pop() if len(values) == 1 else None
    return value


def cell_configs(layer: Layer, input_shape: tuple[int, ...]) -> dict[str, Config]:
    """The configs of a row's output and params cells that the exercises can state."""
    found: dict[str, Config] = {}
    if isinstance(layer, Linear):
        found["params"] = {"kind": "linear_params", "n_in": input_shape[0],
                           "n_out": layer.out_features, "bias": layer.bias}
        return found
    if len(input_shape) != 3 or input_shape[1] != input_shape[2]:
        return found
    c, i = input_shape[0], input_shape[1]
    if isinstance(layer, Conv):
        k, s, p, d = (_scalar(v) for v in (layer.kernel_size, layer.stride, layer.padding,
                                           layer.dilation))
        if None in (k, s, p, d) or isinstance(layer.padding, str):
            return found
        found["output"] = {"kind": "conv", "i": i, "k": k, "s": s, "p": p, "d": d, "c_in": c,
                           "c_out": layer.out_channels, "volume": True}
        found["params"] = {"kind": "conv_params", "c_in": c, "c_out": layer.out_channels,
                           "k": k, "g": layer.groups, "bias": layer.bias, "i": i, "s": s, "p": p,
                           "d": d}
    elif isinstance(layer, MaxPool):
        k, p, d = (_scalar(v) for v in (layer.kernel_size, layer.padding, layer.dilation))
        s = k if layer.stride is None else _scalar(layer.stride)
        if None in (k, s, p, d):
            return found
        found["output"] = {"kind": "pool", "i": i, "k": k, "s": s, "p": p, "d": d,
                           "ceil": layer.ceil_mode, "c_in": c, "c_out": c, "volume": True}
    return found


def random_stack(level: int, rng: random.Random) -> Network:
    """A valid stack: level 1 stride-1 convolutions and 2x2 pooling that divide evenly;
    level 2 adds dilation, strides and ceil-mode pooling; level 3 has 4 to 6 convolution and
    pooling layers with groups and bias choices, then a flatten and a dense layer (6 to 8
    layers, the ReLUs not counted)."""
    while True:
        channels = rng.choice((1, 3))
        size = rng.choice((28, 32, 64) if level == 1 else (27, 31, 32, 57, 64, 65))
        layers: list[Layer] = []
        convs, pools = 0, 0
        count = rng.randint(3, 4) if level < 3 else rng.randint(4, 6)
        for position in range(count):
            if position % 2 == 0 or (level == 3 and rng.random() < 0.3):
                convs += 1
                k = rng.choice((3, 5)) if level == 1 else rng.choice((3, 3, 5, 7))
                out = rng.choice((6, 8, 16, 32, 64))
                options: dict[str, Any] = {"padding": rng.choice((0, k // 2))}
                if level >= 2:
                    options["stride"] = rng.choice((1, 2))
                    options["dilation"] = rng.choice((1, 1, 2))
                if level == 3:
                    previous = channels if not layers else _channels(layers, channels)
                    groups = rng.choice([g for g in (1, 1, 2, 4) if previous % g == 0
                                         and out % g == 0])
                    options.update(groups=groups, bias=rng.random() < 0.7)
                layers += [Conv(out, k, name=f"conv{convs}", **options), ReLU()]
            else:
                pools += 1
                ceil = level >= 2 and rng.random() < 0.5
                k = 2 if level == 1 else rng.choice((2, 3))
                name = f"pool{pools}" + (" (ceil)" if ceil else "")
                layers.append(MaxPool(k, stride=2, ceil_mode=ceil, name=name))
        if level == 3:
            layers += [Flatten(), Linear(rng.choice((10, 100)), name="fc")]
        net = Network(f"stack-{level}", (channels, size, size), tuple(layers))
        try:
            flow = net.flow()
        except ConvArithError:
            continue
        if level == 1 and any(layer.lost(i) and any(layer.lost(i))
                              for layer, (i, _) in zip(net.layers, flow)
                              if isinstance(layer, (Conv, MaxPool))):
            continue  # the notes' formula divides evenly at level 1
        return net


def _channels(layers: list[Layer], channels: int) -> int:
    for layer in reversed(layers):
        if isinstance(layer, Conv):
            return layer.out_channels
    return channels


def table_problem(level: int, rng: random.Random) -> dict[str, Any]:
    """A table with blanks: headers, rows of cells (a blank is its label), and per blank
    its row, column, config, answer and applicable mistakes."""
    from convarith.specs import zoo
    from convarith.tables.table import table

    if level == 3 and rng.random() < 0.5:
        model: str | None = rng.choice(TABLE_MODELS)
        net = zoo.get(model)
    else:
        model, net = None, random_stack(level, rng)
    shown = table(net, columns=list(COLUMNS))
    headers, cells, _ = shown.grid()
    columns = list(shown.columns)
    candidates = []
    for r, row in enumerate(shown.rows[1:], 1):
        layer = net.layers[row.layers[0] - 1]
        for column, config in cell_configs(layer, row.input_shape).items():
            wrong = [answer for _, answer in mistakes_of(config)]
            if wrong and answer_of(config) not in wrong and column in columns:
                candidates.append((r, column, config))
    wanted = 3 if level < 3 else 4
    chosen = sorted(rng.sample(candidates, min(wanted, len(candidates))),
                    key=lambda c: (c[0], columns.index(c[1])))
    blanks = {}
    for label, (r, column, config) in zip(LABELS, chosen):
        cells[r][columns.index(column)] = f"({label})"
        blanks[label] = {"row": r, "column": column, "layer": cells[r][0], "config": config}
    kept = [c for c in range(len(columns)) if any(row[c] for row in cells[1:])]
    headers = [headers[c] for c in kept]  # columns no layer fills (groups, dilation) go
    cells = [[row[c] for c in kept] for row in cells]
    return {"model": model, "network": net, "headers": headers, "cells": cells,
            "caption": shown.caption(), "blanks": blanks,
            "answers": {label: answer_of(blank["config"]) for label, blank in blanks.items()}}
