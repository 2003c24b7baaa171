"""One loader for user code: ``FILE.py:NAME`` and ``module:NAME``, run under a time bound.

Used by ``convarith table FILE.py:NAME`` and ``convarith verify --impl``. The user's code is
foreign: it may print, hang, raise anything (``NotImplementedError`` with no message,
``SystemExit``, ``KeyboardInterrupt``) or have side effects at import. So:

* :func:`load` resolves ``path/to/file.py:NAME`` (relative to the current folder) or
  ``package.module:NAME`` (importable from the current folder, as ``python -m`` does) and
  raises :class:`~convarith.errors.ConvArithError` with one line naming the user's file,
  line and exception when the import fails;
* :func:`call` runs one call of user code in a worker thread with a timeout: a call that
  hangs is stopped and reported (:class:`Outcome` with ``timed_out``), not waited on forever;
* everything the user's code prints while it runs is captured (``Loaded.printed``,
  ``Outcome.printed``) so it is shown apart from convarith's own output;
* ``SystemExit`` and ``KeyboardInterrupt`` raised by the user's code come back as values
  (``Outcome.error``), so they never decide convarith's exit status.

>>> loaded = load("math:sqrt")
>>> loaded.value(16.0), loaded.where
(4.0, 'math')
>>> call(loaded.value, 9.0).value
3.0
>>> outcome = call(lambda: exec("raise SystemExit(3)"))
>>> outcome.ok, type(outcome.error).__name__, describe_error(outcome.error)
(False, 'SystemExit', 'SystemExit(3): the code called sys.exit(3)')
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import sys
import threading
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convarith.errors import ConvArithError

#: Seconds an import of user code may take (a module that trains a model at import...).
IMPORT_TIMEOUT = 60.0
#: Seconds one call of user code may take by default.
CALL_TIMEOUT = 10.0


@dataclass
class Loaded:
    """What :func:`load` found: the named value, its module, and what the import printed."""

    target: str
    value: Any
    module: Any
    where: str  # "file.py" or "package.module", as the user wrote it
    name: str
    printed: str = ""

    @property
    def path(self) -> str | None:
        """The module's file (for naming the user's lines), when it has one."""
        return getattr(self.module, "__file__", None)


@dataclass
class Outcome:
    """One call of user code: its value, or the exception it raised, or a timeout."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    printed: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


# --------------------------------------------------------------------------- printed output


