"""Layers as classes, as numpy-CNN tutorials write them: built from their sizes, with
``forward(x)`` and ``backward(dout)``; the gradients are kept as ``dW`` and ``db``.
Written here; the bench sets ``W`` and ``b`` itself."""

import numpy as np


class Conv2D:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        k = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
        self.stride, self.padding = stride, padding
        self.W = np.random.randn(out_channels, in_channels, *k) * 0.1
        self.b = np.zeros((out_channels, 1))  # a column, as many tutorials keep it

    def forward(self, x):
        self.x = x
        s, p = self.stride, self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        F, C, kh, kw = self.W.shape
        oh = (xp.shape[2] - kh) // s + 1
        ow = (xp.shape[3] - kw) // s + 1
        out = np.zeros((x.shape[0], F, oh, ow))
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, :, i * s:i * s + kh, j * s:j * s + kw]
                out[:, :, i, j] = np.tensordot(patch, self.W, axes=([1, 2, 3], [1, 2, 3]))
        return out + self.b.reshape(1, F, 1, 1)

    def backward(self, dout):
        s, p = self.stride, self.padding
        xp = np.pad(self.x, ((0, 0), (0, 0), (p, p), (p, p)))
        dxp = np.zeros_like(xp)
        F, C, kh, kw = self.W.shape
        self.dW = np.zeros_like(self.W)
        self.db = dout.sum(axis=(0, 2, 3)).reshape(F, 1)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                patch = xp[:, :, i * s:i * s + kh, j * s:j * s + kw]
                g = dout[:, :, i, j]
                self.dW += np.tensordot(g, patch, axes=([0], [0]))
                dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.tensordot(g, self.W, axes=([1], [0]))
        h, w = self.x.shape[2:]
        return dxp[:, :, p:p + h, p:p + w]


class MaxPool2D:
    def __init__(self, pool_size=2, stride=2):
        self.pool_size, self.stride = pool_size, stride

    def forward(self, x):
        self.x = x
        k, s = self.pool_size, self.stride
        oh, ow = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
        out = np.zeros((*x.shape[:2], oh, ow))
        for i in range(oh):
            for j in range(ow):
                out[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
        return out

    def backward(self, dout):
        k, s = self.pool_size, self.stride
        dx = np.zeros_like(self.x)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                window = self.x[:, :, i * s:i * s + k, j * s:j * s + k]
                mask = window == window.max(axis=(2, 3), keepdims=True)
                dx[:, :, i * s:i * s + k, j * s:j * s + k] += mask * dout[:, :, i, j][:, :, None, None]
        return dx
