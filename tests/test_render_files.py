"""Rendering smoke tests on Agg: the files read back with the frames and sizes the scene says.

Kept fast: small grids and a low dpi (50 dpi: 400 px wide).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from convarith import zoo
from convarith.errors import ConvArithError
from convarith.figures.animation import conv_scene, pool_scene, transposed_scene
from convarith.figures.animation_render import OKABE_ITO, save_animation, theme_named


def _frames(path: Path) -> list[Image.Image]:
    with Image.open(path) as gif:
        out = []
        for n in range(gif.n_frames):
            gif.seek(n)
            out.append(gif.convert("RGB"))
        return out


@pytest.mark.parametrize("scene", [
    conv_scene(4, kernel_size=3, stride=2, padding=1),
    conv_scene((4, 4), kernel_size=(2, 3)),
    transposed_scene(2, kernel_size=3, stride=2),
    pool_scene(4, kernel_size=2, kind="avg"),
], ids=["conv", "non-square", "transposed", "avg-pool"])
def test_gif_has_one_frame_per_output_position_and_is_8_inches_wide(tmp_path, scene):
    path = tmp_path / "a.gif"
    assert save_animation(scene, path, dpi=50) == [path]
    frames = _frames(path)
    assert len(frames) == len(scene.frames) == scene.output_shape[0] * scene.output_shape[1]
    assert frames[0].size[0] == 400
    assert len({f.tobytes() for f in frames}) == len(frames)  # every step differs


def test_same_scene_gives_byte_identical_files(tmp_path):
    scene = conv_scene(3, kernel_size=2, stride=2, padding=1, dilation=2)  # 4 frames
    for suffix in (".gif", ".png", ".svg", ".pdf"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        save_animation(scene, a, dpi=40)
        save_animation(scene, b, dpi=40)
        assert a.read_bytes() == b.read_bytes(), suffix


def test_every_frame_png_and_overview_sheet(tmp_path):
    scene = conv_scene(3, kernel_size=2)
    written = save_animation(scene, tmp_path / "f.png", dpi=40, every_frame=True)
    assert [p.name for p in written] == [f"f-{n:03d}.png" for n in range(4)]
    assert Image.open(written[0]).size[0] == 320
    sheet = tmp_path / "sheet.png"
    save_animation(scene, sheet, dpi=40)
    assert Image.open(sheet).size[0] == 320
    assert (tmp_path / "s.svg").exists() is False
    save_animation(scene, tmp_path / "s.svg", dpi=40)
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")


def test_unwritable_path_is_one_line_error_and_leaves_no_temp_file(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        if os.access(folder, os.W_OK):  # running as root: a file in the way instead
            target = tmp_path / "file" / "x.gif"
            (tmp_path / "file").write_text("not a folder")
        else:
            target = folder / "x.gif"
        with pytest.raises(ConvArithError, match=r"^Error writing the figure to .*x\.gif: "
                                                 r".*Choose a path in a folder you can write to\.$"):
            save_animation(conv_scene(2, kernel_size=1), target, dpi=30)
    finally:
        os.chmod(folder, 0o700)
    assert not list(folder.iterdir())


def test_unknown_suffix_theme_and_fps_are_one_line_errors(tmp_path):
    scene = conv_scene(2, kernel_size=1)
    with pytest.raises(ConvArithError, match=r"can be written as \.gif, \.mp4, \.png, \.svg, "
                                             r"\.pdf, not \.jpg\. Change the file name's suffix"):
        save_animation(scene, tmp_path / "a.jpg")
    with pytest.raises(ConvArithError, match="theme='pink' is not a theme. Use one of light, dark"):
        save_animation(scene, tmp_path / "a.gif", theme="pink")
    with pytest.raises(ConvArithError, match="fps=0 must be positive"):
        save_animation(scene, tmp_path / "a.gif", fps=0)


def test_mp4_without_ffmpeg_says_so_in_one_line(tmp_path, monkeypatch):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(ConvArithError, match=r"MP4 needs ffmpeg.*write a \.gif instead\.$"):
        save_animation(conv_scene(2, kernel_size=1), tmp_path / "a.mp4")
    assert not (tmp_path / "a.mp4").exists()


def test_palette_is_okabe_ito_and_dark_theme_has_dark_background(tmp_path):
    assert OKABE_ITO["vermillion"] == "#D55E00" and len(OKABE_ITO) == 8
    path = tmp_path / "d.gif"
    save_animation(conv_scene(2, kernel_size=1), path, dpi=30, theme="dark")
    corner = _frames(path)[0].getpixel((1, 1))
    assert sum(corner) < 120
    assert theme_named("light").background == "#FFFFFF"


def test_mp4_pipes_every_frame_to_ffmpeg_as_raw_rgb(tmp_path, monkeypatch):
    """With an ffmpeg on hand (here a stand-in script that records what it is given), the
    frames go to it as raw RGB, one after the other, and the file appears atomically."""
    import matplotlib

    fake = tmp_path / "ffmpeg"
    fake.write_text('#!/bin/sh\nfor last; do :; done\nwc -c > "$last"\n')
    fake.chmod(0o755)
    monkeypatch.setitem(matplotlib.rcParams, "animation.ffmpeg_path", str(fake))
    scene = conv_scene(3, kernel_size=2)
    out = tmp_path / "a.mp4"
    assert save_animation(scene, out, dpi=30) == [out]
    from convarith.figures.animation_render import frame_images

    width, height = frame_images(scene, dpi=30)[0].size
    # at the rate of the shortest frame (1 s): the last, held 3 s, goes in three times
    assert scene.durations() == (1.0, 1.0, 1.0, 3.0)
    assert int(out.read_text()) == (len(scene.frames) + 2) * width * height * 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("model", zoo.names())
def test_every_zoo_model_has_an_architecture_diagram(tmp_path, model):
    from convarith.figures.static_render import save_static

    path = save_static("architecture", tmp_path / f"{model}.png", model=model, dpi=30)
    assert Image.open(path).size[0] == 240
