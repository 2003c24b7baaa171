"""Fetching MNIST, Fashion-MNIST and CIFAR-10 from their usual public locations.

The URLs and MD5 checksums are the ones torchvision's dataset classes use. The opener is
injectable (tests pass one, or point ``mirrors`` at a server on 127.0.0.1); the environment
variable ``CONVARITH_MIRROR`` (a base URL ending in ``/``) replaces the public locations for
every dataset, e.g. a mirror inside a lab. Without a network the error is one line that says
which files to put where.

>>> import urllib.error
>>> def offline(url, timeout=None):
...     raise urllib.error.URLError("no network")
>>> download("mnist", "/tmp/nowhere", opener=offline)
Traceback (most recent call last):
...
convarith.errors.ConvArithError: Error downloading mnist: ... no network. Offline? Put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (gzipped or not) into /tmp/nowhere and run without --download.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convarith.atomic import atomic_write
from convarith.errors import ConvArithError

#: The folder that cifar-10-python.tar.gz unpacks into (read by :mod:`convarith.train.data`).
CIFAR_FOLDER = "cifar-10-batches-py"


@dataclass(frozen=True)
class Source:
    """Where a dataset's files live: mirrors tried in order, and each file's MD5."""

    mirrors: tuple[str, ...]
    files: dict[str, str]
    archive_folder: str | None = None  # a tar.gz that unpacks into this folder


SOURCES: dict[str, Source] = {
    "mnist": Source(
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "http://yann.lecun.com/exdb/mnist/"),
        files={
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
    ),
    "fashion-mnist": Source(
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        files={
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    ),
    "cifar10": Source(
        mirrors=("https://www.cs.toronto.edu/~kriz/",),
        files={"cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a"},
        archive_folder=CIFAR_FOLDER,
    ),
}

Opener = Callable[..., Any]


def _present(folder: Path, name: str, source: Source) -> bool:
    if source.archive_folder is not None:
        return (folder / source.archive_folder).is_dir() or (folder / "test_batch").exists()
    return (folder / name).exists() or (folder / name.removesuffix(".gz")).exists()


#: The largest file fetched (CIFAR-10's python archive is 163 MiB, MNIST's largest 9.5 MiB).
MAX_BYTES = 256 * 1024 * 1024
#: The time one ``download`` call may take in all, across files and mirrors.
DEADLINE = 30 * 60.0
CHUNK = 1 << 16


class _Refused(Exception):
    """A mirror's answer is refused (too large, too slow): try the next mirror."""


class _Mismatch(Exception):
    """The body arrived whole but its MD5 is not the published one."""


def _fetch(url: str, target: Path, opener: Opener, *, timeout: float, ends: float,
           max_bytes: int, md5: str | None) -> None:
    """Stream ``url`` into ``target`` (atomically), chunk by chunk, hashing as it goes; the
    file appears only when whole and (``md5`` given) with that MD5. A body past
    ``max_bytes`` or a transfer still running at ``ends`` (a ``time.monotonic()`` value) is
    refused before more arrives; ``read1`` returns whatever one wait brought, so a server
    that drips a byte at a time cannot hold a read past the deadline."""
    digest, size = hashlib.md5(usedforsecurity=False), 0
    with opener(url, timeout=max(min(timeout, ends - time.monotonic()), 0.1)) as response:
        declared = getattr(response, "headers", None)
        length = declared.get("Content-Length") if declared is not None else None
        if length is not None and length.isdigit() and int(length) > max_bytes:
            raise _Refused(f"the server announces {int(length):,} bytes, more than the "
                           f"{max_bytes:,} allowed")
        read = getattr(response, "read1", None) or response.read
        with atomic_write(target, what="a downloaded file") as stream:
            while True:
                if time.monotonic() > ends:
                    raise _Refused(f"still downloading at the deadline, after {size:,} bytes")
                chunk = read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _Refused(f"the body passed the {max_bytes:,} bytes allowed")
                digest.update(chunk)
                stream.write(chunk)
            if md5 is not None and digest.hexdigest() != md5:
                raise _Mismatch(digest.hexdigest())


def download(name: str, data_dir: str | Path, *, opener: Opener = urllib.request.urlopen,
             mirrors: tuple[str, ...] | None = None, verify: bool = True,
             timeout: float = 30.0, deadline: float = DEADLINE,
             max_bytes: int = MAX_BYTES) -> list[Path]:
    """Fetch the files of dataset ``name`` that ``data_dir`` lacks; return the files written.

    ``mirrors`` replaces the public locations (base URLs ending in ``/``; default: the
    ``CONVARITH_MIRROR`` environment variable, else :data:`SOURCES`); ``verify`` checks
    each file's MD5 against the published one. Each file streams to disk (hashed as it
    arrives, never held in memory); one larger than ``max_bytes``, or a download still
    running ``deadline`` seconds after the call began (a server that drips bytes), is
    refused in one line. ``timeout`` bounds each wait for the server.
    """
    if name not in SOURCES:
        raise ConvArithError(
            f"Error downloading {name}: there is nothing to download for it. "
            f"--download works for {', '.join(SOURCES)}."
        )
    source, folder = SOURCES[name], Path(data_dir)
    if mirrors is None and os.environ.get("CONVARITH_MIRROR"):
        mirrors = (os.environ["CONVARITH_MIRROR"],)
    written: list[Path] = []
    ends = time.monotonic() + deadline
    for filename, md5 in source.files.items():
        if _present(folder, filename, source):
            continue
        errors: list[str] = []
        fetched = False
        target = folder / filename
        for mirror in mirrors or source.mirrors:
            if time.monotonic() > ends:
                errors.append(f"{mirror}{filename}: not tried, the {deadline:g} s deadline passed")
                continue
            try:
                folder.mkdir(parents=True, exist_ok=True)
                _fetch(mirror + filename, target, opener, timeout=timeout, ends=ends,
                       max_bytes=max_bytes, md5=md5 if verify else None)
                fetched = True
                break
            except _Mismatch:
                raise ConvArithError(
                    f"Error downloading {name}: {filename} does not have the published MD5 "
                    f"{md5} (from {mirror}); the download is damaged or the mirror serves "
                    f"another file. Try again, or put the file into {folder} by hand."
                ) from None
            except _Refused as error:
                errors.append(f"{mirror}{filename}: {error}")
            except TimeoutError:
                errors.append(f"{mirror}{filename}: no answer within {timeout:g} s")
            except (urllib.error.URLError, OSError, ValueError) as error:
                reason = getattr(error, "reason", error)
                errors.append(f"{mirror}{filename}: {reason}")
        if not fetched:
            wanted = ", ".join(source.files)
            where = folder if source.archive_folder is None else folder / source.archive_folder
            what = (f"{wanted} (gzipped or not)" if source.archive_folder is None else
                    f"the python batches of {wanted}")
            raise ConvArithError(
                f"Error downloading {name}: could not fetch {'; '.join(errors)}. "
                f"Offline? Put {what} into {where} and run without --download."
            )
        if source.archive_folder is not None:
            with tarfile.open(target) as archive:
                archive.extractall(folder, filter="data")
            target.unlink()
            target = folder / source.archive_folder
        written.append(target)
    return written
