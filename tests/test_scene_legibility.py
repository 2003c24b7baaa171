"""Lecture-hall legibility, asserted on the scene data, the palette and the static figure data:
frame durations, lightness contrast between states, inserted zeros vs padding, captions that
say only what is there, pooling data whose maxima move, the formula sheet's text, AlexNet's
two towers, padding and proper names in architecture labels, one cell size for the set."""

from __future__ import annotations

import itertools

import pytest

from convarith import zoo
from convarith.errors import ConvArithError
from convarith.figures.animation import (
    ANIMATION_KINDS,
    SCENE_BUILDERS,
    animation_scene,
    conv_scene,
    pool_scene,
    transposed_scene,
)
from convarith.figures.lecture import LECTURE_SET, animated, figure, figure_set, scene_of
from convarith.figures.static import PROPER_NAMES, architecture, formula_sheet
from convarith.figures.style import (
    CELL_IN,
    CONTRAST_PAIRS,
    FIGURE_STYLES,
    MIN_CONTRAST,
    PAPER_CELL_IN,
    STATES,
    THEMES,
    contrast,
    luminance,
)
from convarith.formulas.output_size import conv_output_size

# --------------------------------------------------------------------------- timing


def test_frames_last_one_second_and_two_for_sums_and_maxima_with_a_long_last_hold():
    conv = conv_scene(4, kernel_size=3)
    assert conv.durations() == (1.0, 1.0, 1.0, 3.0)
    assert set(transposed_scene(2, kernel_size=2).durations()[:-1]) == {1.0}
    for scene in (conv_scene(4, kernel_size=3, values=True), pool_scene(4, kernel_size=2),
                  pool_scene(4, kernel_size=2, kind="avg")):
        assert scene.durations()[:-1] == (2.0,) * (len(scene.frames) - 1)
        assert scene.durations()[-1] == 6.0


def test_fps_overrides_the_durations():
    assert conv_scene(3, kernel_size=2).durations(fps=4) == (0.25, 0.25, 0.25, 0.75)


# --------------------------------------------------------------------------- palette


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("style", FIGURE_STYLES)
def test_every_pair_of_states_a_viewer_must_tell_apart_has_contrast_3_to_1(theme, style):
    colours = THEMES[theme]
    assert set(STATES) <= set(colours.flat) and set(STATES) <= set(colours.paper)
    low = {pair: contrast(colours.fill(style, pair[0]), colours.fill(style, pair[1]))
           for pair in CONTRAST_PAIRS}
    assert min(low.values()) >= MIN_CONTRAST, low


def test_the_old_palette_failed_what_the_new_one_passes():
    # the review's numbers, from the colours used before: orange "this step" vs teal
    # "written" (both mixed into white) was 1.05:1
    def mixed(hex_colour: str, amount: float) -> str:
        rgb = [int(hex_colour[n:n + 2], 16) for n in (1, 3, 5)]
        return "#" + "".join(f"{round(amount * v + (1 - amount) * 255):02X}" for v in rgb)

    assert contrast(mixed("#E69F00", 0.8), mixed("#009E73", 0.5)) < 1.1
    light = THEMES["light"]
    assert contrast(light.fill("flat", "output current"),
                    light.fill("flat", "output written")) >= 3


@pytest.mark.parametrize("theme", list(THEMES))
def test_inserted_zeros_and_padding_have_distinct_fills(theme):
    colours = THEMES[theme]
    for style in FIGURE_STYLES:
        inserted, padding = colours.fill(style, "inserted"), colours.fill(style, "padding")
        assert inserted != padding
        assert contrast(inserted, padding) > 1.3


def test_light_background_is_pure_white():
    assert THEMES["light"].background == "#FFFFFF" and luminance("#FFFFFF") == 1.0


# --------------------------------------------------------------------------- captions


def test_transposed_title_names_the_convolution_it_transposes():
    scene = transposed_scene(3, kernel_size=3, stride=2, padding=1, output_padding=1)
    assert scene.subtitle == ("the transpose of the convolution i = 6, k = 3, s = 2, p = 1 "
                              "(output 3)")
    assert conv_output_size(6, kernel_size=3, stride=2, padding=1) == 3


