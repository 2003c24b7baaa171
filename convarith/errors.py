"""The one exception convarith raises for bad input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ConvArithError(ValueError):
    """A configuration convarith (or PyTorch) rejects.

    The message names the values given, what is wrong with them and how to fix it,
    in one line, so the command line can print it as ``Error: <message>``.

    >>> raise ConvArithError("kernel_size=0 must be at least 1. Use kernel_size >= 1.")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: kernel_size=0 must be at least 1. Use kernel_size >= 1.
    """


def one_line(error: Exception) -> str:
    """The error's message on one line, without the library's leading "Error " (the command
    line and the explorer page write ``Error: `` before it).

    >>> one_line(ConvArithError("Error computing x:\\n  k=0 is wrong."))
    'computing x: k=0 is wrong.'
    """
    message = " ".join(str(error).split())
    return message[len("Error "):] if message.startswith("Error ") else message


class Spelling:
    """How the caller writes an argument in a message: ``name`` / ``name=value`` (Python) by
    default, or ``--option`` / ``--option value`` where ``options`` maps the name to the
    caller's option (a command line passes its own, so library errors speak its words).

    >>> Spelling()("layout", "chw"), Spelling({"layout": "--layout"})("layout", "chw")
    ('layout=chw', '--layout chw')
    """

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options = dict(options or {})

    def __call__(self, name: str, value: str | None = None) -> str:
        if name in self.options:
            return self.options[name] if value is None else f"{self.options[name]} {value}"
        return name if value is None else f"{name}={value}"

    def argument(self, name: str, value: Any) -> str:
        """An argument given where it does not apply: ``ceil_mode=True`` (Python), or the
        option alone, ``--ceil-mode`` (a command line).

        >>> cli = Spelling({"ceil_mode": "--ceil-mode"})
        >>> Spelling().argument("ceil_mode", True), cli.argument("ceil_mode", True)
        ('ceil_mode=True', '--ceil-mode')
        """
        return self.options[name] if name in self.options else f"{name}={value!r}"
