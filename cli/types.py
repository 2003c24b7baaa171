"""click parameter types for convarith's notations (sizes, paddings, layer stacks)."""

from __future__ import annotations

import math
from typing import Any

import click

from convarith.errors import ConvArithError
from convarith.formulas.notation import parse_padding, parse_size, show_size


class SizeType(click.ParamType):
    """``224``, ``224x224`` or ``8x32x32``."""

    name = "SIZE"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, (int, tuple)):
            return value
        try:
            return parse_size(value)
        except ConvArithError as error:
            self.fail(str(error), param, ctx)


class PaddingType(click.ParamType):
    """``2``, ``1x2`` (per dimension), ``1:2`` (left:right), ``1:2x0:1``, or a mode name."""

    name = "PADDING"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse_padding(value)
        except ConvArithError as error:
            self.fail(str(error), param, ctx)


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses ``nan`` and ``inf`` (NaN compares false with
    every bound, so a plain range lets it through)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give one such as "
                      f"{self.min if self.min is not None else 1:g}.", param, ctx)
        return number


class PathType(click.Path):
    """``click.Path`` that refuses a NUL byte (``os.stat`` raises ValueError on it, which
    click does not catch) and an empty path, each in one line."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail(f"{value!r} holds a NUL byte, which no file name may hold. Give another "
                      "path.", param, ctx)
        if isinstance(value, str) and not value.strip():
            self.fail(f"{value!r} is an empty path. Give a file or folder name.", param, ctx)
        return super().convert(value, param, ctx)


#: Seeds: torch, numpy and Python all take 0 .. 2**32 - 1 (numpy refuses negative seeds).
SEED = click.IntRange(min=0, max=2**32 - 1)

#: A size, kernel, stride or dilation as one whole number (the scalar solvers, compare).
WHOLE = click.IntRange(min=1)

#: ``224``, ``224x224``, ``8x32x32``; a padding or a padding mode.
SIZE = SizeType()
PADDING = PaddingType()


#: A size as the command line writes it: ``55`` or ``55x55``.
show = show_size

