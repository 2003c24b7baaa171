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
from typing import Any

from convarith.choices import PADDING_MODES
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
    """``value`` as one entry per axis: a scalar or a 1-sequence repeated ``n`` times, a
    longer sequence as it is, as aten's convolution and pooling read their ``int[]``
    arguments (no checks: for values torch has accepted).

    >>> broadcast(3, 2), broadcast([3], 2), broadcast((2, 3), 2)
    ((3, 3), (3, 3), (2, 3))
    """
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    return tuple(items * n) if len(items) == 1 else tuple(items)


def collapse(values: Any) -> Any:
    """The inverse, as specs write a per-axis value: ``(3, 3)`` -> ``3``, ``(2, 3)`` kept.

    >>> collapse((3, 3)), collapse([2, 3]), collapse(4)
    (3, (2, 3), 4)
    """
    if isinstance(values, (tuple, list)):
        return values[0] if len(set(values)) == 1 else tuple(values)
    return values


def per_dim(name: str, value: Any, n: int, *, minimum: int, context: str) -> tuple[Any, ...]:
    """``value`` as an n-tuple of checked integers."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
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
    items = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * n
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
