"""convarith: convolution arithmetic made exact, checkable and reusable.

The formula core is importable without torch or matplotlib (and without sympy until a
symbol is used):

>>> from convarith import conv_output_size, same_padding
>>> conv_output_size(224, kernel_size=11, stride=4, padding=2)
55
>>> same_padding(5)
(4, 2, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convarith import kinds, old_names
from convarith.errors import ConvArithError
from convarith.formulas.counting import (
    activation_bytes,
    batch_norm_buffers,
    batch_norm_params,
    conv_macs,
    conv_params,
    conv_transpose_macs,
    conv_transpose_params,
    depthwise_separable_params,
    flops,
    linear_macs,
    linear_params,
)
from convarith.formulas.explain import (
    Derivation,
    Derivations,
    explain_conv,
    explain_conv_transpose,
    explain_pool,
    symbolic_formula,
    tidy,
)
from convarith.formulas.notation import parse_layers, parse_size
from convarith.formulas.output_size import (
    adaptive_pool_bins,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel,
    lost_input,
    pool_output_size,
    unfold_blocks,
)
from convarith.formulas.receptive import RFLayer, RFRow, receptive_field
from convarith.formulas.solve import check_output_size, padding_for, same_padding, valid_input_sizes

__version__ = "0.1.0"

#: Heavier parts, imported on first use: ``convarith.table("alexnet")``, ``convarith.zoo``,
#: ``convarith.Network``, ``convarith.scratch``, ``convarith.verify``, ``convarith.train``,
#: ``convarith.explore()`` (the explorer page, inline in a notebook).
#: ``convarith.table`` is the module convarith.tables.table, which is also callable.
_LAZY = {
    "table": ("convarith.tables.table", None),
    "zoo": ("convarith.specs.zoo", None),
    "Network": ("convarith.specs.network", "Network"),
    "scratch": ("convarith.bridges.scratch", None),
    "verify": ("convarith.bridges.verify", None),
    "train": ("convarith.train", None),
    "explore": ("convarith.explore", None),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'convarith' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)


old_names.install()


# The composition root: the one place that wires a higher layer into a lower one. The specs'
# public Layer.to_torch / Network.to_torch build through the bridges' spec <-> module table,
# lent here and imported on the first build (so `import convarith` loads no bridge).
def _bridge_to_torch() -> Callable[..., Any]:
    from convarith.bridges.torch import to_torch

    return to_torch


kinds.lend("to_torch", _bridge_to_torch)

__all__ = [
    "ConvArithError",
    "Derivation",
    "Derivations",
    "Network",
    "RFLayer",
    "RFRow",
    "activation_bytes",
    "adaptive_pool_bins",
    "batch_norm_buffers",
    "batch_norm_params",
    "check_output_size",
    "conv_macs",
    "conv_output_size",
    "conv_params",
    "conv_transpose_macs",
    "conv_transpose_output_size",
    "conv_transpose_params",
    "depthwise_separable_params",
    "effective_kernel",
    "explain_conv",
    "explain_conv_transpose",
    "explain_pool",
    "explore",
    "flops",
    "linear_macs",
    "linear_params",
    "lost_input",
    "padding_for",
    "parse_layers",
    "parse_size",
    "pool_output_size",
    "receptive_field",
    "same_padding",
    "symbolic_formula",
    "table",
    "tidy",
    "unfold_blocks",
    "valid_input_sizes",
    "zoo",
]
