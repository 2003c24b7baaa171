"""A script that ends with sys.exit(): importing it must not end convarith."""

import sys


def conv2d(x, weight, bias=None):
    return x


sys.exit(3)
