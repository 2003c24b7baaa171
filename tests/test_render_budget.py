"""Valid-looking animation requests that would exhaust memory are refused, with the
estimate and the fix, before anything is drawn."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from convarith.cli import main
from convarith.figures import render_budget


@pytest.mark.parametrize(("args", "words"), [
    (["conv", "--input", "2000", "--kernel", "2000"],
     "the grid would be 2000x2000 cells (4,000,000 drawn in every frame), more than the "
     "40,000 allowed"),
    (["transposed", "--input", "150", "--kernel", "3", "--stride", "2"],
     "the grid would be 303x303 cells"),
    (["conv", "--input", "34", "--kernel", "3", "--dpi", "600"],
     "1,024 frames of about 4800x3600 pixels at --dpi 600 are 17.7 billion pixels"),
])
def test_animation_past_the_budget_is_one_line_before_drawing(tmp_path, monkeypatch, args,
                                                             words):
    from convarith.figures import animation_render as render

    def never(*a, **k):
        raise AssertionError("drawing started")

    monkeypatch.setattr(render, "save_animation", never)
    result = CliRunner().invoke(main, ["animate", *args, "-o", str(tmp_path / "a.gif")])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "a.gif").exists()


def test_the_lecture_sets_longest_animation_fits_the_budget():
    """1,024 frames (the scene's own limit) at the default 100 dpi are allowed."""
    assert render_budget.check_frames(frames=1024, dpi=100, animated=True) < \
        render_budget.MAX_FRAME_PIXELS


def test_a_sheet_is_one_page_whatever_the_frames():
    assert render_budget.check_frames(frames=1024, dpi=600, animated=False) == 4800 * 3600
