"""Loops forever when the stride is not 1 (a while loop whose step is forgotten)."""

import time

from convarith.scratch.conv import conv


def conv2d(x, weight, bias=None, stride=1, padding=0):
    i = 0
    while stride != 1 and i < 10:
        time.sleep(0.05)  # i += stride was forgotten
    return conv(x, weight, bias, stride, padding)
