"""The assignment's stub left in at import time."""


def helper():
    raise NotImplementedError


helper()


def conv2d(x, weight, bias=None):
    return x
