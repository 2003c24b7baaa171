"""The features a from-scratch layer may support, each probed alone on the smallest case.

A student's ``conv2d`` rarely does everything torch's does: many have no groups, no
dilation, one stride for both axes. The capability card probes each :class:`Feature` on its
own: the smallest :data:`BASE` case of the layer with that one feature changed, so a failure
names the feature it exercises. The hypothesis search then draws only from the space of the
features found supported (:func:`supported_cases`).

>>> probe("conv2d", "stride").describe()
'input 1x1x5x5, kernel 3, stride 2, 1 output channel'
>>> uses(probe("max_pool2d", "ceil_mode"), "max_pool2d")
('stride', 'ceil_mode')
>>> [f.name for f in features("avg_pool2d")][:4]
['batch', 'channels', 'stride', 'stride_hw']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from convarith.bridges.verify.cases import LayerCase, expected_shape
from convarith.choices import IMPL_LAYERS
from convarith.errors import ConvArithError

#: The layers a homework function can be checked as (2-D, as assignments write them).
HOMEWORK_LAYERS = IMPL_LAYERS

#: The smallest case of each layer: one image, one channel, stride 1, no padding.
BASE: dict[str, LayerCase] = {
    "conv2d": LayerCase("conv2d", (1, 1, 5, 5), kernel_size=(3, 3), stride=(1, 1),
                        padding=(0, 0), dilation=(1, 1), out_channels=1),
    "conv_transpose2d": LayerCase("conv_transpose2d", (1, 1, 3, 3), kernel_size=(3, 3),
                                  stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                                  out_channels=1),
    "max_pool2d": LayerCase("max_pool2d", (1, 1, 4, 4), kernel_size=(2, 2), stride=(1, 1),
                            padding=(0, 0), dilation=(1, 1)),
    "avg_pool2d": LayerCase("avg_pool2d", (1, 1, 4, 4), kernel_size=(2, 2), stride=(1, 1),
                            padding=(0, 0), dilation=(1, 1)),
}


def _shape(case: LayerCase, n: int | None = None, c: int | None = None,
           hw: tuple[int, int] | None = None) -> tuple[int, ...]:
    batch, channels, *spatial = case.input_shape
    return (batch if n is None else n, channels if c is None else c, *(hw or spatial))


def _conv_like(case: LayerCase) -> bool:
    return case.layer in ("conv2d", "conv_transpose2d")


def _lost(case: LayerCase) -> bool:
    """Whether the last rows or columns of the padded input are never covered (floor)."""
    if case.layer == "conv_transpose2d" or case.ceil_mode:
        return False
    stride = case.stride or case.kernel_size
    return any((i + 2 * p - d * (k - 1) - 1) % s != 0 for i, k, s, p, d in
               zip(case.spatial, case.kernel_size, stride, case.padding, case.dilation))


@dataclass(frozen=True)
class Feature:
    """One thing a layer can do, its probe (from the base case) and how to see it in a case.

    ``needs`` names the features the probe also uses (ceil mode shows only with a stride).
    """

    name: str
    label: str  # the card's row: "stride per axis"
    words: str  # "stride 2": read as "this case uses stride 2"
    layers: tuple[str, ...]
    probe: Callable[[LayerCase], LayerCase]
    used: Callable[[LayerCase, LayerCase], bool]  # (case, base case) -> uses the feature
    needs: tuple[str, ...] = ()


ALL = HOMEWORK_LAYERS
POOLS = ("max_pool2d", "avg_pool2d")

FEATURES: tuple[Feature, ...] = (
    Feature("batch", "batch > 1", "a batch of 2", ALL, lambda c: c.with_input(_shape(c, n=2)),
            lambda c, b: c.input_shape[0] > 1),
    Feature("channels", "channels > 1", "2 input channels", ALL,
            lambda c: c.with_input(_shape(c, c=2)).replace(
                out_channels=3 if _conv_like(c) else c.out_channels),
            lambda c, b: c.in_channels > 1 or (_conv_like(c) and c.out_channels > 1)),
    Feature("stride", "stride", "stride 2", ALL, lambda c: c.replace(stride=(2, 2)),
            lambda c, b: any(s > 1 for s in (c.stride or c.kernel_size))),
    Feature("stride_hw", "stride per axis", "stride (1, 2): one per axis", ALL,
            lambda c: c.replace(stride=(1, 2)),
            lambda c, b: len(set(c.stride or c.kernel_size)) > 1, needs=("stride",)),
    Feature("padding", "padding", "padding 1", ALL, lambda c: c.replace(padding=(1, 1)),
            lambda c, b: any(p > 0 for p in c.padding)),
    Feature("padding_hw", "padding per axis", "padding (1, 0): one per axis", ALL,
            lambda c: c.replace(padding=(1, 0)),
            lambda c, b: len(set(c.padding)) > 1, needs=("padding",)),
    Feature("rect_input", "non-square input", "a non-square input", ALL,
            lambda c: c.with_input(_shape(c, hw=(c.spatial[0], c.spatial[1] + 2))),
            lambda c, b: c.spatial[0] != c.spatial[1]),
    Feature("rect_kernel", "non-square kernel", "a non-square kernel (2x3)", ALL,
            lambda c: c.replace(kernel_size=(2, 3)),
            lambda c, b: c.kernel_size[0] != c.kernel_size[1]),
    Feature("dilation", "dilation", "dilation 2", ("conv2d", "conv_transpose2d", "max_pool2d"),
            lambda c: c.with_input(_shape(c, hw=(7, 7)) if c.layer == "conv2d"
                                   else c.input_shape).replace(dilation=(2, 2)),
            lambda c, b: any(d > 1 for d in c.dilation)),
    Feature("groups", "groups", "groups 2 (2 channels in and out)", ("conv2d", "conv_transpose2d"),
            lambda c: c.with_input(_shape(c, c=2)).replace(out_channels=2, groups=2),
            lambda c, b: c.groups > 1, needs=("channels",)),
    Feature("bias", "bias / no bias", "", ("conv2d", "conv_transpose2d"),  # words: see feature_words
            lambda c: c.replace(bias=not c.bias), lambda c, b: c.bias != b.bias),
    Feature("output_padding", "output_padding", "output_padding 1 (with stride 2)", ("conv_transpose2d",),
            lambda c: c.replace(stride=(2, 2), output_padding=(1, 1)),
            lambda c, b: any(a > 0 for a in c.output_padding), needs=("stride",)),
    Feature("ceil_mode", "ceil_mode", "ceil_mode (input 5, stride 2)", POOLS,
            lambda c: c.with_input(_shape(c, hw=(5, 5))).replace(stride=(2, 2),
                                                                 ceil_mode=True),
            lambda c, b: c.ceil_mode, needs=("stride",)),
    Feature("count_include_pad", "count_include_pad", "count_include_pad=False (with padding 1)", ("avg_pool2d",),
            lambda c: c.replace(padding=(1, 1), count_include_pad=False),
            lambda c, b: not c.count_include_pad and any(p > 0 for p in c.padding),
            needs=("padding",)),
    Feature("uncovered", "input left uncovered", "an input the windows do not cover (the last row and column left "
                         "out)", ("conv2d", "max_pool2d", "avg_pool2d"),
            lambda c: c.with_input(_shape(c, hw=(c.spatial[0] + 1,) * 2)).replace(
                stride=(2, 2)),
            lambda c, b: _lost(c), needs=("stride",)),
)
BY_NAME = {feature.name: feature for feature in FEATURES}


def features(layer: str) -> list[Feature]:
    """The features that apply to ``layer``, in card order."""
    return [feature for feature in FEATURES if layer in feature.layers]


def feature_words(feature: Feature, base: LayerCase) -> str:
    """What the probe changes, in words ("stride 2", "no bias")."""
    if feature.name == "bias":
        return "a bias" if not base.bias else "no bias"
    return feature.words


def probe(layer: str, name: str, base: LayerCase | None = None) -> LayerCase:
    """The base case of ``layer`` with the one feature ``name`` changed."""
    base = base or BASE[layer]
    return BY_NAME[name].probe(base)


def uses(case: LayerCase, layer: str, base: LayerCase | None = None) -> tuple[str, ...]:
    """The names of the features ``case`` uses (for "this case uses ...")."""
    base = base or BASE[layer]
    return tuple(feature.name for feature in features(layer) if feature.used(case, base))


def parse_required(text: str, layer: str) -> tuple[str, ...]:
    """``--require stride,padding`` as feature names, checked against the layer's features.

    >>> parse_required("stride, padding-hw", "conv2d")
    ('stride', 'padding_hw')
    """
    names = tuple(word.strip().replace("-", "_") for word in text.split(",") if word.strip())
    known = [feature.name for feature in features(layer)]
    for name in names:
        if name not in known:
            raise ConvArithError(
                f"Error reading --require {text!r}: {name!r} is not a feature of {layer}. "
                f"Use some of {', '.join(known)}.")
    return names


# --------------------------------------------------------------------------- the search space


def _accepted(case: LayerCase) -> bool:
    try:
        return math.prod(expected_shape(case)) > 0
    except ConvArithError:
        return False


@st.composite
def _supported(draw: Any, layer: str, allowed: frozenset[str], base: LayerCase) -> LayerCase:
    def pick(name: str, value: Any, strategy: st.SearchStrategy[Any]) -> Any:
        return draw(strategy) if name in allowed else value

    conv_like = layer in ("conv2d", "conv_transpose2d")
    batch = pick("batch", base.input_shape[0], st.integers(1, 2))
    groups = pick("groups", base.groups, st.integers(1, 2))
    if "channels" in allowed:
        c_in = groups * draw(st.integers(1, 2))
        c_out = groups * draw(st.integers(1, 2)) if conv_like else base.out_channels
    else:
        c_in, c_out = groups, groups if conv_like else base.out_channels
    kh = draw(st.integers(1, 4))
    kw = pick("rect_kernel", kh, st.integers(1, 4))
    sh = pick("stride", base.stride[0], st.integers(1, 3))
    sw = pick("stride_hw", sh, st.integers(1, 3))
    ph = pick("padding", base.padding[0], st.integers(0, 2))
    pw = pick("padding_hw", ph, st.integers(0, 2))
    if layer in POOLS:  # torch: padding at most half the kernel
        ph, pw = min(ph, kh // 2), min(pw, kw // 2)
    dh = pick("dilation", base.dilation[0], st.integers(1, 2))
    k, s, p, d = (kh, kw), (sh, sw), (ph, pw), (dh, dh)
    if layer == "conv_transpose2d":
        i = tuple(draw(st.integers(1, 4)) for _ in range(2))
        a = tuple(pick("output_padding", 0, st.integers(0, max(s[x], d[x]) - 1))
                  for x in range(2))
        if "rect_input" not in allowed:
            i = (i[0], i[0])
        return LayerCase(layer, (batch, c_in, *i), kernel_size=k, stride=s, padding=p,
                         dilation=d, output_padding=a, groups=groups, out_channels=c_out,
                         bias=pick("bias", base.bias, st.booleans()))
    # the input: the effective kernel fits, plus whole strides (plus a remainder if allowed)
    steps = draw(st.integers(0, 2))  # small: students' loops are slow
    spare = tuple(pick("uncovered", 0, st.integers(0, s[x] - 1)) for x in range(2))
    i = tuple(max(d[x] * (k[x] - 1) + 1 - 2 * p[x], 1) + s[x] * steps + spare[x]
              for x in range(2))
    if "rect_input" in allowed:
        extra = draw(st.integers(0, 2))
        i = (i[0], i[1] + s[1] * extra + (spare[1] if extra else 0))
    elif i[0] != i[1]:
        top = max(i)
        i = (top, top)
    case = LayerCase(layer, (batch, c_in, *i), kernel_size=k, stride=s, padding=p,
                     dilation=d if layer != "avg_pool2d" else (1, 1), groups=groups,
                     out_channels=c_out, bias=pick("bias", base.bias, st.booleans()),
                     ceil_mode=pick("ceil_mode", False, st.booleans()),
                     count_include_pad=pick("count_include_pad", True, st.booleans()))
    return case


def supported_cases(layer: str, allowed: frozenset[str] | set[str],
                    base: LayerCase | None = None,
                    keep: Callable[[LayerCase], bool] | None = None
                    ) -> st.SearchStrategy[LayerCase]:
    """Valid cases of ``layer`` that use only the ``allowed`` features (and what ``keep``
    accepts: a convention's own limits)."""
    base = base or BASE[layer]
    allowed = frozenset(allowed)

    def inside(case: LayerCase) -> bool:
        return (_accepted(case) and set(uses(case, layer, base)) <= allowed
                and (keep is None or keep(case)))

    return _supported(layer, allowed, base).filter(inside)
