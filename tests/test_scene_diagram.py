"""Static-figure data agrees with the formula core: receptive fields, architectures, the
formula sheet and images as numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convarith.errors import ConvArithError
from convarith.figures.static import architecture, channels, formula_sheet, rf_growth
from convarith.formulas.output_size import (
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
)
from convarith.formulas.receptive import RFLayer, receptive_field


@st.composite
def stacks(draw):
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "pool"]))
        k = draw(st.integers(1, 4))
        p = draw(st.integers(0, k // 2))
        d = draw(st.integers(1, 2)) if kind == "conv" else 1
        layers.append(RFLayer(kind, k=k, s=draw(st.integers(1, 3)), p=p, d=d))
    return layers


@given(stacks(), st.integers(0, 6))
def test_rf_growth_sees_exactly_the_receptive_field_of_the_formula(layers, extra):
    rows = receptive_field(layers)
    try:
        growth = rf_growth(layers, input_size=rows[-1].r + extra)
    except ConvArithError as error:
        if "cells wide, more than" in str(error):  # the figure's own size limit
            from convarith.figures.static import MAX_RF_CELLS

            assert rows[-1].r + extra > MAX_RF_CELLS
            return
        assert "output size" in str(error) or "effective kernel" in str(error)
        return
    assert len(growth.sizes) == len(layers) + 1
    for level, layer in enumerate(layers, 1):
        before = growth.sizes[level - 1]
        if layer.kind == "pool":
            expected = pool_output_size(before, kernel_size=layer.k, stride=layer.stride,
                                        padding=layer.p, dilation=layer.d)
        else:
            expected = conv_output_size(before, kernel_size=layer.k, stride=layer.stride,
                                        padding=layer.p, dilation=layer.d)
        assert growth.sizes[level] == expected
    assert growth.seen[-1] == (growth.unit,)
    first, last = growth.interval
    # the seen input positions span exactly the formula's field r, starting at left + u*j
    assert (growth.seen[0][0], growth.seen[0][-1]) == (first, last)
    assert last - first + 1 == rows[-1].r
    if all(layer.d == 1 and layer.k >= layer.stride for layer in layers):
        assert growth.seen[0] == tuple(range(first, last + 1))  # no gaps without dilation


def test_three_3x3_layers_see_7x7_and_strides_multiply_the_jump():
    growth = rf_growth("conv k=3; conv k=3; conv k=3")
    assert growth.sizes == (9, 7, 5, 3) and growth.interval == (1, 7)
    strided = rf_growth("conv k=3 s=2; conv k=3 s=2; conv k=3")
    assert strided.rows[-1].r == 15 and strided.rows[-1].j == 4
    # the figures' signs: the same multiplication dot and minus as the animations' captions
    assert strided.caption[2] == "layer 3 (conv k=3): r = 7 + (3 − 1)·4 = 15, j = 4·1 = 4"


def test_rf_growth_rejects_a_unit_outside_the_output_and_huge_grids():
    with pytest.raises(ConvArithError, match=r"unit=3 is not an output position \(the last "
                                             r"layer has 3\)\. Use 0 to 2\."):
        rf_growth("conv k=3; conv k=3; conv k=3", unit=3)
    with pytest.raises(ConvArithError, match="more than 96. Use a smaller --input"):
        rf_growth("conv k=3", input_size=200)
    with pytest.raises(ConvArithError, match="the stack has no layers"):
        rf_growth([])


@pytest.mark.parametrize("model", ["lenet5", "alexnet", "lenet5-modern", "zfnet"])
def test_architecture_blocks_are_the_shape_tables_rows(model):
    import convarith

    rows = [row for row in convarith.table(model).rows if row.type != "flatten"]
    arch = architecture(model)
    assert [(b.channels, b.height, b.width) if b.kind == "maps" else (b.channels,)
            for b in arch.blocks] == [tuple(row.output_shape) for row in rows]
    assert arch.params == convarith.table(model).totals["params"]


def test_lenet5_diagram_is_the_classic_picture():
    arch = architecture("lenet5")
    assert [b.label for b in arch.blocks][1:6] == [
        "C1: 6@28×28", "S2: 6@14×14", "C3: 16@10×10", "S4: 16@5×5", "C5: 120@1×1"]
    assert arch.blocks[1].operation == "conv 5×5"
    assert arch.blocks[-1].operation == "Gaussian connections"
    assert arch.params == 60000


@given(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.integers(0, 2))
def test_formula_sheet_examples_end_in_the_formula_cores_numbers(i, k, s, p, d, a):
    try:
        conv = conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
        pool = pool_output_size(i, kernel_size=k, stride=s, padding=min(p, k // 2),
                                ceil_mode=True)
        transposed = conv_transpose_output_size(i, kernel_size=k, stride=s, padding=p,
                                                output_padding=a, dilation=d)
    except ConvArithError:
        with pytest.raises(ConvArithError):
            formula_sheet(input_size=i, kernel_size=k, stride=s, padding=p, dilation=d,
                          output_padding=a)
        return
    sheet = formula_sheet(input_size=i, kernel_size=k, stride=s, padding=p, dilation=d,
                          output_padding=a)
    ends = [panel.example[-1].rsplit("= ", 1)[-1] for panel in sheet.panels]
    assert ends == [str(conv), str(pool), str(transposed)]
    outputs = [next(t.value for t in panel.terms if t.symbol == "o") for panel in sheet.panels]
    assert outputs == [str(conv), str(pool), str(transposed)]
    for panel in sheet.panels:
        symbols = {t.symbol for t in panel.terms} - {"o"}
        assert symbols <= set(panel.pieces)  # every labelled term appears in the formula


def test_channels_are_the_digit_and_the_photo_patch_as_0_255_numbers():
    import numpy as np
    from sklearn.datasets import load_digits, load_sample_image

    figure = channels(digit=3)
    expected = np.rint(load_digits().images[3] * 255 / 16).astype(int)
    assert np.array_equal(np.array(figure.grey), expected)
    photo = load_sample_image("china.jpg")
    r, c = 360, 232
    assert figure.rgb[0][0][0] == round(photo[r:r + 4, c:c + 4, 0].mean())
    assert figure.rgb[2][5][5] == round(photo[r + 20:r + 24, c + 20:c + 24, 2].mean())
    assert all(0 <= v <= 255 for ch in figure.rgb for row in ch for v in row)
    with pytest.raises(ConvArithError, match="digit=5000 is not an image index"):
        channels(digit=5000)


def test_rf_growth_wider_than_its_limit_is_one_clear_error():
    # found by the thorough profile: four layers whose field is 109 input cells
    layers = [RFLayer("pool", k=1, s=2), RFLayer("pool", k=1, s=3), RFLayer("pool", k=1, s=3),
              RFLayer("conv", k=4, d=2)]
    assert receptive_field(layers)[-1].r == 109
    with pytest.raises(ConvArithError, match=r"a level is 109 cells wide, more than 96\. Use a "
                                             r"smaller --input \(the field needs 109\)"):
        rf_growth(layers, input_size=109)
