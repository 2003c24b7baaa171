"""Datasets for the reference loop, as in-memory arrays fitted to a model's input.

- ``digits``: scikit-learn's bundled handwritten digits (1,797 real 8x8 images, no download).
  The UCI set they come from made each 8x8 image by counting the black pixels of a 32x32
  bitmap in 4x4 blocks (values 0..16), so we scale them back up to the model's input with
  **bilinear interpolation** (``torch.nn.functional.interpolate``, ``align_corners=False``).
  The train/test split is fixed (20% of each class, chosen once by a generator seeded with 0):
  every run, whatever its seed, is scored on the same 359 test images.
- ``mnist`` / ``fashion-mnist``: the standard IDX files (gzipped or not); 28x28 images are
  padded with background to 32x32, as LeCun et al. (1998, section II.A) did for LeNet-5.
- ``cifar10``: the binary batches (``cifar-10-batches-bin/``: plain bytes, no pickle at all)
  or the python batches ``data_batch_1..5`` and ``test_batch`` (``cifar-10-batches-py/``),
  read by a restricted unpickler that admits only what the real batches hold, so a batch
  file that carries code is refused instead of run.

Normalisation: ``"paper"`` maps background to -0.1 and foreground to 1.175 "so that the mean
input is roughly 0 and the variance roughly 1" (LeCun et al. 1998, section II.B);
``"standard"`` subtracts the training set's per-channel mean and divides by its standard
deviation. Greyscale sets default to ``"paper"``, CIFAR-10 to ``"standard"``.

>>> data = load("digits", size=32)
>>> data.x_train.shape, data.x_test.shape, data.x_train.dtype
((1438, 1, 32, 32), (359, 1, 32, 32), dtype('float32'))
>>> round(float(data.x_train.min()), 4), round(float(data.x_train.max()), 4)
(-0.1, 1.175)
>>> sorted(set(data.y_test.tolist())) == list(range(10))
True
"""

from __future__ import annotations

import gzip
import io
import math
import pickle
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from convarith.choices import DATASETS, NORMALISATIONS
from convarith.errors import ConvArithError
from convarith.train.download import CIFAR_FOLDER

#: Background and foreground input levels of LeNet-5 (LeCun et al. 1998, section II.B).
PAPER_BACKGROUND = -0.1
PAPER_FOREGROUND = 1.175

#: The IDX element types (LeCun's MNIST page): type code -> numpy big-endian dtype.
IDX_TYPES: dict[int, str] = {
    0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8",
}

#: The four IDX files of MNIST and Fashion-MNIST (same names for both).
IDX_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{n}" for n in range(1, 6))
CIFAR_TEST_BATCH = "test_batch"

CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "digits": tuple(str(n) for n in range(10)),
    "mnist": tuple(str(n) for n in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck"),
}


