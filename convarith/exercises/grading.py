"""Grading a student's answers against a JSON key: right, wrong with the mistake named where
a known one explains it, and the worked solution.

Answers are a JSON object from question number to answer (``{"1": "32x32x10", "2": 760}``);
a table's blanks go in an object of their own (``{"6": {"A": "28x28x6", "B": 156}}``) or as
``"6A"``. The key is the one ``convarith exercises`` writes as JSON.

>>> from convarith.exercises.sheet import generate, to_dict
>>> key = to_dict(generate(["params"], count=1, seed=1, level=1), key=True)
>>> right = key["problems"][0]["answer"]
>>> [result.verdict for result in grade(key, {"1": right})]
['right']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convarith.errors import ConvArithError
from convarith.exercises.answers import Answer, read_answer
from convarith.exercises.sheet import SCHEMA


@dataclass(frozen=True)
class Result:
    """The grade of one answer (one blank of a table counts as one answer)."""

    number: int
    label: str
    verdict: str  # "right", "wrong" or "missing"
    given: str  # the answer as the student wrote it ("" when missing)
    expected: str
    mistake: str | None  # what the student did, when a known mistake gives their answer
    solution: str
    command: str
    problem: str = ""  # why the answer could not be read

    @property
    def name(self) -> str:
        return f"{self.number}{self.label}"


def load_json(path: str | os.PathLike[str], what: str) -> Any:
    """A JSON file, or one ConvArithError line naming the file and the fix."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ConvArithError(f"Error reading {what} {path}: {reason}. Give a readable JSON "
                             "file.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fix = ("Give the JSON key ('convarith exercises ... --key key.json' writes it)"
               if what == "the key" else
               'Write it as JSON, e.g. {"1": "32x32x10", "2": 760}')
        raise ConvArithError(
            f"Error reading {what} {path}: not JSON ({error.msg} at line {error.lineno}, "
            f"column {error.colno}). {fix}.") from None


def check_key(key: Any, path: str = "the key") -> dict[str, Any]:
    """The key, checked to be a convarith answer key."""
    if not isinstance(key, dict) or key.get("schema") != SCHEMA:
        raise ConvArithError(
            f"Error reading the key {path}: it is not a convarith exercises key (no \"schema\": "
            f"\"{SCHEMA}\"). Write one with 'convarith exercises ... --key key.json'.")
    if key.get("kind") != "key":
        raise ConvArithError(
            f"Error reading the key {path}: it is the problem sheet, not its answer key. Give "
            "the key file ('convarith exercises ... --key key.json' writes it).")
    return key


def _lookup(answers: dict[str, Any], number: int, label: str) -> Any:
    entry = answers.get(str(number))
    if label:
        if isinstance(entry, dict):
            return entry.get(label, answers.get(f"{number}{label}"))
        return answers.get(f"{number}{label}")
    return entry


def _answers(answers: Any) -> dict[str, Any]:
    if isinstance(answers, dict) and isinstance(answers.get("answers"), (dict, list)):
        answers = answers["answers"]
    if isinstance(answers, list):
        return {str(n): value for n, value in enumerate(answers, 1)}
    if isinstance(answers, dict):
        return {str(name).strip().lstrip("Qq").rstrip(".").strip(): value
                for name, value in answers.items()}
    raise ConvArithError(
        "Error reading the answers: they are not an object from question number to answer. "
        "Write e.g. {\"1\": \"32x32x10\", \"2\": 760}.")


def grade(key: dict[str, Any], answers: Any) -> list[Result]:
    """One result per answer the key asks for, in question order."""
    check_key(key)
    given_answers = _answers(answers)
    results = []
    try:
        for problem in key["problems"]:
            for part in problem["parts"]:
                given = _lookup(given_answers, problem["number"], part["label"])
                results.append(_grade_part(problem["number"], part, given))
    except (KeyError, TypeError, AttributeError, ConvArithError) as error:
        detail = error.args[0] if isinstance(error, KeyError) else " ".join(str(error).split())
        raise ConvArithError(
            f"Error reading the key: it is damaged ({type(error).__name__}: {detail}). Write it "
            "again with 'convarith exercises ... --key key.json' (the same seed gives the same "
            "key).") from None
    return results


def _grade_part(number: int, part: dict[str, Any], given: Any) -> Result:
    expected = read_answer(part["answer"])  # the key's answers (a damaged key raises)
    wrong = [(read_answer(m["answer"]), m["says"]) for m in part["mistakes"]]
    common = {"number": number, "label": part["label"], "expected": part["shown"],
              "solution": part["solution"], "command": part["command"]}
    if given is None or given == "":
        return Result(verdict="missing", given="", mistake=None, **common)
    shown = given if isinstance(given, str) else json.dumps(given)
    try:
        answer: Answer = read_answer(given)
    except ConvArithError as error:
        reason = " ".join(str(error).split()).removeprefix("Error reading an answer: ")
        return Result(verdict="wrong", given=shown, mistake=None, problem=reason, **common)
    if answer == expected:
        return Result(verdict="right", given=shown, mistake=None, **common)
    says = [text for mistaken, text in wrong if mistaken == answer]
    return Result(verdict="wrong", given=shown, mistake="; or ".join(says) or None, **common)


def report(results: list[Result]) -> str:
    """The grades as the command prints them, worked solutions under every wrong answer."""
    lines = []
    for result in results:
        if result.verdict == "right":
            lines.append(f"{result.name}. right: {result.given}")
            continue
        if result.verdict == "missing":
            lines.append(f"{result.name}. no answer; the answer is {result.expected}")
        else:
            why = (f"mistake: {result.mistake}" if result.mistake
                   else f"could not read it: {result.problem}" if result.problem
                   else "no known mistake gives it: check each step below")
            lines.append(f"{result.name}. wrong: {result.given} (the answer is "
                         f"{result.expected}); {why}")
        lines += [f"   {line}" for line in result.solution.splitlines()]
        lines.append(f"   (shown by {result.command})")
    right = sum(result.verdict == "right" for result in results)
    lines.append(f"score: {right} of {len(results)} right")
    return "\n".join(lines) + "\n"
