"""CS231n style: H and W swapped in the output size (right on every square input)."""

import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (W + 2 * pad - WW) // stride
    W_out = 1 + (H + 2 * pad - HH) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            if window.shape[2:] != (HH, WW):
                continue
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)
