"""``convarith animate``: the convolution-arithmetic animations for any parameters."""

from __future__ import annotations

from typing import Any

import click

from convarith.choices import POOL_MODES
from convarith.cli import options
from convarith.figures.animation import ANIMATION_KINDS, pool_option_help


@click.command(context_settings={"show_default": True})
@click.argument("kind", type=click.Choice(ANIMATION_KINDS))
@options.input_size("Input size: 5 or rows x cols, e.g. 4x4.", required=True)
@options.kernel_size("Kernel size: 3 or rows x cols, e.g. 2x3.", required=True)
@options.stride("Stride, e.g. 2 or 1x2 [conv: 1, pool: the kernel].")
@options.padding("Padding: 1, 1x2, top:bottom x left:right (conv: 0:1x1:1), or same/full/valid.")
@options.dilation("Dilation (conv, transposed, max pool).")
@options.output_padding("Transposed: output padding a.")
@options.ceil_mode("Pool: round the output size up.")
@click.option("--values", is_flag=True, help="Conv: show the numbers (same as 'numerical').")
@options.pool_kind("Pool: the pooling kind.", dest="pool_mode", choices=POOL_MODES)
@click.option("--norm-type", type=float, default=None, help=pool_option_help("norm_type"))
@options.output_file("File to write; the suffix picks the format: .gif .mp4 .png .svg .pdf.")
@options.fps("Frames per second (GIF, MP4) [1 s a frame, 2 s for numerical and pool; the "
             "last frame held 3 times as long].")
@options.dpi()
@options.theme()
@options.style("flat: input and output side by side; paper: Dumoulin & Visin's look, the "
               "input plane in perspective and the output plane above it.")
@click.option("--every-frame", is_flag=True,
              help="With .png: one file per frame (NAME-000.png, ...) instead of one sheet.")
def animate(kind: str, input_size: Any, kernel_size: Any, stride: Any, padding: Any,
            dilation: Any, output_padding: Any, ceil_mode: bool, values: bool,
            pool_mode: str, norm_type: float | None, output: str, fps: float | None, dpi: int,
            theme: str, style: str, every_frame: bool) -> None:
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
                            ceil_mode=ceil_mode, kind=pool_mode, norm_type=norm_type,
                            values=values)
    suffix = output.lower().rsplit(".", 1)[-1]
    check_frames(frames=len(built.frames), dpi=dpi,
                 animated=suffix in ("gif", "mp4") or (suffix == "png" and every_frame))
    written = render.save_animation(built, output, fps=fps, dpi=dpi, theme=theme, style=style,
                                    every_frame=every_frame)
    frames = len(built.frames)
    where = written[0] if len(written) == 1 else f"{written[0]} ... {written[-1]}"
    click.echo(f"wrote {where} ({frames} frame{'s' if frames != 1 else ''}: "
               f"output {built.output_shape[0]}x{built.output_shape[1]})")
