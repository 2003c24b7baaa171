"""Dense versus convolutional, in numbers: sparse connectivity and weight sharing as counts.

A fully connected layer over a flattened image gives every hidden unit its own weight for
every input value; a convolutional layer gives every output unit a small window
(connections per unit = C x k x k) and shares one filter's weights across all positions.

>>> c = dense_vs_conv((1, 28, 28), hidden=512, outputs=1)
>>> c.dense.weights, c.dense.formula
(401920, '784 x 512 + 512 x 1 = 401,920')
>>> dense_vs_conv((3, 5, 5), hidden=3, outputs=0).dense.weights
225
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convarith.errors import ConvArithError
from convarith.formulas.counting import conv_params, linear_params
from convarith.formulas.normalise import integer
from convarith.formulas.output_size import conv_output_size


@dataclass(frozen=True)
class Counts:
    """Weights, biases and connections of one side of the comparison."""

    name: str
    weights: int
    biases: int
    connections: int  # input-to-output links (a shared weight counts once per use)
    per_unit: int  # connections into one output unit
    units: int  # output units of the (first) layer
    formula: str  # how the weights add up, with the numbers

    @property
    def parameters(self) -> int:
        return self.weights + self.biases


@dataclass(frozen=True)
class Comparison:
    """A dense layer (and optional output layer) beside a convolutional layer, same input."""

    input_shape: tuple[int, int, int]
    dense: Counts
    conv: Counts

    @property
    def ratio(self) -> float:
        """How many times more weights the dense layer needs."""
        return self.dense.weights / self.conv.weights


def dense_vs_conv(
    input_shape: tuple[int, int, int],
    *,
    hidden: int,
    outputs: int = 1,
    kernel_size: int = 3,
    out_channels: int = 32,
    stride: int = 1,
    padding: int = 0,
    filters: int | None = None,
) -> Comparison:
    """Count a dense ``C*H*W -> hidden (-> outputs)`` network beside an ``out_channels``-filter
    ``kernel_size`` x ``kernel_size`` convolution on the same ``(C, H, W)`` input.

    ``filters=`` is the old name of ``out_channels=`` (deprecated: torch's name is the rule).

    >>> c = dense_vs_conv((1, 1080, 1920), hidden=512)
    >>> c.dense.weights > 10**9
    True
    >>> c = dense_vs_conv((3, 100, 100), hidden=512, out_channels=32)
    >>> c.conv.weights, c.conv.per_unit
    (864, 27)
    """
    context = "Error comparing dense and convolutional layers"
    if filters is not None:
        import warnings

        warnings.warn("dense_vs_conv(filters=...) is deprecated; use out_channels=..., "
                      "torch's name.", DeprecationWarning, stacklevel=2)
        out_channels = filters
    filters = out_channels
    if not (isinstance(input_shape, tuple) and len(input_shape) == 3):
        raise ConvArithError(
            f"{context}: input_shape={input_shape!r} is not (C, H, W). Give e.g. (1, 28, 28).")
    c, h, w = (integer("input_shape", v, minimum=1, context=context) for v in input_shape)
    hidden = integer("hidden", hidden, minimum=1, context=context)
    outputs = integer("outputs", outputs, minimum=0, context=context)
    n_in = c * h * w

    dense_weights = linear_params(n_in, hidden, bias=False)
    formula = f"{n_in:,} x {hidden:,}"
    biases = hidden
    if outputs:
        dense_weights += linear_params(hidden, outputs, bias=False)
        formula += f" + {hidden} x {outputs}"
        biases += outputs
    dense = Counts(name=f"dense {n_in}->{hidden}" + (f"->{outputs}" if outputs else ""),
                   weights=dense_weights, biases=biases, connections=dense_weights,
                   per_unit=n_in, units=hidden, formula=f"{formula} = {dense_weights:,}")

    out_h, out_w = conv_output_size((h, w), kernel_size, stride=stride, padding=padding)
    conv_weights = conv_params(c, filters, kernel_size, bias=False)
    per_unit = c * kernel_size * kernel_size
    units = filters * out_h * out_w
    conv = Counts(name=f"conv {kernel_size}x{kernel_size}, {filters} filters -> "
                       f"{filters}x{out_h}x{out_w}",
                  weights=conv_weights, biases=filters, connections=units * per_unit,
                  per_unit=per_unit, units=units,
                  formula=f"{filters} x {c} x {kernel_size} x {kernel_size} = {conv_weights:,}")
    return Comparison((c, h, w), dense, conv)


def sharing_factor(counts: Counts) -> float:
    """Connections per distinct weight: 1 for a dense layer, the number of positions for a conv.

    >>> sharing_factor(dense_vs_conv((1, 28, 28), hidden=512).conv)
    676.0
    """
    return counts.connections / counts.weights if counts.weights else math.nan
