"""The figure commands: convarith animate (non-square, per-axis), draw and figures.

Files are read back (Pillow) for their frame count and size; bad paths are one Error line
with exit status 2. Kept fast: low dpi, small grids, a subset of the lecture set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from convarith.choices import DRAW_KINDS
from convarith.cli import main
from convarith.figures.lecture import LECTURE_SET
from convarith.formulas.output_size import conv_output_size, conv_transpose_output_size


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def frames_of(path: Path) -> tuple[int, tuple[int, int]]:
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1), image.size


def test_animate_non_square_input_kernel_strides_and_paddings(tmp_path):
    out = tmp_path / "ns.gif"
    result = run("animate", "conv", "--input", "4x5", "--kernel", "2x3", "--stride", "1x2",
                 "--padding", "1x0", "--dpi", "40", "-o", str(out))
    assert result.exit_code == 0, result.output
    o = conv_output_size((4, 5), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0))
    assert o == (5, 2)
    assert frames_of(out) == (10, frames_of(out)[1]) and frames_of(out)[1][0] == 320
    assert result.output == f"wrote {out} (10 frames: output 5x2)\n"


def test_animate_asymmetric_padding_pairs_and_the_notes_4x4_2x3(tmp_path):
    out = tmp_path / "pairs.png"
    result = run("animate", "conv", "--input", "4x4", "--kernel", "2x3", "--padding",
                 "0:1x1:0", "--dpi", "40", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "output 4x3" in result.output  # (4+1-2)+1 = 4 rows, (4+1-3)+1 = 3 cols
    assert Image.open(out).size[0] == 320


def test_animate_transposed_per_axis_frames_are_the_formulas(tmp_path):
    out = tmp_path / "t.gif"
    result = run("animate", "transposed", "--input", "2x3", "--kernel", "3x2", "--stride",
                 "2x1", "--padding", "1x0", "--output-padding", "1x0", "--dpi", "30",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    o = conv_transpose_output_size((2, 3), kernel_size=(3, 2), stride=(2, 1), padding=(1, 0),
                                   output_padding=(1, 0))
    assert frames_of(out)[0] == o[0] * o[1]


def test_animate_numerical_every_frame_png(tmp_path):
    result = run("animate", "numerical", "--input", "3x4", "--kernel", "2", "--dpi", "30",
                 "--every-frame", "-o", str(tmp_path / "n.png"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"n-{i:03d}.png" for i in range(6)]


def test_animate_unwritable_path_is_one_error_line_exit_2(tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    result = run("animate", "conv", "--input", "3", "--kernel", "2", "--dpi", "30",
                 "-o", str(tmp_path / "file" / "x.gif"))
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: writing the figure to ")
    assert lines[0].endswith("Choose a path in a folder you can write to.")


def test_animate_kernel_larger_than_padded_input_is_one_error_line():
    result = run("animate", "conv", "--input", "3x3", "--kernel", "2x5", "-o", "x.gif")
    assert result.exit_code == 2
    assert result.output.startswith("Error: computing the output size of a convolution")
    assert "effective kernel (5) is larger than the padded input (3)" in result.output


@pytest.mark.parametrize("kind", DRAW_KINDS)
def test_draw_every_kind_writes_an_800_px_wide_png_at_100_dpi_scale(tmp_path, kind):
    out = tmp_path / f"{kind}.png"
    result = run("draw", kind, "--dpi", "40", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    assert Image.open(out).size[0] == 320  # 8 inches


def test_draw_rf_options_and_vector_formats(tmp_path):
    result = run("draw", "rf", "--layers", "conv k=3 s=2; pool k=2", "--input", "11",
                 "--unit", "0", "-o", str(tmp_path / "rf.svg"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rf.svg").read_text().lstrip().startswith("<?xml")
    bad = run("draw", "rf", "--unit", "7", "-o", str(tmp_path / "x.png"))
    assert bad.exit_code == 2
    assert bad.output == ("Error: drawing the receptive-field growth: unit=7 is not an output "
                          "position (the last layer has 3). Use 0 to 2.\n")


def test_draw_architecture_of_an_unknown_model_is_one_error_line(tmp_path):
    result = run("draw", "architecture", "--model", "resnet9000", "-o", str(tmp_path / "a.png"))
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1 and "resnet9000" in result.output


def test_figures_list_names_the_whole_lecture_set():
    result = run("figures", "--list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == [item.filename for item in LECTURE_SET]
    assert sum(1 for item in LECTURE_SET if item.paper) == 15
    for kind in ("numerical", "pool", "rf", "formula", "channels", "architecture"):
        assert any(item.kind == kind for item in LECTURE_SET)


def test_figures_only_subset_is_deterministic_and_the_same_in_parallel(tmp_path):
    """Animations, a static figure and the formula sheet, rendered in this process and again
    by two worker processes: the same files, byte for byte (so neither the process's history
    nor the worker split changes a byte)."""
    subset = ("conv_no_padding_strides", "max_pooling_ceil_mode", "rf_growth",
              "transposed_no_padding_no_strides", "formula_sheet")
    args = ["figures", "--dpi", "30"] + [arg for name in subset for arg in ("--only", name)]
    serial, parallel = tmp_path / "s", tmp_path / "p"
    first = run(*args, "--jobs", "1", "--out", str(serial))
    assert first.exit_code == 0, first.output
    assert run(*args, "--jobs", "2", "--out", str(parallel)).exit_code == 0
    names = sorted(p.name for p in serial.iterdir())
    assert names == ["conv_no_padding_strides.gif", "formula_sheet.png",
                     "max_pooling_ceil_mode.gif", "rf_growth.png",
                     "transposed_no_padding_no_strides.gif"]
    assert sorted(p.name for p in parallel.iterdir()) == names
    for name in names:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    assert frames_of(serial / "conv_no_padding_strides.gif")[0] == 4
    assert frames_of(serial / "max_pooling_ceil_mode.gif")[0] == 9


def test_figures_unknown_name_is_one_error_line():
    result = run("figures", "--only", "conv_sideways")
    assert result.exit_code == 2
    assert result.output.startswith("Error: finding the lecture figure 'conv_sideways': no "
                                    "such figure. Use one of conv_no_padding_no_strides, ")


def test_committed_figures_folder_holds_the_lecture_set_under_300_kb_each():
    folder = Path(__file__).resolve().parent.parent / "figures"
    for item in LECTURE_SET:
        path = folder / item.filename
        assert path.exists(), f"figures/{item.filename} missing: run convarith figures"
        if path.suffix == ".gif":
            assert path.stat().st_size < 300 * 1024
            assert frames_of(path)[1][0] == 800
