"""A file that does not parse."""


def conv2d(x, weight, bias=None)
    return x
