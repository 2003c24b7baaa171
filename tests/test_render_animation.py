"""Rendering on Agg: GIFs read back with the right frame count and size, same bytes twice,
one-line errors for paths and formats that cannot be written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from PIL import Image

from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.figures.animation import conv_scene, pool_scene, transposed_scene
from convarith.figures.animation_render import THEMES, frame_images, save_animation
from convarith.figures.style import THEMES as THEME_CHOICES


def gif_frames(path):
    with Image.open(path) as image:
        return image.n_frames, image.size


@pytest.mark.parametrize("scene", [
    conv_scene(5, kernel_size=3, stride=2, padding=1),
    conv_scene((4, 4), kernel_size=(2, 3), stride=(1, 2), padding=((0, 1), (1, 1))),
    transposed_scene(2, kernel_size=3, stride=2, output_padding=1),
    pool_scene(5, kernel_size=2, ceil_mode=True, kind="avg"),
], ids=["conv", "non-square", "transposed", "avg-pool-ceil"])
def test_gif_has_one_frame_per_output_position_and_is_800_px_wide(tmp_path, scene):
    path = tmp_path / "out.gif"
    save_animation(scene, path)
    frames, (width, height) = gif_frames(path)
    assert frames == len(scene.frames)
    assert width == 800 and 250 < height < 900
    assert path.stat().st_size < 300_000


# "The same scene gives byte-identical GIF, SVG, PDF and PNG files" is
# tests/test_render_files.py::test_same_scene_gives_byte_identical_files.


def test_every_frame_png_writes_one_file_per_step(tmp_path):
    scene = conv_scene(3, kernel_size=2)
    written = save_animation(scene, tmp_path / "step.png", every_frame=True, dpi=50)
    assert [p.name for p in written] == [f"step-00{n}.png" for n in range(4)]
    with Image.open(written[0]) as image:
        assert image.size[0] == 400


def test_frames_differ_step_to_step_and_dark_theme_is_dark():
    scene = conv_scene(3, kernel_size=2)
    light = frame_images(scene, dpi=40)
    dark = frame_images(scene, dpi=40, theme="dark")
    assert all(a.tobytes() != b.tobytes() for a, b in zip(light, light[1:]))
    assert light[0].getpixel((2, 2)) == (255, 255, 255)
    assert sum(dark[0].getpixel((2, 2))) < 120


def test_theme_choices_are_the_renderer_themes():
    assert THEMES is THEME_CHOICES  # one registry: the renderer re-exports the style's


def test_unwritable_path_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConvArithError, match=r"^Error writing the figure to .*: .*\. Choose a "
                                             r"path in a folder you can write to\.$"):
        save_animation(conv_scene(3, kernel_size=2), blocker / "out.gif")
    assert list(tmp_path.iterdir()) == [blocker]  # no temp files left behind


def test_mp4_without_ffmpeg_is_one_line_error(tmp_path, monkeypatch):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(ConvArithError, match="MP4 needs ffmpeg.*write a .gif instead"):
        save_animation(conv_scene(3, kernel_size=2), tmp_path / "out.mp4")


def test_unknown_suffix_names_the_formats(tmp_path):
    with pytest.raises(ConvArithError, match=r"\.gif, \.mp4, \.png, \.svg, \.pdf, not \.jpg"):
        save_animation(conv_scene(3, kernel_size=2), tmp_path / "out.jpg")


def test_cli_animate_conv_gif(tmp_path):
    path = tmp_path / "conv.gif"
    result = CliRunner().invoke(main, ["animate", "conv", "--input", "4x4", "--kernel", "2x3",
                                       "--stride", "1x2", "--padding", "1", "-o", str(path),
                                       "--dpi", "50"])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {path} (10 frames: output 5x2)\n"
    assert gif_frames(path) [0] == 10


def test_cli_animate_bad_path_is_error_line_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["animate", "pool", "--input", "4", "--kernel", "2",
                                       "-o", str(blocker / "x.gif")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: writing the figure to ")
    assert result.output.count("\n") == 1


def test_cli_animate_rejects_options_of_other_kinds():
    result = CliRunner().invoke(main, ["animate", "conv", "--input", "4", "--kernel", "2",
                                       "--ceil-mode", "-o", "x.gif"])
    assert result.exit_code == 2
    assert result.output == "Error: --ceil-mode applies to pool, not conv. Drop it.\n"
