"""The one exception convarith raises for bad input."""

from __future__ import annotations


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
