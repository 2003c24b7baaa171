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


def _fetch(url: str, opener: Opener, timeout: float) -> bytes:
    with opener(url, timeout=timeout) as response:
        return response.read()


def _write_atomically(path: Path, payload: bytes) -> None:
    with atomic_write(path, what="a downloaded file") as stream:
        stream.write(payload)


def download(name: str, data_dir: str | Path, *, opener: Opener = urllib.request.urlopen,
             mirrors: tuple[str, ...] | None = None, verify: bool = True,
             timeout: float = 30.0) -> list[Path]:
    """Fetch the files of dataset ``name`` that ``data_dir`` lacks; return the files written.

    ``mirrors`` replaces the public locations (base URLs ending in ``/``; default: the
    ``CONVARITH_MIRROR`` environment variable, else :data:`SOURCES`); ``verify`` checks
    each file's MD5 against the published one.
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
    for filename, md5 in source.files.items():
        if _present(folder, filename, source):
            continue
        errors: list[str] = []
        payload = None
        for mirror in mirrors or source.mirrors:
            try:
                payload = _fetch(mirror + filename, opener, timeout)
                break
            except (urllib.error.URLError, OSError, ValueError) as error:
                reason = getattr(error, "reason", error)
                errors.append(f"{mirror}{filename}: {reason}")
        if payload is None:
            wanted = ", ".join(source.files)
            where = folder if source.archive_folder is None else folder / source.archive_folder
            what = (f"{wanted} (gzipped or not)" if source.archive_folder is None else
                    f"the python batches of {wanted}")
            raise ConvArithError(
                f"Error downloading {name}: could not fetch {'; '.join(errors)}. "
                f"Offline? Put {what} into {where} and run without --download."
            )
        if verify and hashlib.md5(payload, usedforsecurity=False).hexdigest() != md5:
            raise ConvArithError(
                f"Error downloading {name}: {filename} does not have the published MD5 {md5}; "
                "the download is damaged or the mirror serves another file. Try again, or put "
                f"the file into {folder} by hand."
            )
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename
        _write_atomically(target, payload)
        if source.archive_folder is not None:
            with tarfile.open(target) as archive:
                archive.extractall(folder, filter="data")
            target.unlink()
            target = folder / source.archive_folder
        written.append(target)
    return written
