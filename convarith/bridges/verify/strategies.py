"""Hypothesis strategies for layer configurations, shared by the test suite and ``convarith verify``.

``layer_cases(layer, kind=...)`` draws :class:`~convarith.verify.cases.LayerCase` objects:

* ``"valid"``: configurations PyTorch accepts (drawn to fit, then filtered by the formula
  core), with batch, channels, groups, dilation, uneven divisions, asymmetric shapes and
  asymmetric padding, for value and gradient checks;
* ``"any"``: positive arguments in ranges that straddle every validity boundary (kernel
  larger than the padded input, pool padding over half the kernel, output_padding equal to
  the stride, "same" with a stride), so that torch rejects a good share of them;
* ``"invalid"``: one argument zero or negative, which torch must reject and so must convarith.

Nothing here names a layer kind. A case is drawn from the fields of the kind's spec
(:mod:`convarith.specs.layers`): each geometry argument the spec has (and the kind does not
``lack``, :mod:`convarith.kinds`) is drawn by its name, in a range that straddles torch's
rules; the ways a padding may be written are the ones the kind's formula accepts; any other
argument (a power-average pooling's ``norm_type``) takes the example values its field's metadata lists.
"Valid" cases are then the drawn ones the one normaliser accepts. Sizes are kept tiny so
thousands of examples run in seconds.

>>> from hypothesis import find
>>> case = find(layer_cases("conv2d"), lambda c: c.groups == 2)
>>> case.layer, case.groups
('conv2d', 2)
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache
from typing import Any

from hypothesis import strategies as st

from convarith import kinds
from convarith.bridges.verify.cases import LayerCase, drawn_spec, expected_shape, spec_class
from convarith.errors import ConvArithError
from convarith.specs.layers import Layer

#: Largest spatial input size drawn, per number of spatial dimensions (tiny on purpose).
MAX_INPUT = {1: 14, 2: 9, 3: 6}
#: Largest kernel drawn, per number of spatial dimensions.
MAX_KERNEL = {1: 5, 2: 4, 3: 3}
KINDS = ("valid", "any", "invalid")

#: How a padding can be written: one int, one per axis, (left, right) pairs per axis, or a
#: mode. Each kind draws the forms its formula accepts (a field may list its own in its
#: metadata, "forms": nn.Unfold takes numbers only).
PADDING_FORMS = ("int", "axes", "pairs", "same", "valid")
#: The per-axis arguments a case of the "invalid" kind breaks (with the input).
_BREAKABLE = ("kernel_size", "stride", "dilation", "padding", "output_padding")


def _axes(draw: Any, n: int, low: int, high: int) -> tuple[int, ...]:
    return tuple(draw(st.integers(low, high)) for _ in range(n))


def _channels(draw: Any, *, valid: bool, grouped: bool) -> tuple[int, int, int, int]:
    """``(batch, groups, in_channels, out_channels)``: channels divisible by groups."""
    if not valid:
        return 1, 1, 1, 1
    groups = draw(st.integers(1, 3)) if grouped else 1
    batch = draw(st.integers(1, 2))
    return (batch, groups, groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)))


@cache
def _fields(kind: str) -> dict[str, dataclasses.Field[Any]]:
    """The arguments drawn for a kind: its spec's own fields, less what the kind lacks."""
    own = {f.name for f in dataclasses.fields(Layer)} | {"convention"}
    lacks = set(kinds.get(kind).lacks)
    return {f.name: f for f in dataclasses.fields(spec_class(kind))
            if f.init and f.name not in own and f.name not in lacks}


@cache
def _padding_forms(kind: str, n: int) -> tuple[str, ...]:
    """The ways of writing a padding the kind's formula accepts (tried on a small layer)."""
    field = _fields(kind).get("padding")
    if field is None:
        return ()
    if "forms" in field.metadata:
        return tuple(field.metadata["forms"])
    examples = {"int": 1, "axes": (1,) * n, "pairs": ((1, 0),) * n, "same": "same",
                "valid": "valid"}
    accepted = []
    for form, padding in examples.items():
        try:
            kinds.get(kind).formula((8,) * n, (3,) * n, padding=padding)
        except ConvArithError:
            continue
        accepted.append(form)
    return tuple(accepted)


def _padding_total(padding: Any, axis: int, k: tuple[int, ...], d: tuple[int, ...]) -> int:
    if padding == "same":
        return d[axis] * (k[axis] - 1)
    if padding == "valid" or padding is None:
        return 0
    p = padding[axis]
    return p[0] + p[1] if isinstance(p, tuple) else 2 * p


