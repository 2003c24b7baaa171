"""The from-scratch numpy layers (:mod:`convarith.scratch`) called for a LayerCase, through
the scratch table (:data:`convarith.bridges.scratch.SCRATCH`): each entry calls itself from
the case's spec.

>>> import numpy as np
>>> from convarith.verify.cases import LayerCase
>>> case = LayerCase("avg_pool1d", (1, 1, 4), kernel_size=(2,))
>>> scratch_forward(case, np.array([[[1.0, 3.0, 5.0, 7.0]]]))
array([[[2., 6.]]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convarith.bridges.scratch import SCRATCH
from convarith.bridges.verify.cases import LayerCase


def scratch_forward(case: LayerCase, x: np.ndarray, weight: Any = None, bias: Any = None
                    ) -> np.ndarray:
    """The scratch layer's output (for "cross_entropy", ``weight`` holds the targets)."""
    return SCRATCH[case.kind].run(case.spec, x, weight, bias)


def scratch_backward(case: LayerCase, dy: np.ndarray, x: np.ndarray, weight: Any = None,
                     bias: Any = None) -> tuple[np.ndarray, Any, Any]:
    """``(dx, dweight, dbias)`` of the scratch layer (None where the layer has none)."""
    return SCRATCH[case.kind].run_backward(case.spec, dy, x, weight, bias)


def has_backward(case: LayerCase) -> bool:
    """Whether the scratch layer has a backward pass (nn.Unfold's has none)."""
    layer = SCRATCH[case.kind]
    return layer.backward is not None or layer.call_backward is not None
