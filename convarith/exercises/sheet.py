"""A problem sheet and its answer key: problems drawn from a seed, written as data.

>>> sheet = generate(["size"], count=2, seed=7, level=1)
>>> [problem.number for problem in sheet.problems], sheet.problems[0].parts[0].answer
([1, 2], (27, 27, 6))
>>> generate(["size"], count=2, seed=7, level=1) == sheet
True
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from convarith.errors import ConvArithError
from convarith.exercises.answers import INVALID, Answer, show_answer
from convarith.exercises.fill_in import table_problem
from convarith.exercises.mistakes import MISTAKES, mistakes_of
from convarith.exercises.solutions import (
    Config,
    answer_of,
    command_of,
    rejection,
    rf_notation,
    solution_of,
)
from convarith.exercises.topics import draw

#: Topics of ``convarith exercises --topic``, in the order a mixed sheet cycles through them.
TOPICS: tuple[str, ...] = ("size", "params", "rf", "padding", "validity", "table")

#: Levels: 1 the notes' formula, 2 dilation / lost input / ceil mode / output padding,
#: 3 strides in receptive fields, groups and bias, whole networks.
LEVELS: tuple[int, ...] = (1, 2, 3)

SCHEMA = "convarith.exercises/1"


@dataclass(frozen=True)
class Mistake:
    """A wrong answer the key knows, and the mistake that gives it."""

    name: str
    says: str
    answer: Answer


@dataclass(frozen=True)
class Part:
    """One answer to give: the whole problem, or one blank (``label``) of a table."""

    label: str
    config: Config
    answer: Answer
    solution: str
    solution_latex: str
    command: str
    mistakes: tuple[Mistake, ...]
    targets: tuple[str, ...] = ()

    def show(self, answer: Answer | None = None) -> str:
        """An answer written the way this part asks for it (``1:2`` for a padding pair)."""
        return show_answer(self.answer if answer is None else answer,
                           pair=bool(self.config.get("pair")))


@dataclass(frozen=True)
class Problem:
    """A numbered question with its parts (a table has one part per blank)."""

    number: int
    topic: str
    level: int
    question: str
    parts: tuple[Part, ...]
    table: dict[str, Any] | None = None  # headers, cells (blanks as "(A)"), caption

    @property
    def answer(self) -> Answer:
        if self.table is None:
            return self.parts[0].answer
        return {part.label: part.answer for part in self.parts}


@dataclass(frozen=True)
class Sheet:
    """The problems of one sheet and how they were drawn (same seed, same sheet)."""

    topics: tuple[str, ...]
    level: int
    seed: int
    problems: tuple[Problem, ...] = field(default=())


def _known_mistakes(config: Config, targets: Sequence[str]) -> tuple[Mistake, ...]:
    """Every mistake that applies, the target ones first (two mistakes may give the same
    wrong answer: the grader then names both)."""
    ordered = [(MISTAKES[name], MISTAKES[name].answer(config)) for name in targets]
    ordered += [(m, wrong) for m, wrong in mistakes_of(config) if m.name not in targets]
    right = answer_of(config)
    return tuple(Mistake(model.name, model.says, wrong) for model, wrong in ordered
                 if wrong is not None and wrong != right)


def make_part(config: Config, targets: Sequence[str] = (), label: str = "") -> Part:
    """A part with its answer, worked solution, command and mistakes, all from the core."""
    return Part(label, config, answer_of(config), solution_of(config),
                solution_of(config, latex=True), command_of(config),
                _known_mistakes(config, targets), tuple(targets))


def generate(topics: Sequence[str], *, count: int, seed: int, level: int) -> Sheet:
    """``count`` problems cycling through ``topics``, drawn from ``random.Random(seed)``."""
    unknown = [topic for topic in topics if topic not in TOPICS]
    if unknown or not topics:
        raise ConvArithError(
            f"Error generating exercises: topic {unknown[0] if unknown else '(none)'!r} is not "
            f"known. Use one or more of {', '.join(TOPICS)}.")
    if level not in LEVELS:
        raise ConvArithError(
            f"Error generating exercises: level={level!r} is not known. Use 1, 2 or 3.")
    if count < 1:
        raise ConvArithError(
            f"Error generating exercises: count={count} must be at least 1. Use count >= 1.")
    rng = random.Random(seed)
    problems = []
    for number in range(1, count + 1):
        topic = topics[(number - 1) % len(topics)]
        if topic == "table":
            problems.append(_table(number, level, rng))
            continue
        config, targets = draw(topic, level, rng)
        problems.append(Problem(number, topic, level, question_of(config, topic),
                                (make_part(config, targets),)))
    return Sheet(tuple(topics), level, seed, tuple(problems))


def _table(number: int, level: int, rng: random.Random) -> Problem:
    drawn = table_problem(level, rng)
    parts = tuple(make_part(blank["config"], label=label)
                  for label, blank in drawn["blanks"].items())
    what = (f"the zoo model {drawn['model']}" if drawn["model"]
            else "a stack of layers (ReLU after each convolution, folded into its row)")
    labels = ", ".join(drawn["blanks"])
    question = (f"Fill in the blanks {labels} of the shape table of {what}, input "
                f"{'x'.join(str(x) for x in drawn['network'].input_shape)} (C x H x W). "
                "Outputs are H x W x C; params count weights and biases.")
    shown = {"headers": drawn["headers"], "cells": drawn["cells"], "caption": drawn["caption"],
             "model": drawn["model"], "layers": [repr(layer) for layer in
                                                 drawn["network"].layers],
             "input_shape": list(drawn["network"].input_shape),
             "network": drawn["network"]}  # the Network itself (not written out)
    return Problem(number, "table", level, question, parts, shown)


# ----------------------------------------------------------------- questions


def _with(config: Config, *, stride: bool = True) -> str:
    parts = [f"stride {config['s']}"] if stride else []
    parts.append(f"padding {config['p']}")
    if config.get("d", 1) != 1:
        parts.append(f"dilation {config['d']}")
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]


def _module(config: Config) -> str:
    """The layer as PyTorch code: ``nn.Conv2d(8, 8, kernel_size=3, stride=1, padding=2)``."""
    k, s, p, d = config["k"], config["s"], config["p"], config["d"]
    if config["kind"] == "conv":
        return f"nn.Conv2d(8, 8, kernel_size={k}, stride={s}, padding={p}, dilation={d})"
    if config["kind"] == "pool":
        return (f"nn.MaxPool2d(kernel_size={k}, stride={s}, padding={p}, dilation={d}"
                + (", ceil_mode=True)" if config["ceil"] else ")"))
    return (f"nn.ConvTranspose2d(8, 8, kernel_size={k}, stride={s}, padding={p}, "
            f"output_padding={config['a']}, dilation={d})")


def _a(size: int) -> str:
    """``a 32x32`` but ``an 8x8``, ``an 11x11``, ``an 18x18``."""
    text = str(size)
    return "an" if text.startswith("8") or text in ("11", "18") else "a"


def question_of(config: Config, topic: str) -> str:
    """The question a config asks, in the words of course notes."""
    kind = config["kind"]
    i, k = config.get("i"), config.get("k")
    if topic == "validity":
        return (f"Does PyTorch accept {_module(config)} on {_a(i)} {i}x{i} input? Answer with the "
                "output size (H = W) if it does, or 'invalid' if it does not.")
    if kind == "conv" and config.get("volume"):
        return (f"{_a(i).capitalize()} {i}x{i}x{config['c_in']} input goes through a convolution with "
                f"{config['c_out']} filters of {k}x{k}, {_with(config)}. What is the output "
                "volume (H x W x C)?")
    if kind == "conv":
        return (f"{_a(i).capitalize()} {i}x{i} input goes through a {k}x{k} convolution with {_with(config)}. "
                "What is the output size (H = W)?")
    if kind == "pool":
        return (f"{_a(i).capitalize()} {i}x{i} input goes through a {k}x{k} max pooling with {_with(config)}, in "
                "ceil mode (PyTorch's ceil_mode=True). What is the output size (H = W)?")
    if kind == "transposed":
        return (f"{_a(i).capitalize()} {i}x{i} input goes through a {k}x{k} transposed convolution with "
                f"{_with(config)}, and output padding {config['a']}. What is the output "
                "size (H = W)?")
    if kind == "conv_params" and config["g"] == 1 and config["bias"]:
        return (f"A convolution with {config['c_out']} filters of {k}x{k} (with biases), "
                f"stride {config['s']} and padding {config['p']}, is applied to {_a(i)} "
                f"{i}x{i}x{config['c_in']} input. How many trainable parameters does it have?")
    if kind == "conv_params":
        return (f"nn.Conv2d({config['c_in']}, {config['c_out']}, kernel_size={k}, "
                f"padding={config['p']}, groups={config['g']}, bias={config['bias']}) is "
                f"applied to {_a(i)} {i}x{i}x{config['c_in']} input. How many trainable parameters "
                "does it have?")
    if kind == "transposed_params":
        return (f"nn.ConvTranspose2d({config['c_in']}, {config['c_out']}, kernel_size={k}, "
                f"stride={config['s']}, padding={config['p']}) upsamples {_a(i)} "
                f"{i}x{i}x{config['c_in']} input. How many trainable parameters does it have "
                "(weights and biases)?")
    if kind == "rf":
        return (f"A stack of layers, first to last: {rf_notation(config['layers'])} (k kernel, "
                "s stride, p padding, d dilation). How many input pixels, along one axis, "
                "does one unit of the last layer's output see (its receptive field)?")
    if kind == "same":
        if config.get("pair"):
            dilation = f" with dilation {config['d']}" if config["d"] != 1 else ""
            return (f"PyTorch's padding='same' for a {k}x{k} convolution{dilation} at stride 1 "
                    f"on {_a(i)} {i}x{i} input: how many rows of padding go on the top, and how many "
                    "on the bottom? Answer as top:bottom.")
        dilation = f" with dilation {config['d']}" if config["d"] != 1 else ""
        return (f"Which padding p (the same on every side) keeps {_a(i)} {i}x{i} input at {i}x{i} "
                f"through a {k}x{k} convolution{dilation} at stride 1?")
    raise ConvArithError(f"Error writing an exercise: kind={kind!r} has no question.")


# ----------------------------------------------------------------- data


def to_dict(sheet: Sheet, *, key: bool) -> dict[str, Any]:
    """The sheet (``key=False``: questions only) or its key as JSON-ready data."""
    from convarith.exercises.answers import to_json

    problems = []
    for problem in sheet.problems:
        entry: dict[str, Any] = {"number": problem.number, "topic": problem.topic,
                                 "level": problem.level, "question": problem.question}
        if problem.table is not None:
            entry["table"] = {name: problem.table[name] for name in
                              ("headers", "cells", "caption")}
            entry["blanks"] = [part.label for part in problem.parts]
        if key:
            entry["answer"] = to_json(problem.answer)
            entry["parts"] = [{
                "label": part.label, "answer": to_json(part.answer),
                "shown": part.show(), "solution": part.solution, "command": part.command,
                "valid": part.answer != INVALID,
                "rejection": rejection(part.config), "config": part.config,
                "targets": list(part.targets),
                "mistakes": [{"name": m.name, "says": m.says, "answer": to_json(m.answer),
                              "shown": part.show(m.answer)} for m in part.mistakes],
            } for part in problem.parts]
            if problem.table is not None:
                entry["table"]["model"] = problem.table["model"]
                entry["table"]["input_shape"] = problem.table["input_shape"]
                entry["table"]["layers"] = problem.table["layers"]
        problems.append(entry)
    return {"schema": SCHEMA, "kind": "key" if key else "sheet", "topics": list(sheet.topics),
            "level": sheet.level, "seed": sheet.seed, "count": len(sheet.problems),
            "problems": problems}
