"""Says it has no groups the way students often do: an assert."""

from convarith.scratch.conv import conv


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    assert groups == 1, "only groups=1"
    return conv(x, weight, bias, stride, padding, dilation)
