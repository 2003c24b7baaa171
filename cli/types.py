"""click parameter types for convarith's notations (sizes, paddings, layer stacks)."""

from __future__ import annotations

import math
from typing import Any

import click

from convarith.choices import CONVENTIONS
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
    """``click.Path`` that refuses a NUL byte in one line (``os.stat`` raises ValueError on
    it, which click does not catch)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail(f"{value!r} holds a NUL byte, which no file name may hold. Give another "
                      "path.", param, ctx)
        return super().convert(value, param, ctx)


#: Seeds: torch, numpy and Python all take 0 .. 2**32 - 1 (numpy refuses negative seeds).
SEED = click.IntRange(min=0, max=2**32 - 1)

def reject_unused(kind: str, applies: dict[str, tuple[str, ...]]) -> None:
    """Refuse, in one line, options given on the command line that ``kind`` does not use
    (``applies``: option name -> the kinds it applies to), instead of ignoring them."""
    context = click.get_current_context()
    for parameter in context.command.params:
        name = parameter.name or ""
        if name not in applies or kind in applies[name]:
            continue
        if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            flag = parameter.opts[-1] if isinstance(parameter, click.Option) else name
            kinds = applies[name]
            listed = (", ".join(kinds[:-1]) + f" and {kinds[-1]}" if len(kinds) > 1
                      else kinds[0] if kinds else "no kind here")
            raise ConvArithError(f"{flag} applies to {listed}, not {kind}. Drop it.")


SIZE = SizeType()
PADDING = PaddingType()


#: A size as the command line writes it: ``55`` or ``55x55``.
show = show_size


#: ``--convention``: whose padding and output-size rules apply (shared by size and solve).
CONVENTION = click.option(
    "--convention", type=click.Choice(CONVENTIONS), default="torch", show_default=True,
    help="Whose rules: PyTorch's, or Keras'/TensorFlow's (padding valid or same; same works "
         "at any stride and gives ceil(i/s)).")

#: ``--channels-last``: read sizes as H x W x C (Keras' order), not C x H x W (PyTorch's).
CHANNELS_LAST = click.option(
    "--channels-last", is_flag=True,
    help="--input is HxWxC (Keras' channels-last order), not CxHxW; shapes are shown so.")