def test_transposed_notes_drop_zero_clauses_and_put_output_padding_bottom_right():
    plain = transposed_scene(2, kernel_size=3)
    note = " ".join(plain.notes)
    assert "s − 1 = 0" not in note and "a = 0" not in note and "zero(s)" not in note
    assert "k − p − 1 = 2" in note and "k*" not in note  # k* only where it is defined
    strided = " ".join(transposed_scene(3, kernel_size=3, stride=2, padding=1,
                                        output_padding=1).notes)
    assert "plus a = 1 on the bottom and right" in strided
    dilated = " ".join(transposed_scene(3, kernel_size=3, dilation=2).notes)
    assert "k* − p − 1" in dilated and "k* = d(k − 1) + 1 = 5" in dilated


@pytest.mark.parametrize("scene, label", [
    (conv_scene(4, kernel_size=3), "input 4×4"),
    (conv_scene(5, kernel_size=3, padding=1), "input 5×5, padded to 7×7"),
    (transposed_scene(2, kernel_size=3), "input 2×2, padded to 6×6"),
    (transposed_scene(2, kernel_size=3, stride=2, padding=2), "input 2×2, stretched to 3×3"),
    (transposed_scene(3, kernel_size=3, stride=2, padding=1),
     "input 3×3, stretched and padded to 7×7"),
    (pool_scene(5, kernel_size=2, ceil_mode=True), "input 5×5"),
])
def test_input_label_says_stretched_or_padded_only_when_it_was(scene, label):
    assert scene.input_label == label


def test_dilated_caption_uses_one_minus_and_one_multiplication_sign():
    line = conv_scene(7, kernel_size=3, dilation=2).caption[0]
    assert "d(k − 1)" in line and "2·(3 − 1)" in line
    assert "-" not in line and "*" not in line


def test_dilated_receptive_field_caption_defines_k_star_before_using_it():
    from convarith.figures.static import rf_growth

    caption = rf_growth("conv k=3 d=2; conv k=3").caption[0]
    assert caption == ("layer 1 (conv k=3 d=2): k* = d(k − 1) + 1 = 2·(3 − 1) + 1 = 5, "
                       "r = 1 + (5 − 1)·1 = 5, j = 1·1 = 1")


# --------------------------------------------------------------------------- pooling data


def test_max_pooling_figure_maxima_move_from_window_to_window():
    scene = scene_of(figure("max_pooling"))
    chosen = [frame.chosen for frame in scene.frames]
    assert all(len(cells) == 1 for cells in chosen)  # no ties
    assert len(set(chosen)) == len(chosen) == 9  # a different cell for every window
    assert len({v for row in scene.output_values for v in row}) >= 5
    ceil = scene_of(figure("max_pooling_ceil_mode"))
    assert len({frame.chosen for frame in ceil.frames}) == len(ceil.frames)


def test_pooling_slides_a_window_and_its_legend_says_so():
    from convarith.figures.animation_render import _legend_entries

    scene = pool_scene(5, kernel_size=2, stride=2, ceil_mode=True)
    assert scene.window_name == "window" and conv_scene(3, kernel_size=2).window_name == "kernel"
    names = [name for name, _ in _legend_entries(scene, THEMES["light"], "flat")]
    assert "window on input" in names and not any("kernel" in name for name in names)
    # p = 0: nothing in the legend speaks of padding
    assert not any("padding" in name for name in names), names
    padded = pool_scene(5, kernel_size=2, stride=2, padding=1, ceil_mode=True)
    padded_names = [n for n, _ in _legend_entries(padded, THEMES["light"], "flat")]
    assert "padding (−∞ for max)" in padded_names


def test_padding_strides_odd_marks_the_padded_row_and_column_no_window_reaches():
    scene = scene_of(figure("conv_padding_strides_odd"))
    rows, cols = scene.input.shape
    assert (rows, cols) == (8, 8)
    unreached = {(r, c) for r in range(rows) for c in range(cols)
                 if scene.input.kinds[r][c] == "unreached"}
    assert unreached == {(7, c) for c in range(8)} | {(r, 7) for r in range(8)}
    covered = {tap for frame in scene.frames for tap in frame.taps}
    assert not covered & unreached


# --------------------------------------------------------------------------- dispatch


def test_kind_to_scene_dispatch_is_one_table_for_cli_and_lecture_set():
    assert ANIMATION_KINDS == tuple(SCENE_BUILDERS) == ("conv", "transposed", "pool",
                                                        "numerical")
    assert {item.kind for item in LECTURE_SET if animated(item)} == set(ANIMATION_KINDS)
    assert animation_scene("numerical", 5, kernel_size=3).output_values[0] == (12, 12, 17)
    with pytest.raises(ConvArithError, match=r"^output_padding=1 applies to transposed, not "
                                             r"pool\. Drop it\.$"):
        animation_scene("pool", 4, kernel_size=2, output_padding=1)


