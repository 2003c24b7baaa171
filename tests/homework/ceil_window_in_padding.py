"""torch.nn.functional style max pooling whose ceil mode keeps a last window that would start
in the right padding (torch drops it): right on every single feature, wrong on ceil mode with
padding together."""

import numpy as np

from convarith.scratch.pool import max_pool


def _pairs(value):
    return value if isinstance(value, tuple) else (value, value)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if not ceil_mode:
        return max_pool(x, kernel_size, stride, padding, dilation, False)
    (kh, kw), (ph, pw), (dh, dw) = _pairs(kernel_size), _pairs(padding), _pairs(dilation)
    sh, sw = _pairs(stride if stride is not None else kernel_size)
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph + sh - 1), (pw, pw + sw - 1)],
                constant_values=-np.inf)
    oh = -(-(x.shape[2] + 2 * ph - dh * (kh - 1) - 1) // sh) + 1
    ow = -(-(x.shape[3] + 2 * pw - dw * (kw - 1) - 1) // sw) + 1
    y = np.empty((*x.shape[:2], oh, ow))
    for u in range(oh):
        for v in range(ow):
            y[:, :, u, v] = xp[:, :, u * sh: u * sh + dh * (kh - 1) + 1: dh,
                               v * sw: v * sw + dw * (kw - 1) + 1: dw].max(axis=(2, 3))
    return y
