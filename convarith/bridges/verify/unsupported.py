"""The exception a student's layer raises for a feature it does not support.

It has a module of its own so that the bench (:mod:`convarith.bridges.verify.homework`) and
the package that exports it (``convarith.verify.Unsupported``) both import it from here.
"""


class Unsupported(NotImplementedError):
    """Raise it (or NotImplementedError) from your layer for a feature it does not support:
    the bench lists the feature as unsupported instead of wrong."""
