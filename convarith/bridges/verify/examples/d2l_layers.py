"""d2l-style layers (one 2-D image, stride 1), written here after the book's ``corr2d`` and
``pool2d``; plain numpy here, though the book's torch version passes as well."""

import numpy as np


def corr2d(X, K):
    """Two-dimensional cross-correlation."""
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def pool2d(X, pool_size, mode="max"):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == "max":
                Y[i, j] = X[i:i + p_h, j:j + p_w].max()
            elif mode == "avg":
                Y[i, j] = X[i:i + p_h, j:j + p_w].mean()
    return Y


def corr2d_multi_in_out(X, K):
    """X: (C_in, H, W), K: (C_out, C_in, h, w): each output channel sums over the inputs."""
    return np.stack([sum(corr2d(x, k) for x, k in zip(X, K_out)) for K_out in K])