class _Router(io.TextIOBase):
    """A stand-in for sys.stdout/sys.stderr: writes from capturing threads go to their buffer,
    everything else to the stream it replaced."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.stream = stream
        self.buffers: dict[int, io.StringIO] = {}

    def write(self, text: str) -> int:
        buffer = self.buffers.get(threading.get_ident())
        if buffer is None:
            return self.stream.write(text)
        return buffer.write(text)

    def flush(self) -> None:
        if threading.get_ident() not in self.buffers:
            self.stream.flush()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")

    def isatty(self) -> bool:
        return False


_lock = threading.Lock()


@contextmanager
def _routed() -> Any:
    """sys.stdout and sys.stderr replaced by routers while the block runs."""
    with _lock:
        installed = []
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, _Router):
                router = _Router(stream)
                setattr(sys, name, router)
                installed.append((name, router))
    try:
        yield sys.stdout, sys.stderr
    finally:
        with _lock:
            for name, router in installed:
                if getattr(sys, name) is router and not router.buffers:
                    setattr(sys, name, router.stream)
                # a hung thread still owns a buffer: the router stays until the process ends


# --------------------------------------------------------------------------- calls


class _Stopped(BaseException):
    """Raised inside user code that outlived its time bound (see :func:`call`)."""


def _stop(worker: threading.Thread, *, grace: float = 1.0) -> None:
    """Raise :class:`_Stopped` in ``worker`` until it ends or ``grace`` seconds pass: a loop
    in Python stops at its next bytecode, code waiting in C (a sleep, a long tensor operation)
    when that returns; again every 0.1 s, for code that catches what it is sent. Left running,
    a ``while True: pass`` in a user's forward would keep a core busy (and slow every thread
    of the process) for as long as the process lives: a notebook, a server, a test session."""
    import ctypes
    import time

    end = time.perf_counter() + grace
    while worker.is_alive() and worker.ident is not None and time.perf_counter() < end:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident),
                                                   ctypes.py_object(_Stopped))
        worker.join(0.1)


def call(function: Callable[..., Any], *args: Any, timeout: float = CALL_TIMEOUT,
         **kwargs: Any) -> Outcome:
    """Run ``function(*args, **kwargs)`` in a worker thread, at most ``timeout`` seconds.

    Any exception, ``SystemExit`` and ``KeyboardInterrupt`` included, is returned in
    ``Outcome.error``; what the call prints is in ``Outcome.printed``. A call still running
    after ``timeout`` is stopped (an exception raised in its thread, see :func:`_stop`) and
    reported with ``timed_out``; one that will not stop is left behind (a daemon thread).
    """
    import time

    outcome = Outcome()
    buffer = io.StringIO()
    stopped = threading.Event()

    def work() -> None:
        out, err = sys.stdout, sys.stderr
        for router in (out, err):
            if isinstance(router, _Router):
                router.buffers[threading.get_ident()] = buffer
        try:
            value = function(*args, **kwargs)
            if not stopped.is_set():
                outcome.value = value
        except BaseException as error:  # the user's code decides nothing: keep what it raised
            if not stopped.is_set():  # what the stop raised is not the call's outcome
                outcome.error = error
        finally:
            for router in (out, err):
                if isinstance(router, _Router):
                    router.buffers.pop(threading.get_ident(), None)

    with _routed():
        start = time.perf_counter()
        worker = threading.Thread(target=work, name="convarith-user-code", daemon=True)
        worker.start()
        worker.join(timeout)
        outcome.seconds = time.perf_counter() - start
    if worker.is_alive():
        outcome.timed_out = True
        stopped.set()
        _stop(worker)
    outcome.printed = buffer.getvalue()
    return outcome


# --------------------------------------------------------------------------- naming errors


def describe_error(error: BaseException, path: str | None = None) -> str:
    """An exception in words, with the user's own file and line when ``path`` is known.

    >>> describe_error(NotImplementedError())
    'NotImplementedError (no message)'
    >>> describe_error(KeyboardInterrupt())
    'KeyboardInterrupt: the code raised KeyboardInterrupt itself'
    """
    name = type(error).__name__
    if isinstance(error, SystemExit):
        words = f"{name}({error.code!r}): the code called sys.exit({error.code!r})" \
            if error.code is not None else f"{name}: the code called sys.exit()"
    elif isinstance(error, KeyboardInterrupt):
        words = f"{name}: the code raised KeyboardInterrupt itself"
    else:
        message = " ".join(str(error).split())
        if isinstance(error, SyntaxError) and error.msg:
            message = error.msg
        words = f"{name}: {message[:200]}" if message else f"{name} (no message)"
    place = user_line(error, path)
    return f"{words} (at {place})" if place else words


def user_line(error: BaseException, path: str | None) -> str | None:
    """``file.py:12: the source line`` of the deepest frame in the user's file, if any.

    For a SyntaxError, the line it names. Without ``path``, the deepest frame outside
    convarith, the standard library and installed packages.
    """
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        text = (error.text or "").strip()
        return f"{_short(error.filename)}:{error.lineno}" + (f": {text}" if text else "")
    frames = traceback.extract_tb(error.__traceback__)
    chosen = None
    for frame in frames:
        if path is not None:
            if os.path.abspath(frame.filename) == os.path.abspath(path):
                chosen = frame
        elif _is_user_file(frame.filename):
            chosen = frame
    if chosen is None:
        return None
    line = (chosen.line or "").strip()
    return f"{_short(chosen.filename)}:{chosen.lineno}" + (f": {line}" if line else "")


def _is_user_file(filename: str) -> bool:
    here = str(Path(__file__).resolve().parent)
    absolute = os.path.abspath(filename)
    return not (absolute.startswith(here) or "site-packages" in absolute
                or absolute.startswith(os.path.dirname(os.__file__)) or filename.startswith("<"))


def _short(filename: str) -> str:
    """A path relative to the current folder when it lies inside it."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive
        return filename
    return filename if relative.startswith("..") else relative


