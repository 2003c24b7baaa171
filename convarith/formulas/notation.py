"""The short notations convarith reads: sizes like ``3x224x224`` and layer stacks like
``"conv k=11 s=4 p=2; pool k=3 s=2"``.

>>> parse_size("224")
224
>>> parse_size("3x224x224")
(3, 224, 224)
>>> parse_padding("1:2x0:1")
((1, 2), (0, 1))
>>> show_size((55, 55))
'55x55'
>>> parse_layers("conv k=11 s=4 p=2; pool k=3 s=2")
[RFLayer(kind='conv', k=11, s=4, p=2, d=1, name='conv k=11 s=4 p=2'), RFLayer(kind='pool', k=3, s=2, p=0, d=1, name='pool k=3 s=2')]
"""

from __future__ import annotations

import re
from typing import Any

from convarith.choices import PADDING_MODES, RF_KINDS
from convarith.errors import ConvArithError
from convarith.formulas.receptive import RFLayer

_SIZE = re.compile(r"^\s*\d+(\s*[x×,]\s*\d+)*\s*$")


def parse_size(text: str) -> int | tuple[int, ...]:
    """``"224"`` -> 224, ``"224x224"`` -> (224, 224) (also ``×`` or commas between numbers).

    >>> parse_size("32, 32")
    (32, 32)
    >>> parse_size("32xx")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Could not read the size '32xx'. Write a number or numbers joined by x, e.g. 224, 224x224 or 3x224x224.
    """
    if not _SIZE.match(text):
        raise ConvArithError(
            f"Could not read the size {text!r}. Write a number or numbers joined by x, "
            "e.g. 224, 224x224 or 3x224x224."
        )
    numbers = tuple(int(x) for x in re.split(r"[x×,]", text.replace(" ", "")))
    return numbers[0] if len(numbers) == 1 else numbers


def show_size(value: Any) -> str:
    """A size as convarith writes it: ``55``, or ``55x55`` for one per axis (parse_size's
    inverse).

    >>> show_size(224), show_size((3, 224, 224))
    ('224', '3x224x224')
    """
    if isinstance(value, (tuple, list)):
        return "x".join(str(v) for v in value)
    return str(value)


def show_axes(value: Any, *, sep: str = "x") -> str:
    """A per-axis value as tables and figure titles write it: one number when every axis
    agrees, the axes joined by x (``sep``) otherwise; nested values (per-side padding) the
    same way.

    >>> show_axes(3), show_axes((3, 3)), show_axes((2, 3)), show_axes(((1, 2), (1, 2)))
    ('3', '3', '2x3', '1x2')
    >>> show_axes((2, 1), sep="×")
    '2×1'
    """
    if isinstance(value, (tuple, list)):
        parts = [show_axes(v, sep=sep) for v in value]
        return "" if not parts else parts[0] if len(set(parts)) == 1 else sep.join(parts)
    return str(value)


def show_pads(pairs: Any) -> str:
    """Per-axis (left, right) padding in the notation :func:`parse_padding` reads: ``1``
    when it is the same everywhere, ``1x2`` per axis, ``1:2x0:1`` when a side differs.

    >>> show_pads(((1, 1), (1, 1))), show_pads(((1, 1), (2, 2))), show_pads(((1, 2), (0, 1)))
    ('1', '1x2', '1:2x0:1')
    """
    if all(left == right for left, right in pairs):
        return show_axes([left for left, _ in pairs])
    return "x".join(f"{left}:{right}" for left, right in pairs)


def parse_padding(text: str) -> Any:
    """``2``, ``1x2`` (per dimension), ``1:2`` (left:right), ``1:2x0:1`` or a padding mode.

    >>> parse_padding("2"), parse_padding("1x2"), parse_padding("1:2"), parse_padding("same")
    (2, (1, 2), ((1, 2),), 'same')
    >>> parse_padding("1:")
    ((1, 1),)
    >>> parse_padding("a")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Could not read the padding 'a'. Write a number (2), one per dimension (1x2), left:right pairs (1:2x0:1) or one of valid, same, full.
    """
    if text in PADDING_MODES:
        return text
    parts = text.replace("×", "x").split("x")
    try:
        if any(":" in part for part in parts):
            pairs = []
            for part in parts:
                left, _, right = part.partition(":")
                pairs.append((int(left), int(right or left)))
            return tuple(pairs)
        numbers = tuple(int(part) for part in parts)
    except ValueError:
        raise ConvArithError(
            f"Could not read the padding {text!r}. Write a number (2), one per dimension "
            f"(1x2), left:right pairs (1:2x0:1) or one of {', '.join(PADDING_MODES)}."
        ) from None
    return numbers[0] if len(numbers) == 1 else numbers


def closing_bracket(text: str, start: int) -> int:
    """The index of the bracket closing the one at ``start`` (-1: none closes it).

    >>> closing_bracket("floor((a)/2) + 1", 5)
    11
    """
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return -1


def parse_layers(text: str) -> list[RFLayer]:
    """A stack of layers written ``kind k=.. [s=..] [p=..] [d=..]`` and separated by ``;``.

    >>> [layer.stride for layer in parse_layers("conv k=3; pool k=2")]
    [1, 2]
    """
    layers = []
    for number, chunk in enumerate(filter(None, (c.strip() for c in text.split(";"))), 1):
        words = chunk.split()
        kind, fields = words[0].lower(), words[1:]
        if kind not in RF_KINDS:
            raise ConvArithError(
                f"Could not read layer {number} ({chunk!r}): {kind!r} is not a layer kind. "
                f"Use one of {', '.join(RF_KINDS)}, e.g. 'conv k=3 s=1 p=1'."
            )
        values: dict[str, int] = {}
        for field in fields:
            key, _, value = field.partition("=")
            if key not in ("k", "s", "p", "d") or not value.isdigit():
                raise ConvArithError(
                    f"Could not read layer {number} ({chunk!r}): {field!r} is not of the form "
                    "k=N, s=N, p=N or d=N. Write e.g. 'conv k=3 s=2 p=1'."
                )
            values[key] = int(value)
        if "k" not in values:
            raise ConvArithError(
                f"Could not read layer {number} ({chunk!r}): no kernel size. Add k=N."
            )
        layers.append(RFLayer(kind, values["k"], values.get("s"), values.get("p", 0),
                              values.get("d", 1), name=chunk))
    if not layers:
        raise ConvArithError(
            f"Could not read any layer from {text!r}. Write e.g. 'conv k=3 s=1 p=1; pool k=2'."
        )
    return layers
