"""CS231n style: the backward crops the padding with [pad:-pad], which is empty at pad 0."""

import numpy as np
from _conv_core import conv_out


def conv_forward_naive(x, w, b, conv_param):
    return conv_out(x, w, b, conv_param["stride"], conv_param["pad"]), (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            dw += np.tensordot(dout[:, :, i, j], xp[:, :, rows, cols], axes=([0], [0]))
            dxp[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    dx = dxp[:, :, pad:-pad, pad:-pad]
    return dx, dw, dout.sum(axis=(0, 2, 3))
