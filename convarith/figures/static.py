"""Static lecture figures as data: receptive-field growth, architecture planes, the formula
sheet and images as numbers.

Like :mod:`convarith.figures.animation` for the animations, each function here returns a plain,
frozen description that tests can assert on; :mod:`convarith.figures.static_render` turns it into pixels.
Every number comes from the formula core (:mod:`convarith.formulas.output_size`,
:mod:`convarith.formulas.receptive`, :mod:`convarith.formulas.explain`) or from a zoo model's shape table.

>>> growth = rf_growth(parse_layers("conv k=3; conv k=3; conv k=3"))
>>> growth.sizes, growth.unit, growth.rows[-1].r
((9, 7, 5, 3), 1, 7)
>>> growth.seen[0]
(1, 2, 3, 4, 5, 6, 7)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convarith.errors import ConvArithError
from convarith.formulas.explain import (
    Derivations,
    explain_conv,
    explain_conv_transpose,
    explain_pool,
)
from convarith.formulas.notation import parse_layers, show_axes
from convarith.formulas.output_size import conv_output_size, effective_kernel, pool_output_size
from convarith.formulas.receptive import RFLayer, RFRow, explain_receptive_field, receptive_field
from convarith.specs.layers import Conv, Flatten, Layer, Linear, RBFOutput, Shape
from convarith.specs.network import Network

__all__ = [
    "Architecture", "Block", "Channels", "FormulaPanel", "FormulaSheet", "RFGrowth", "Term",
    "architecture", "channels", "formula_sheet", "parse_layers", "rf_growth",
]

#: Grids wider than this are refused: the cells would be under 7 px at 800 px wide.
MAX_RF_CELLS = 96


# --------------------------------------------------------------------------- receptive field


@dataclass(frozen=True)
class RFGrowth:
    """Which cells one output unit of the last layer sees, level by level (square grids).

    ``sizes[0]`` is the input and ``sizes[l]`` the output of layer ``l``; ``seen[l]`` are the
    positions (per axis; the 2-D set is their product) at level ``l`` that feed output unit
    ``unit`` of the last layer. Positions below 0 or at ``sizes[l]`` and above are padding.
    ``rows`` are :func:`~convarith.formulas.receptive.receptive_field`'s, so the input interval is
    ``rows[-1].left + unit * rows[-1].j`` onwards, ``rows[-1].r`` wide.
    """

    layers: tuple[RFLayer, ...]
    sizes: tuple[int, ...]
    unit: int
    seen: tuple[tuple[int, ...], ...]
    rows: tuple[RFRow, ...]
    caption: tuple[str, ...]

    @property
    def interval(self) -> tuple[int, int]:
        """First and last input position of the unit's receptive field (the formula's)."""
        last = self.rows[-1]
        first = last.left + self.unit * last.j
        return first, first + last.r - 1

    def padding_seen(self, level: int) -> int:
        """How many positions (per axis) the unit sees in level ``level``'s padding."""
        return sum(1 for x in self.seen[level] if not 0 <= x < self.sizes[level])


def _level_size(i: int, layer: RFLayer) -> int:
    if layer.kind == "pool":
        return pool_output_size(i, kernel_size=layer.k, stride=layer.stride, padding=layer.p,
                                dilation=layer.d)
    return conv_output_size(i, kernel_size=layer.k, stride=layer.stride, padding=layer.p,
                            dilation=layer.d)


