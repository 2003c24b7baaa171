"""Takes groups but ignores it: every output channel sums over all input channels."""

import numpy as np


def conv2d(x, weight, bias=None, stride=1, padding=0, groups=1):
    N, C, H, W = x.shape
    F, Cg, kh, kw = weight.shape
    out = np.zeros((N, F, (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1))
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    for f in range(F):
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[:, f, i, j] = (window * weight[f]).sum(axis=(1, 2, 3))  # (C,..) * (Cg,..)
    if bias is not None:
        out += bias[None, :, None, None]
    return out
