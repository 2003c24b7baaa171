"""Files that appear whole or not at all.

Every file convarith writes (figures, tables, checkpoints, metrics, downloads) goes through
:func:`atomic_write`: the bytes go to a temporary file in the same folder, which is renamed
over the target only once complete, so an interrupted run never leaves half a file, and a
reader never sees one. The file gets the usual permissions (``0o666`` less the umask), not
the owner-only ones of a temporary file.

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
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from convarith.errors import ConvArithError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], *, text: bool = False, what: str = "a file"
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    ``text=True`` gives a UTF-8 text stream (newlines written as given). Any OS error (a
    folder that cannot be created or written, a full disk) becomes one ConvArithError line
    naming the path; the temporary file is removed.
    """
    target = Path(path)
    temporary: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                             dir=target.parent)
        options: dict[str, Any] = {"encoding": "utf-8", "newline": ""} if text else {}
        with os.fdopen(handle, "w" if text else "wb", **options) as stream:
            yield stream
        publish(temporary, target)
        temporary = None
    except ConvArithError:
        raise
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or str(error)
        raise ConvArithError(
            f"Error writing {what} to {target}: {reason}. Choose a path in a folder you can "
            "write to."
        ) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def publish(temporary: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Give a finished temporary file the usual permissions and rename it over ``target``."""
    os.chmod(temporary, 0o666 & ~_UMASK)
    os.replace(temporary, target)
