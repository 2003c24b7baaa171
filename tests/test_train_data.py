"""Datasets of the training loop: digits, IDX and CIFAR readers on files written here, and
downloads from a server on 127.0.0.1 or an injected opener (never a public host)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import pickle
import struct
import tarfile
import threading
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from convarith.errors import ConvArithError
from convarith.train import data as datasets
from convarith.train import download as fetching


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes, as LeCun's MNIST page describes it."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder: Path, *, train: int = 12, test: int = 6, gzipped: bool = True) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (train, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (test, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(test) % 10,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        payload = idx_bytes(np.asarray(array))
        if gzipped:
            (folder / f"{name}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / name).write_bytes(payload)


def cifar_batch(images: np.ndarray, labels: list[int]) -> bytes:
    return pickle.dumps({b"data": images.reshape(len(images), -1), b"labels": labels})


def write_cifar(folder: Path, *, per_batch: int = 4) -> None:
    root = folder / datasets.CIFAR_FOLDER
    root.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in (*datasets.CIFAR_TRAIN_BATCHES, datasets.CIFAR_TEST_BATCH):
        images = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
        (root / name).write_bytes(cifar_batch(images, list(range(per_batch))))


# ------------------------------------------------------------------------------------ digits
def test_digits_split_is_fixed_stratified_and_fills_the_lenet_input():
    first, second = datasets.load("digits", size=32), datasets.load("digits", size=32)
    assert first.x_train.shape == (1438, 1, 32, 32) and first.x_test.shape == (359, 1, 32, 32)
    assert np.array_equal(first.x_test, second.x_test)
    counts = np.bincount(first.y_test)
    assert counts.tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]  # 20% of each class


def test_digits_paper_normalisation_maps_background_and_foreground():
    data = datasets.load("digits", size=32, normalisation="paper")
    assert data.x_train.min() == pytest.approx(-0.1, abs=1e-6)
    assert data.x_train.max() == pytest.approx(1.175, abs=1e-6)


def test_standard_normalisation_gives_mean_zero_variance_one_on_the_training_split():
    data = datasets.load("digits", size=16, normalisation="standard")
    assert data.x_train.mean() == pytest.approx(0, abs=1e-5)
    assert data.x_train.std() == pytest.approx(1, abs=1e-4)


def test_bilinear_upscaling_keeps_a_constant_image_constant():
    images = np.full((1, 1, 8, 8), 7.0, np.float32)
    assert np.allclose(datasets.fit_size(images, 32, resize=True), 7.0)


def test_select_relabels_classes_and_caps_training_images_per_class():
    data = datasets.select(datasets.load("digits", size=8), classes=(5, 6, 7, 8, 9), per_class=20)
    assert np.bincount(data.y_train).tolist() == [20] * 5
    assert data.classes == ("5", "6", "7", "8", "9")
    full = datasets.load("digits", size=8)
    assert len(data.y_test) == int(np.isin(full.y_test, [5, 6, 7, 8, 9]).sum())


def test_select_rejects_unknown_classes():
    with pytest.raises(ConvArithError, match=r"classes \[3, 12\] of digits: .* from 0 to 9"):
        datasets.select(datasets.load("digits", size=8), classes=(3, 12))


# --------------------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("gzipped", [True, False])
def test_idx_reader_reads_what_was_written(tmp_path, gzipped):
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4) % 256
    payload = idx_bytes(array)
    path = tmp_path / "file.idx"
    path.write_bytes(gzip.compress(payload) if gzipped else payload)
    assert np.array_equal(datasets.read_idx(path), array)


def test_idx_reader_reads_big_endian_integers(tmp_path):
    header = struct.pack(">BBBBI", 0, 0, 0x0C, 1, 2)
    (tmp_path / "ints").write_bytes(header + struct.pack(">ii", -5, 70000))
    assert datasets.read_idx(tmp_path / "ints").tolist() == [-5, 70000]


def test_truncated_idx_file_is_named_in_the_error(tmp_path):
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros((4, 4)))[:-3])
    with pytest.raises(ConvArithError, match=r"promises shape \(4, 4\) .* truncated"):
        datasets.read_idx(tmp_path / "short")


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("gzipped", [True, False])
def test_mnist_files_load_padded_to_32_with_paper_levels(tmp_path, dataset, gzipped):
    write_mnist(tmp_path, gzipped=gzipped)
    data = datasets.load(dataset, size=32, data_dir=tmp_path)
    assert data.x_train.shape == (12, 1, 32, 32) and data.x_test.shape == (6, 1, 32, 32)
    assert data.y_train.tolist() == [n % 10 for n in range(12)]
    assert np.allclose(data.x_train[:, :, :2, :], -0.1)  # the 2-pixel border is background
    raw = datasets.read_mnist(tmp_path)[0]
    assert np.allclose(data.x_train[:, 0, 2:30, 2:30], raw[:, 0] * 1.275 / 255 - 0.1, atol=1e-6)
    assert data.classes == datasets.CLASS_NAMES[dataset]


def test_missing_mnist_files_say_where_to_put_them(tmp_path):
    with pytest.raises(ConvArithError, match=r"train-images-idx3-ubyte.* not found\. Put the "
                                             r"files there .* or add --download"):
        datasets.load("mnist", size=32, data_dir=tmp_path)


# ------------------------------------------------------------------------------------- CIFAR
def test_cifar_batches_keep_channel_order(tmp_path):
    images = np.zeros((2, 3, 32, 32), np.uint8)
    images[1, 0] = 255  # the second image is pure red
    (tmp_path / "batch").write_bytes(cifar_batch(images, [3, 9]))
    x, y = datasets.read_cifar_batch(tmp_path / "batch")
    assert x.shape == (2, 3, 32, 32) and y.tolist() == [3, 9]
    assert x[1, 0].min() == 255 and x[1, 1:].max() == 0


def test_cifar10_loads_all_batches_standardised(tmp_path):
    write_cifar(tmp_path)
    data = datasets.load("cifar10", size=32, data_dir=tmp_path)
    assert data.x_train.shape == (20, 3, 32, 32) and data.x_test.shape == (4, 3, 32, 32)
    assert np.allclose(data.x_train.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert data.classes[0] == "airplane"


def test_missing_cifar_batches_are_listed(tmp_path):
    with pytest.raises(ConvArithError, match=r"data_batch_1, .* test_batch not found"):
        datasets.load("cifar10", size=32, data_dir=tmp_path)


# ---------------------------------------------------------------------------------- download
def _offline(url: str, timeout: float | None = None) -> None:
    raise urllib.error.URLError("network is unreachable")


def test_offline_download_is_one_line_that_says_where_to_put_the_files(tmp_path):
    with pytest.raises(ConvArithError) as error:
        fetching.download("mnist", tmp_path / "data", opener=_offline)
    message = str(error.value)
    assert "\n" not in message
    assert message.endswith(f"Offline? Put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,"
                            f" t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (gzipped or "
                            f"not) into {tmp_path / 'data'} and run without --download.")
    assert "ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz: network" in message


def test_offline_cifar_download_names_the_batches_folder(tmp_path):
    with pytest.raises(ConvArithError, match=r"Put the python batches of cifar-10-python.tar.gz "
                                             r"into .*cifar-10-batches-py and run"):
        fetching.download("cifar10", tmp_path, opener=_offline)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (a free port) serving ``folder``."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_download_from_a_local_mirror_then_load(tmp_path):
    write_mnist(tmp_path / "mirror")
    with serve(tmp_path / "mirror") as url:
        written = fetching.download("fashion-mnist", tmp_path / "data", mirrors=(url,),
                                    verify=False)
        assert sorted(path.name for path in written) == sorted(fetching.SOURCES["mnist"].files)
        assert fetching.download("fashion-mnist", tmp_path / "data", mirrors=(url,)) == []
    data = datasets.load("fashion-mnist", size=32, data_dir=tmp_path / "data")
    assert data.x_train.shape == (12, 1, 32, 32)


def test_download_checks_the_published_md5(tmp_path):
    write_mnist(tmp_path / "mirror")
    with serve(tmp_path / "mirror") as url:
        with pytest.raises(ConvArithError, match=r"train-images-idx3-ubyte.gz does not have the "
                                                 r"published MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873"):
            fetching.download("mnist", tmp_path / "data", mirrors=(url,))
    assert not (tmp_path / "data" / "train-images-idx3-ubyte.gz").exists()


def test_cifar_archive_is_unpacked(tmp_path):
    write_cifar(tmp_path / "build")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(tmp_path / "build" / datasets.CIFAR_FOLDER, arcname=datasets.CIFAR_FOLDER)
    payload = archive.getvalue()

    class Response(io.BytesIO):
        pass

    def opener(url: str, timeout: float | None = None) -> Response:
        assert url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
        return Response(payload)

    with pytest.raises(ConvArithError, match="does not have the published MD5"):
        fetching.download("cifar10", tmp_path / "data", opener=opener)
    fetching.download("cifar10", tmp_path / "data", opener=opener, verify=False)
    assert not (tmp_path / "data" / "cifar-10-python.tar.gz").exists()
    assert datasets.load("cifar10", size=32, data_dir=tmp_path / "data").x_test.shape[0] == 4


# ------------------------------------------------------------------- CIFAR: no code is run
class _Payload:
    """A pickle that, when loaded by a plain unpickler, writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "ran"))


