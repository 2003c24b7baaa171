"""Answers as the key stores them and as a student may write them.

An answer is an int (an output size, a parameter count, a receptive field), a tuple of ints
(an output volume ``H x W x C``, a ``top:bottom`` padding), the word ``invalid`` (a
configuration PyTorch rejects), or, for a table with blanks, a dict from blank label to one
of those. A student's ``"32x32x10"``, ``[32, 32, 10]``, ``"32 × 32 × 10"`` and ``"1:2"`` are
read into the same canonical form before grading.

>>> read_answer("32 x 32 x 10"), read_answer([1, 2]), read_answer(" 760 "), read_answer("Invalid")
((32, 32, 10), (1, 2), 760, 'invalid')
>>> show_answer((32, 32, 10)), show_answer((1, 2), pair=True), show_answer(760)
('32x32x10', '1:2', '760')
"""

from __future__ import annotations

import re
from typing import Any

from convarith.errors import ConvArithError

#: The answer to "is this configuration valid?" when PyTorch rejects it.
INVALID = "invalid"

#: A canonical answer.
Answer = Any  # int | tuple[int, ...] | str | dict[str, "Answer"]

_SEPARATORS = re.compile(r"\s*(?:x|×|\*|,|:|\s)\s*")


def read_answer(value: Any) -> Answer:
    """A student's answer in canonical form (ConvArithError when it cannot be read)."""
    if isinstance(value, bool):
        raise ConvArithError(
            f"Error reading an answer: {value!r} is not a size or a count. "
            "Write a number (760), a shape (32x32x10), a pair (1:2) or 'invalid'.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(label): read_answer(item) for label, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = tuple(read_answer(item) for item in value)
        if not all(isinstance(item, int) for item in items):
            raise ConvArithError(
                f"Error reading an answer: {value!r} mixes numbers and words. "
                "Write a shape as numbers only, e.g. [32, 32, 10].")
        return items[0] if len(items) == 1 else items
    if isinstance(value, str):
        text = value.strip().lower().strip("()[]").strip()
        if text in (INVALID, "not valid", "rejected", "error"):
            return INVALID
        parts = [part for part in _SEPARATORS.split(text) if part]
        if parts and all(re.fullmatch(r"-?\d+", part) for part in parts):
            numbers = tuple(int(part) for part in parts)
            return numbers[0] if len(numbers) == 1 else numbers
    raise ConvArithError(
        f"Error reading an answer: {value!r} is not a number, a shape or 'invalid'. "
        "Write e.g. 760, 32x32x10, 1:2 or invalid.")


def show_answer(answer: Answer, *, pair: bool = False) -> str:
    """An answer as the key writes it: ``760``, ``32x32x10``, ``1:2`` (``pair``), ``invalid``."""
    if isinstance(answer, tuple):
        return (":" if pair else "x").join(str(item) for item in answer)
    if isinstance(answer, dict):
        return ", ".join(f"{label} = {show_answer(item)}" for label, item in answer.items())
    return str(answer)


def to_json(answer: Answer) -> Any:
    """The answer as JSON holds it (tuples become lists)."""
    if isinstance(answer, tuple):
        return list(answer)
    if isinstance(answer, dict):
        return {label: to_json(item) for label, item in answer.items()}
    return answer
