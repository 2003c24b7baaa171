"""Worked derivations: the output-size formula with the numbers put in, step by step.

Every derivation ends in the number the formula functions of :mod:`convarith.output_size`
return (it is checked), so the explanation cannot drift from the answer.

>>> print(explain_conv(224, kernel_size=11, stride=4, padding=2).line())
floor((224 + 2*2 - 11)/4) + 1 = floor(217/4) + 1 = 54 + 1 = 55
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from convarith import kinds
from convarith.errors import ConvArithError
from convarith.formulas.normalise import broadcast
from convarith.formulas.notation import closing_bracket
from convarith.formulas.output_size import (
    conv_arguments,
    conv_axis,
    conv_output_size,
    conv_transpose_axis,
    conv_transpose_output_size,
    effective_kernel,
    keras_pool_arguments,
    keras_same_axis,
    keras_transpose_arguments,
    keras_transpose_axis,
    keras_transpose_crop_axis,
    keras_valid_axis,
    lost_axis,
    pool_arguments,
    pool_axis,
    pool_output_size,
    stretched_size,
    transposed_padding,
    uncovered_axis,
)


@dataclass(frozen=True)
class Step:
    """One expression in a chain of equalities, in plain text and in LaTeX."""

    text: str
    latex: str


@dataclass(frozen=True)
class Derivation:
    """The steps from the general formula to the number, with notes (lost input, ...)."""

    what: str
    formula: Step
    steps: tuple[Step, ...]
    result: int
    notes: tuple[str, ...] = field(default=())
    axis: str = ""

    def line(self) -> str:
        """The steps on one line, ASCII: ``floor(217/4) + 1 = 54 + 1 = 55``."""
        return " = ".join(step.text for step in self.steps)

    def text(self, *, unicode: bool = True) -> str:
        """Several lines for the terminal: the formula, each step, then the notes."""
        def fmt(s: str) -> str:
            if not unicode:
                return s
            # one multiplication sign and one minus sign everywhere: d(k − 1), 2·(3 − 1)
            return _unicode_floor(s).replace("*", "·").replace(" - ", " − ").replace(
                "-1)", " − 1)")

        head = f"{self.what}{self.axis}:"
        lines = [head, f"  o = {fmt(self.formula.text)}"]
        lines += [f"    = {fmt(step.text)}" for step in self.steps]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)

    def latex(self) -> str:
        """The general formula and the steps as one LaTeX equation chain."""
        chain = " = ".join(step.latex for step in self.steps)
        return f"o = {self.formula.latex} = {chain}"


def _unicode_floor(text: str) -> str:
    """``floor(x)`` -> ``⌊x⌋`` and ``ceil(x)`` -> ``⌈x⌉``, matching parentheses."""
    for word, left, right in (("floor(", "⌊", "⌋"), ("ceil(", "⌈", "⌉")):
        while word in text:
            start = text.index(word)
            pos = closing_bracket(text, start + len(word) - 1)
            pos = len(text) - 1 if pos < 0 else pos
            text = text[:start] + left + text[start + len(word):pos] + right + text[pos + 1:]
    return text


def _padding_terms(p: tuple[int, int]) -> tuple[str, str, str]:
    """Text, numbers and LaTeX for the padding part of a formula."""
    if p[0] == p[1]:
        return "2p", f"2*{p[0]}", f"2 \\cdot {p[0]}"
    return "p_l + p_r", f"{p[0]} + {p[1]}", f"{p[0]} + {p[1]}"


def _kernel_terms(k: int, d: int) -> tuple[str, str, str, str]:
    """Text and LaTeX for the kernel part, symbols and numbers, simplest form when d = 1."""
    if d == 1:
        return "k", str(k), "k", str(k)
    return "d(k-1) - 1", f"{d}*({k}-1) - 1", "d(k-1) - 1", f"{d}({k}-1) - 1"


def _axes(a: Any, extra: tuple[tuple[Any, ...], ...] = ()) -> list[tuple[int, str]]:
    """Axes worth explaining: one when all axes share their numbers (``extra``: further
    per-axis numbers, such as a transposed convolution's output padding)."""
    per_axis = [(a.i[x], a.k[x], a.s[x], a.p[x], a.d[x], *(e[x] for e in extra))
                for x in range(len(a.i))]
    if len(set(per_axis)) == 1:
        label = "" if len(per_axis) == 1 else " (every dimension)"
        return [(0, label)]
    return [(x, f" (dimension {x + 1})") for x in range(len(per_axis))]


def _require_numbers(a: Any) -> None:
    for value in (*a.i, *a.k, *a.s, *a.d, *(q for pair in a.p for q in pair)):
        if not isinstance(value, int):
            raise ConvArithError(
                f"Error explaining the output size: {value} is not a number. "
                "explain() puts numbers in; use the symbolic functions for expressions."
            )


class Derivations(tuple[Derivation, ...]):
    """What every ``explain_*`` returns: a tuple of :class:`Derivation`, one per distinct axis
    (one alone when every axis shares its numbers, labelled " (every dimension)").

    With one derivation it also answers as that derivation does (``.line()``, ``.text()``,
    ``.latex()``, ``.result``, ``.notes``, ...), the scalar convenience:

    >>> d = explain_conv(7, kernel_size=3)
    >>> len(d), d.result, d[0].result
    (1, 5, 5)

    With several, those raise and say to index by axis: a single ``.result`` would have to be
    a tuple as long as the *distinct* axes, not the dimensions, and so could not be
    ``conv_output_size``'s tuple.

    >>> both = explain_conv((5, 7), kernel_size=3)
    >>> [(x.axis, x.result) for x in both]
    [(' (dimension 1)', 3), (' (dimension 2)', 5)]
    >>> both.result
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error reading the derivation: it has 2, one per dimension (dimension 1, dimension 2), and .result answers for one. Index by axis, e.g. derivations[0].result, or loop over them.
    """

    __slots__ = ()

    def _one(self, attribute: str) -> Derivation:
        if len(self) == 1:
            return self[0]
        axes = ", ".join(d.axis.strip(" ()") for d in self)
        raise ConvArithError(
            f"Error reading the derivation: it has {len(self)}, one per dimension ({axes}), "
            f"and .{attribute} answers for one. Index by axis, e.g. "
            f"derivations[0].{attribute}, or loop over them."
        )

    @property
    def what(self) -> str:
        return self._one("what").what

    @property
    def formula(self) -> Step:
        return self._one("formula").formula

    @property
    def steps(self) -> tuple[Step, ...]:
        return self._one("steps").steps

    @property
    def result(self) -> int:
        return self._one("result").result

    @property
    def notes(self) -> tuple[str, ...]:
        return self._one("notes").notes

    @property
    def axis(self) -> str:
        return self._one("axis").axis

    def line(self) -> str:
        """:meth:`Derivation.line` of the one derivation."""
        return self._one("line()").line()

    def text(self, *, unicode: bool = True) -> str:
        """:meth:`Derivation.text` of the one derivation."""
        return self._one("text()").text(unicode=unicode)

    def latex(self) -> str:
        """:meth:`Derivation.latex` of the one derivation."""
        return self._one("latex()").latex()


def explain_conv(
    input_size: Any, kernel_size: Any, *, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
    convention: str = "torch",
) -> Derivations:
    """How a convolution's output size comes about, with the lost-input note.

    A :class:`Derivations` tuple: one derivation when every axis shares its numbers, else
    one per axis.

    >>> d = explain_conv(224, kernel_size=11, stride=4, padding=2)
    >>> d.result, d.notes[0]
    (55, '217 mod 4 = 1, so the last row/column of the padded input is never covered (it is padding: no input is lost).')

    ``convention="keras"`` shows Keras' own formula and where its padding goes:

    >>> print(explain_conv(8, kernel_size=3, stride=2, padding="same", convention="keras").text())
    Convolution output size (Keras, padding='same'):
      o = ⌊(i − 1)/s⌋ + 1 = ⌈i/s⌉
        = ⌊(8 − 1)/2⌋ + 1
        = ⌊7/2⌋ + 1
        = 3 + 1
        = 4
      padding: max((o - 1)s + k - i, 0) = max(3*2 + 3 - 8, 0) = 1 in total: 0 on the top/left, 1 on the bottom/right (the odd one goes there).
    """
    if convention == "keras":
        conv_output_size(input_size, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, convention="keras")
        a = conv_arguments(input_size, kernel_size, stride, padding, dilation,
                           convention="keras")
        _require_numbers(a)
        return Derivations(_keras_sliding("Convolution output size", a))
    a = conv_arguments(input_size, kernel_size, stride, padding, dilation)
    _require_numbers(a)
    out = []
    for x, label in _axes(a):
        i, k, s, p, d = a.i[x], a.k[x], a.s[x], a.p[x], a.d[x]
        o = conv_axis(i, k, s, p, d, context=a.context("convolution", x))
        out.append(_sliding("Convolution output size", i, k, s, p, d, o, ceil=False,
                            label=label))
    return Derivations(out)


def _sliding(what: str, i: int, k: int, s: int, p: tuple[int, int], d: int, o: int, *,
             ceil: bool, label: str) -> Derivation:
    """The derivation shared by convolution and pooling (floor or ceil)."""
    pt, pn, pl = _padding_terms(p)
    kt, kn, klt, kln = _kernel_terms(k, d)
    numerator = i + p[0] + p[1] - effective_kernel(k, d)
    rounding = "ceil" if ceil else "floor"
    lb, rb = (r"\left\lceil", r"\right\rceil") if ceil else (r"\left\lfloor", r"\right\rfloor")
    formula = Step(f"{rounding}((i + {pt} - {kt})/s) + 1",
                   f"{lb} \\frac{{i + {pt} - {klt}}}{{s}} {rb} + 1")
    quotient = -(-numerator // s) if ceil else numerator // s
    steps = [Step(f"{rounding}(({i} + {pn} - {kn})/{s}) + 1",
                  f"{lb} \\frac{{{i} + {pl} - {kln}}}{{{s}}} {rb} + 1")]
    if s != 1:
        steps.append(Step(f"{rounding}({numerator}/{s}) + 1",
                          f"{lb} \\frac{{{numerator}}}{{{s}}} {rb} + 1"))
    steps.append(Step(f"{quotient} + 1", f"{quotient} + 1"))
    notes = []
    if ceil and quotient + 1 != o:
        steps.append(Step(f"{quotient + 1} - 1", f"{quotient + 1} - 1"))
        notes.append(
            f"ceil mode: the last window would start at {(quotient) * s} >= i + p = "
            f"{i + p[0]}, inside the right padding, so PyTorch drops it: o = {o}."
        )
    steps.append(Step(str(o), str(o)))
    if not ceil:
        notes += _lost_notes(i, k, s, p, d)
    return Derivation(what, formula, tuple(steps), o, tuple(notes), label)


def _lost_notes(i: int, k: int, s: int, p: tuple[int, int], d: int) -> list[str]:
    """The note on the rows no window reaches (none when every row is covered)."""
    uncovered = uncovered_axis(i, k, s, p, d)
    lost = lost_axis(i, k, s, p, d)
    if not uncovered:
        return []
    rows = "row/column" if uncovered == 1 else f"{uncovered} rows/columns"
    tail = ("it is padding: no input is lost" if not lost
            else f"{lost} of them real input: that input is lost")
    if lost == 1 and uncovered == 1:
        tail = "it is real input: it is lost"
    numerator = i + p[0] + p[1] - effective_kernel(k, d)
    return [f"{numerator} mod {s} = {uncovered}, so the last {rows} of the padded input "
            f"{'is' if uncovered == 1 else 'are'} never covered ({tail})."]


def _keras_sliding(what: str, a: Any, pool: str = "") -> tuple[Derivation, ...]:
    """Keras' derivation (convolution or pooling): its own formula, then where it pads."""
    out = []
    for x, label in _axes(a):
        i, k, s, p, d = a.i[x], a.k[x], a.s[x], a.p[x], a.d[x]
        kt, kn, klt, kln = _kernel_terms(k, d)
        lb, rb = r"\left\lfloor", r"\right\rfloor"
        notes = []
        if a.mode == "same":
            o = keras_same_axis(i, s)
            formula = Step("floor((i - 1)/s) + 1 = ceil(i/s)",
                           f"{lb} \\frac{{i - 1}}{{s}} {rb} + 1 = \\left\\lceil \\frac{{i}}{{s}} "
                           r"\right\rceil")
            steps = [Step(f"floor(({i} - 1)/{s}) + 1",
                          f"{lb} \\frac{{{i} - 1}}{{{s}}} {rb} + 1")]
            numerator = i - 1
            k_text = "k" if d == 1 else "d(k-1) + 1"
            k_num = str(k) if d == 1 else f"{d}*({k}-1) + 1"
            total = p[0] + p[1]
            formula_text = (f"padding: max((o - 1)s + {k_text} - i, 0) = "
                            f"max({o - 1}*{s} + {k_num} - {i}, 0)")
            if total == 0:
                notes.append(f"{formula_text} = 0: the windows fit without padding.")
            else:
                notes.append(
                    f"{formula_text} = {total} in total: {p[0]} on the top/left, {p[1]} on the "
                    "bottom/right" + (" (the odd one goes there)." if total % 2 else ".")
                )
            if total and pool == "max":
                notes.append("Padding cells never win a max (they count as -inf).")
            elif total and pool == "avg":
                notes.append("Each average divides by the cells inside the input, not by the "
                             "window size.")
                if p[0] != p[1]:
                    notes.append("(TensorFlow's rule. Keras 3 on the torch backend instead "
                                 "repeats the edge cells into unequal padding, and counts them.)")
        else:
            o = keras_valid_axis(i, k, s, d, context=a.context(what.split()[0].lower(), x))
            formula = Step(f"floor((i - {kt})/s) + 1",
                           f"{lb} \\frac{{i - {klt}}}{{s}} {rb} + 1")
            steps = [Step(f"floor(({i} - {kn})/{s}) + 1",
                          f"{lb} \\frac{{{i} - {kln}}}{{{s}}} {rb} + 1")]
            numerator = i - effective_kernel(k, d)
            notes.append("padding='valid': no padding.")
            notes += _lost_notes(i, k, s, (0, 0), d)
        if s != 1:
            steps.append(Step(f"floor({numerator}/{s}) + 1",
                              f"{lb} \\frac{{{numerator}}}{{{s}}} {rb} + 1"))
        steps.append(Step(f"{numerator // s} + 1", f"{numerator // s} + 1"))
        steps.append(Step(str(o), str(o)))
        out.append(Derivation(f"{what} (Keras, padding={a.mode!r})", formula, tuple(steps), o,
                              tuple(notes), label))
    return tuple(out)


def explain_pool(
    input_size: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    kind: str = "max",
    convention: str = "torch",
) -> Derivations:
    """How a pooling layer's output size comes about (floor or ceil mode; or Keras').

    ``kind`` is "max", "avg" or "lp", with the rules of :func:`pool_output_size` (the same
    normaliser, :func:`~convarith.formulas.output_size.pool_arguments`).

    >>> print(explain_pool(5, kernel_size=2, stride=2, padding=1, ceil_mode=True).line())
    ceil((5 + 2*1 - 2)/2) + 1 = ceil(5/2) + 1 = 3 + 1 = 4 - 1 = 3
    >>> explain_pool(8, kernel_size=3, padding=((0, 2),))
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a pooling: padding=((0, 2),) is not supported by PyTorch's pooling layers. Give a number or one per dimension.
    >>> explain_pool(5, kernel_size=2, padding="same", convention="keras").notes[-1]
    'Padding cells never win a max (they count as -inf).'
    """
    if convention == "keras":
        pool_output_size(input_size, kernel_size, stride=stride, padding=padding,
                         dilation=dilation, ceil_mode=ceil_mode, kind=kind, convention="keras")
        a = keras_pool_arguments(input_size, kernel_size, stride, padding, dilation, ceil_mode,
                                 kind)
        _require_numbers(a)
        return Derivations(_keras_sliding("Pooling output size", a, pool=kind))
    a = pool_arguments(input_size, kernel_size, stride, padding, dilation, kind=kind)
    _require_numbers(a)
    out = []
    for x, label in _axes(a):
        i, k, s, p, d = a.i[x], a.k[x], a.s[x], a.p[x], a.d[x]
        o = pool_axis(i, k, s, p[0], d, ceil_mode, context=a.context("pooling", x),
                      plain_limit=True)
        out.append(_sliding("Pooling output size", i, k, s, p, d, o, ceil=ceil_mode,
                            label=label))
    return Derivations(out)


def explain_conv_transpose(
    input_size: Any,
    kernel_size: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = None,
    dilation: Any = 1,
    convention: str = "torch",
) -> Derivations:
    """How a transposed convolution's output size comes about, and its equivalent convolution
    (``output_padding=None``: 0, or Keras' default with ``convention="keras"``).

    >>> print(explain_conv_transpose(3, kernel_size=3, stride=2, padding=1, output_padding=1).line())
    (3 - 1)*2 - 2*1 + 3 + 1 = 6
    >>> d = explain_conv_transpose(4, kernel_size=3, stride=2, padding="same", convention="keras")
    >>> print(d.line()); print(d.notes[0])
    4*2 = 8
    PyTorch's full output (padding 0) is (i - 1)s + k = 9 cells; Keras keeps 8: it cuts 0 at the start and 1 at the end.
    """
    if convention == "keras":
        return Derivations(_keras_transpose(input_size, kernel_size, stride, padding,
                                            output_padding, dilation))
    if output_padding is None:
        output_padding = 0
    conv_transpose_output_size(input_size, kernel_size, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation)
    a = conv_arguments(input_size, kernel_size, stride, padding, dilation,
                       what="transposed convolution", extra=(output_padding,))
    _require_numbers(a)
    ops = broadcast(output_padding, len(a.i))
    out = []
    for x, label in _axes(a, (ops,)):
        i, k, s, p, d, op = a.i[x], a.k[x], a.s[x], a.p[x], a.d[x], ops[x]
        o = conv_transpose_axis(i, k, s, p, op, d,
                                context=a.context("transposed convolution", x))
        if d == 1:
            formula = Step("(i - 1)*s - 2p + k + a", "(i - 1)s - 2p + k + a")
            numbers = f"({i} - 1)*{s} - 2*{p[0]} + {k} + {op}"
        else:
            formula = Step("(i - 1)*s - 2p + d(k-1) + a + 1", "(i - 1)s - 2p + d(k-1) + a + 1")
            numbers = f"({i} - 1)*{s} - 2*{p[0]} + {d}*({k}-1) + {op} + 1"
        steps = (Step(numbers, numbers.replace("*", r" \cdot ")), Step(str(o), str(o)))
        notes = (_equivalent_convolution(i, k, s, p[0], d, op),)
        out.append(Derivation("Transposed convolution output size", formula, steps, o, notes,
                              label))
    return Derivations(out)


def _keras_transpose(input_size: Any, kernel_size: Any, stride: Any, padding: Any,
                     output_padding: Any, dilation: Any) -> tuple[Derivation, ...]:
    conv_transpose_output_size(input_size, kernel_size, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation,
                               convention="keras")
    a, ops = keras_transpose_arguments(input_size, kernel_size, stride, padding,
                                       output_padding, dilation)
    _require_numbers(a)
    out = []
    for x, label in _axes(a):
        i, k, s, d, op = a.i[x], a.k[x], a.s[x], a.d[x], ops[x]
        o = keras_transpose_axis(i, k, s, op, d, a.mode)
        kt = "k" if d == 1 else "d(k-1) + 1"
        kn = str(k) if d == 1 else f"{d}*({k}-1) + 1"
        if a.mode == "valid":
            text = f"(i - 1)*s + max({kt}, s)" if op is None else f"(i - 1)*s + {kt} + a"
            numbers = (f"({i} - 1)*{s} + max({kn}, {s})" if op is None
                       else f"({i} - 1)*{s} + {kn} + {op}")
        else:
            text = "i*s" if op is None else f"(i - 1)*s + ({kt} mod 2) + a"
            numbers = (f"{i}*{s}" if op is None
                       else f"({i} - 1)*{s} + ({kn} mod 2) + {op}")
        left, right = keras_transpose_crop_axis(i, k, s, op, d, a.mode)
        full = (i - 1) * s + effective_kernel(k, d)

        verbs = ["cuts" if n >= 0 else "adds" for n in (left, right)]
        second = f"{abs(right)} at the end" if verbs[0] == verbs[1] else \
            f"{verbs[1]} {abs(right)} at the end"
        notes = (f"PyTorch's full output (padding 0) is (i - 1)s + {kt} = {full} cells; Keras "
                 f"keeps {o}: it {verbs[0]} {abs(left)} at the start and {second}.",)
        def tex(plain: str) -> str:
            return plain.replace("*", r" \cdot ").replace("max(", r"\max(").replace(
                " mod ", r" \bmod ")

        steps = (Step(numbers, tex(numbers)), Step(str(o), str(o)))
        out.append(Derivation(f"Transposed convolution output size (Keras, padding={a.mode!r})",
                              Step(text, tex(text)), steps
                              if numbers != str(o) else steps[1:], o, notes, label))
    return tuple(out)


#: The worked derivations of every kind that has one, each giving a tuple of them.
EXPLAIN = kinds.table("explain", covers=lambda kind: kind.family in ("conv", "transposed", "pool")
                      and kind.sized, doc="derivations: f(input_size, kernel_size, **geometry)")


def derivations(kind: str, input_size: Any, kernel_size: Any, **geometry: Any) -> Derivations:
    """The derivations of the layer kind ``kind`` (a :mod:`convarith.kinds` name): the
    ``explain_*`` function of that kind, a tuple, one per distinct axis.

    >>> len(derivations("conv", (5, 7), kernel_size=3))
    2
    >>> derivations("lp_pool", 7, kernel_size=2, ceil_mode=True)[0].result
    4
    """
    return EXPLAIN[kind](input_size, kernel_size, **geometry)


EXPLAIN.add("conv", explain_conv)
EXPLAIN.add("conv_transpose", explain_conv_transpose)
for _kind in kinds.of_family("pool", sized=True):
    EXPLAIN.add(_kind.name, partial(explain_pool, kind=_kind.short))


def _equivalent_convolution(i: int, k: int, s: int, p: int, d: int, a: int) -> str:
    """Dumoulin & Visin's construction in words, clauses that are zero left out.

    >>> _equivalent_convolution(3, 3, 2, 1, 1, 1)
    'Equivalent convolution (Dumoulin & Visin, section 4): stretch the input with s − 1 = 1 zero between units (5 wide), pad with k − p − 1 = 1 on each side (plus a = 1 on the bottom and right), then convolve with stride 1.'
    >>> _equivalent_convolution(2, 3, 1, 0, 1, 0)
    'Equivalent convolution (Dumoulin & Visin, section 4): pad with k − p − 1 = 2 on each side, then convolve with stride 1.'
    >>> _equivalent_convolution(4, 3, 1, 2, 1, 0)
    'Equivalent convolution (Dumoulin & Visin, section 4): convolve with stride 1.'
    """
    q = transposed_padding(k, p, d)
    kernel = "k" if d == 1 else "k*"
    steps = []
    if s > 1:
        zeros = "zero" if s == 2 else "zeros"
        steps.append(f"stretch the input with s − 1 = {s - 1} {zeros} between units "
                     f"({stretched_size(i, s)} wide)")
    if q or a:
        pad = f"pad with {kernel} − p − 1 = {q} on each side".replace("= -", "= −")
        if q < 0:
            pad = f"crop {-q} on each side ({kernel} − p − 1 = −{-q})"
        steps.append(pad + (f" (plus a = {a} on the bottom and right)" if a else ""))
    define = "" if d == 1 else f" (k* = d(k − 1) + 1 = {effective_kernel(k, d)})"
    steps.append(("then " if steps else "") + f"convolve with stride 1{define}")
    return f"Equivalent convolution (Dumoulin & Visin, section 4): {', '.join(steps)}."


def symbolic_formula(kind: str) -> Any:
    """The general formula as a sympy expression, built by the very functions that compute.

    >>> symbolic_formula("conv")
    floor((-d*(k - 1) + i + 2*p - 1)/s) + 1
    """
    import sympy

    i, k, s, d = sympy.symbols("i k s d", integer=True, positive=True)
    p, a = sympy.symbols("p a", integer=True, nonnegative=True)
    if kind == "conv":
        return conv_axis(i, k, s, (p, p), d, context="")
    if kind == "transposed":
        return conv_transpose_axis(i, k, s, (p, p), a, d, context="")
    if kind == "pool":
        return pool_axis(i, k, s, p, d, False, context="", plain_limit=True)
    raise ConvArithError(f"No symbolic formula for kind={kind!r}. Use conv, transposed or pool.")


def tidy(expression: Any) -> Any:
    """A symbolic size as a reader writes it: ``floor((H - 1)/2) + 1``, not ``floor(H/2 - 1/2) + 1``.

    For display only (the floors are left unevaluated); ints pass through.

    >>> import sympy
    >>> from convarith import conv_output_size
    >>> tidy(conv_output_size(sympy.Symbol("H"), kernel_size=11, stride=4, padding=2))
    floor((H - 7)/4) + 1
    """
    import sympy

    if not isinstance(expression, sympy.Basic):
        return expression
    return expression.replace(
        sympy.floor, lambda argument: sympy.floor(sympy.together(argument), evaluate=False))
