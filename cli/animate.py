"""``convarith animate``: the convolution-arithmetic animations for any parameters."""

from __future__ import annotations

from typing import Any

import click

from convarith.choices import POOL_MODES
from convarith.cli.types import PADDING, SIZE, FiniteFloatRange, PathType
from convarith.figures.animation import ANIMATION_KINDS
from convarith.figures.style import FIGURE_STYLES, THEMES


@click.command(context_settings={"show_default": True})
@click.argument("kind", type=click.Choice(ANIMATION_KINDS))
@click.option("--input", "input_size", type=SIZE, required=True,
              help="Input size: 5 or rows x cols, e.g. 4x4.")
@click.option("--kernel", "kernel_size", type=SIZE, required=True,
              help="Kernel size: 3 or rows x cols, e.g. 2x3.")
@click.option("--stride", type=SIZE, help="Stride, e.g. 2 or 1x2 [conv: 1, pool: the kernel].")
@click.option("--padding", type=PADDING, default="0",
              help="Padding: 1, 1x2, top:bottom x left:right (conv: 0:1x1:1), or same/full/valid.")
@click.option("--dilation", type=SIZE, default="1", help="Dilation (conv, transposed, max pool).")
@click.option("--output-padding", type=SIZE, default="0", help="Transposed: output padding a.")
@click.option("--ceil-mode", is_flag=True, help="Pool: round the output size up.")
@click.option("--values", is_flag=True, help="Conv: show the numbers (same as 'numerical').")
@click.option("--pool", "pool_mode", type=click.Choice(POOL_MODES), default="max",
              help="Pool: max or average.")
@click.option("-o", "--output", "output", type=PathType(dir_okay=False), required=True,
              help="File to write; the suffix picks the format: .gif .mp4 .png .svg .pdf.")
@click.option("--fps", type=FiniteFloatRange(min=0.1, max=60), default=None,
              help="Frames per second (GIF, MP4) [1 s a frame, 2 s for numerical and pool; "
                   "the last frame held 3 times as long].")
@click.option("--dpi", type=click.IntRange(min=30, max=600), default=100,
              help="Dots per inch; figures are 8 inches wide (100 dpi: 800 px).")
@click.option("--theme", type=click.Choice(tuple(THEMES)), default="light",
              help="Colour theme.")
@click.option("--style", type=click.Choice(FIGURE_STYLES), default="flat",
              help="flat: input and output side by side; paper: Dumoulin & Visin's look, the "
                   "input plane in perspective and the output plane above it.")
@click.option("--every-frame", is_flag=True,
              help="With .png: one file per frame (NAME-000.png, ...) instead of one sheet.")
def animate(kind: str, input_size: Any, kernel_size: Any, stride: Any, padding: Any,
            dilation: Any, output_padding: Any, ceil_mode: bool, values: bool,
            pool_mode: str, output: str, fps: float | None, dpi: int, theme: str, style: str,
            every_frame: bool) -> None:
    """Animate a convolution, transposed convolution, pooling or numerical convolution.

    One frame per output position; the kernel's window at step n starts at n*s - p; zero
    padding is dashed, lost input hatched; the caption is the output-size formula with the
    numbers put in. A .png is one sheet of all frames (or every frame, with --every-frame);
    .svg and .pdf are that sheet as vector graphics.

    \b
    Examples:
      convarith animate conv --input 5 --kernel 3 --stride 2 --padding 1 -o conv.gif
      convarith animate conv --input 4x4 --kernel 2x3 --stride 1x2 -o nonsquare.gif
      convarith animate transposed --input 3 --kernel 3 --stride 2 --padding 1 --output-padding 1 -o up.gif
      convarith animate pool --input 5 --kernel 2 --ceil-mode --pool avg -o pool.gif
      convarith animate numerical --input 5 --kernel 3 -o numbers.png --every-frame
      convarith animate conv --input 6 --kernel 3 --stride 2 --padding 1 --style paper -o p.gif
    """
    from convarith.figures import animation_render as render
    from convarith.figures.animation import animation_scene
    from convarith.figures.render_budget import check_frames

    built = animation_scene(kind, input_size, kernel_size=kernel_size, stride=stride,
                            padding=padding, dilation=dilation, output_padding=output_padding,
                            ceil_mode=ceil_mode, kind=pool_mode, values=values)
    suffix = output.lower().rsplit(".", 1)[-1]
    check_frames(frames=len(built.frames), dpi=dpi,
                 animated=suffix in ("gif", "mp4") or (suffix == "png" and every_frame))
    written = render.save_animation(built, output, fps=fps, dpi=dpi, theme=theme, style=style,
                                    every_frame=every_frame)
    frames = len(built.frames)
    where = written[0] if len(written) == 1 else f"{written[0]} ... {written[-1]}"
    click.echo(f"wrote {where} ({frames} frame{'s' if frames != 1 else ''}: "
               f"output {built.output_shape[0]}x{built.output_shape[1]})")