def rf_growth(layers: Sequence[RFLayer] | str, *, input_size: int | None = None,
              unit: int | None = None) -> RFGrowth:
    """Which input cells one output unit sees, through each layer of a stack.

    ``input_size`` defaults to the final receptive field plus one jump of context on each side;
    ``unit`` defaults to the middle output unit.

    >>> g = rf_growth("conv k=3 s=2; conv k=3", input_size=9)
    >>> g.sizes, g.unit, g.interval, g.seen[1]
    ((9, 4, 2), 1, (2, 8), (1, 2, 3))
    """
    stack = tuple(parse_layers(layers) if isinstance(layers, str) else layers)
    if not stack:
        raise ConvArithError("Error drawing the receptive-field growth: the stack has no "
                             "layers. Give at least one, e.g. 'conv k=3; conv k=3'.")
    rows = tuple(receptive_field(list(stack)))
    if input_size is None:
        input_size = rows[-1].r + 2 * rows[-1].j
    sizes = [input_size]
    for layer in stack:
        sizes.append(_level_size(sizes[-1], layer))
    if max(sizes) > MAX_RF_CELLS:
        raise ConvArithError(
            f"Error drawing the receptive-field growth: a level is {max(sizes)} cells wide, more "
            f"than {MAX_RF_CELLS}. Use a smaller --input (the field needs {rows[-1].r}).")
    last = sizes[-1]
    unit = last // 2 if unit is None else unit
    if not 0 <= unit < last:
        raise ConvArithError(
            f"Error drawing the receptive-field growth: unit={unit} is not an output position "
            f"(the last layer has {last}). Use 0 to {last - 1}.")
    seen: list[tuple[int, ...]] = [(unit,)]
    for layer in reversed(stack):
        # output n of a layer reads positions n*s - p + a*d, a = 0..k-1 (arXiv:1603.07285);
        # positions in the padding are followed down too, as the recurrences of Araujo et al.
        # do: the field's real input cells are the same either way, and the drawing shows
        # the rest as padding
        below = {n * layer.stride - layer.p + a * layer.d
                 for n in seen[0] for a in range(layer.k)}
        seen.insert(0, tuple(sorted(below)))
    caption = tuple(step.text(unicode=True) for step in explain_receptive_field(list(stack)))
    return RFGrowth(stack, tuple(sizes), unit, tuple(seen), rows, caption)


# --------------------------------------------------------------------------- architecture


@dataclass(frozen=True)
class Block:
    """One drawn stage: feature maps (``channels`` planes of ``height`` x ``width``) or a
    vector of ``channels`` units, with the operation that made it."""

    name: str
    kind: str  # "maps" or "vector"
    channels: int
    height: int
    width: int
    operation: str  # how the previous stage became this one ("" for the input)
    label: str
    towers: int = 1  # stages split across GPUs (AlexNet as published: two towers)
    crossover: bool = False  # the operation reads every tower of the stage before


@dataclass(frozen=True)
class Architecture:
    """The classic block picture of a network (LeCun et al. 1998, Fig. 2), stage by stage."""

    model: str
    blocks: tuple[Block, ...]
    params: int
    title: str = ""  # the network's proper name (LeNet-5, AlexNet, VGG-16)


#: The zoo's models by their proper names, as their papers write them.
PROPER_NAMES: dict[str, str] = {
    "lenet5": "LeNet-5",
    "lenet5-modern": "LeNet-5 (modern: ReLU, max pooling)",
    "alexnet": "AlexNet (224×224, one tower)",
    "alexnet-paper": "AlexNet as published (227×227, two GPU towers)",
    "alexnet-torchvision": "AlexNet (torchvision)",
    "alexnet-small": "AlexNet, small (32×32)",
    "vgg16": "VGG-16",
    "zfnet": "ZFNet",
}


def _operation(spec: Layer, input_shape: Shape) -> str:
    """How a spec turns its input into its output, as the arrow's label: ``conv 11×11, s 4,
    p 2``; from the spec's :class:`~convarith.specs.layers.Window`, never from table text."""
    if isinstance(spec, Linear):
        return "full connection"
    if isinstance(spec, RBFOutput):
        return "Gaussian connections"
    window = spec.window(input_shape)
    if window is None:
        return spec.kind
    text = f"{spec.kind} {'×'.join(str(k) for k in window.kernel)}"
    if any(s != 1 for s in window.stride):
        text += f", s {show_axes(window.stride, sep='×')}"
    if any(pair != (0, 0) for pair in window.padding):
        sides = [str(a) if a == b else f"{a}:{b}" for a, b in window.padding]
        text += f", p {show_axes(sides, sep='×')}"
    return text


def _network(model: Any) -> Network:
    from convarith.tables.table import resolve

    net = resolve(model)
    if not isinstance(net, Network):
        raise ConvArithError(
            f"Error drawing the architecture of {model!r}: it is a "
            f"{type(net).__name__}, not a zoo model or a Network; the picture is drawn from "
            "layer specs. Give a zoo name (convarith list) or a convarith Network.")
    return net


