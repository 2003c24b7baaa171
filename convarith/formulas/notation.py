"""The short notations convarith reads: sizes like ``3x224x224`` and layer stacks like
``"conv k=11 s=4 p=2; pool k=3 s=2"``.

>>> parse_size("224")
224
>>> parse_size("3x224x224")
(3, 224, 224)
>>> parse_layers("conv k=11 s=4 p=2; pool k=3 s=2")
[RFLayer(kind='conv', k=11, s=4, p=2, d=1, name='conv k=11 s=4 p=2'), RFLayer(kind='pool', k=3, s=2, p=0, d=1, name='pool k=3 s=2')]
"""

from __future__ import annotations

import re

from convarith.choices import RF_KINDS
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
