"""Hypothesis strategies for layer configurations, shared by the test suite and ``convarith verify``.

``layer_cases(layer, kind=...)`` draws :class:`~convarith.verify.cases.LayerCase` objects:

* ``"valid"``: configurations PyTorch accepts (drawn to fit, then filtered by the formula
  core), with batch, channels, groups, dilation, uneven divisions, asymmetric shapes and
  asymmetric padding, for value and gradient checks;
* ``"any"``: positive arguments in ranges that straddle every validity boundary (kernel
  larger than the padded input, pool padding over half the kernel, output_padding equal to
  the stride, "same" with a stride), so that torch rejects a good share of them;
* ``"invalid"``: one argument zero or negative, which torch must reject and so must convarith.

Sizes are kept tiny so thousands of examples run in seconds.

>>> from hypothesis import find
>>> case = find(layer_cases("conv2d"), lambda c: c.groups == 2)
>>> case.layer, case.groups
('conv2d', 2)
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from convarith.bridges.verify.cases import LayerCase, expected_shape
from convarith.bridges.verify.registry import STRATEGY, entry, family_of
from convarith.errors import ConvArithError

#: Largest spatial input size drawn, per number of spatial dimensions (tiny on purpose).
MAX_INPUT = {1: 14, 2: 9, 3: 6}
#: Largest kernel drawn, per number of spatial dimensions.
MAX_KERNEL = {1: 5, 2: 4, 3: 3}
KINDS = ("valid", "any", "invalid")


def _ndim(layer: str) -> int:
    return int(layer[-2]) if layer[-2:-1].isdigit() else (2 if layer == "unfold" else 0)


def _axes(draw: Any, n: int, low: int, high: int) -> tuple[int, ...]:
    return tuple(draw(st.integers(low, high)) for _ in range(n))


def _channels(draw: Any, *, valid: bool) -> tuple[int, int, int, int]:
    """``(batch, groups, in_channels, out_channels)``: channels divisible by groups."""
    if not valid:
        return 1, 1, 1, 1
    groups = draw(st.integers(1, 3))
    batch = draw(st.integers(1, 2))
    return (batch, groups, groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)))


#: How a convolution's padding can be written: one int, one per axis, (left, right) pairs per
#: axis, or a mode. torch.nn.functional.conv2d takes the first two and the modes.
PADDING_FORMS = ("int", "axes", "pairs", "same", "valid")


@st.composite
def _conv(draw: Any, layer: str, kind: str, forms: tuple[str, ...] = PADDING_FORMS) -> LayerCase:
    n, valid = _ndim(layer), kind == "valid"
    batch, groups, c_in, c_out = _channels(draw, valid=valid)
    k = _axes(draw, n, 1, MAX_KERNEL[n])
    d = _axes(draw, n, 1, 3 if n < 3 else 2)
    form = draw(st.sampled_from(forms))
    s = (1,) * n if valid and form == "same" else _axes(draw, n, 1, 4 if n < 3 else 3)
    if form == "int":
        padding: Any = (draw(st.integers(0, 3)),) * n
    elif form == "axes":
        padding = _axes(draw, n, 0, 3)
    elif form == "pairs":
        padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(n))
    else:
        padding = form
    total = [_padding_total(padding, axis, k, d) for axis in range(n)]
    if valid:  # big enough for the effective kernel d(k-1)+1 to fit in the padded input
        i = tuple(max(1, d[a] * (k[a] - 1) + 1 - total[a]) + draw(st.integers(0, 4))
                  for a in range(n))
    else:
        i = _axes(draw, n, 1, MAX_INPUT[n])
    return LayerCase(layer, (batch, c_in, *i), kernel_size=k, stride=s, padding=padding,
                     dilation=d, groups=groups, out_channels=c_out,
                     bias=draw(st.booleans()) if valid else True)


def _padding_total(padding: Any, axis: int, k: tuple[int, ...], d: tuple[int, ...]) -> int:
    if padding == "same":
        return d[axis] * (k[axis] - 1)
    if padding == "valid":
        return 0
    p = padding[axis]
    return p[0] + p[1] if isinstance(p, tuple) else 2 * p


@st.composite
def _conv_transpose(draw: Any, layer: str, kind: str) -> LayerCase:
    n, valid = _ndim(layer), kind == "valid"
    batch, groups, c_in, c_out = _channels(draw, valid=valid)
    k = _axes(draw, n, 1, MAX_KERNEL[n])
    s = _axes(draw, n, 1, 3)
    d = _axes(draw, n, 1, 3 if n < 3 else 2)
    # output_padding up to max(s, d): the top value is the one torch rejects
    top = [max(s[a], d[a]) - (1 if valid else 0) for a in range(n)]
    a = tuple(draw(st.integers(0, top[x])) for x in range(n))
    i = _axes(draw, n, 1, 5 if n < 3 else 3)
    p = _axes(draw, n, 0, 3 if valid else 5)
    return LayerCase(layer, (batch, c_in, *i), kernel_size=k, stride=s, padding=p,
                     dilation=d, output_padding=a, groups=groups, out_channels=c_out,
                     bias=draw(st.booleans()) if valid else True)


@st.composite
def _pool(draw: Any, layer: str, kind: str) -> LayerCase:
    n, valid = _ndim(layer), kind == "valid"
    batch, _, channels, _ = _channels(draw, valid=valid)
    k = _axes(draw, n, 1, MAX_KERNEL[n])
    stride = None if draw(st.integers(0, 4)) == 0 else _axes(draw, n, 1, 3)
    # padding up to half the kernel is allowed; one more is the rejected boundary
    # (LPPool has no padding: torch's module takes none)
    p = tuple(0 if layer.startswith("lp") else draw(st.integers(0, k[x] // 2 + (0 if valid else 1)))
              for x in range(n))
    d = _axes(draw, n, 1, 3) if layer.startswith("max") else (1,) * n
    if valid:
        i = tuple(max(1, d[x] * (k[x] - 1) + 1 - 2 * p[x]) + draw(st.integers(0, 4))
                  for x in range(n))
    else:
        i = _axes(draw, n, 1, MAX_INPUT[n])
    return LayerCase(layer, (batch, channels, *i), kernel_size=k, stride=stride, padding=p,
                     dilation=d, ceil_mode=draw(st.booleans()),
                     count_include_pad=draw(st.booleans()) if layer.startswith("avg") else True,
                     norm_type=draw(st.sampled_from(NORM_TYPES)) if layer.startswith("lp") else 2.0)


#: LPPool's p: sum pooling (1), the usual 2, an odd power, a fractional one, max of |x| (inf).
NORM_TYPES = (1.0, 2.0, 3.0, 1.5, float("inf"))


@st.composite
def _adaptive(draw: Any, layer: str, kind: str) -> LayerCase:
    n = _ndim(layer)
    batch, _, channels, _ = _channels(draw, valid=kind == "valid")
    i = _axes(draw, n, 1, MAX_INPUT[n])
    o = _axes(draw, n, 1 if kind == "valid" else 0, MAX_INPUT[n])
    return LayerCase(layer, (batch, channels, *i), output_size=o)


@st.composite
def _unfold(draw: Any, layer: str, kind: str) -> LayerCase:
    valid = kind == "valid"
    batch, _, channels, _ = _channels(draw, valid=valid)
    k = _axes(draw, 2, 1, 4)
    d = _axes(draw, 2, 1, 3)
    s = _axes(draw, 2, 1, 3)
    p = _axes(draw, 2, 0, 2)
    if valid:
        i = tuple(max(1, d[x] * (k[x] - 1) + 1 - 2 * p[x]) + draw(st.integers(0, 4))
                  for x in range(2))
    else:
        i = _axes(draw, 2, 1, MAX_INPUT[2])
    return LayerCase(layer, (batch, channels, *i), kernel_size=k, stride=s, padding=p, dilation=d)


@st.composite
def _dense(draw: Any, layer: str, kind: str) -> LayerCase:
    batch = draw(st.integers(1, 4))
    features = draw(st.integers(2 if layer == "cross_entropy" else 1, 6))
    return LayerCase(layer, (batch, features), out_channels=draw(st.integers(1, 5)),
                     bias=draw(st.booleans()))


for _kinds, _builder in ((("conv",), _conv), (("conv_transpose",), _conv_transpose),
                         (("max_pool", "avg_pool", "lp_pool"), _pool),
                         (("adaptive_avg_pool",), _adaptive), (("unfold",), _unfold),
                         (("linear", "relu", "tanh", "cross_entropy"), _dense)):
    STRATEGY.register(*_kinds)(_builder)

#: The argument names a case can carry that may be made non-positive, per family.
_BREAKABLE = {
    "conv": ("input", "kernel_size", "stride", "dilation", "padding"),
    "conv_transpose": ("input", "kernel_size", "stride", "dilation", "padding",
                       "output_padding"),
    "max_pool": ("input", "kernel_size", "stride", "dilation", "padding"),
    "avg_pool": ("input", "kernel_size", "stride", "padding"),
    "lp_pool": ("input", "kernel_size", "stride"),
    "adaptive_avg_pool": ("input",),
    "unfold": ("input", "kernel_size", "stride", "dilation", "padding"),
}


@st.composite
def _broken(draw: Any, case: LayerCase) -> LayerCase:
    """The case with one argument, on one axis, made zero (or -1 for paddings)."""
    name = draw(st.sampled_from(_BREAKABLE[case.family]))
    axis = draw(st.integers(0, case.ndim - 1))
    bad = -1 if name in ("padding", "output_padding") else 0

    def put(values: Any) -> tuple[int, ...]:
        values = list(values)
        values[axis] = bad
        return tuple(values)

    if name == "input":
        if case.padding and isinstance(case.padding[0], tuple):
            # torch's own padding, not an explicit F.pad, which would make an empty input non-empty
            case = replace(case, padding=tuple(left for left, _ in case.padding))
        return case.with_input((*case.input_shape[:2], *put(case.spatial)))
    if name == "padding":
        # a symmetric padding, so that torch (not an explicit F.pad, which crops) sees it
        base = tuple(0 for _ in range(case.ndim))
        return replace(case, padding=put(base))
    if name == "stride" and case.stride is None:
        return replace(case, stride=put(case.kernel_size))
    return replace(case, **{name: put(getattr(case, name))})


def layer_cases(layer: str, *, kind: str = "valid",
                padding_forms: tuple[str, ...] = PADDING_FORMS) -> st.SearchStrategy[LayerCase]:
    """Configurations of ``layer`` (a VERIFY_LAYERS name) of one ``kind`` (see module doc).

    ``padding_forms`` limits how a convolution's padding is written (see PADDING_FORMS).

    >>> from hypothesis import find
    >>> find(layer_cases("max_pool1d", kind="invalid"), lambda c: c.kernel_size == (0,)).kernel_size
    (0,)
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: use one of {', '.join(KINDS)}")
    family = family_of(layer)
    drawn_kind = "valid" if kind == "valid" else "any"
    builder = entry(STRATEGY, layer)
    drawn = (builder(layer, drawn_kind, padding_forms) if builder is _conv
             else builder(layer, drawn_kind))
    if kind == "valid":
        return drawn.filter(_accepted)
    if kind == "invalid":
        if family not in _BREAKABLE:
            raise ValueError(f"layer {layer!r} has no arguments to make invalid")
        return drawn.flatmap(_broken)
    return drawn


def shape_cases(layer: str) -> st.SearchStrategy[LayerCase]:
    """Valid, boundary-straddling and invalid configurations mixed, for shape agreement."""
    kinds = [layer_cases(layer, kind="valid"), layer_cases(layer, kind="any")]
    if family_of(layer) in _BREAKABLE:
        kinds.append(layer_cases(layer, kind="invalid"))
    return st.one_of(kinds)


def _accepted(case: LayerCase) -> bool:
    try:
        shape = expected_shape(case)
    except ConvArithError:
        return False
    return math.prod(shape) > 0
