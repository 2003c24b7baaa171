"""click parameter types for convarith's notations (sizes, paddings, layer stacks)."""

from __future__ import annotations

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


SIZE = SizeType()
PADDING = PaddingType()


#: A size as the command line writes it: ``55`` or ``55x55``.
show = show_size
