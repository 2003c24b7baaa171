"""Legibility on the pixels, both styles: pure white background, frame durations in the GIF,
the current output cell standing out in greyscale with its outline and projection lines, the
paper style's planes (output above input, lines from the window's four corners), and the
lecture set's bytes the same on a rerun (the committed files are the command's output)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from convarith.cli import main
from convarith.figures.animation import conv_scene, pool_scene, transposed_scene
from convarith.figures.animation_render import _Animation, save_animation
from convarith.figures.style import THEMES, TITLE_PT, WEIGHT_PT

FIGURES = Path(__file__).resolve().parent.parent / "figures"


def gif_durations(path: Path) -> list[int]:
    with Image.open(path) as image:
        out = []
        for n in range(image.n_frames):
            image.seek(n)
            out.append(image.info["duration"])
        return out


def test_gif_frames_last_the_scenes_durations_and_fps_overrides(tmp_path):
    conv, pool = tmp_path / "conv.gif", tmp_path / "pool.gif"
    save_animation(conv_scene(3, kernel_size=2), conv, dpi=30)
    save_animation(pool_scene(4, kernel_size=2), pool, dpi=30)
    assert gif_durations(conv) == [1000, 1000, 1000, 3000]
    assert gif_durations(pool) == [2000, 2000, 2000, 6000]
    save_animation(conv_scene(3, kernel_size=2), conv, dpi=30, fps=4)
    assert gif_durations(conv) == [250, 250, 250, 750]


@pytest.mark.parametrize("style", ["flat", "paper"])
def test_background_is_pure_white_in_every_gif_frame(tmp_path, style):
    path = tmp_path / "a.gif"
    save_animation(transposed_scene(2, kernel_size=2, stride=2), path, dpi=40, style=style)
    with Image.open(path) as image:
        for n in range(image.n_frames):
            image.seek(n)
            rgb = image.convert("RGB")
            assert rgb.getpixel((1, 1)) == (255, 255, 255)
            # no near-white grey (the old palette gave 251-253 where the slide is 255)
            near = [c for _, c in rgb.getcolors(4096) if min(c) >= 248 and c != (255, 255, 255)]
            assert not near, near[:3]
            assert rgb.crop((0, 0, 20, 20)).getcolors() == [(400, (255, 255, 255))]


def test_static_figures_have_a_pure_white_background(tmp_path):
    result = CliRunner().invoke(main, ["draw", "formula", "-o", str(tmp_path / "f.png"),
                                       "--dpi", "40"])
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "f.png") as image:
        assert image.convert("RGB").getpixel((2, 2)) == (255, 255, 255)


def _grey_at(animation: _Animation, image: Image.Image, x: float, y: float) -> int:
    px, py = animation.painter.ax.transData.transform((x, y))
    return image.convert("L").getpixel((int(px), int(image.size[1] - py)))


def test_this_steps_output_cell_stands_out_in_greyscale_from_written_and_empty():
    scene = conv_scene(4, kernel_size=2)  # output 3x3
    animation = _Animation(scene, dpi=60, theme=THEMES["light"])
    image = animation.draw(1)
    x0, y0 = animation.painter.layout.out_x, animation.painter.layout.out_y
    written = _grey_at(animation, image, x0 + 0.5, y0 + 0.5)
    current = _grey_at(animation, image, x0 + 1.5, y0 + 0.5)
    empty = _grey_at(animation, image, x0 + 2.5, y0 + 0.5)
    assert empty == 255 and empty - written > 60 and written - current > 60


@pytest.mark.parametrize("style, lines", [("flat", 2), ("paper", 4)])
def test_current_cell_is_outlined_and_joined_to_its_window(style, lines):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    scene = conv_scene(5, kernel_size=3, stride=2, padding=1)
    animation = _Animation(scene, dpi=40, theme=THEMES["light"], style=style)
    animation.draw(4)
    painter = animation.painter
    drawn = [a for a in painter.moving if isinstance(a, Line2D)]
    assert len(drawn) == lines
    (r0, c0), (r1, c1) = scene.frames[4].window
    window = painter._box(r0, c0, r1, c1)
    cell = painter._cell_at(*scene.frames[4].output_cell, output=True)
    ends = {(round(x, 6), round(y, 6)) for line in drawn for x, y in zip(*line.get_data())}
    assert ends <= {(round(x, 6), round(y, 6)) for x, y in window + cell}
    assert any(round(x, 6) == round(cell[0][0], 6) for x, _ in ends)
    outlined = [a for a in painter.moving if isinstance(a, Polygon) and a.get_linewidth() >= 3]
    assert len(outlined) == 1  # only this step's cell: the thick outline


def test_text_sizes_on_an_animation_frame():
    scene = conv_scene(5, kernel_size=3, values=True)
    animation = _Animation(scene, dpi=100, theme=THEMES["light"])
    animation.draw(0)
    texts = animation.figure.texts + animation.painter.ax.texts
    sizes = [t.get_fontsize() for t in texts if t.get_text()]
    assert min(sizes) >= WEIGHT_PT  # kernel weights are the smallest text
    captions = [t.get_fontsize() for t in animation.figure.texts if t.get_text()]
    assert min(captions) >= 11 and max(captions) == TITLE_PT
    weights = [t for t in animation.painter.moving if hasattr(t, "get_fontweight")
               and t.get_fontweight() == "bold"]
    assert weights and all(t.get_fontsize() >= 9 for t in weights)


def test_architecture_labels_are_at_least_9_points_and_each_has_an_arrow():
    from matplotlib.patches import FancyArrowPatch

    from convarith.figures.static import architecture
    from convarith.figures.static_render import draw_architecture

    for model in ("vgg16", "alexnet-paper"):
        arch = architecture(model)
        figure = draw_architecture(arch, dpi=40)
        ax = figure.axes[0]
        assert all(t.get_fontsize() >= 9 for t in ax.texts)
        arrows = [a for a in ax.patches if isinstance(a, FancyArrowPatch)]
        operations = [t for t in ax.texts if t.get_va() == "bottom"]
        assert len(operations) == len(arch.blocks) - 1
        for label in operations:  # an arrow under every operation label
            x, y = label.get_position()
            assert any(min(p[0] for p in a._posA_posB) <= x <= max(p[0] for p in a._posA_posB)
                       and 0 <= min(p[1] for p in a._posA_posB) - y < 0.6 for a in arrows), \
                (model, label.get_text())


def test_paper_style_puts_the_output_plane_above_the_input_plane():
    from convarith.figures.animation_paper import _Camera

    for scene in (conv_scene((4, 6), kernel_size=(2, 3), padding=1, dilation=(1, 2)),
                  transposed_scene(3, kernel_size=3, stride=2, padding=1, output_padding=1),
                  pool_scene(5, kernel_size=2, ceil_mode=True)):
        camera = _Camera(scene)
        low = max(y for _, y in camera.plane(output=False))
        high = min(y for _, y in camera.plane(output=True))
        assert high > low  # screen y grows upwards: the output plane is above, clear of it
        near = camera.plane(output=False)
        # perspective: the far edge of the input plane is drawn shorter than the near edge
        assert abs(near[1][0] - near[0][0]) < abs(near[2][0] - near[3][0])


@pytest.mark.parametrize("args", [
    ["conv", "--input", "4x6", "--kernel", "2x3", "--padding", "1", "--dilation", "1x2",
     "--stride", "2x1"],
    ["transposed", "--input", "2", "--kernel", "3", "--stride", "2", "--padding", "1",
     "--output-padding", "1"],
    ["pool", "--input", "5", "--kernel", "2", "--ceil-mode"],
])
def test_animate_style_paper_for_every_kind(tmp_path, args):
    out = tmp_path / "p.gif"
    result = CliRunner().invoke(main, ["animate", *args, "--style", "paper", "--dpi", "30",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        assert image.size[0] == 240 and image.n_frames == int(result.output.split("(")[1].split()[0])


def test_figures_style_paper_lists_the_fifteen_and_is_deterministic(tmp_path):
    listed = CliRunner().invoke(main, ["figures", "--style", "paper", "--list"])
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 15
    args = ["figures", "--style", "paper", "--dpi", "30", "--jobs", "1", "--only",
            "conv_no_padding_no_strides"]
    for name in ("a", "b"):
        assert CliRunner().invoke(main, [*args, "--out", str(tmp_path / name)]).exit_code == 0
    assert ((tmp_path / "a" / "conv_no_padding_no_strides.gif").read_bytes()
            == (tmp_path / "b" / "conv_no_padding_no_strides.gif").read_bytes())


@pytest.mark.parametrize("style, name", [("flat", "conv_no_padding_no_strides.gif"),
                                         ("flat", "formula_sheet.png"),
                                         ("paper", "conv_no_padding_strides.gif")])
def test_committed_figures_are_what_the_command_writes_byte_for_byte(tmp_path, style, name):
    folder = FIGURES / "paper" if style == "paper" else FIGURES
    stem = name.rsplit(".", 1)[0]
    result = CliRunner().invoke(main, ["figures", "--style", style, "--jobs", "1", "--only",
                                       stem, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), \
        f"figures/{name} is stale or not deterministic: run convarith figures"


def test_committed_paper_figures_are_the_fifteen_under_300_kb():
    from convarith.figures.lecture import figure_set

    for item in figure_set("paper"):
        path = FIGURES / "paper" / item.filename
        assert path.exists(), f"figures/paper/{item.filename} missing"
        assert path.stat().st_size < 300 * 1024