@st.composite
def _drawn(draw: Any, layer: str, kind_of_case: str, forms: tuple[str, ...]) -> LayerCase:
    """A case of ``layer`` drawn from its spec's fields ("valid": sized to fit)."""
    kind, n = kinds.split_layer_name(layer)
    n = n or 0
    fields = _fields(kind.name)
    valid = kind_of_case == "valid"
    batch, groups, c_in, c_out = _channels(draw, valid=valid, grouped="groups" in fields)
    if n == 0:  # features, not maps: (N, features)
        batch, c_in = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        c_out = draw(st.integers(1, 5))
    args: dict[str, Any] = {}
    k = _axes(draw, n, 1, MAX_KERNEL[n]) if "kernel_size" in fields else (1,) * n
    d = _axes(draw, n, 1, 3 if n < 3 else 2) if "dilation" in fields else (1,) * n
    if "kernel_size" in fields:
        args["kernel_size"] = k
    if "dilation" in fields:
        args["dilation"] = d
    padding: Any = None
    if "padding" in fields:
        form = draw(st.sampled_from(tuple(f for f in _padding_forms(kind.name, n) if f in forms)))
        if form == "int":
            padding = (draw(st.integers(0, 3)),) * n
        elif form == "axes":
            padding = _axes(draw, n, 0, 3)
        elif form == "pairs":
            padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3)))
                            for _ in range(n))
        else:
            padding = form
        args["padding"] = padding
    if "stride" in fields:
        if fields["stride"].default is None and draw(st.integers(0, 4)) == 0:
            args["stride"] = None  # the kernel size, as in torch
        elif padding == "same" and valid:
            args["stride"] = (1,) * n  # "same" is for stride 1 only
        else:
            args["stride"] = _axes(draw, n, 1, 3)
    s = args.get("stride") or k
    if "output_padding" in fields:  # up to max(s, d): the top value is the one torch rejects
        args["output_padding"] = tuple(
            draw(st.integers(0, max(s[x], d[x]) - (1 if valid else 0))) for x in range(n))
    if "groups" in fields:
        args["groups"] = groups
    for name in ("out_channels", "out_features"):
        if name in fields:
            args[name] = c_out
    if "bias" in fields:
        args["bias"] = draw(st.booleans()) if valid else True
    for name in ("ceil_mode", "count_include_pad"):
        if name in fields:
            args[name] = draw(st.booleans())
    if "output_size" in fields:
        args["output_size"] = _axes(draw, n, 1 if valid else 0, MAX_INPUT[n])
    for name, field in fields.items():
        if "examples" in field.metadata:
            args[name] = draw(st.sampled_from(tuple(field.metadata["examples"])))
    if n == 0:
        spatial: tuple[int, ...] = ()
    elif valid and "kernel_size" in fields:
        # big enough for the effective kernel d(k-1)+1 to fit in the padded input
        spatial = tuple(max(1, d[a] * (k[a] - 1) + 1 - _padding_total(padding, a, k, d))
                        + draw(st.integers(0, 4)) for a in range(n))
    else:
        spatial = _axes(draw, n, 1, MAX_INPUT[n])
    return LayerCase(drawn_spec(spec_class(kind.name), **args), (batch, c_in, *spatial))


@st.composite
def _broken(draw: Any, case: LayerCase) -> LayerCase:
    """The case with one argument, on one axis, made zero (or -1 for paddings)."""
    fields = _fields(case.kind)
    name = draw(st.sampled_from(("input", *(f for f in _BREAKABLE if f in fields))))
    axis = draw(st.integers(0, case.ndim - 1))
    bad = -1 if name in ("padding", "output_padding") else 0

    def put(values: Any) -> tuple[int, ...]:
        values = list(values)
        values[axis] = bad
        return tuple(values)

    if name == "input":
        if case.padding and isinstance(case.padding[0], tuple):
            # torch's own padding, not an explicit F.pad, which would make an empty input non-empty
            case = case.replace(padding=tuple(left for left, _ in case.padding))
        return case.with_input((*case.input_shape[:2], *put(case.spatial)))
    if name == "padding":
        # a symmetric padding, so that torch (not an explicit F.pad, which crops) sees it
        return case.replace(padding=put((0,) * case.ndim))
    if name == "stride" and case.stride is None:
        return case.replace(stride=put(case.kernel_size))
    return case.replace(**{name: put(getattr(case, name))})


def _breakable(layer: str) -> bool:
    """Whether ``layer`` has spatial arguments to make invalid."""
    kind, n = kinds.split_layer_name(layer)
    return bool(n)


def layer_cases(layer: str, *, kind: str = "valid",
                padding_forms: tuple[str, ...] = PADDING_FORMS) -> st.SearchStrategy[LayerCase]:
    """Configurations of ``layer`` (a VERIFY_LAYERS name) of one ``kind`` (see module doc).

    ``padding_forms`` limits how a padding is written (see PADDING_FORMS).

    >>> from hypothesis import find
    >>> find(layer_cases("max_pool1d", kind="invalid"), lambda c: c.kernel_size == (0,)).kernel_size
    (0,)
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}: use one of {', '.join(KINDS)}")
    drawn = _drawn(layer, "valid" if kind == "valid" else "any", padding_forms)
    if kind == "valid":
        return drawn.filter(_accepted)
    if kind == "invalid":
        if not _breakable(layer):
            raise ValueError(f"layer {layer!r} has no arguments to make invalid")
        return drawn.flatmap(_broken)
    return drawn


def shape_cases(layer: str) -> st.SearchStrategy[LayerCase]:
    """Valid, boundary-straddling and invalid configurations mixed, for shape agreement."""
    kinds_ = [layer_cases(layer, kind="valid"), layer_cases(layer, kind="any")]
    if _breakable(layer):
        kinds_.append(layer_cases(layer, kind="invalid"))
    return st.one_of(kinds_)


def _accepted(case: LayerCase) -> bool:
    try:
        shape = expected_shape(case)
    except ConvArithError:
        return False
    return math.prod(shape) > 0