def architecture(model: Any) -> Architecture:
    """A zoo model's (or a Network's) stages: one per row of its shape table (the shapes),
    drawn from the layer specs behind each row (the operations, the towers).

    >>> arch = architecture("lenet5")
    >>> [block.label for block in arch.blocks]  # doctest: +NORMALIZE_WHITESPACE
    ['input: 1@32×32', 'C1: 6@28×28', 'S2: 6@14×14', 'C3: 16@10×10', 'S4: 16@5×5',
     'C5: 120@1×1', 'F6: 84', 'output: 10']
    >>> arch.blocks[2].operation
    'subsampling 2×2, s 2'
    """
    from convarith.tables.table import table

    net = _network(model)
    shape_table = table(net)
    # the spec that made each row (its first layer; the rest are folded element-wise ones)
    layers = [row for row in shape_table.rows if row.index]
    specs = {row.index: net.layers[row.layers[0] - 1] for row in layers}
    windows = {row.index: specs[row.index].window(row.input_shape) for row in layers}
    # a grouped convolution (AlexNet's two GPUs) splits every stage from the first layer's
    # output to the last feature map into towers; an ungrouped layer between them crosses over
    towers = max((w.groups for w in windows.values() if w is not None), default=1)
    maps_rows = [row for row in shape_table.rows if len(tuple(row.output_shape)) == 3]
    last_maps = maps_rows[-1].index if maps_rows else -1
    blocks = []
    for row in shape_table.rows:
        shape = tuple(row.output_shape)
        spec = specs.get(row.index)
        if isinstance(spec, Flatten) or not all(isinstance(x, int) for x in shape):
            continue
        name = row.name or ("input" if spec is None else spec.kind)
        operation = "" if spec is None else _operation(spec, row.input_shape)
        split = towers if towers > 1 and 0 < row.index <= last_maps else 1
        before = blocks[-1].towers if blocks else 1
        window = windows.get(row.index)
        groups = 1 if window is None else window.groups
        crossover = before > 1 and groups == 1 and isinstance(spec, (Conv, Linear))
        if groups > 1:
            operation += f", groups {groups} (within each tower)"
        elif crossover:
            operation += " (across the towers)"
        if len(shape) == 3:
            c, h, w = shape
            size = f"{c}@{h}×{w}" if split == 1 else f"{split}×{c // split}@{h}×{w}"
            blocks.append(Block(name, "maps", c, h, w, operation, f"{name}: {size}", split,
                                crossover))
        elif len(shape) == 1:
            blocks.append(Block(name, "vector", shape[0], 1, 1, operation,
                                f"{name}: {shape[0]}", 1, crossover))
        else:
            raise ConvArithError(
                f"Error drawing the architecture of {shape_table.model}: layer {name} has the "
                f"shape {shape}, but the picture draws 2-D feature maps and vectors only. "
                "Use a model with 2-D inputs.")
    params = shape_table.totals.get("params", 0)
    name = PROPER_NAMES.get(str(shape_table.model), str(shape_table.model))
    return Architecture(shape_table.model, tuple(blocks), int(params), name)


# --------------------------------------------------------------------------- formula sheet


@dataclass(frozen=True)
class Term:
    """One symbol of a formula, what it means, and its value in the worked example."""

    symbol: str
    meaning: str
    value: str


@dataclass(frozen=True)
class FormulaPanel:
    """A formula in text pieces (so each term can be labelled), its terms and a worked
    example: :class:`~convarith.formulas.explain.Derivation`'s own text, numbers put in."""

    name: str
    pieces: tuple[str, ...]  # the formula, left to right; pieces naming a term are terms
    terms: tuple[Term, ...]
    example: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FormulaSheet:
    title: str
    panels: tuple[FormulaPanel, ...]


def _term_by_term(pieces: Sequence[str], values: dict[str, str], example: tuple[str, ...]
                  ) -> tuple[str, ...]:
    """The worked line with every term of the formula substituted, then the derivation's
    own steps after its first (the derivation drops terms such as ``d(k − 1)`` at d = 1)."""
    first, _, rest = example[0].partition(" = ")
    line = substitute(pieces, values).removeprefix(" = ").replace(" / ", "/")
    return (f"{line} = {rest}" if rest else line, *example[1:])


def _example(derivations: Derivations) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lines, notes = [], []
    for item in derivations:
        text = item.text().splitlines()
        steps = [line.strip().lstrip("= ") for line in text[2:2 + len(item.steps)]]
        lines.append(" = ".join(steps))
        notes += list(item.notes)
    return tuple(lines), tuple(notes)


