"""The lecture set: every figure ``convarith figures`` regenerates, by name.

The fifteen animations of Dumoulin & Visin, "A guide to convolution arithmetic for deep
learning" (arXiv:1603.07285; the cases of their ``conv_arithmetic`` repository: eight
convolutions and the seven transposed convolutions that undo their shapes), the numerical
convolution of their Figure 1.1, max and average pooling, ceil-mode pooling, the course notes'
non-square case (a 4x4 input and a 2x3 kernel), receptive-field growth, the output-size
formula sheet, images as numbers and the LeNet-5 and AlexNet architecture diagrams (AlexNet
both in the course notes' one-tower layout and as published, in two GPU towers). With the
paper style, the fifteen animations are drawn in Dumoulin & Visin's perspective look.

Each figure is drawn by one call of :func:`make`, in its own process if wanted: the set is a
table of names and parameters, so the same command gives the same files.

>>> paper = [f for f in LECTURE_SET if f.kind in ("conv", "transposed") and f.paper]
>>> len(paper)
15
>>> figure("conv_padding_strides").params
{'input_size': 5, 'kernel_size': 3, 'stride': 2, 'padding': 1}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convarith.errors import ConvArithError


@dataclass(frozen=True)
class LectureFigure:
    """One file of the lecture set: its name (the file's stem), kind, parameters and suffix."""

    name: str
    kind: str  # conv, transposed, numerical, pool, rf, formula, channels, architecture
    params: dict[str, Any] = field(default_factory=dict)
    suffix: str = ".gif"
    description: str = ""
    paper: bool = False  # one of the fifteen animations of arXiv:1603.07285

    @property
    def filename(self) -> str:
        return self.name + self.suffix


def _conv(name: str, text: str, **params: Any) -> LectureFigure:
    return LectureFigure(f"conv_{name}", "conv", params, description=text, paper=True)


def _transposed(name: str, text: str, **params: Any) -> LectureFigure:
    return LectureFigure(f"transposed_{name}", "transposed", params, description=text,
                         paper=True)


#: The lecture set, in the order the progress bar shows it. The parameters of the fifteen
#: animations are those of arXiv:1603.07285 (Figures 2.1-2.7, 4.1-4.7 and 5.1).
LECTURE_SET: tuple[LectureFigure, ...] = (
    _conv("no_padding_no_strides", "no padding, unit strides (i=4, k=3)",
          input_size=4, kernel_size=3),
    _conv("arbitrary_padding_no_strides", "arbitrary padding, unit strides (i=5, k=4, p=2)",
          input_size=5, kernel_size=4, padding=2),
    _conv("same_padding_no_strides", "half (same) padding, unit strides (i=5, k=3, p=1)",
          input_size=5, kernel_size=3, padding=1),
    _conv("full_padding_no_strides", "full padding, unit strides (i=5, k=3, p=2)",
          input_size=5, kernel_size=3, padding=2),
    _conv("no_padding_strides", "no padding, strides (i=5, k=3, s=2)",
          input_size=5, kernel_size=3, stride=2),
    _conv("padding_strides", "padding and strides (i=5, k=3, s=2, p=1)",
          input_size=5, kernel_size=3, stride=2, padding=1),
    _conv("padding_strides_odd", "padding and strides, odd input: the last padded row and "
          "column are never covered (i=6, k=3, s=2, p=1)", input_size=6, kernel_size=3, stride=2, padding=1),
    _conv("dilation", "dilation (i=7, k=3, d=2)", input_size=7, kernel_size=3, dilation=2),
    _transposed("no_padding_no_strides", "transposed of conv i=4, k=3 (i=2, k=3)",
                input_size=2, kernel_size=3),
    _transposed("arbitrary_padding_no_strides", "transposed of conv i=5, k=4, p=2 "
                "(i=6, k=4, p=2)", input_size=6, kernel_size=4, padding=2),
    _transposed("same_padding_no_strides", "transposed of conv i=5, k=3, p=1 (i=5, k=3, p=1)",
                input_size=5, kernel_size=3, padding=1),
    _transposed("full_padding_no_strides", "transposed of conv i=5, k=3, p=2 (i=7, k=3, p=2)",
                input_size=7, kernel_size=3, padding=2),
    _transposed("no_padding_strides", "transposed of conv i=5, k=3, s=2 (i=2, k=3, s=2)",
                input_size=2, kernel_size=3, stride=2),
    _transposed("padding_strides", "transposed of conv i=5, k=3, s=2, p=1 (i=3, k=3, s=2, p=1)",
                input_size=3, kernel_size=3, stride=2, padding=1),
    _transposed("padding_strides_odd", "transposed of conv i=6, k=3, s=2, p=1: output padding "
                "a=1 recovers the 6 (i=3, k=3, s=2, p=1, a=1)",
                input_size=3, kernel_size=3, stride=2, padding=1, output_padding=1),
    LectureFigure("numerical_convolution", "numerical",
                  {"input_size": 5, "kernel_size": 3},
                  description="numerical convolution: Figure 1.1's values, sums of products"),
    LectureFigure("max_pooling", "pool", {"input_size": 5, "kernel_size": 3, "stride": 1},
                  description="max pooling, the maximum of each window marked: it moves "
                              "(i=5, k=3, s=1)"),
    LectureFigure("average_pooling", "pool",
                  {"input_size": 5, "kernel_size": 3, "stride": 1, "kind": "avg"},
                  description="average pooling, each mean written out (i=5, k=3, s=1)"),
    LectureFigure("max_pooling_ceil_mode", "pool",
                  {"input_size": 5, "kernel_size": 2, "stride": 2, "ceil_mode": True},
                  description="ceil mode: the last windows hang over the input (i=5, k=2, s=2)"),
    LectureFigure("conv_nonsquare_4x4_kernel_2x3", "conv",
                  {"input_size": (4, 4), "kernel_size": (2, 3)},
                  description="non-square: a 4x4 input and a 2x3 kernel, as in the course notes"),
    LectureFigure("rf_growth", "rf", {"layers": "conv k=3; conv k=3; conv k=3"}, ".png",
                  "receptive field: three 3x3 layers see 7x7"),
    LectureFigure("rf_growth_strided", "rf",
                  {"layers": "conv k=3 s=2; conv k=3 s=2; conv k=3"}, ".png",
                  "receptive field with strides: the jump multiplies (15x15)"),
    LectureFigure("formula_sheet", "formula", {}, ".png",
                  "the output-size formulas, each term labelled, with a worked example"),
    LectureFigure("channels", "channels", {}, ".png",
                  "images as numbers: a greyscale digit and an RGB patch as matrices"),
    LectureFigure("architecture_lenet5", "architecture", {"model": "lenet5"}, ".png",
                  "LeNet-5 (LeCun et al. 1998): feature maps as stacked planes"),
    LectureFigure("architecture_alexnet", "architecture", {"model": "alexnet"}, ".png",
                  "AlexNet (Krizhevsky et al. 2012) in the course notes' 224x224 layout"),
    LectureFigure("architecture_alexnet_paper", "architecture", {"model": "alexnet-paper"},
                  ".png", "AlexNet as published: two GPU towers (groups=2), crossing over at "
                  "conv3 and fc6"),
)

def animated(item: LectureFigure) -> bool:
    """Whether a lecture figure is an animation (one frame per output position)."""
    from convarith.figures.animation import ANIMATION_KINDS

    return item.kind in ANIMATION_KINDS


def figure(name: str) -> LectureFigure:
    """The lecture figure called ``name``."""
    for item in LECTURE_SET:
        if item.name == name:
            return item
    raise ConvArithError(f"Error finding the lecture figure {name!r}: no such figure. Use one "
                         f"of {', '.join(f.name for f in LECTURE_SET)}.")


def figure_set(style: str = "flat") -> tuple[LectureFigure, ...]:
    """The figures ``convarith figures --style STYLE`` draws: the whole lecture set flat, or
    the fifteen animations of arXiv:1603.07285 in the paper's look.

    >>> len(figure_set()), len(figure_set("paper"))
    (27, 15)
    """
    from convarith.figures.style import style_named

    if style_named(style) == "paper":
        return tuple(item for item in LECTURE_SET if item.paper)
    return LECTURE_SET


def scene_of(item: LectureFigure) -> Any:
    """The animation scene of an animated lecture figure."""
    from convarith.figures.animation import animation_scene

    if not animated(item):
        raise ConvArithError(f"Error drawing {item.name}: {item.kind} figures are not "
                             "animations.")
    params = dict(item.params)
    return animation_scene(item.kind, params.pop("input_size"), **params)


def make(name: str, out: str | os.PathLike[str], *, dpi: float = 100, theme: str = "light",
         fps: float | None = None, style: str = "flat") -> list[Path]:
    """Draw lecture figure ``name`` into the folder ``out``; returns the files written."""
    from convarith.figures import animation_render as render

    item = figure(name)
    target = Path(out) / item.filename
    if animated(item):
        return render.save_animation(scene_of(item), target, fps=fps, dpi=dpi, theme=theme,
                                     style=style)
    if style != "flat":
        raise ConvArithError(f"Error drawing {item.name}: only the animations have a "
                             f"{style} style. Use --style flat.")
    from convarith.figures import static_render as drawing

    return [drawing.save_static(item.kind, target, dpi=dpi, theme=theme, **item.params)]
