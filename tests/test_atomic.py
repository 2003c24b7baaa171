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


def test_a_symlink_is_kept_and_its_target_written(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "table.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with atomic_write(link, text=True) as out:
        out.write("new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["table.md"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    link = tmp_path / "link.gif"
    link.symlink_to(tmp_path / "made.gif")
    with atomic_write(link) as out:
        out.write(b"GIF89a")
    assert link.is_symlink() and (tmp_path / "made.gif").read_bytes() == b"GIF89a"


@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "link to device"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, kind):
    target = tmp_path / "out.png"
    if kind == "folder":
        target.mkdir()
        expected = "a folder"
    elif kind == "fifo":
        os.mkfifo(target)
        expected = "a named pipe"
    else:
        device = "/dev/null"
        if kind == "device":
            target = type(target)(device)
        else:
            target.symlink_to(device)
        expected = "a character device"
    before = os.lstat(target)
    with pytest.raises(ConvArithError, match=rf"^Error writing the figure to .*: it is "
                                             rf"{expected}, not a regular file\. Choose a file"):
        with atomic_write(target, what="the figure") as out:
            out.write(b"x")
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_temporary_left_by_a_killed_writer_goes_on_the_next_write(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".table.md.{dead.stdout.strip()}.abcd1234.tmp"
    stale.write_text("half")
    alive = tmp_path / f".table.md.{os.getppid()}.abcd1234.tmp"  # a running process's
    alive.write_text("in progress")
    other = tmp_path / ".notes.txt.1.abcd1234.tmp"  # another file's: not ours to judge now
    other.write_text("x")
    with atomic_write(tmp_path / "table.md", text=True) as out:
        out.write("whole")
    assert not stale.exists() and alive.exists() and other.exists()
    assert (tmp_path / "table.md").read_text() == "whole"


def test_the_callers_own_errors_pass_through_unchanged(tmp_path):
    with pytest.raises(ValueError, match="the caller's own"):
        with atomic_write(tmp_path / "t.md", text=True):
            raise ValueError("the caller's own")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_during_the_write_is_one_line_and_keeps_the_old_file(tmp_path):
    import errno

    target = tmp_path / "last.pt"
    target.write_bytes(b"old")
    with pytest.raises(ConvArithError, match=r"^Error writing a checkpoint to .*last\.pt: No "
                                             r"space left on device\. Free some space"):
        with atomic_write(target, what="a checkpoint"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]