@dataclass(frozen=True)
class Dataset:
    """Images ``N x C x H x W`` (float32, normalised) and labels ``N`` (int64)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def size(self) -> int:
        return int(self.x_train.shape[-1])


# ---------------------------------------------------------------------------------- readers
#: The largest file a dataset reader decompresses (MNIST's training images are 47 MB
#: unpacked): a gzip that inflates past this is refused as it streams, never held whole.
MAX_DECOMPRESSED = 256 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: str | Path, *, limit: int = MAX_DECOMPRESSED) -> bytes:
    """The bytes of ``path``, un-gzipped when it starts with gzip's magic bytes, read in
    chunks so that a corrupt file or a gzip bomb is one line and never more than ``limit``
    bytes of memory."""
    path = Path(path)
    if path.is_dir():
        raise ConvArithError(
            f"Error reading {path}: it is a folder, not a file. Put the dataset file itself "
            "there (or remove the folder).")
    try:
        with open(path, "rb") as stream:
            head = stream.read(2)
            stream.seek(0)
            if head != GZIP_MAGIC:
                raw = stream.read(limit + 1)
            else:
                chunks, size = [], 0
                with gzip.GzipFile(fileobj=stream) as unpacked:
                    while size <= limit:
                        chunk = unpacked.read(1 << 20)
                        if not chunk:
                            break
                        chunks.append(chunk)
                        size += len(chunk)
                raw = b"".join(chunks)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ConvArithError(
            f"Error reading {path}: the gzip data is truncated or corrupt "
            f"({str(error) or type(error).__name__}). Fetch the file again."
        ) from None
    except OSError as error:
        raise ConvArithError(
            f"Error reading {path}: {error.strerror or error}. Check the file."
        ) from None
    if len(raw) > limit:
        raise ConvArithError(
            f"Error reading {path}: it holds more than {limit // 2**20} MiB "
            f"{'once decompressed ' if head == GZIP_MAGIC else ''}, far more than any MNIST "
            "or Fashion-MNIST file (47 MiB at most). It is not a dataset file; fetch the "
            "original."
        )
    return raw


def read_idx(path: str | Path, *, limit: int = MAX_DECOMPRESSED) -> np.ndarray:
    """An IDX file (gzipped or not: told by its first two bytes) as a numpy array.

    IDX: two zero bytes, a type code, the number of dimensions, one big-endian 32-bit size
    per dimension, then the data in C order (LeCun's MNIST page). Anything else (a header
    cut short, a zero dimension, a body of the wrong length) is one line naming the file.
    """
    raw = read_bytes(path, limit=limit)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_TYPES:
        raise ConvArithError(
            f"Error reading {path}: it is not an IDX file (magic bytes {raw[:4].hex() or 'none'}). "
            "Use the original MNIST/Fashion-MNIST files, gzipped or not."
        )
    dtype, ndim = np.dtype(IDX_TYPES[raw[2]]), raw[3]
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise ConvArithError(
            f"Error reading {path}: its IDX header is cut short or names {ndim} dimensions "
            f"({len(raw)} bytes in all). The file is truncated or damaged; fetch it again."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    body = raw[4 + 4 * ndim:]
    count = math.prod(shape)
    if len(body) != count * dtype.itemsize:
        raise ConvArithError(
            f"Error reading {path}: its header promises shape {shape} ({count * dtype.itemsize} "
            f"bytes) but {len(body)} bytes follow. The file is truncated; fetch it again."
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


#: What a real CIFAR-10 python batch is made of (a dict of bytes keys, a list of labels, a
#: list of file names and one numpy uint8 array): the only globals its pickle may name.
#: numpy 1 and 2 spell the array constructor's module differently; protocol-2 pickles made
#: by Python 3 spell bytes as ``_codecs.encode``.
CIFAR_PICKLE_GLOBALS = frozenset({
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
})

CIFAR_BINARY_FOLDER = "cifar-10-batches-bin"
CIFAR_BINARY_TRAIN = tuple(f"data_batch_{n}.bin" for n in range(1, 6))
CIFAR_BINARY_TEST = "test_batch.bin"
CIFAR_PIXELS = 3 * 32 * 32


class _CifarUnpickler(pickle.Unpickler):
    """An unpickler that builds only dicts, lists, bytes, str, numbers and numpy arrays: any
    other global a pickle names (``os.system``, ``builtins.eval``, ...) is refused, so
    loading a crafted batch cannot run code."""

    def __init__(self, stream: io.BufferedIOBase, path: Path) -> None:
        super().__init__(stream, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in CIFAR_PICKLE_GLOBALS:
            raise ConvArithError(
                f"Error reading {self.path}: the pickle asks for {module}.{name}, which a "
                "CIFAR-10 batch never holds (only dicts, lists, bytes and numpy arrays); "
                "convarith does not run code from data files. Use the original batches of "
                f"cifar-10-python.tar.gz, or the binary ones ({CIFAR_BINARY_FOLDER}/)."
            )
        if module == "_codecs":
            import codecs

            return codecs.encode
        if name == "_reconstruct":
            try:
                from numpy._core.multiarray import _reconstruct  # numpy >= 2
            except ImportError:  # pragma: no cover - numpy 1
                from numpy.core.multiarray import _reconstruct
            return _reconstruct
        return np.ndarray if name == "ndarray" else np.dtype


def _cifar_arrays(path: Path, data: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    """Images ``N x 3 x 32 x 32`` and labels ``N`` from a batch's rows, checked."""
    try:
        rows = np.asarray(data, dtype=np.uint8)
        classes = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as error:
        raise ConvArithError(
            f"Error reading {path}: its data or labels are not numbers ({error}). Use the "
            "original CIFAR-10 batches."
        ) from None
    if rows.ndim != 2 or rows.shape[1] != CIFAR_PIXELS:
        raise ConvArithError(
            f"Error reading {path}: its data has shape {rows.shape}, not N x {CIFAR_PIXELS} "
            "(1024 red, 1024 green and 1024 blue values per 32x32 image). Use the original "
            "CIFAR-10 batches."
        )
    if classes.ndim != 1 or len(classes) != len(rows):
        raise ConvArithError(
            f"Error reading {path}: it holds {len(rows)} images but {classes.size} labels "
            f"(shape {classes.shape}). Use the original CIFAR-10 batches."
        )
    if classes.size and (classes.min() < 0 or classes.max() > 9):
        raise ConvArithError(
            f"Error reading {path}: labels must be 0 to 9, found {int(classes.min())} to "
            f"{int(classes.max())}. Use the original CIFAR-10 batches."
        )
    return rows.reshape(-1, 3, 32, 32), classes


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch: ``(images uint8 N x 3 x 32 x 32, labels int64 N)``.

    Each batch is a pickled dict whose ``b"data"`` rows hold 1024 red, 1024 green and 1024
    blue values of a 32x32 image in row order, and ``b"labels"`` the classes (Krizhevsky's
    CIFAR page). It is read with a restricted unpickler: a pickle that names anything but
    those pieces is refused with one line, never run.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            batch = _CifarUnpickler(stream, path).load()
    except ConvArithError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, OverflowError, MemoryError) as error:
        reason = str(error) or type(error).__name__
        raise ConvArithError(
            f"Error reading {path}: it is not a readable CIFAR-10 python batch ({reason}). "
            f"Use the original batches, or the binary ones ({CIFAR_BINARY_FOLDER}/)."
        ) from None
    except OSError as error:
        raise ConvArithError(
            f"Error reading {path}: {error.strerror or error}. Check the file."
        ) from None
    if not isinstance(batch, dict):
        raise ConvArithError(
            f"Error reading {path}: it holds a {type(batch).__name__}, not the dict of a "
            "CIFAR-10 batch. Use the original batches."
        )
    keys = {key.decode() if isinstance(key, bytes) else key: value for key, value in batch.items()}
    missing = [key for key in ("data", "labels") if key not in keys]
    if missing:
        raise ConvArithError(
            f"Error reading {path}: the batch has no {' or '.join(map(repr, missing))} entry "
            f"(it has {sorted(map(str, keys))}). Use the original CIFAR-10 batches."
        )
    return _cifar_arrays(path, keys["data"], keys["labels"])


