"""PyTorch modules for the layers torch does not have: LeNet-5's partial convolution,
trainable subsampling, scaled tanh and RBF output, global average pooling, and a convolution
with unequal left/right padding.

This module imports torch at the top: only the specs' ``to_torch`` methods import it, never
``import convarith``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from convarith.formulas.normalise import torch_pad_order

# The paper draws each RBF prototype as a 7x12 bitmap of its character, +1 for ink and -1
# for paper (LeCun et al. 1998, section II.B and Fig. 3). These are our drawings of the ten
# digits in that grid: the paper's own bitmaps are not published as data.
_DIGITS_7X12 = (
    (".......", "..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#", "#.....#",
     "#.....#", ".#...#.", "..###..", "......."),
    (".......", "...#...", "..##...", ".#.#...", "...#...", "...#...", "...#...", "...#...",
     "...#...", "...#...", ".#####.", "......."),
    (".......", "..###..", ".#...#.", "#.....#", "......#", ".....#.", "....#..", "...#...",
     "..#....", ".#.....", "#######", "......."),
    (".......", ".####..", "#....#.", "......#", "......#", "..####.", "......#", "......#",
     "......#", "#....#.", ".####..", "......."),
    (".......", ".....#.", "....##.", "...#.#.", "..#..#.", ".#...#.", "#....#.", "#######",
     ".....#.", ".....#.", ".....#.", "......."),
    (".......", "#######", "#......", "#......", "#.###..", "##...#.", "......#", "......#",
     "......#", "#....#.", ".####..", "......."),
    (".......", "..###..", ".#.....", "#......", "#......", "#.###..", "##...#.", "#.....#",
     "#.....#", ".#...#.", "..###..", "......."),
    (".......", "#######", "......#", ".....#.", "....#..", "....#..", "...#...", "...#...",
     "..#....", "..#....", "..#....", "......."),
    (".......", "..###..", ".#...#.", "#.....#", ".#...#.", "..###..", ".#...#.", "#.....#",
     "#.....#", ".#...#.", "..###..", "......."),
    (".......", "..###..", ".#...#.", "#.....#", "#.....#", ".#...##", "..###.#", "......#",
     ".....#.", "....#..", ".###...", "......."),
)


def rbf_prototypes(in_features: int, units: int) -> torch.Tensor:
    """Fixed +-1 prototypes: the digit bitmaps for LeNet-5's 84 inputs and 10 classes,
    otherwise a deterministic +-1 code (rows of a seeded random sign matrix).

    >>> rbf_prototypes(84, 10).shape
    torch.Size([10, 84])
    >>> rbf_prototypes(84, 10).abs().unique().tolist()
    [1.0]
    """
    if (in_features, units) == (84, 10):
        rows = ["".join(bitmap) for bitmap in _DIGITS_7X12]
        return torch.tensor([[1.0 if c == "#" else -1.0 for c in row] for row in rows])
    generator = torch.Generator().manual_seed(1998)
    signs = torch.randint(0, 2, (units, in_features), generator=generator)
    return signs.float() * 2 - 1


class ScaledTanh(nn.Module):
    """``f(a) = A tanh(S a)`` (LeCun et al. 1998, appendix A: A = 1.7159, S = 2/3)."""

    def __init__(self, A: float, S: float) -> None:
        super().__init__()
        self.A, self.S = A, S

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.A * torch.tanh(self.S * x)

    def extra_repr(self) -> str:
        return f"A={self.A}, S={self.S:.6g}"


class GlobalAvgPool(nn.Module):
    """Mean over every spatial axis: ``(N, C, *spatial) -> (N, C)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=tuple(range(2, x.dim())))


class PaddedConv(nn.Module):
    """A convolution after unequal zero padding, ``((left, right), ...)`` per axis."""

    def __init__(self, conv: nn.Module, pairs: Sequence[tuple[int, int]]) -> None:
        super().__init__()
        self.conv = conv
        self.pad = torch_pad_order(pairs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, self.pad))


class PartialConv2d(nn.Module):
    """A 2-D convolution where output map ``m`` reads only input maps ``table[m]``.

    Only the connected kernels are parameters (``weight`` holds one ``k x k`` kernel per
    connected pair, in table order), so ``sum(p.numel())`` is the paper's count. The forward
    pass scatters them into a full kernel of zeros and runs one ordinary convolution.
    Initial weights: uniform in ``+-1/sqrt(fan_in)`` with fan_in the map's own inputs.
    """

    def __init__(self, in_channels: int, table: Sequence[Sequence[int]], kernel_size: int,
                 *, stride: int = 1, padding: int = 0) -> None:
        super().__init__()
        self.in_channels, self.table = in_channels, tuple(tuple(m) for m in table)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        k = kernel_size
        links = [(m, x) for m, maps in enumerate(self.table) for x in maps]
        self.weight = nn.Parameter(torch.empty(len(links), k, k))
        self.bias = nn.Parameter(torch.empty(len(self.table)))
        # where each kernel goes in the flattened (out x in) grid; a plain tuple, not a
        # buffer, so that the module's buffers are only what the paper keeps
        self.links = tuple(m * in_channels + x for m, x in links)
        with torch.no_grad():
            start = 0
            for m, maps in enumerate(self.table):
                bound = 1 / math.sqrt(len(maps) * k * k)
                self.weight[start:start + len(maps)].uniform_(-bound, bound)
                self.bias[m].uniform_(-bound, bound)
                start += len(maps)

    def full_weight(self) -> torch.Tensor:
        """The ``(out, in, k, k)`` kernel with zeros where the table has no connection."""
        k, out = self.kernel_size, len(self.table)
        flat = self.weight.new_zeros(out * self.in_channels, k, k)
        index = torch.tensor(self.links, device=self.weight.device)
        flat = flat.index_copy(0, index, self.weight)
        return flat.view(out, self.in_channels, k, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.full_weight(), self.bias, stride=self.stride,
                        padding=self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {len(self.table)}, kernel_size={self.kernel_size}, "
                f"links={self.weight.shape[0]}")


class Subsampling2d(nn.Module):
    """LeNet-5's trainable subsampling: ``coefficient[c] * (sum of a k x k window) + bias[c]``.

    The coefficient starts at ``1/k^2`` (an average) and the bias at 0.
    """

    def __init__(self, channels: int, kernel_size: int = 2) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.coefficient = nn.Parameter(torch.full((channels,), 1.0 / kernel_size**2))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        window_sum = F.avg_pool2d(x, self.kernel_size) * self.kernel_size**2
        return window_sum * self.coefficient.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def extra_repr(self) -> str:
        return f"{self.coefficient.shape[0]}, kernel_size={self.kernel_size}"


class RBFOutput(nn.Module):
    """Euclidean RBF units with fixed prototypes (a buffer, not trained).

    ``forward`` returns the NEGATIVE squared distances ``-sum_j (x_j - w_ij)^2``: class scores
    whose arg-max is the nearest prototype; ``distances(x)`` gives the paper's ``y_i``.
    """

    outputs_distances = False  # forward gives -distance as logits

    def __init__(self, in_features: int, units: int) -> None:
        super().__init__()
        self.register_buffer("prototypes", rbf_prototypes(in_features, units))

    def distances(self, x: torch.Tensor) -> torch.Tensor:
        P = self.prototypes
        # |x - w|^2 = |x|^2 - 2 x.w + |w|^2
        return x.pow(2).sum(-1, keepdim=True) - 2 * x @ P.t() + P.pow(2).sum(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.distances(x)

    def extra_repr(self) -> str:
        units, in_features = self.prototypes.shape
        return f"{in_features}, {units}, fixed prototypes"