# --------------------------------------------------------------------------- loading


def split_target(target: str, *, example: str = "homework.py:conv2d") -> tuple[str, str]:
    """``("file.py" or "package.module", "NAME")``; one clear error when the name is missing.

    >>> split_target("layers.py:conv_forward_naive")
    ('layers.py', 'conv_forward_naive')
    >>> split_target("layers.py")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error loading 'layers.py': it names a file but no function or class in it. Write FILE.py:NAME, e.g. layers.py:conv2d.
    """
    where, sep, name = target.rpartition(":")
    if len(where) == 1 and where.isalpha():  # a Windows drive, "C:file.py"
        where, sep, name = "", "", target
    if not sep and target.endswith(".py"):
        stem = Path(target).name
        raise ConvArithError(
            f"Error loading {target!r}: it names a file but no function or class in it. "
            f"Write FILE.py:NAME, e.g. {stem}:{example.rpartition(':')[2]}.")
    if not sep or not where or not name or not name.isidentifier():
        raise ConvArithError(
            f"Error loading {target!r}: write FILE.py:NAME or package.module:NAME, "
            f"e.g. {example}.")
    return where, name


def load(target: str, *, timeout: float = IMPORT_TIMEOUT,
         example: str = "homework.py:conv2d") -> Loaded:
    """Import the module of ``target`` and return the value it names (see module doc).

    The import runs under ``timeout`` seconds with its prints captured; any exception it
    raises becomes one ConvArithError line naming the user's file, line and exception.
    """
    where, name = split_target(target, example=example)
    is_file = where.endswith(".py") or "/" in where or os.sep in where
    if is_file:
        path = Path(where)
        if not path.is_file():
            raise ConvArithError(f"Error loading {target!r}: the file {where} does not exist. "
                                 "Check the path (relative to the current folder).")
        outcome = call(_import_file, path, timeout=timeout)
    else:
        outcome = call(_import_module, where, timeout=timeout)
    if outcome.timed_out:
        raise ConvArithError(
            f"Error loading {target!r}: importing {where} did not finish within "
            f"{timeout:g} s. Move work done at import under `if __name__ == \"__main__\":`.")
    if outcome.error is not None:
        error = outcome.error
        if not is_file and isinstance(error, ModuleNotFoundError) and \
                error.name and where.startswith(error.name):
            raise ConvArithError(
                f"Error loading {target!r}: there is no module {where} in the current folder "
                f"or installed. Check the name, or give a file: path/to/file.py:{name}.")
        user_path = str(Path(where).resolve()) if is_file else None
        raise ConvArithError(
            f"Error loading {target!r}: importing {where} raised "
            f"{describe_error(error, user_path)}. Fix the file.") from None
    module = outcome.value
    if not hasattr(module, name):
        found = sorted(n for n, v in vars(module).items()
                       if not n.startswith("_") and callable(v)
                       and getattr(v, "__module__", None) == module.__name__)
        raise ConvArithError(
            f"Error loading {target!r}: {where} has no {name}. "
            f"Defined there: {', '.join(found) or 'nothing callable'}.")
    return Loaded(target, getattr(module, name), module, where, name, outcome.printed)


def _import_file(path: Path) -> Any:
    resolved = path.resolve()
    module_name = f"convarith_user_{resolved.stem}_{abs(hash(str(resolved))) % 10**8}"
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up
    folder = str(resolved.parent)
    sys.path.insert(0, folder)  # the file may import its neighbours
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    return module


def _import_module(where: str) -> Any:
    folder = os.getcwd()
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)  # as `python -m` does
    try:
        return importlib.import_module(where)
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)
