"""Arguments normalised once, at the boundary.

A size, kernel, stride, dilation or padding may arrive as an int, a per-dimension tuple, a
sympy expression, per-dimension ``(left, right)`` pairs or a mode name. These helpers turn
each into one canonical per-dimension tuple so that the formulas never branch on types
(the habit of equinox's ``_ntuple``).

sympy is imported only when a sympy object is actually given: a process that only asks for
numbers never pays for it.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from convarith import kinds
from convarith.choices import CONVENTIONS, KERAS_PADDINGS, KERAS_POOL_KINDS, PADDING_MODES
from convarith.errors import ConvArithError

#: An integer, or a sympy expression standing for one.
Size = Any
#: An int (or expression) or a tuple of them, one per spatial dimension.
SizeArg = Any  # int, sympy expression, or a per-dimension sequence of them
#: Canonical padding: one ``(left, right)`` pair per dimension.
Pairs = tuple[tuple[Any, Any], ...]


def is_symbolic(value: Any) -> bool:
    """Whether ``value`` is a sympy object (without importing sympy to find out).

    >>> is_symbolic(3)
    False
    """
    if "sympy" not in sys.modules:
        return False
    import sympy

    return isinstance(value, sympy.Basic)


def known(condition: Any) -> bool | None:
    """The truth of a comparison, or None when it depends on symbols.

    >>> known(3 > 2)
    True
    """
    if isinstance(condition, bool):
        return condition
    import sympy

    if condition is sympy.true:
        return True
    if condition is sympy.false:
        return False
    return None


def where(condition: Any, if_true: Any, if_false: Any) -> Any:
    """``if_true if condition else if_false``, as a sympy Piecewise when undecidable."""
    truth = known(condition)
    if truth is None:
        import sympy

        return sympy.Piecewise((if_true, condition), (if_false, True))
    return if_true if truth else if_false


def maximum(a: Any, b: Any) -> Any:
    """``max(a, b)`` on ints, a sympy ``Max`` on expressions.

    >>> maximum(-2, 0)
    0
    """
    if known(a >= b) is not None:
        return a if known(a >= b) else b
    import sympy

    return sympy.Max(a, b)


def minimum(a: Any, b: Any) -> Any:
    """``min(a, b)`` on ints, a sympy ``Min`` on expressions.

    >>> minimum(3, 2)
    2
    """
    if known(a <= b) is not None:
        return a if known(a <= b) else b
    import sympy

    return sympy.Min(a, b)


def integer(name: str, value: Any, *, minimum: int, context: str) -> Any:
    """An int (or a sympy expression) checked against ``minimum``.

    >>> integer("stride", 2, minimum=1, context="Error computing x")
    2
    >>> integer("stride", 0, minimum=1, context="Error computing x")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing x: stride=0 must be at least 1. Use stride >= 1.
    """
    if type(value) is int and value >= minimum:  # the common case, kept fast
        return value
    if is_symbolic(value):
        if value.is_Integer:
            value = int(value)
        else:
            return value
    if isinstance(value, bool) or not _is_integral(value):
        raise ConvArithError(
            f"{context}: {name}={value!r} is not an integer. Give a whole number, e.g. {name}=3."
        )
    value = operator.index(value)
    if value < minimum:
        raise ConvArithError(
            f"{context}: {name}={value} must be at least {minimum}. Use {name} >= {minimum}."
        )
    return value


def _is_integral(value: Any) -> bool:
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def ndim_of(*values: Any) -> int | None:
    """The number of spatial dimensions the tuple arguments agree on (None: all scalars)."""
    lengths = {len(v) for v in values if isinstance(v, (tuple, list))}
    if not lengths:
        return None
    if len(lengths) > 1:
        raise ConvArithError(
            f"The per-dimension arguments have different lengths {sorted(lengths)}. "
            "Give every tuple one entry per spatial dimension."
        )
    (n,) = lengths
    if not 1 <= n <= 3:
        raise ConvArithError(
            f"{n} spatial dimensions given; convarith handles 1, 2 or 3. "
            "Give sizes such as 224, (224, 224) or (8, 32, 32)."
        )
    return n


def broadcast(value: Any, n: int) -> tuple[Any, ...]:
    """``value`` as one entry per axis: a scalar repeated ``n`` times, a sequence as it is
    (torch's ``_ntuple``; no checks: a sequence of the wrong length is the caller's to
    refuse, as :func:`per_dim` and :func:`padding_pairs` do).

    >>> broadcast(3, 2), broadcast((2, 3), 2), broadcast([3], 2)
    ((3, 3), (2, 3), (3,))
    """
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def collapse(values: Any) -> Any:
    """The inverse, as specs write a per-axis value: ``(3, 3)`` -> ``3``, ``(2, 3)`` kept.

    >>> collapse((3, 3)), collapse([2, 3]), collapse(4)
    (3, (2, 3), 4)
    """
    if isinstance(values, (tuple, list)):
        return values[0] if len(set(values)) == 1 else tuple(values)
    return values


def collapse_padding(pairs: Pairs) -> Any:
    """Canonical ``(left, right)`` pairs as specs write them: one number when every side of
    every axis agrees, one per axis when each axis is symmetric, else the pairs.

    >>> collapse_padding(((1, 1), (1, 1))), collapse_padding(((1, 1), (0, 0)))
    (1, (1, 0))
    >>> collapse_padding(((1, 1), (0, 2)))
    ((1, 1), (0, 2))
    """
    pairs = tuple(tuple(pair) for pair in pairs)
    if all(left == right for left, right in pairs):
        return collapse(tuple(left for left, _ in pairs))
    return pairs


def per_dim(name: str, value: Any, n: int, *, minimum: int, context: str) -> tuple[Any, ...]:
    """``value`` as an n-tuple of checked integers."""
    items = broadcast(value, n)
    return tuple(integer(name, v, minimum=minimum, context=context) for v in items)


def padding_pairs(
    padding: Any,
    n: int,
    *,
    kernel_size: tuple[Any, ...],
    stride: tuple[Any, ...],
    dilation: tuple[Any, ...],
    context: str,
) -> Pairs:
    """Canonical ``(left, right)`` pairs for every accepted padding form.

    An int pads both sides of every dimension; a tuple of ints pads both sides of each
    dimension; a tuple of pairs gives each dimension's (left, right); "valid" is no padding;
    "same" pads d(k-1) in total with the odd one on the right, as PyTorch does (stride 1
    only); "full" pads d(k-1) on both sides.

    >>> padding_pairs("same", 1, kernel_size=(4,), stride=(1,), dilation=(1,), context="x")
    ((1, 2),)
    """
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            raise ConvArithError(
                f"{context}: padding={padding!r} is not a padding mode. "
                f"Use one of {', '.join(PADDING_MODES)}, or a number."
            )
        totals = tuple(d * (k - 1) for k, d in zip(kernel_size, dilation))
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "full":
            return tuple((t, t) for t in totals)
        if any(known(s != 1) for s in stride):
            raise ConvArithError(
                f"{context}: padding='same' is not supported for strided convolutions "
                f"(stride={show_argument(stride)}), as in PyTorch. Use stride=1, or a number for padding."
            )
        return tuple((t // 2, t - t // 2) for t in totals)
    items = broadcast(padding, n)
    if len(items) != n:
        raise ConvArithError(
            f"{context}: padding={padding!r} has {len(items)} entries for {n} dimension(s). "
            "Give one entry (or one (left, right) pair) per dimension."
        )
    pairs = []
    for item in items:
        if isinstance(item, (tuple, list)):
            if len(item) != 2:
                raise ConvArithError(
                    f"{context}: padding entry {item!r} is not a (left, right) pair. "
                    "Give two numbers per dimension."
                )
            left, right = item
        else:
            left = right = item
        pairs.append(
            (
                integer("padding", left, minimum=0, context=context),
                integer("padding", right, minimum=0, context=context),
            )
        )
    return tuple(pairs)


def torch_pad_order(pairs: Any) -> tuple[Any, ...]:
    """Per-axis ``(before, after)`` padding as ``torch.nn.functional.pad`` takes it: one
    flat tuple, the last axis first.

    >>> torch_pad_order(((1, 2), (0, 3)))
    (0, 3, 1, 2)
    """
    return tuple(x for pair in reversed(tuple(pairs)) for x in pair)


def show_argument(values: tuple[Any, ...]) -> str:
    """A per-axis argument as an error message quotes it: ``2``, or ``(1, 2)`` per axis."""
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def show_padding(pair: tuple[Any, Any]) -> str:
    """``2`` for a symmetric pair, ``(1, 2)`` otherwise."""
    left, right = pair
    return str(left) if left == right else f"({left}, {right})"


def with_integer_symbols(
    values: dict[str, Any], nonnegative: Sequence[str] = ()
) -> tuple[dict[str, Any], Callable[[Any], Any]]:
    """Give every free symbol integer assumptions, and a function to put the originals back.

    ``floor(H - 1) + 1`` is only ``H`` when H is an integer, which every size is. A user's
    plain ``Symbol("H")`` is swapped for an integer one while the formula runs, then swapped
    back, so ``conv_output_size(Symbol("H"), kernel_size=3, padding=1)`` returns the user's H.
    """
    if "sympy" not in sys.modules or not any(_has_symbols(v) for v in values.values()):
        return values, lambda result: result
    import sympy

    forward: dict[Any, Any] = {}
    for name, value in values.items():
        for expr in _leaves(value):
            if not is_symbolic(expr):
                continue
            for symbol in expr.free_symbols:
                if symbol in forward or symbol.is_integer:
                    continue
                if name in nonnegative:
                    forward[symbol] = sympy.Symbol(symbol.name, integer=True, nonnegative=True)
                else:
                    forward[symbol] = sympy.Symbol(symbol.name, integer=True, positive=True)
    backward = {new: old for old, new in forward.items()}

    def swap(value: Any, mapping: dict[Any, Any]) -> Any:
        if isinstance(value, (tuple, list)):
            return type(value)(swap(v, mapping) for v in value)
        if is_symbolic(value):
            return value.xreplace(mapping)
        return value

    converted = {name: swap(value, forward) for name, value in values.items()}
    return converted, lambda result: swap(result, backward)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _has_symbols(value: Any) -> bool:
    return any(is_symbolic(v) and not v.is_Integer for v in _leaves(value))


def simplify(value: Any) -> Any:
    """Ints stay ints; sympy integers become ints; expressions are left as they are."""
    if is_symbolic(value) and value.is_Integer:
        return int(value)
    return value


# --------------------------------------------------------------------------- whole layers
# The arguments of a whole layer normalised at once, with every validity rule of its kind:
# every formula, derivation, spec, scratch layer and scene starts here.


def effective_kernel(k: Any, d: Any) -> Any:
    """The span of a dilated kernel, ``k* = d(k-1) + 1`` (Relationship 15 of arXiv:1603.07285).

    >>> effective_kernel(3, 2)
    5
    """
    return d * (k - 1) + 1


def keras_same_axis(i: Any, s: Any) -> Any:
    """Keras' "same" output size, ``o = floor((i - 1)/s) + 1`` (that is ``ceil(i/s)``), at any
    stride, for convolution and pooling alike.

    >>> keras_same_axis(7, 2), keras_same_axis(8, 2), keras_same_axis(224, 1)
    (4, 4, 224)
    """
    return (i - 1) // s + 1


def keras_same_padding_axis(i: Any, k: Any, s: Any, d: Any) -> tuple[Any, Any]:
    """``(top/left, bottom/right)`` padding of Keras' "same": in total
    ``max((o - 1)s + d(k-1) + 1 - i, 0)`` with ``o = ceil(i/s)``, the odd cell at the end.

    >>> keras_same_padding_axis(7, 3, 2, 1), keras_same_padding_axis(8, 3, 2, 1)
    ((1, 1), (0, 1))
    >>> keras_same_padding_axis(5, 4, 1, 1)
    (1, 2)
    """
    o = keras_same_axis(i, s)
    total = maximum((o - 1) * s + effective_kernel(k, d) - i, 0)
    return (total // 2, total - total // 2)


@dataclass(frozen=True)
class Geometry:
    """Canonical per-dimension arguments of a convolution-like layer: the one per-axis
    geometry. The formulas read it; a spec's :class:`~convarith.specs.layers.Window` is made
    from it; the scratch layers carry it with the output sizes ``o`` they computed.

    >>> a = conv_arguments((5, 6), 3, 2, ((1, 1), (0, 2)))
    >>> a.k, a.p, a.padded()
    ((3, 3), ((1, 1), (0, 2)), (7, 8))
    """

    n: int | None  # None: every argument was a scalar, answer with a scalar
    i: tuple[Any, ...]
    k: tuple[Any, ...]
    s: tuple[Any, ...]
    p: Pairs
    d: tuple[Any, ...]
    mode: str = ""  # Keras' convention: "valid" or "same"; "" for PyTorch's
    o: tuple[Any, ...] = ()  # the output sizes, where a caller has computed them

    def padded(self, spatial: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
        """The padded input size per axis (of ``spatial``, or of the geometry's input)."""
        sizes = self.i if spatial is None else spatial
        return tuple(i + left + right for i, (left, right) in zip(sizes, self.p))

    def context(self, what: str, axis: int) -> str:
        """The start of an error about one axis (without ``i=`` before an input is given).

        >>> conv_arguments(None, 3, 2, 1).context("convolution", 0)
        'Error computing the output size of a convolution for k=3, s=2, p=1, d=1'
        """
        dim = f" along dimension {axis + 1}" if self.n is not None and self.n > 1 else ""
        padding = (f"padding={self.mode!r}" if self.mode
                   else f"p={show_padding(self.p[axis])}")
        where_ = " (Keras)" if self.mode else ""
        i = f"i={self.i[axis]}, " if self.i else ""
        return (
            f"Error computing the output size of a {what}{where_}{dim} for {i}"
            f"k={self.k[axis]}, s={self.s[axis]}, {padding}, d={self.d[axis]}"
        )

    def answer(self, values: list[Any]) -> Any:
        values = [simplify(v) for v in values]
        return values[0] if self.n is None else tuple(values)


def conv_arguments(
    input_size: SizeArg,
    kernel_size: SizeArg,
    stride: SizeArg = 1,
    padding: Any = 0,
    dilation: SizeArg = 1,
    *,
    what: str = "convolution",
    extra: tuple[Any, ...] = (),
    convention: str = "torch",
) -> Geometry:
    """Normalise a convolution's arguments to one per-dimension form (used by every formula).

    With ``convention="keras"`` the padding is Keras' "valid" or "same" and the pairs are
    where Keras puts it (:func:`keras_same_padding_axis`).

    ``input_size=None``: no input yet (a layer spec checks its own arguments this way, with
    every rule that does not depend on the input, and the same messages); ``i`` is then
    ``()``, and so are Keras' pairs, which depend on the input.

    >>> conv_arguments(None, (3, 3), 1, ((1, 1), (0, 2))).p
    ((1, 1), (0, 2))
    """
    context = f"Error computing the output size of a {what}"
    check_convention(convention, context)
    given = () if input_size is None else (input_size,)
    n = ndim_of(*given, kernel_size, stride, dilation,
                0 if isinstance(padding, str) else padding, *extra)
    dims = n or 1
    i = () if input_size is None else per_dim("input_size", input_size, dims, minimum=1,
                                              context=context)
    k = per_dim("kernel_size", kernel_size, dims, minimum=1, context=context)
    s = per_dim("stride", stride, dims, minimum=1, context=context)
    d = per_dim("dilation", dilation, dims, minimum=1, context=context)
    if convention == "keras":
        mode = keras_mode(padding, context=f"{context} (Keras)")
        if any(known(x > 1) for x in s) and any(known(x > 1) for x in d):
            raise ConvArithError(
                f"{context} (Keras) for stride={show_argument(s)}, dilation={show_argument(d)}: "
                "Keras does not support strides > 1 together with dilation_rate > 1. "
                "Use stride 1 or dilation 1."
            )
        p = tuple(keras_same_padding_axis(i[x], k[x], s[x], d[x]) if mode == "same" else (0, 0)
                  for x in range(dims)) if i or mode == "valid" else ()
        return Geometry(n, i, k, s, p, d, mode)
    p = padding_pairs(padding, dims, kernel_size=k, stride=s, dilation=d, context=context)
    return Geometry(n, i, k, s, p, d)


def check_convention(convention: str, context: str) -> None:
    """Reject a convention that is not one of :data:`convarith.choices.CONVENTIONS`."""
    if convention not in CONVENTIONS:
        raise ConvArithError(
            f"{context}: convention={convention!r} is not known. "
            f"Use one of {', '.join(CONVENTIONS)}."
        )


def keras_mode(padding: Any, *, context: str) -> str:
    """Keras' padding mode, "valid" or "same" (any case, as Keras reads it)."""
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in KERAS_PADDINGS:
        raise ConvArithError(
            f"{context}: padding={padding!r} is not a Keras padding. Use "
            f"{' or '.join(repr(m) for m in KERAS_PADDINGS)} (Keras pads nothing else; put a "
            "ZeroPadding layer in front for explicit numbers), or convention='torch'."
        )
    return mode


def pool_arguments(
    input_size: SizeArg,
    kernel_size: SizeArg,
    stride: SizeArg | None = None,
    padding: SizeArg = 0,
    dilation: SizeArg = 1,
    *,
    kind: str = "max",
) -> Geometry:
    """Normalise a pooling's arguments, with every rule torch has for its kind.

    The one normaliser of pooling: :func:`pool_output_size`, :func:`explain_pool`, the specs,
    the scratch layers and the scenes all come through here. ``kind`` is the pooling's short
    name (``max``, ``avg``, ...: the sized kinds of the "pool" family in
    :mod:`convarith.kinds`), and its rules are data there: torch's pooling layers take one
    padding per axis (no ``(left, right)`` pairs, no mode names); a geometry argument the
    kind ``lacks`` (AvgPool's dilation, say) is refused unless it is the neutral value; a kind
    whose 3-D kernel checks the unpadded input (``unpadded_3d``: AvgPool3d, and what runs it)
    wants that input to hold the kernel.

    >>> pool_arguments(5, 2, kind="avg", dilation=2)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of an average pooling: dilation=2 is given, but AvgPool has no dilation in PyTorch, only MaxPool does. Use dilation=1, or max pooling.
    """
    pooling = {k.short: k for k in kinds.of_family("pool", sized=True)}
    if kind not in pooling:
        raise ConvArithError(
            f"Error computing the output size of a pooling: kind={kind!r} is not a pooling "
            f"kind. Use one of {', '.join(pooling)}."
        )
    this = pooling[kind]
    what = this.noun or "pooling"
    context = f"Error computing the output size of {'an' if what[0] in 'aeiou' else 'a'} {what}"
    if isinstance(padding, str) or (
        isinstance(padding, (tuple, list)) and any(isinstance(x, (tuple, list)) for x in padding)
    ):
        raise ConvArithError(
            f"{context}: padding={padding!r} is not supported by PyTorch's pooling layers. "
            "Give a number or one per dimension."
        )
    n = ndim_of(input_size, kernel_size, kernel_size if stride is None else stride, padding,
                dilation)
    given = {"dilation": (dilation, 1), "padding": (padding, 0)}
    for name, (value, neutral) in given.items():
        if name in this.lacks and any(
                known(x != neutral) for x in per_dim(name, value, n or 1, minimum=neutral,
                                                     context=context)):
            _refuse_lacking(this, name, value, neutral, pooling, context)
    a = conv_arguments(input_size, kernel_size, kernel_size if stride is None else stride,
                       padding, dilation, what="pooling")
    if this.unpadded_3d and len(a.i) == 3:
        # "input image ... smaller than kernel size": aten/src/ATen/native/AvgPool3d.cpp checks
        # the unpadded input (seen with torch 2.13: AvgPool3d(2, padding=1) on 1x4x4 raises)
        for x in range(3):
            if known(a.i[x] < a.k[x]):
                raise ConvArithError(
                    f"Error computing the output size of a 3-D {what} for "
                    f"i={tuple(a.i)}, k={tuple(a.k)}: the input ({a.i[x]}) is smaller than the "
                    f"kernel ({a.k[x]}) along dimension {x + 1}, which AvgPool3d rejects even "
                    f"with padding. Use an input of at least {a.k[x]} there, or a smaller kernel."
                )
    return a


def _refuse_lacking(this: kinds.Kind, name: str, value: Any, neutral: int,
                    pooling: dict[str, kinds.Kind], context: str) -> None:
    """The error for a geometry argument the pooling kind ``this`` does not have."""
    having = [k for k in pooling.values() if name not in k.lacks]
    only = f", only {having[0].torch_name} does" if len(having) == 1 else ""
    words = [(k.noun or "pooling").removesuffix("pooling").strip() or k.short for k in having]
    raise ConvArithError(
        f"{context}: {name}={value!r} is given, but {this.torch_name} has no {name} in "
        f"PyTorch{only}. Use {name}={neutral}, or {' or '.join(words)} pooling."
    )


def keras_pool_arguments(input_size: SizeArg, kernel_size: SizeArg, stride: SizeArg | None,
                         padding: Any, dilation: SizeArg = 1, ceil_mode: bool = False,
                         kind: str = "max") -> Geometry:
    """Keras' pooling arguments, normalised and checked (stride None: the pool size)."""
    context = "Error computing the output size of a pooling (Keras)"
    if kind not in KERAS_POOL_KINDS:
        raise ConvArithError(
            f"{context}: kind={kind!r} is not one of Keras' pooling kinds. Use one of "
            f"{', '.join(KERAS_POOL_KINDS)}."
        )
    if ceil_mode:
        raise ConvArithError(
            f"{context}: ceil_mode is PyTorch's; Keras' pooling has none. Use padding='same' "
            "(which rounds up), or convention='torch'."
        )
    if any(known(x != 1) for x in (dilation if isinstance(dilation, (tuple, list))
                                   else (dilation,))):
        raise ConvArithError(
            f"{context}: dilation={dilation!r}, but Keras' pooling layers have no dilation. "
            "Use dilation=1, or convention='torch'."
        )
    return conv_arguments(input_size, kernel_size, kernel_size if stride is None else stride,
                          padding, 1, what="pooling", convention="keras")