def substitute(pieces: Sequence[str], values: dict[str, str]) -> str:
    """A formula's pieces with every term replaced by its value, a ``·`` put wherever a
    number now meets a number or a bracket (``2p`` -> ``2·1``, ``d(k − 1)`` -> ``1·(3 − 1)``).

    >>> substitute(("o", " = ", "d", "(", "k", " − 1)"), {"d": "2", "k": "3"})
    ' = 2·(3 − 1)'
    """
    out = ""
    body = list(pieces[1:])
    for n, piece in enumerate(body):
        if piece in values:
            if out and out[-1].isdigit():
                out += "·"
            out += values[piece]
            if n + 1 < len(body) and body[n + 1].startswith("("):
                out += "·"
        else:
            out += piece
    return out


#: ``formula_sheet``'s old keywords, the paper's letters, and their torch names.
_SHEET_LETTERS = {"i": "input_size", "k": "kernel_size", "s": "stride", "p": "padding",
                  "d": "dilation", "a": "output_padding"}


def formula_sheet(*, input_size: int = 5, kernel_size: int = 3, stride: int = 2,
                  padding: int = 1, dilation: int = 1, output_padding: int = 1,
                  **letters: int) -> FormulaSheet:
    """The output-size formulas of convolution, pooling and transposed convolution with each
    term labelled (in the paper's letters), and the derivation of each for one set of numbers.

    ``i=, k=, s=, p=, d=, a=`` are the old names of the arguments (deprecated: torch's names
    are the rule).

    >>> sheet = formula_sheet()
    >>> sheet.panels[0].example[0]
    '⌊(5 + 2·1 − 1·(3 − 1) − 1)/2⌋ + 1 = ⌊4/2⌋ + 1 = 2 + 1 = 3'
    >>> [t.symbol for t in sheet.panels[0].terms]
    ['i', 'p', 'd', 'k', 's', 'o']
    """
    unknown = sorted(set(letters) - set(_SHEET_LETTERS))
    if unknown:
        raise TypeError(f"formula_sheet() got an unexpected keyword argument {unknown[0]!r}")
    given = {"input_size": input_size, "kernel_size": kernel_size, "stride": stride,
             "padding": padding, "dilation": dilation, "output_padding": output_padding}
    if letters:
        import warnings

        names = ", ".join(f"{letter}= -> {_SHEET_LETTERS[letter]}=" for letter in letters)
        warnings.warn(f"formula_sheet's letter keywords are deprecated; use torch's names "
                      f"({names}).", DeprecationWarning, stacklevel=2)
        given.update({_SHEET_LETTERS[letter]: value for letter, value in letters.items()})
    i, k, s, p, d, a = given.values()  # the paper's letters, as the sheet shows them
    conv_o = conv_output_size(i, kernel_size=k, stride=s, padding=p, dilation=d)
    k_eff = effective_kernel(k, d)
    shared = (
        Term("i", "input size", str(i)),
        Term("p", "zero padding on each side", str(p)),
        Term("d", "tap spacing (d − 1 gaps between taps)", str(d)),
        Term("k", "kernel size", str(k)),
        Term("s", "stride", str(s)),
    )
    conv_pieces = ("o", " = ⌊(", "i", " + 2", "p", " − ", "d", "(", "k", " − 1) − 1) / ",
                   "s", "⌋ + 1")
    conv_example, conv_notes = _example(explain_conv(i, kernel_size=k, stride=s, padding=p,
                                                     dilation=d))
    values = {"i": str(i), "k": str(k), "s": str(s), "p": str(p), "d": str(d), "a": str(a)}
    conv_example = _term_by_term(conv_pieces, values, conv_example)
    panels = [FormulaPanel(
        "Convolution (Dumoulin & Visin, arXiv:1603.07285, Relationship 15)", conv_pieces,
        (*shared, Term("o", "output size", str(conv_o))), conv_example,
        conv_notes + (f"effective kernel k* = d(k − 1) + 1 = {k_eff}",))]
    pool_p = min(p, k // 2)
    pool_o = pool_output_size(i, kernel_size=k, stride=s, padding=pool_p, ceil_mode=True)
    pool_pieces = ("o", " = ⌈(", "i", " + 2", "p", " − ", "k", ") / ", "s", "⌉ + 1")
    pool_example, pool_notes = _example(explain_pool(i, kernel_size=k, stride=s,
                                                     padding=pool_p, ceil_mode=True))
    pool_example = _term_by_term(pool_pieces, {**values, "p": str(pool_p)}, pool_example)
    panels.append(FormulaPanel(
        "Pooling, ceil mode (PyTorch's ceil_mode=True; floor as convolution otherwise)",
        pool_pieces,
        (Term("i", "input size", str(i)), Term("p", "padding (−∞ for max)", str(pool_p)),
         Term("k", "window size", str(k)), Term("s", "stride", str(s)),
         Term("o", "output size", str(pool_o))),
        pool_example,
        pool_notes + ("a last window that would start in the right padding is dropped",)))
    tr_example, tr_notes = _example(explain_conv_transpose(
        i, kernel_size=k, stride=s, padding=p, output_padding=a, dilation=d))
    from convarith.formulas.output_size import conv_transpose_output_size

    tr_o = conv_transpose_output_size(i, kernel_size=k, stride=s, padding=p, output_padding=a,
                                      dilation=d)
    tr_pieces = ("o", " = (", "i", " − 1)·", "s", " − 2", "p", " + ", "d", "(", "k", " − 1) + ",
                 "a", " + 1")
    tr_example = _term_by_term(tr_pieces, values, tr_example)
    panels.append(FormulaPanel(
        "Transposed convolution (arXiv:1603.07285, Relationship 14, with dilation)", tr_pieces,
        (*shared, Term("a", "output padding (a < max(s, d))", str(a)), Term("o", "output size",
                                                                     str(tr_o))),
        tr_example, tr_notes))
    return FormulaSheet("Output sizes, term by term", tuple(panels))


# --------------------------------------------------------------------------- images as numbers


@dataclass(frozen=True)
class Channels:
    """A small greyscale image as its 0-255 matrix and an RGB image as three channel
    matrices, with where each came from."""

    grey: tuple[tuple[int, ...], ...]
    grey_source: str
    rgb: tuple[tuple[tuple[int, ...], ...], ...]  # (R, G, B), each rows x cols
    rgb_source: str


def channels(*, digit: int = 0, size: int = 6, corner: tuple[int, int] = (360, 232)
             ) -> Channels:
    """The figures' images as numbers, from files scikit-learn ships (no download).

    The greyscale image is digit ``digit`` of the handwritten digits (8x8, levels 0-16,
    scaled to 0-255 as ``round(v * 255 / 16)``); the RGB image is a ``size`` x ``size`` patch
    of scikit-learn's ``china.jpg`` sample photograph, each cell the mean of a 4x4 block.

    >>> figure = channels()
    >>> len(figure.grey), len(figure.grey[0]), max(map(max, figure.grey)) <= 255
    (8, 8, True)
    >>> [len(c) for c in figure.rgb], len(figure.rgb[0][0])
    ([6, 6, 6], 6)
    """
    import numpy as np
    from sklearn.datasets import load_digits, load_sample_image

    digits = load_digits()
    if not 0 <= digit < len(digits.images):
        raise ConvArithError(f"Error drawing the channels figure: digit={digit} is not an "
                             f"image index. Use 0 to {len(digits.images) - 1}.")
    if not 2 <= size <= 12:
        raise ConvArithError(f"Error drawing the channels figure: size={size} cells per side; "
                             "the numbers stay legible from 2 to 12. Use e.g. 6.")
    grey = np.rint(digits.images[digit] * 255 / 16).astype(int)
    photo = load_sample_image("china.jpg")
    block = 4
    r0, c0 = corner
    patch = photo[r0:r0 + size * block, c0:c0 + size * block].astype(float)
    if patch.shape[:2] != (size * block, size * block):
        raise ConvArithError(f"Error drawing the channels figure: corner={corner} puts the "
                             f"patch outside the {photo.shape[0]}x{photo.shape[1]} photograph. "
                             "Use a corner nearer the top left.")
    means = np.rint(patch.reshape(size, block, size, block, 3).mean(axis=(1, 3))).astype(int)
    rgb = tuple(tuple(tuple(int(v) for v in row) for row in means[:, :, ch]) for ch in range(3))
    return Channels(
        grey=tuple(tuple(int(v) for v in row) for row in grey),
        grey_source=f"scikit-learn's handwritten digits, image {digit} (a "
                    f"{int(digits.target[digit])}), 8×8",
        rgb=rgb,
        rgb_source=f"scikit-learn's china.jpg, rows {r0}-{r0 + size * block - 1}, columns "
                   f"{c0}-{c0 + size * block - 1}, {block}×{block} means",
    )
