"""A small residual network for the explorer's tests, loaded as ``FILE.py:NAME`` the way a
user's model is: a downsampling block whose main path (two 3x3 convolutions) and shortcut
(padded on the top and left only, then a strided 6x6 convolution) see different input
cells, merged by ``x + y``: the sum's field is their union, wider than either."""

import torch.nn as nn
import torch.nn.functional as F


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.conv1 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.shortcut = nn.Conv2d(4, 8, 6, stride=2)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        y = self.conv2(F.relu(self.conv1(x))) + self.shortcut(F.pad(x, (4, 0, 4, 0)))
        y = self.pool(F.relu(y))
        return self.head(y.flatten(1))
