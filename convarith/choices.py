"""Every list of choices convarith offers, written once.

The command line feeds these to ``click.Choice``, the validators check against them and
the tests iterate over them, so a new choice is added here and nowhere else.
"""

from __future__ import annotations

#: Layer kinds of ``convarith size``.
SIZE_KINDS: tuple[str, ...] = ("conv", "transposed", "pool", "adaptive")

#: Named padding modes of a convolution. "valid" and "same" are PyTorch's; "full" pads
#: d(k-1) on each side (Dumoulin & Visin, arXiv:1603.07285, section 2.2.3).
PADDING_MODES: tuple[str, ...] = ("valid", "same", "full")

#: Layer kinds of ``convarith params``.
PARAM_KINDS: tuple[str, ...] = ("conv", "transposed", "linear")

#: Bytes per element of the dtypes activation memory can be counted in.
DTYPE_BYTES: dict[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int64": 8,
    "int32": 4,
    "int8": 1,
    "uint8": 1,
}

#: Layer kinds of the receptive-field notation ``"conv k=3 s=1 p=1; pool k=2 s=2"``.
RF_KINDS: tuple[str, ...] = ("conv", "pool")
