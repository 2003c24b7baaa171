"""Exercises with answer keys: problem sheets drawn from the formula core.

Every answer is the formula core's, every worked solution the text ``convarith size ...
--explain`` prints, and each problem is drawn so that the common mistakes (forgetting the
dilation, the own-stride receptive-field shortcut, floor vs ceil, a bias per position, ...)
give wrong answers of their own, which the key names.

>>> from convarith.exercises import generate, grade, to_dict
>>> sheet = generate(["rf"], count=1, seed=3, level=3)
>>> key = to_dict(sheet, key=True)
>>> wrong = key["problems"][0]["parts"][0]["mistakes"][0]
>>> wrong["name"], grade(key, {"1": wrong["answer"]})[0].mistake == wrong["says"]
('own_stride_shortcut', True)
"""

from __future__ import annotations

from convarith.exercises.grading import grade, report
from convarith.exercises.render import FORMATS, render, write
from convarith.exercises.sheet import LEVELS, TOPICS, Problem, Sheet, generate, to_dict

__all__ = ["FORMATS", "LEVELS", "TOPICS", "Problem", "Sheet", "generate", "grade", "render",
           "report", "to_dict", "write"]