# --------------------------------------------------------------------------- one cell size


@pytest.mark.parametrize("style", FIGURE_STYLES)
def test_the_lecture_set_is_drawn_at_one_cell_size(style):
    from convarith.figures.animation_render import cell_inches, painter_class

    painter = painter_class(style)
    for item in figure_set(style):
        if animated(item):
            width, height = painter.extent(scene_of(item))
            assert cell_inches(width, height, max_height=painter.max_height_in,
                               cell=painter.cell_in) == painter.cell_in, item.name
    assert painter.cell_in == (CELL_IN if style == "flat" else PAPER_CELL_IN)


# --------------------------------------------------------------------------- static figures


def test_formula_sheet_says_tap_spacing_and_substitutes_term_by_term():
    sheet = formula_sheet()
    conv, pool, transposed = sheet.panels
    dilation = next(term for term in conv.terms if term.symbol == "d")
    assert dilation.meaning == "tap spacing (d − 1 gaps between taps)" and dilation.value == "1"
    assert "gaps between taps)" in dilation.meaning and "dilation (gaps" not in dilation.meaning
    assert conv.example == ("⌊(5 + 2·1 − 1·(3 − 1) − 1)/2⌋ + 1 = ⌊4/2⌋ + 1 = 2 + 1 = 3",)
    assert pool.example == ("⌈(5 + 2·1 − 3)/2⌉ + 1 = ⌈4/2⌉ + 1 = 2 + 1 = 3",)
    assert transposed.example == ("(5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 10",)


@pytest.mark.parametrize("i, k, s, p, d, a", [(7, 3, 2, 1, 2, 1), (32, 5, 1, 2, 1, 0),
                                              (9, 4, 3, 0, 1, 2)])
def test_formula_sheet_worked_lines_put_every_term_in(i, k, s, p, d, a):
    conv = formula_sheet(input_size=i, kernel_size=k, stride=s, padding=p, dilation=d,
                         output_padding=a).panels[0]
    assert conv.example[0].startswith(f"⌊({i} + 2·{p} − {d}·({k} − 1) − 1)/{s}⌋ + 1 = ")
    assert conv.example[0].endswith(
        f" = {conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)}")


def test_alexnet_paper_is_two_towers_crossing_over_at_conv3_and_fc6():
    arch = architecture("alexnet-paper")
    by_name = {block.name: block for block in arch.blocks}
    split = [block.name for block in arch.blocks if block.towers == 2]
    assert split[0] == "conv1" and split[-1] == "pool3"
    assert all(by_name[name].towers == 2 for name in ("conv2", "conv3", "conv4", "conv5"))
    assert [block.name for block in arch.blocks if block.crossover] == ["conv3", "fc6"]
    for name in ("conv2", "conv4", "conv5"):
        assert "groups 2" in by_name[name].operation
    assert by_name["conv1"].label == "conv1: 2×48@55×55"
    assert by_name["input"].towers == by_name["fc7"].towers == 1
    assert all(block.towers == 1 for block in architecture("alexnet").blocks)


def test_architecture_labels_carry_the_padding():
    blocks = {block.name: block for block in architecture("alexnet").blocks}
    assert blocks["conv1"].operation == "conv 11×11, s 4, p 2"  # 224 -> 55 needs p = 2
    assert blocks["conv3"].operation == "conv 3×3, p 1"
    assert blocks["pool1"].operation == "max-pool 3×3, s 2"


def test_every_zoo_model_has_its_proper_name():
    assert set(PROPER_NAMES) == set(zoo.names())
    titles = {name: architecture(name).title for name in ("lenet5", "alexnet", "vgg16")}
    assert titles["lenet5"] == "LeNet-5" and titles["vgg16"] == "VGG-16"
    assert titles["alexnet"].startswith("AlexNet")


def test_lecture_sets_of_both_styles():
    assert len(figure_set("paper")) == 15 and all(item.paper for item in figure_set("paper"))
    assert figure_set("flat") == LECTURE_SET
    assert any(item.params.get("model") == "alexnet-paper" for item in LECTURE_SET)
    for a, b in itertools.combinations([item.filename for item in LECTURE_SET], 2):
        assert a != b
