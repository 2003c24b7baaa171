"""torch.nn.functional-style forwards with their backwards beside them: the backward takes
the upstream gradient then the forward's own arguments. Built on convarith.scratch, so every
feature is supported (the bench's claim: no false alarm on a full implementation)."""

from convarith.scratch.conv import conv, conv_backward
from convarith.scratch.pool import avg_pool, avg_pool_backward, max_pool, max_pool_backward
from convarith.scratch.transposed import conv_transpose, conv_transpose_backward


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv(x, weight, bias, stride, padding, dilation, groups)


def conv2d_backward(dy, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return conv_backward(dy, x, weight, stride=stride, padding=padding, dilation=dilation,
                         groups=groups, bias=bias is not None)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d_backward(dy, x, weight, bias=None, stride=1, padding=0, output_padding=0,
                              groups=1, dilation=1):
    return conv_transpose_backward(dy, x, weight, stride=stride, padding=padding,
                                   output_padding=output_padding, groups=groups,
                                   dilation=dilation, bias=bias is not None)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    return max_pool(x, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_backward(dy, x, kernel_size, stride=None, padding=0, dilation=1,
                        ceil_mode=False):
    return max_pool_backward(dy, x, kernel_size, stride, padding, dilation, ceil_mode)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d_backward(dy, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True):
    return avg_pool_backward(dy, x, kernel_size, stride, padding, ceil_mode, count_include_pad)
