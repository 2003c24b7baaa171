"""click parameter types for convarith's notations (sizes, paddings, layer stacks)."""

from __future__ import annotations

from typing import Any

import click

from convarith.choices import PADDING_MODES
from convarith.errors import ConvArithError
from convarith.formulas.notation import parse_size


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
        if value in PADDING_MODES:
            return value
        parts = value.replace("×", "x").split("x")
        try:
            if any(":" in part for part in parts):
                pairs = []
                for part in parts:
                    left, _, right = part.partition(":")
                    pairs.append((int(left), int(right or left)))
                return tuple(pairs)
            numbers = tuple(int(part) for part in parts)
        except ValueError:
            self.fail(
                f"Could not read the padding {value!r}. Write a number (2), one per dimension "
                f"(1x2), left:right pairs (1:2x0:1) or one of {', '.join(PADDING_MODES)}.",
                param, ctx,
            )
        return numbers[0] if len(numbers) == 1 else numbers


SIZE = SizeType()
PADDING = PaddingType()


def show(value: Any) -> str:
    """``55`` or ``55x55`` (a size as the command line writes it)."""
    if isinstance(value, (tuple, list)):
        return "x".join(str(v) for v in value)
    return str(value)
