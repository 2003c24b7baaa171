"""Files appear whole, with the usual permissions, or not at all."""

from __future__ import annotations

import os
import stat

import pytest

from convarith.atomic import atomic_write
from convarith.errors import ConvArithError


def test_files_are_written_with_the_usual_permissions(tmp_path):
    with atomic_write(tmp_path / "figure.gif") as out:
        out.write(b"GIF89a")
    mode = stat.S_IMODE(os.stat(tmp_path / "figure.gif").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["figure.gif"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "table.md"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target, text=True) as out:
            out.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.md"]


def test_an_unwritable_folder_is_one_error_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConvArithError, match=r"^Error writing the table to .*: .*\. Choose a path"):
        with atomic_write(blocker / "sub" / "t.md", text=True, what="the table"):
            pass