def test_cifar_batch_with_a_payload_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "payload-ran"
    images = np.zeros((2, 3, 32, 32), np.uint8)
    payload = pickle.dumps({b"data": images.reshape(2, -1), b"labels": [1, 2],
                            b"batch_label": _Payload(marker)})
    (tmp_path / "batch").write_bytes(payload)
    with pytest.raises(ConvArithError, match=r"the pickle asks for pathlib\.(Path|PosixPath)"
                                             r"\.write_text, which a CIFAR-10 batch never "
                                             r"holds .* does not run code from data files"):
        datasets.read_cifar_batch(tmp_path / "batch")
    assert not marker.exists()


def test_cifar_payload_through_the_cli_is_one_line_and_exit_2(tmp_path):
    write_cifar(tmp_path / "data")
    marker = tmp_path / "payload-ran"
    batch = tmp_path / "data" / datasets.CIFAR_FOLDER / datasets.CIFAR_TEST_BATCH
    batch.write_bytes(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0],
                                    b"x": _Payload(marker)}))
    from click.testing import CliRunner

    from convarith.cli import main

    result = CliRunner().invoke(main, ["train", "alexnet-small", "--dataset", "cifar10",
                                       "--data-dir", str(tmp_path / "data"), "--epochs", "1",
                                       "--out", str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 2
    assert "does not run code from data files" in result.output
    assert "Traceback" not in result.output
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar_batches_as_the_real_ones_are_laid_out_load(tmp_path, protocol):
    """The real batches also hold b"batch_label" and b"filenames"; protocol 2 is what they
    were written with (Python 2's cPickle), and Python 3 spells its bytes via _codecs."""
    images = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    batch = {b"batch_label": b"testing batch 1 of 1", b"labels": [7, 0], b"data": images,
             b"filenames": [b"a.png", b"b.png"]}
    (tmp_path / "batch").write_bytes(pickle.dumps(batch, protocol=protocol))
    x, y = datasets.read_cifar_batch(tmp_path / "batch")
    assert y.tolist() == [7, 0] and np.array_equal(x.reshape(2, -1), images)


def test_cifar_numpy1_pickles_load(tmp_path):
    """Batches pickled under numpy 1 name numpy.core.multiarray._reconstruct."""
    images = np.ones((1, 3072), np.uint8)
    raw = pickle.dumps({b"data": images, b"labels": [4]}, protocol=2)
    raw = raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    (tmp_path / "batch").write_bytes(raw)
    x, y = datasets.read_cifar_batch(tmp_path / "batch")
    assert y.tolist() == [4] and x.min() == 1


def write_cifar_binary(folder: Path, *, per_batch: int = 3) -> np.ndarray:
    root = folder / datasets.CIFAR_BINARY_FOLDER
    root.mkdir(parents=True)
    rng = np.random.default_rng(2)
    first = None
    for name in (*datasets.CIFAR_BINARY_TRAIN, datasets.CIFAR_BINARY_TEST):
        images = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = np.arange(per_batch, dtype=np.uint8)[:, None] % 10
        (root / name).write_bytes(np.concatenate([labels, images], axis=1).tobytes())
        first = images if first is None else first
    return first


def test_cifar_binary_batches_load_without_any_pickle(tmp_path, monkeypatch):
    first = write_cifar_binary(tmp_path)
    def no_pickle(*args, **kwargs):
        raise AssertionError("the binary batches must be read without unpickling")

    monkeypatch.setattr(datasets, "read_cifar_batch", no_pickle)
    monkeypatch.setattr(datasets._CifarUnpickler, "load", no_pickle)
    x_train, y_train, x_test, y_test = datasets.read_cifar10(tmp_path)
    assert x_train.shape == (15, 3, 32, 32) and x_test.shape == (3, 3, 32, 32)
    assert y_train[:3].tolist() == [0, 1, 2]
    assert np.array_equal(x_train[:3].reshape(3, -1), first)


def test_cifar_binary_batch_cut_short_is_one_line(tmp_path):
    write_cifar_binary(tmp_path)
    batch = tmp_path / datasets.CIFAR_BINARY_FOLDER / datasets.CIFAR_BINARY_TEST
    batch.write_bytes(batch.read_bytes()[:-5])
    with pytest.raises(ConvArithError, match=r"not a whole number of 3073-byte records"):
        datasets.read_cifar10(tmp_path)


@pytest.mark.parametrize("batch, message", [
    ({b"labels": [1]}, r"has no 'data' entry"),
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}, r"shape \(2, 100\), not N x 3072"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}, r"2 images but 1 labels"),
    ({b"data": np.zeros((1, 3072), np.uint8), b"labels": [12]}, r"labels must be 0 to 9"),
    ([1, 2, 3], r"holds a list, not the dict"),
])
def test_cifar_batches_with_wrong_contents_are_one_line(tmp_path, batch, message):
    (tmp_path / "batch").write_bytes(pickle.dumps(batch))
    with pytest.raises(ConvArithError, match=message):
        datasets.read_cifar_batch(tmp_path / "batch")


def test_cifar_batch_cut_short_is_one_line(tmp_path):
    (tmp_path / "batch").write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8),
                                                   b"labels": [1, 2]})[:-40])
    with pytest.raises(ConvArithError, match=r"not a readable CIFAR-10 python batch"):
        datasets.read_cifar_batch(tmp_path / "batch")
