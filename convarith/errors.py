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
