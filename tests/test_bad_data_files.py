"""Real-world-shaped bad dataset files: each one is one line that names the file, never a
traceback, and never trained on silently."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.train import data as datasets

IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"


def idx(array: np.ndarray, code: int = 0x08) -> bytes:
    dtype = {0x08: ">u1", 0x0D: ">f4"}[code]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    return header + np.asarray(array).astype(dtype).tobytes()


def good_files(train: int = 12, test: int = 6) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    return {
        IMAGES: idx(rng.integers(0, 256, (train, 28, 28))),
        LABELS: idx(np.arange(train) % 10),
        TEST_IMAGES: idx(rng.integers(0, 256, (test, 28, 28))),
        TEST_LABELS: idx(np.arange(test) % 10),
    }


def lay_out(folder: Path, files: dict[str, bytes | None]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        if payload is None:
            (folder / name).mkdir()
        else:
            (folder / name).write_bytes(payload)


def _gzip_cut(payload: bytes) -> bytes:
    packed = gzip.compress(payload)
    return packed[: len(packed) // 2]


def _gzip_corrupt(payload: bytes) -> bytes:
    packed = bytearray(gzip.compress(payload))
    packed[20:40] = b"\xff" * 20
    return bytes(packed)


#: name -> (which file, its bytes (None: a folder), words the one line must hold)
BAD: dict[str, tuple[str, bytes | None, str]] = {
    "truncated gzip": (IMAGES, _gzip_cut(good_files()[IMAGES]), "truncated or corrupt"),
    "corrupt gzip": (IMAGES, _gzip_corrupt(good_files()[IMAGES]), "truncated or corrupt"),
    "header cut short": (IMAGES, b"\x00\x00\x08\x03\x00\x00", "header is cut short"),
    "no dimensions": (LABELS, b"\x00\x00\x08\x00", "header is cut short"),
    "not idx": (IMAGES, b"<html>not found</html>", "not an IDX file"),
    "empty file": (IMAGES, b"", "not an IDX file"),
    "body truncated": (IMAGES, good_files()[IMAGES][:-100], "truncated"),
    "zero height": (IMAGES, idx(np.zeros((12, 0, 0))), "H = W > 0"),
    "odd dimensions": (IMAGES, idx(np.zeros((12, 28, 20))), "not N x H x W"),
    "2-d images": (IMAGES, idx(np.zeros((12, 784))), "not N x H x W"),
    "labels out of range": (LABELS, idx(np.arange(12) % 10 + 5), "labels must be 0 to 9"),
    "2-d labels": (LABELS, idx(np.zeros((12, 2))), "not one label per image"),
    "float labels": (LABELS, idx(np.zeros(12), code=0x0D), "not whole numbers"),
    "fewer labels": (LABELS, idx(np.arange(11) % 10), "11 labels for the 12 images"),
    "more labels": (LABELS, idx(np.arange(13) % 10), "13 labels for the 12 images"),
    "empty split": (TEST_IMAGES, idx(np.zeros((0, 28, 28))), "no images"),
    "a folder": (TEST_LABELS, None, "is a folder, not a file"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_mnist_file_is_one_line_naming_the_file(tmp_path, case):
    name, payload, words = BAD[case]
    files = {**good_files(), name: payload}
    if case == "empty split":
        files[TEST_LABELS] = idx(np.zeros(0))
    lay_out(tmp_path, files)
    with pytest.raises(ConvArithError) as caught:
        datasets.read_mnist(tmp_path)
    message = str(caught.value)
    assert words in message
    assert str(tmp_path / name) in message
    assert "\n" not in message


def test_images_of_different_sizes_in_the_two_splits_are_refused(tmp_path):
    lay_out(tmp_path, {**good_files(), TEST_IMAGES: idx(np.zeros((6, 32, 32)))})
    with pytest.raises(ConvArithError, match="training images are 28x28 but the test images "
                                             "32x32"):
        datasets.read_mnist(tmp_path)


def test_gzip_bomb_is_refused_while_it_streams_without_inflating_it(tmp_path):
    """About a megabyte that inflates to 1 GiB (1,024 gzip members of 1 MiB of zeros each,
    which gzip readers join): refused at the limit, and the reader never holds much more
    than the limit (here a limit of 8 MiB)."""
    bomb = tmp_path / IMAGES
    bomb.write_bytes(gzip.compress(b"\x00" * (1 << 20), compresslevel=9) * 1024)
    assert bomb.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ConvArithError, match="more than 8 MiB once decompressed"):
            datasets.read_idx(bomb, limit=8 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20


def test_default_limit_holds_the_real_mnist_training_images():
    """47,040,016 bytes of MNIST's train-images-idx3-ubyte fit under the default bound."""
    assert datasets.MAX_DECOMPRESSED > 47_040_016


def test_bad_file_through_the_cli_is_one_error_line_and_exit_2(tmp_path):
    lay_out(tmp_path / "data", {**good_files(), LABELS: idx(np.arange(11) % 10)})
    result = CliRunner().invoke(main, ["train", "lenet5", "--dataset", "mnist", "--data-dir",
                                       str(tmp_path / "data"), "--epochs", "1", "--out",
                                       str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: reading ")
    assert "11 labels for the 12 images" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_cifar_binary_batch_that_is_a_folder_is_named(tmp_path):
    folder = tmp_path / datasets.CIFAR_BINARY_FOLDER
    folder.mkdir()
    with pytest.raises(ConvArithError, match="test_batch.bin"):
        datasets.read_cifar_binary_batch(folder / "test_batch.bin")
