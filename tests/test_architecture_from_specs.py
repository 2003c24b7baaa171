"""The architecture figure's data come from the network's layer specs (their Window), not
from the text of the shape table's cells."""

import pytest

from convarith.errors import ConvArithError
from convarith.figures.static import architecture
from convarith.specs.layers import (
    AdaptiveAvgPool,
    Conv,
    Dropout,
    Flatten,
    Linear,
    MaxPool,
    ReLU,
    Window,
)
from convarith.specs.network import Network

TOY = Network("toy", (3, 16, 16), (
    Conv(8, 3, stride=(2, 1), padding=((1, 2), (0, 0)), name="a"),
    Conv(8, 3, groups=2, padding=1, name="b"), ReLU(),
    MaxPool(2, padding=1, name="c"),
    Conv(8, 1, name="d"),
    Flatten(), Dropout(0.5),  # the table folds the dropout into the flatten's row
    Linear(10, name="fc"),
))


def test_operations_are_written_from_each_specs_window():
    blocks = {block.name: block for block in architecture(TOY).blocks}
    assert blocks["a"].operation == "conv 3×3, s 2×1, p 1:2×0"  # asymmetric, per axis
    assert blocks["b"].operation == "conv 3×3, p 1, groups 2 (within each tower)"
    assert blocks["c"].operation == "max-pool 2×2, s 2, p 1"
    assert blocks["d"].operation == "conv 1×1 (across the towers)"


def test_a_flatten_with_a_layer_folded_into_its_row_draws_no_stage():
    arch = architecture(TOY)
    assert [block.name for block in arch.blocks] == ["input", "a", "b", "c", "d", "fc"]
    # the stage before the dense layer is the last tower split, so it crosses over
    assert arch.blocks[-1].crossover and arch.blocks[-1].operation.endswith("(across the towers)")


def test_torchvision_alexnet_has_no_flatten_stage_and_a_plain_adaptive_pool_label():
    blocks = architecture("alexnet-torchvision").blocks
    assert "flatten" not in [block.name for block in blocks]
    avgpool = next(block for block in blocks if block.name == "avgpool")
    assert (avgpool.operation, avgpool.label) == ("adaptive avg-pool", "avgpool: 256@6×6")


def test_window_of_pools_and_adaptive_pool():
    assert MaxPool(3, stride=2, padding=1).window((4, 9, 9)) == Window(
        (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1))
    assert AdaptiveAvgPool(6).window((4, 9, 9)) is None
    assert Conv(4, (1, 3), padding="same").window((2, 5, 5)).padding == ((0, 0), (1, 1))


def test_a_torch_module_is_refused_with_what_to_give_instead():
    import torch.nn as nn

    with pytest.raises(ConvArithError, match=r"it is a Conv2d, not a zoo model or a Network; "
                                             r"the picture is drawn from layer specs\. Give a zoo "
                                             r"name \(convarith list\) or a convarith Network\."):
        architecture(nn.Conv2d(1, 1, 3))
