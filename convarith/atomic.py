"""Files that appear whole or not at all, and only where a regular file may stand.

Every file convarith writes (figures, tables, checkpoints, metrics, downloads) goes through
:func:`atomic_write` (or :func:`atomic_path`, for a tool that writes by file name): the bytes
go to a temporary file in the same folder, which is renamed over the target only once
complete, so an interrupted run never leaves half a file, and a reader never sees one. The
file gets the usual permissions (``0o666`` less the umask), not the owner-only ones of a
temporary file.

What stands at the target decides where the bytes go:

- nothing, or a regular file: the file is written (replaced) there;
- a symbolic link: the link is kept and its target is written, in the target's own folder
  (so the rename stays atomic), as ``> link`` in a shell would do;
- anything else (a folder, a device, a pipe, a socket): refused in one line, never replaced.

Temporary files are named ``.NAME.PID.RANDOM.tmp``; one left behind by a process that was
killed is removed by the next write of the same file.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "table.md", text=True) as out:
...     _ = out.write("| a |\\n")
>>> (folder / "table.md").read_text()
'| a |\\n'
>>> with atomic_write(folder / "missing" / "x" / "\\0bad") as out:
...     pass
Traceback (most recent call last):
...
convarith.errors.ConvArithError: Error writing a file to .../missing/x/...: embedded null byte. Choose a path in a folder you can write to.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from convarith.errors import ConvArithError

_UMASK = os.umask(0)
os.umask(_UMASK)

#: What a non-regular file is called in an error message.
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


#: OS errors of writing a file (a full disk, a quota, a read-only or failing device).
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def _refuse(what: str, target: Path, reason: str, fix: str) -> ConvArithError:
    return ConvArithError(f"Error writing {what} to {target}: {reason}. {fix}")


def writable_target(path: str | os.PathLike[str], *, what: str = "a file") -> Path:
    """The regular file that writing ``path`` replaces: ``path`` itself, or the end of its
    chain of symbolic links; refused in one line when something else stands there.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> writable_target(folder) # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error writing a file to ...: it is a folder, not a regular file. Choose a file name (convarith replaces only regular files).
    """
    target = Path(path)
    try:
        if target.is_symlink():
            target = Path(os.path.realpath(target))
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or str(error)
        raise _refuse(what, target, reason, "Choose a path in a folder you can write to.") from None
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "not a file")
        raise _refuse(what, Path(path), f"it is {kind}, not a regular file",
                      "Choose a file name (convarith replaces only regular files).")
    return target


def _remove_stale_temporaries(target: Path) -> None:
    """Remove ``.NAME.PID.*.tmp`` beside ``target`` whose process no longer runs."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[^.]+\.tmp$")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.match(entry.name)
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(match.group(1))
            if pid == os.getpid() or _running(pid):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process
    return True


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, what: str = "a file",
                suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside where ``path`` is written; renamed over it if the block ends
    without an exception (for tools such as ffmpeg that write by file name). ``suffix``
    lets such a tool tell the format from the name (``.mp4``)."""
    target = writable_target(path, what=what)
    temporary: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(target)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.",
                                             suffix=suffix, dir=target.parent)
        os.close(handle)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        reason = getattr(error, "strerror", None) or str(error)
        raise _refuse(what, target, reason, "Choose a path in a folder you can write to.") from None
    try:
        yield Path(temporary)
        _publish(temporary, target, what)
        temporary = None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], *, text: bool = False, what: str = "a file"
) -> Iterator[IO[Any]]:
    """Open a temporary file beside where ``path`` is written; on success rename it there.

    ``text=True`` gives a UTF-8 text stream (newlines written as given). An OS error of the
    write itself (a folder that cannot be created or written, a full disk) becomes one
    ConvArithError line naming the path; the temporary file is removed. Exceptions raised by
    the caller's own code inside the block pass through unchanged.
    """
    with atomic_path(path, what=what) as temporary:
        options: dict[str, Any] = {"encoding": "utf-8", "newline": ""} if text else {}
        try:
            stream = open(temporary, "w" if text else "wb", **options)  # noqa: SIM115
        except OSError as error:
            raise _refuse(what, Path(path), error.strerror or str(error),
                          "Choose a path in a folder you can write to.") from None
        with stream:
            try:
                yield stream
            except OSError as error:
                if error.errno not in _WRITE_ERRORS:
                    raise
                raise _refuse(what, Path(path), error.strerror or str(error),
                              "Free some space, or choose another folder.") from None
            try:
                stream.flush()
                os.fsync(stream.fileno())
            except OSError as error:
                raise _refuse(what, Path(path), error.strerror or str(error),
                              "Free some space, or choose another folder.") from None


def _publish(temporary: str | os.PathLike[str], target: Path, what: str) -> None:
    """Give a finished temporary file the usual permissions and rename it over ``target``."""
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, target)
    except OSError as error:
        raise _refuse(what, target, error.strerror or str(error),
                      "Choose a path in a folder you can write to.") from None
