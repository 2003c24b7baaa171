"""A Coursera-style assignment (NHWC, naive loops): conv and pooling, forward and backward.

Written here in the shape of the course's notebook: ``A_prev`` is ``(m, n_H, n_W, n_C)``,
``W`` is ``(f, f, n_C_prev, n_C)``, ``b`` is ``(1, 1, 1, n_C)``, ``hparameters`` holds
``stride`` and ``pad`` (convolution) or ``f`` and ``stride`` (pooling).
"""

import numpy as np


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def conv_forward(A_prev, W, b, hparameters):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev + 2 * pad - f) // stride + 1
    n_W = (n_W_prev + 2 * pad - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vert, horiz = h * stride, w * stride
                a_slice = A_prev_pad[i, vert:vert + f, horiz:horiz + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(a_slice * W[:, :, :, c]) + b[0, 0, 0, c]
    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_backward(dZ, cache):
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev_pad = np.zeros(zero_pad(A_prev, pad).shape)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vert, horiz = h * stride, w * stride
                a_slice = A_prev_pad[i, vert:vert + f, horiz:horiz + f, :]
                for c in range(n_C):
                    dA_prev_pad[i, vert:vert + f, horiz:horiz + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db


def pool_forward(A_prev, hparameters, mode="max"):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C_prev))
    for h in range(n_H):
        for w in range(n_W):
            a_slice = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            A[:, h, w, :] = a_slice.max(axis=(1, 2)) if mode == "max" else a_slice.mean(axis=(1, 2))
    cache = (A_prev, hparameters)
    return A, cache


def pool_backward(dA, cache, mode="max"):
    (A_prev, hparameters) = cache
    f, stride = hparameters["f"], hparameters["stride"]
    (m, n_H, n_W, n_C) = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vert, horiz = h * stride, w * stride
                for c in range(n_C):
                    if mode == "max":
                        a_slice = A_prev[i, vert:vert + f, horiz:horiz + f, c]
                        mask = a_slice == np.max(a_slice)
                        dA_prev[i, vert:vert + f, horiz:horiz + f, c] += mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vert:vert + f, horiz:horiz + f, c] += dA[i, h, w, c] / (f * f)
    return dA_prev
