"""What ``convarith size`` answers: one layer's output size, read from one request (and
what ``convarith params`` answers: one layer's counts, :func:`count_request`).

The command line parses its options and hands them here; this module holds the policy:
which options a layer kind uses, Keras' defaults, how a 2- or 3-part input is read (C x H x W,
H x W x C or D x H x W), the parameter count, the symbolic expression and its value, and the
lines to print. Every number comes from the formula functions (:mod:`convarith.kinds`'
output-size table, :mod:`convarith.formulas.explain`, :mod:`convarith.formulas.counting`).

Messages name the arguments as the caller spells them: the keyword by default
(``channels_last``), the command line's option when it passes its spellings
(``spelling={"channels_last": "--channels-last", ...}``).

>>> print("\\n".join(size_request("conv", (3, 100, 100), kernel_size=3, out_channels=32)))
32x98x98
parameters: 896 (32 filters of 3x3x3: 864 weights + 32 biases)
>>> size_request("adaptive", 13, kernel_size=3)
Traceback (most recent call last):
...
convarith.errors.ConvArithError: kernel_size applies to conv, transposed and pool, not adaptive. Drop it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from convarith import kinds
from convarith.errors import ConvArithError, Spelling
from convarith.formulas.normalise import broadcast
from convarith.formulas.notation import show_size as show

#: Which arguments each family of ``convarith size`` uses (in the command's order); one given
#: to any other family is refused.
APPLIES: dict[str, tuple[str, ...]] = {
    "kernel_size": ("conv", "transposed", "pool"),
    "stride": ("conv", "transposed", "pool"),
    "padding": ("conv", "transposed", "pool"),
    "dilation": ("conv", "transposed", "pool"),
    "output_padding": ("transposed",),
    "convention": ("conv", "transposed", "pool"),
    "channels_last": ("conv",),
    "ceil_mode": ("pool",),
    "pool_kind": ("pool",),
    "output_size": ("adaptive",),
    "out_channels": ("conv",),
    "explain": ("conv", "transposed", "pool"),
    "symbolic": ("conv", "transposed", "pool"),
    "latex": ("conv", "transposed", "pool"),
    "strict": ("conv",),
}

#: The value of each argument when it is not given.
DEFAULTS: dict[str, Any] = {
    "kernel_size": None, "stride": None, "padding": 0, "dilation": 1, "output_padding": 0,
    "convention": "torch", "channels_last": False, "ceil_mode": False, "pool_kind": "max",
    "output_size": None, "out_channels": None, "explain": False, "symbolic": False,
    "latex": False, "strict": False, "layout": None,
}

#: The names of a symbolic input's axes, by number of dimensions.
SYMBOLS: dict[int, tuple[str, ...]] = {1: ("i",), 2: ("H", "W"), 3: ("D", "H", "W")}


def refuse_unused(family: str, given: Iterable[str], applies: Mapping[str, tuple[str, ...]],
                  spell: Spelling) -> None:
    """Refuse, in one line, the first of the ``given`` arguments that ``family`` does not use
    (``applies``: argument -> the families it applies to), instead of ignoring it."""
    for name in given:
        if name not in applies or family in applies[name]:
            continue
        families = applies[name]
        listed = (", ".join(families[:-1]) + f" and {families[-1]}" if len(families) > 1
                  else families[0] if families else "no kind here")
        raise ConvArithError(f"{spell(name)} applies to {listed}, not {family}. Drop it.")


#: Which arguments each kind of ``convarith params`` uses; one given to another is refused.
COUNT_APPLIES: dict[str, tuple[str, ...]] = {
    **{name: ("conv", "transposed") for name in ("in_channels", "out_channels", "kernel_size",
                                                  "groups", "input_size", "stride", "padding",
                                                  "dilation")},
    "in_features": ("linear",), "out_features": ("linear",),
}


def count_request(kind: str, *, given: Iterable[str] | None = None,
                  spelling: Mapping[str, str] | None = None, in_channels: int | None = None,
                  out_channels: int | None = None, kernel_size: Any = None, groups: int = 1,
                  in_features: int | None = None, out_features: int | None = None,
                  bias: bool = True, input_size: Any = None, stride: Any = 1, padding: Any = 0,
                  dilation: Any = 1) -> Any:
    """The counts of one layer (``conv``, ``transposed`` or ``linear``):
    :class:`~convarith.formulas.counting.LayerCount` from the counting functions; ``given``:
    the arguments the caller named, refused where the kind does not use them.

    >>> count_request("linear", in_features=9216, out_features=4096).params
    37752832
    >>> count_request("linear", in_features=9216)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: linear needs in_features and out_features, e.g. 9216 4096.
    """
    from convarith.formulas import counting

    spell = Spelling(spelling)
    refuse_unused(kind, given or (), COUNT_APPLIES, spell)
    if kind == "linear":
        if in_features is None or out_features is None:
            raise ConvArithError(f"linear needs {spell('in_features')} and "
                                 f"{spell('out_features')}, e.g. 9216 4096.")
        return counting.linear_count(in_features, out_features, bias=bias)
    if in_channels is None or out_channels is None or kernel_size is None:
        raise ConvArithError(f"{kind} needs {spell('in_channels')}, {spell('out_channels')} "
                             f"and {spell('kernel_size')}, e.g. 3 96 11.")
    return counting.conv_count(in_channels, out_channels, kernel_size,
                               transposed=kind == "transposed", input_size=input_size,
                               stride=stride, padding=padding, dilation=dilation, groups=groups,
                               bias=bias)


def layer_kind(family: str, pool_kind: str = "max") -> kinds.Kind:
    """The sized layer kind of ``convarith size``'s ``family`` (``pool``: of ``pool_kind``).

    >>> layer_kind("transposed").name, layer_kind("pool", "lp").name
    ('conv_transpose', 'lp_pool')
    """
    for kind in kinds.of_family(family, sized=True):
        if family != "pool" or kind.short == pool_kind:
            return kind
    raise ConvArithError(f"{family!r} with pool kind {pool_kind!r} is not a sized layer kind. "
                         "Use conv, transposed, pool or adaptive.")


def size_request(family: str, input_size: Any, *, given: Iterable[str] | None = None,
                 spelling: Mapping[str, str] | None = None, **arguments: Any) -> list[str]:
    """The lines ``convarith size`` prints for one request, every number computed first (an
    error prints nothing); a request that does not hold together raises ConvArithError.

    ``family`` is ``conv``, ``transposed``, ``pool`` or ``adaptive``; ``arguments`` are those
    of :data:`DEFAULTS`; ``given`` names the arguments the caller set (default: those that
    differ from their default), in the order a refusal should look at them.
    """
    unknown = sorted(set(arguments) - set(DEFAULTS))
    if unknown:
        raise ConvArithError(f"Error in a size request: {', '.join(unknown)} is not an "
                             f"argument. Use {', '.join(DEFAULTS)}.")
    a = {**DEFAULTS, **arguments}
    if given is None:
        given = [name for name in DEFAULTS if a[name] != DEFAULTS[name]]
    given = list(given)
    spell = Spelling(spelling)
    refuse_unused(family, given, APPLIES, spell)
    padding, output_padding = a["padding"], a["output_padding"]
    convention, channels_last, out_channels = a["convention"], a["channels_last"], a["out_channels"]
    layout = a["layout"]
    if convention == "keras":  # Keras' defaults where the request gives none
        if "padding" not in given:
            padding = "valid"
        if "output_padding" not in given:
            output_padding = None
    if channels_last and out_channels is None:
        raise ConvArithError(
            f"{spell('channels_last')} reads {spell('input_size')} as HxWxC, which only "
            f"{spell('out_channels')} uses. Add {spell('out_channels')}, or drop "
            f"{spell('channels_last')}.")
    three = isinstance(input_size, tuple) and len(input_size) == 3
    if layout is not None and not three:
        parts = len(input_size) if isinstance(input_size, tuple) else 1
        raise ConvArithError(
            f"{spell('layout')} reads a 3-part {spell('input_size')} (e.g. 64x112x112); "
            f"{spell('input_size', show(input_size))} has {parts} part(s). Drop "
            f"{spell('layout')}.")
    if layout == "chw" and out_channels is not None:
        raise ConvArithError(f"{spell('out_channels')} already reads {spell('input_size')} as "
                             f"C x H x W. Drop {spell('layout')}.")
    reading = prefix = None
    if three and out_channels is None:
        if layout == "chw":
            channels, input_size = input_size[0], input_size[1:]
            prefix = f"{channels}x"
            reading = (f"read {spell('input_size', show((channels, *input_size)))} as "
                       f"C x H x W: {channels} channels, kept")
        else:
            reading = (f"read {spell('input_size', show(input_size))} as D x H x W (a 3-D "
                       f"layer); add {spell('layout', 'chw')} to read it as C x H x W")
    in_channels = None
    if out_channels is not None:
        if family != "conv":
            raise ConvArithError(f"{spell('out_channels')} applies to conv, not {family}. "
                                 "Drop it.")
        if not isinstance(input_size, tuple) or len(input_size) < 2:
            order, example = ("HxWxC", "100x100x3") if channels_last else ("CxHxW", "3x100x100")
            raise ConvArithError(
                f"{spell('input_size', show(input_size))} has no channel dimension, but "
                f"{spell('out_channels')} needs one. Write the input as {order}, e.g. "
                f"{spell('input_size', example)}."
            )
        if channels_last:
            in_channels, input_size = input_size[-1], input_size[:-1]
        else:
            in_channels, input_size = input_size[0], input_size[1:]
        if len(input_size) == 1:
            input_size = input_size[0]
    if family == "adaptive":
        return _adaptive(input_size, a["output_size"], spell)
    kernel_size = a["kernel_size"]
    if kernel_size is None:
        raise ConvArithError(f"{family} needs a kernel size. Add {spell('kernel_size')}, e.g. "
                             f"{spell('kernel_size', '3')}.")
    stride = a["stride"]
    geometry: dict[str, Any] = {"kernel_size": kernel_size, "padding": padding,
                                "dilation": a["dilation"], "convention": convention}
    if stride is not None or family != "pool":
        geometry["stride"] = 1 if stride is None else stride
    layer = layer_kind(family, a["pool_kind"])
    if family == "conv":
        geometry["strict"] = a["strict"]
    if family == "transposed":
        geometry["output_padding"] = output_padding
    if family == "pool":
        geometry["ceil_mode"] = a["ceil_mode"]
    result = layer.formula(input_size, **geometry)
    lines: list[str] = []
    latex, symbolic = a["latex"], a["symbolic"]
    explanation: list[str] = []
    if a["explain"] or (latex and not symbolic):
        from convarith.formulas import explain as explaining

        explained = {k: v for k, v in geometry.items() if k != "strict"}
        explanation = [derivation.latex() if latex else derivation.text()
                       for derivation in explaining.derivations(layer.name, input_size,
                                                                **explained)]
    counts = kernel = None
    if in_channels is not None and out_channels is not None:
        from convarith.formulas.counting import conv_count

        dims = len(input_size) if isinstance(input_size, tuple) else 1
        kernel = broadcast(kernel_size, dims)
        counts = conv_count(in_channels, out_channels, kernel)
    if symbolic:
        lines += symbolic_lines(layer.formula, input_size, geometry, latex=latex)
    elif out_channels is not None and channels_last:
        lines.append(f"{show(result)}x{out_channels}")
    else:
        channels = f"{out_channels}x" if out_channels is not None else prefix or ""
        lines.append(channels + show(result))
    if reading is not None:
        lines.append(reading)
    if counts is not None:
        lines.append(f"parameters: {counts.params:,} ({out_channels} filters of "
                     f"{in_channels}x{show(kernel)}: {counts.weights:,} weights + "
                     f"{counts.biases} biases)")
    return lines + explanation


def _adaptive(input_size: Any, output_size: Any, spell: Spelling) -> list[str]:
    """The output size of adaptive pooling and the input range of each output cell."""
    from convarith.formulas.output_size import adaptive_pool_bins

    if output_size is None:
        raise ConvArithError(f"adaptive pooling needs its output size. Add "
                             f"{spell('output_size')}, e.g. 6.")
    bins = adaptive_pool_bins(input_size, output_size)
    lines = [show(output_size)]
    per_axis = bins if isinstance(bins, tuple) else (bins,)
    for axis, axis_bins in enumerate(per_axis, 1):
        ranges = " ".join(f"[{a},{b})" for a, b in axis_bins)
        label = f" (dimension {axis})" if len(per_axis) > 1 else ""
        lines.append(f"bins{label}: {ranges}")
    return lines


def symbolic_lines(compute: Any, input_size: Any, geometry: Mapping[str, Any], *,
                   latex: bool = False) -> list[str]:
    """The output size as an expression of the input's axes (``i``; ``H, W``; ``D, H, W``),
    then its value at ``input_size``: the same formula ``compute`` on symbols and on numbers.

    >>> from convarith.formulas.output_size import conv_output_size
    >>> symbolic_lines(conv_output_size, (224, 224), {"kernel_size": 3, "stride": 2,
    ...                                              "padding": 1})
    ['floor((H - 1)/2) + 1, floor((W - 1)/2) + 1', 'at H=224, W=224: 112x112']
    """
    import sympy

    from convarith.formulas.explain import tidy

    dims = len(input_size) if isinstance(input_size, tuple) else 1
    symbols = sympy.symbols(SYMBOLS[dims], integer=True, positive=True)
    expressions = compute(symbols if dims > 1 else symbols[0], **geometry)
    expressions = expressions if isinstance(expressions, tuple) else (expressions,)
    render = sympy.latex if latex else plain_text
    values = input_size if isinstance(input_size, tuple) else (input_size,)
    at = ", ".join(f"{s}={v}" for s, v in zip(symbols, values))
    results = [e.subs(dict(zip(symbols, values))) for e in expressions]
    return [", ".join(render(tidy(e)) for e in expressions),
            f"at {at}: " + "x".join(str(r) for r in results)]


def plain_text(expression: Any) -> str:
    """sympy's text, with a case split written as words instead of a raw ``Piecewise``.

    >>> import sympy
    >>> i = sympy.Symbol("i", integer=True, positive=True)
    >>> plain_text(sympy.Piecewise((i - 1, i <= 4), (i, True)))
    'i - 1 if i <= 4, else i'
    """
    import sympy

    if isinstance(expression, sympy.Piecewise):
        parts = []
        for value, condition in expression.args:
            parts.append(sympy.sstr(value) if condition is sympy.true
                         else f"{sympy.sstr(value)} if {sympy.sstr(condition)}")
        return ", else ".join(parts)
    return sympy.sstr(expression)
