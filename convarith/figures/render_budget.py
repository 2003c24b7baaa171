"""What an animation will cost, estimated before it is drawn, and refused past a stated limit.

Two things grow without bound on a valid-looking request: the grid drawn in every frame
(``--input 2000 --kernel 2000`` is four million cells, each a matplotlib patch) and the
frames held in memory before a GIF or MP4 is encoded (1,024 frames at ``--dpi 600`` are 16
billion pixels, about 50 GB of RGB). Both are estimated from the numbers given, before any
drawing, and refused with the estimate and the fix.

>>> check_grid((5, 5), kernel=(3, 3), stride=(2, 2), padding=1, dilation=(1, 1),
...            kind="conv")
49
>>> check_frames(frames=1024, dpi=600, animated=True)
Traceback (most recent call last):
...
convarith.errors.ConvArithError: Error animating: 1,024 frames of about 4800x3600 pixels at --dpi 600 are 17.7 billion pixels (about 53 GB held in memory before encoding), more than the 0.6 billion allowed. Use --dpi 110 or lower, fewer frames (a smaller input or a larger stride), or a .png sheet of all frames.
"""

from __future__ import annotations

import math
from typing import Any

from convarith.errors import ConvArithError

#: Cells of the input grid (padding and stretching included) drawn in each frame.
MAX_CELLS = 40_000
#: Pixels of all frames together (frames x width x height) held before encoding: about
#: 1.8 GB of RGB. The lecture set's longest animation at --dpi 100 is far below it.
MAX_FRAME_PIXELS = 600_000_000
#: Figure size in inches the estimate assumes: the renderer's 8-inch width and at most about
#: 6 inches of grids and caption.
WIDTH_IN, HEIGHT_IN = 8.0, 6.0


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[-1])) if len(value) else (1, 1)
    return int(value), int(value)


def _pads(padding: Any, k: tuple[int, int], d: tuple[int, int]) -> tuple[int, int]:
    """Total padding per axis (an upper bound for the mode names)."""
    if isinstance(padding, str):
        return tuple(2 * d[axis] * (k[axis] - 1) for axis in (0, 1))  # type: ignore[return-value]
    if isinstance(padding, (tuple, list)) and padding and isinstance(padding[0], (tuple, list)):
        rows, cols = padding[0], padding[-1]
        return abs(rows[0]) + abs(rows[-1]), abs(cols[0]) + abs(cols[-1])
    p = _pair(padding)
    return 2 * abs(p[0]), 2 * abs(p[1])


def check_grid(input_size: Any, *, kernel: Any, stride: Any, padding: Any, dilation: Any,
               kind: str) -> int:
    """The number of grid cells each frame draws (estimated), or one line refusing more
    than :data:`MAX_CELLS`. A transposed convolution draws its input stretched by the
    stride and padded by the kernel's reach."""
    i, k = _pair(input_size), _pair(kernel)
    s, d = _pair(stride if stride is not None else 1), _pair(dilation)
    pads = _pads(padding, k, d)
    if kind == "transposed":
        side = [(i[a] - 1) * s[a] + 1 + 2 * d[a] * (k[a] - 1) + pads[a] for a in (0, 1)]
    else:
        side = [i[a] + pads[a] for a in (0, 1)]
    cells = max(side[0], 1) * max(side[1], 1)
    if cells > MAX_CELLS:
        raise ConvArithError(
            f"Error animating: the grid would be {side[0]}x{side[1]} cells ({cells:,} drawn "
            f"in every frame), more than the {MAX_CELLS:,} allowed. Use an input of at most "
            f"{math.isqrt(MAX_CELLS)}x{math.isqrt(MAX_CELLS)} (padding included); the "
            "arithmetic of larger layers is 'convarith size'."
        )
    return cells


def check_frames(*, frames: int, dpi: float, animated: bool) -> int:
    """The pixels of all frames together (estimated), or one line refusing more than
    :data:`MAX_FRAME_PIXELS`. Sheets (``.png``/``.svg``/``.pdf``) draw one page, so only
    animated files (GIF, MP4, one PNG per frame) hold every frame."""
    width, height = round(WIDTH_IN * dpi), round(HEIGHT_IN * dpi)
    pixels = frames * width * height if animated else width * height
    if pixels > MAX_FRAME_PIXELS:
        fitting = math.floor(math.sqrt(MAX_FRAME_PIXELS / (frames * WIDTH_IN * HEIGHT_IN)))
        lower = f"--dpi {fitting} or lower, " if fitting >= 30 else ""
        raise ConvArithError(
            f"Error animating: {frames:,} frames of about {width}x{height} pixels at --dpi "
            f"{dpi:g} are {pixels / 1e9:.1f} billion pixels (about {3 * pixels / 1e9:.0f} GB "
            f"held in memory before encoding), more than the {MAX_FRAME_PIXELS / 1e9:g} "
            f"billion allowed. Use {lower}fewer frames (a smaller input or a larger "
            "stride), or a .png sheet of all frames."
        )
    return pixels