def read_cifar_binary_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch of CIFAR-10's binary version: ``(images uint8 N x 3 x 32 x 32, labels N)``.

    Each record is one label byte and 3,072 pixel bytes (red, green, blue planes of 32x32 in
    row order; Krizhevsky's CIFAR page), so no pickle is involved.
    """
    path = Path(path)
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ConvArithError(
            f"Error reading {path}: {error.strerror or error}. Check the file."
        ) from None
    record = 1 + CIFAR_PIXELS
    if raw.size == 0 or raw.size % record:
        raise ConvArithError(
            f"Error reading {path}: {raw.size} bytes is not a whole number of {record}-byte "
            "records (one label byte and 3,072 pixel bytes each). The file is truncated or "
            "not a CIFAR-10 binary batch; fetch it again."
        )
    records = raw.reshape(-1, record)
    return _cifar_arrays(path, records[:, 1:], records[:, 0].astype(np.int64))


def _find(data_dir: Path, names: tuple[str, ...], dataset: str) -> list[Path]:
    found, missing = [], []
    for name in names:
        options = [data_dir / name, data_dir / f"{name}.gz"]
        hit = next((path for path in options if path.exists()), None)
        (found if hit else missing).append(hit or name)
    if missing:
        raise ConvArithError(
            f"Error loading {dataset} from {data_dir}: {', '.join(map(str, missing))} not found. "
            f"Put the files there (gzipped or not), or add --download on a machine with internet."
        )
    return found


def _check_idx_pair(images: np.ndarray, labels: np.ndarray, image_path: Path,
                    label_path: Path, classes: int = 10) -> None:
    """One split's images (``N x H x W``, square, N > 0) and labels (``N`` values from 0 to
    ``classes - 1``), or one line that says which file is wrong and how."""
    if images.ndim != 3 or images.shape[1] == 0 or images.shape[1] != images.shape[2]:
        raise ConvArithError(
            f"Error reading {image_path}: the images have shape {images.shape}, not "
            "N x H x W with H = W > 0 (MNIST: N x 28 x 28). Use the original images file."
        )
    if labels.ndim != 1:
        raise ConvArithError(
            f"Error reading {label_path}: the labels have shape {labels.shape}, not one "
            "label per image (N). Use the original labels file."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ConvArithError(
            f"Error reading {label_path}: the labels are {labels.dtype} numbers, not whole "
            "numbers (IDX type 0x08). Use the original labels file."
        )
    if len(images) == 0:
        raise ConvArithError(
            f"Error reading {image_path}: it holds no images (an empty split). Use the "
            "original images file."
        )
    if len(labels) != len(images):
        raise ConvArithError(
            f"Error reading {label_path}: it holds {len(labels)} labels for the "
            f"{len(images)} images of {image_path.name}; each image needs one label. Use the "
            "labels file that belongs to these images."
        )
    if labels.min() < 0 or labels.max() >= classes:
        raise ConvArithError(
            f"Error reading {label_path}: labels must be 0 to {classes - 1}, found "
            f"{labels.min()} to {labels.max()}. Use the original labels file."
        )


def read_mnist(data_dir: str | Path, *, dataset: str = "mnist") -> tuple[np.ndarray, ...]:
    """``(x_train, y_train, x_test, y_test)`` of MNIST or Fashion-MNIST, images uint8 N x 1 x 28 x 28."""
    paths = _find(Path(data_dir), tuple(IDX_FILES.values()), dataset)
    x_train, y_train, x_test, y_test = (read_idx(path) for path in paths)
    _check_idx_pair(x_train, y_train, paths[0], paths[1])
    _check_idx_pair(x_test, y_test, paths[2], paths[3])
    if x_train.shape[1:] != x_test.shape[1:]:
        raise ConvArithError(
            f"Error loading {dataset} from {data_dir}: the training images are "
            f"{x_train.shape[1]}x{x_train.shape[2]} but the test images "
            f"{x_test.shape[1]}x{x_test.shape[2]}. Use the four files of one dataset."
        )
    return (x_train[:, None], y_train.astype(np.int64), x_test[:, None], y_test.astype(np.int64))


def read_cifar10(data_dir: str | Path) -> tuple[np.ndarray, ...]:
    """``(x_train, y_train, x_test, y_test)`` of CIFAR-10 from ``data_dir``: its
    ``cifar-10-batches-bin`` folder (the binary version, preferred: no pickle at all), its
    ``cifar-10-batches-py`` folder, or the batches themselves."""
    root = Path(data_dir)
    binary = root / CIFAR_BINARY_FOLDER if (root / CIFAR_BINARY_FOLDER).is_dir() else root
    if all((binary / name).is_file() for name in (*CIFAR_BINARY_TRAIN, CIFAR_BINARY_TEST)):
        train = [read_cifar_binary_batch(binary / name) for name in CIFAR_BINARY_TRAIN]
        x_test, y_test = read_cifar_binary_batch(binary / CIFAR_BINARY_TEST)
        return (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]),
                x_test, y_test)
    if (root / CIFAR_FOLDER).is_dir():
        root = root / CIFAR_FOLDER
    names = (*CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH)
    missing = [name for name in names if not (root / name).exists()]
    if missing:
        raise ConvArithError(
            f"Error loading cifar10 from {root}: {', '.join(missing)} not found. Put the python "
            f"batches there (the {CIFAR_FOLDER} folder of cifar-10-python.tar.gz) or the binary "
            f"ones (the {CIFAR_BINARY_FOLDER} folder of cifar-10-binary.tar.gz), or add "
            "--download on a machine with internet."
        )
    train = [read_cifar_batch(root / name) for name in CIFAR_TRAIN_BATCHES]
    x_test, y_test = read_cifar_batch(root / CIFAR_TEST_BATCH)
    return (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]),
            x_test, y_test)


def read_digits(*, test_fraction: float = 0.2) -> tuple[np.ndarray, ...]:
    """scikit-learn's digits (values 0..16), split the same way every time: of each class,
    ``test_fraction`` of the images (rounded) chosen by a generator seeded with 0 are test
    images.

    The file is read straight from scikit-learn's package folder
    (``sklearn/datasets/data/digits.csv.gz``: 64 pixel values and the label per row), which
    spares the 2-4 s that importing scikit-learn costs.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ConvArithError(
            "Error loading the digits: scikit-learn, which ships them, is not installed. "
            "Install it (pip install scikit-learn) or use --dataset mnist with --data-dir."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    images, labels = table[:, :64].reshape(-1, 1, 8, 8), table[:, 64].astype(np.int64)
    rng = np.random.default_rng(0)
    test = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        test[members[:round(test_fraction * len(members))]] = True
    return images[~test], labels[~test], images[test], labels[test]


# ------------------------------------------------------------------------------ preparation
def fit_size(images: np.ndarray, size: int, *, resize: bool) -> np.ndarray:
    """Images brought to ``size x size``: scaled bilinearly (``resize``) or padded with
    their background (the minimum) evenly on all sides.

    >>> fit_size(np.zeros((2, 1, 28, 28), np.float32), 32, resize=False).shape
    (2, 1, 32, 32)
    """
    height = images.shape[-1]
    if height == size:
        return images
    if resize:
        import torch
        import torch.nn.functional as F

        scaled = F.interpolate(torch.from_numpy(np.ascontiguousarray(images)), size=(size, size),
                               mode="bilinear", align_corners=False)
        return scaled.numpy()
    if height > size:
        raise ConvArithError(
            f"Error fitting {height}x{height} images to a {size}x{size} model input: the images "
            "are larger than the input. Use a model with a larger input."
        )
    before = (size - height) // 2
    pad = ((0, 0), (0, 0), (before, size - height - before), (before, size - height - before))
    return np.pad(images, pad, constant_values=images.min() if images.size else 0)


def normalise(x_train: np.ndarray, x_test: np.ndarray, *, method: str,
              top: float) -> tuple[np.ndarray, np.ndarray]:
    """Both splits normalised with statistics of the training split only; ``top`` is the
    raw value of full foreground (16 for digits, 255 for the byte images)."""
    if method == "paper":
        scale = (PAPER_FOREGROUND - PAPER_BACKGROUND) / top
        return (x_train * scale + PAPER_BACKGROUND, x_test * scale + PAPER_BACKGROUND)
    mean = x_train.mean(axis=(0, 2, 3), keepdims=True)
    std = x_train.std(axis=(0, 2, 3), keepdims=True) + 1e-8
    return (x_train - mean) / std, (x_test - mean) / std


def select(data: Dataset, *, classes: tuple[int, ...] | None = None,
           per_class: int | None = None, seed: int = 0) -> Dataset:
    """Only the given classes (relabelled 0.. in the order given), and at most ``per_class``
    training images of each, chosen by ``seed``; the test split keeps all its images.

    >>> five = select(load("digits", size=8), classes=(5, 6, 7, 8, 9), per_class=20)
    >>> five.classes, len(five.y_train), sorted(set(five.y_test.tolist()))
    (('5', '6', '7', '8', '9'), 100, [0, 1, 2, 3, 4])
    """
    x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    names = data.classes
    if classes is not None:
        bad = [c for c in classes if not 0 <= c < len(data.classes)]
        if bad or len(set(classes)) != len(classes):
            raise ConvArithError(
                f"Error selecting classes {list(classes)} of {data.name}: the classes must be "
                f"distinct numbers from 0 to {len(data.classes) - 1}. Fix --classes."
            )
        if len(classes) < 2:
            raise ConvArithError(
                f"Error selecting classes {list(classes)} of {data.name}: a classifier needs "
                "at least 2 classes (with one, every answer is right). Give two or more, e.g. "
                "--classes 0,1."
            )
        relabel = np.full(len(data.classes), -1, np.int64)
        relabel[list(classes)] = np.arange(len(classes))
        keep_train, keep_test = relabel[y_train] >= 0, relabel[y_test] >= 0
        x_train, y_train = x_train[keep_train], relabel[y_train[keep_train]]
        x_test, y_test = x_test[keep_test], relabel[y_test[keep_test]]
        names = tuple(data.classes[c] for c in classes)
    if per_class is not None:
        order = np.random.default_rng(seed).permutation(len(y_train))
        chosen = np.sort(np.concatenate(
            [order[y_train[order] == label][:per_class] for label in range(len(names))]))
        x_train, y_train = x_train[chosen], y_train[chosen]
    return replace(data, x_train=np.ascontiguousarray(x_train), y_train=y_train,
                   x_test=np.ascontiguousarray(x_test), y_test=y_test, classes=names)


def load(name: str, *, size: int, data_dir: str | Path | None = None, download: bool = False,
         normalisation: str | None = None) -> Dataset:
    """The dataset ``name`` fitted to a ``size x size`` model input and normalised.

    ``data_dir`` is where MNIST, Fashion-MNIST and CIFAR-10 files are (default ``data/``);
    ``download`` fetches missing files first (see :mod:`convarith.train.download`).
    """
    if name not in DATASETS:
        raise ConvArithError(f"Unknown dataset {name!r}. Use one of {', '.join(DATASETS)}.")
    method = normalisation or ("standard" if name == "cifar10" else "paper")
    if method not in NORMALISATIONS:
        raise ConvArithError(
            f"Unknown normalisation {method!r}. Use one of {', '.join(NORMALISATIONS)}.")
    folder = Path(data_dir if data_dir is not None else "data")
    if name == "digits":
        x_train, y_train, x_test, y_test = read_digits()
        top, resize = 16.0, True
    else:
        if download:
            from convarith.train.download import download as fetch

            fetch(name, folder)
        reader = read_cifar10 if name == "cifar10" else read_mnist
        arrays = reader(folder) if name == "cifar10" else reader(folder, dataset=name)
        x_train, y_train, x_test, y_test = arrays
        top, resize = 255.0, False
    x_train = fit_size(x_train.astype(np.float32), size, resize=resize)
    x_test = fit_size(x_test.astype(np.float32), size, resize=resize)
    x_train, x_test = normalise(x_train, x_test, method=method, top=top)
    return Dataset(name=name, x_train=np.ascontiguousarray(x_train, dtype=np.float32),
                   y_train=y_train, x_test=np.ascontiguousarray(x_test, dtype=np.float32),
                   y_test=y_test, classes=CLASS_NAMES[name])
