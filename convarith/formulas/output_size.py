"""Output sizes of convolution, transposed convolution, pooling and unfolding.

Each formula is written once, per axis, in the notation of Dumoulin & Visin, "A guide to
convolution arithmetic for deep learning" (arXiv:1603.07285): input size ``i``, kernel ``k``,
stride ``s``, padding ``p`` (left and right), dilation ``d``, output ``o``. The same lines
run on ints and on sympy expressions (``//`` on an expression is ``floor``), so numbers,
symbols and worked derivations cannot disagree.

Validity follows PyTorch, the reference implementation: every configuration torch rejects
raises :class:`~convarith.errors.ConvArithError`, every one it accepts gets torch's size.

>>> conv_output_size(224, kernel_size=11, stride=4, padding=2)
55
>>> conv_output_size((224, 224), kernel_size=11, stride=4, padding=2)
(55, 55)
>>> conv_transpose_output_size(3, kernel_size=3, stride=2, padding=1, output_padding=1)
6
>>> pool_output_size(5, kernel_size=2, stride=2, padding=1, ceil_mode=True)
3
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from convarith import kinds
from convarith.errors import ConvArithError

# the normaliser's, imported from here before they moved there (convarith.formulas.normalise)
from convarith.formulas.normalise import (  # noqa: F401
    Geometry,
    Pairs,
    SizeArg,
    check_convention,
    conv_arguments,
    effective_kernel,
    keras_mode,
    keras_pool_arguments,
    keras_same_axis,
    keras_same_padding_axis,
    known,
    maximum,
    minimum,
    ndim_of,
    padding_pairs,
    per_dim,
    pool_arguments,
    show_argument,
    show_padding,
    simplify,
    where,
    with_integer_symbols,
)

# --------------------------------------------------------------------------- per axis

#: The start of an error message, or a function making it (built only when raising).
Context = str | Callable[[], str]


def _text(context: Context) -> str:
    return context() if callable(context) else context



def conv_axis(i: Any, k: Any, s: Any, p: tuple[Any, Any], d: Any, *, context: Context) -> Any:
    """``o = floor((i + p_left + p_right - d(k-1) - 1) / s) + 1`` along one axis.

    Relationship 15 of arXiv:1603.07285; valid when the effective kernel fits in the
    padded input, as torch requires ("Kernel size can't be greater than actual input size").

    >>> conv_axis(5, 3, 2, (1, 1), 1, context="x")
    3
    """
    k_eff = effective_kernel(k, d)
    padded = i + p[0] + p[1]
    if known(k_eff > padded):
        need = -(-(k_eff - i) // 2)
        largest_k = (padded - 1) // d + 1
        fix = f"Use p >= {need}, or k <= {largest_k}" if largest_k >= 1 else f"Use p >= {need}"
        if d != 1:
            fix += ", or a smaller dilation"
        raise ConvArithError(
            f"{_text(context)}: the effective kernel ({k_eff}) is larger than the padded input "
            f"({padded}). {fix}."
        )
    return (padded - k_eff) // s + 1


def conv_transpose_axis(
    i: Any, k: Any, s: Any, p: tuple[Any, Any], a: Any, d: Any, *, context: Context
) -> Any:
    """``o = (i-1)s - p_left - p_right + d(k-1) + a + 1`` along one axis.

    Relationship 14 of arXiv:1603.07285 with dilation, as PyTorch's ConvTranspose computes it;
    torch requires the output padding ``a < max(s, d)`` and ``o >= 1``.

    >>> conv_transpose_axis(2, 3, 1, (0, 0), 0, 1, context="x")
    4
    """
    output_padding_rule(a, s, d, context=context)
    o = (i - 1) * s - p[0] - p[1] + d * (k - 1) + a + 1
    if known(o < 1):
        raise ConvArithError(
            f"{_text(context)}: the output size would be {o}, but it must be at least 1. "
            f"Use padding <= {_max_transpose_padding(i, k, s, a, d)} or a larger input."
        )
    return o


def output_padding_rule(a: Any, s: Any, d: Any, *, context: Context) -> None:
    """torch's rule for a transposed convolution's output padding: ``a < max(s, d)``.

    >>> output_padding_rule(2, 2, 1, context="x")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: x: output_padding=2 must be smaller than either stride=2 or dilation=1. Use output_padding <= 1.
    """
    if known(a >= s) and known(a >= d):
        raise ConvArithError(
            f"{_text(context)}: output_padding={a} must be smaller than either stride={s} or "
            f"dilation={d}. Use output_padding <= {max(s, d) - 1}."
        )


def _max_transpose_padding(i: Any, k: Any, s: Any, a: Any, d: Any) -> Any:
    # o >= 1  <=>  2p <= (i-1)s + d(k-1) + a
    return ((i - 1) * s + d * (k - 1) + a) // 2


def pool_axis(
    i: Any, k: Any, s: Any, p: Any, d: Any, ceil_mode: bool, *, context: Context,
    plain_limit: bool,
) -> Any:
    """Pooling output size along one axis, exactly as ATen's ``pooling_output_shape``.

    ``o = floor((i + 2p - d(k-1) - 1 + (s-1 if ceil_mode)) / s) + 1``, and in ceil mode a last
    window that would start inside the right padding is dropped: if ``(o-1)s >= i + p`` then
    ``o - 1`` (aten/src/ATen/native/Pool.h). torch also requires ``p <= k/2`` and ``o >= 1``.
    The torch 2.13 MaxPool1d/2d/3d and AvgPool check ``p <= k/2`` on the plain kernel even with
    dilation (``plain_limit``); checked against the installed torch by the test suite.

    >>> pool_axis(5, 2, 2, 1, 1, True, context="x", plain_limit=True)
    3
    >>> pool_axis(7, 1, 2, 0, 1, True, context="x", plain_limit=True)
    4
    """
    pool_padding_rule(k, p, d, context=context, plain_limit=plain_limit)
    numerator = i + 2 * p - effective_kernel(k, d) + (s - 1 if ceil_mode else 0)
    o = numerator // s + 1
    # the last window starts before i + 2p - d(k-1) + s, so it can start at or past i + p (and
    # be dropped) only when p + s > d(k-1) + 1: otherwise no Piecewise whose branch never holds
    if ceil_mode and not known(p + s <= effective_kernel(k, d)):
        o = where((o - 1) * s >= i + p, o - 1, o)
    if known(o < 1):
        raise ConvArithError(
            f"{_text(context)}: the output size would be {o}, but it must be at least 1: the "
            f"{'effective ' if d != 1 else ''}kernel ({effective_kernel(k, d)}) does not fit in "
            f"the padded input ({i + 2 * p}). Use a larger input, more padding or a smaller kernel."
        )
    return o


def pool_padding_rule(k: Any, p: Any, d: Any, *, context: Context, plain_limit: bool) -> None:
    """torch's rule for a pooling's padding: ``p <= k/2`` (the plain kernel when
    ``plain_limit``, else the effective one; see :func:`pool_axis`).

    >>> pool_padding_rule(3, 2, 1, context="x", plain_limit=True)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: x: padding=2 is more than half of kernel_size (3), which PyTorch rejects. Use padding <= 1, or a larger kernel.
    """
    limit = k if plain_limit else effective_kernel(k, d)
    if known(2 * p > limit):
        what = "kernel_size" if plain_limit else "the effective kernel d(k-1)+1"
        raise ConvArithError(
            f"{_text(context)}: padding={p} is more than half of {what} ({limit}), which PyTorch "
            f"rejects. Use padding <= {limit // 2}, or a larger kernel."
        )


def window_reach(o: Any, k: Any, s: Any, d: Any) -> Any:
    """Rows of the padded input that ``o`` windows span: ``(o-1)s + d(k-1) + 1``.

    Beyond it the padded input is never read (floor mode); in ceil mode it can run past the
    right padding.

    >>> window_reach(55, 11, 4, 1)
    227
    """
    return (o - 1) * s + effective_kernel(k, d)


def stretched_size(i: Any, s: Any) -> Any:
    """The input of a transposed convolution with ``s - 1`` zeros between units:
    ``(i-1)s + 1`` (Dumoulin & Visin, arXiv:1603.07285, section 4.5).

    >>> stretched_size(3, 2)
    5
    """
    return (i - 1) * s + 1


def transposed_padding(k: Any, p: Any, d: Any) -> Any:
    """Padding of the stride-1 convolution equivalent to a transposed one: ``k* - p - 1``
    on each side (plus the output padding on the right); negative means cropping
    (Relationship 14 of arXiv:1603.07285, with the effective kernel ``k*``).

    >>> transposed_padding(3, 1, 1), transposed_padding(3, 0, 2)
    (1, 4)
    """
    return effective_kernel(k, d) - p - 1


def uncovered_axis(i: Any, k: Any, s: Any, p: tuple[Any, Any], d: Any) -> Any:
    """Rows (or columns) at the end of the padded input that no window reaches.

    ``(i + p_left + p_right - d(k-1) - 1) mod s``; some of them may be right padding.

    >>> uncovered_axis(224, 11, 4, (2, 2), 1)
    1
    """
    return (i + p[0] + p[1] - effective_kernel(k, d)) % s


def lost_axis(i: Any, k: Any, s: Any, p: tuple[Any, Any], d: Any) -> Any:
    """Rows of the real input (not padding) that no window reaches: the uncovered end, less
    the right padding, and never more than the input (a stride past the whole input can leave
    left padding unreached too).

    >>> lost_axis(224, 11, 4, (0, 0), 1), lost_axis(224, 11, 4, (2, 2), 1)
    (1, 0)
    >>> lost_axis(1, 1, 3, (2, 0), 1)  # padded: pad pad x; the one window reads the first pad
    1
    """
    uncovered = uncovered_axis(i, k, s, p, d)
    return where(uncovered > p[1], minimum(uncovered - p[1], i), 0)


# --------------------------------------------------------------------------- Keras' convention
# Keras 3 and TensorFlow's tf.nn ops: "valid" pads nothing; "same" gives ceil(i/s) at any
# stride and pads what that takes, the odd cell at the end (bottom/right). Keras computes
# the sizes in keras/src/ops/operation_utils.py (compute_conv_output_shape,
# compute_pooling_output_shape) and the torch backend's padding in _compute_padding_length;
# tests/test_keras.py checks every line here against Keras 3 on the torch backend.


def keras_valid_axis(i: Any, k: Any, s: Any, d: Any, *, context: Context) -> Any:
    """Keras' "valid" output size, ``o = floor((i - d(k-1) - 1)/s) + 1`` (``ceil((i -
    d(k-1))/s)``): the PyTorch formula with no padding. Keras rejects an output below 1.

    >>> keras_valid_axis(7, 3, 2, 1, context="x")
    3
    """
    k_eff = effective_kernel(k, d)
    if known(k_eff > i):
        fix = f"Use padding='same', or k <= {(i - 1) // d + 1}"
        if d != 1:
            fix += ", or a smaller dilation"
        raise ConvArithError(
            f"{_text(context)}: the effective kernel ({k_eff}) is larger than the input ({i}), "
            f"so the output size would be {(i - k_eff) // s + 1}, which Keras rejects. {fix}."
        )
    return (i - k_eff) // s + 1


def keras_transpose_axis(i: Any, k: Any, s: Any, a: Any, d: Any, mode: str) -> Any:
    """Output size of Keras' ``Conv1DTranspose``/``2D``/``3D`` (``a``: output_padding, or None).

    "valid": ``(i-1)s + max(k*, s)``, or ``(i-1)s + k* + a``; "same": ``i s``, or
    ``(i-1)s + (k* mod 2) + a`` (keras/src/backend/common/backend_utils.py,
    ``_get_output_shape_given_tf_padding``; ``k* = d(k-1) + 1``).

    >>> keras_transpose_axis(4, 3, 2, None, 1, "same"), keras_transpose_axis(4, 3, 2, None, 1, "valid")
    (8, 9)
    >>> keras_transpose_axis(4, 3, 2, 0, 1, "same")
    7
    """
    k_eff = effective_kernel(k, d)
    if mode == "valid":
        return (i - 1) * s + (maximum(k_eff, s) if a is None else k_eff + a)
    return i * s if a is None else (i - 1) * s + k_eff % 2 + a


def keras_transpose_crop_axis(i: Any, k: Any, s: Any, a: Any, d: Any,
                              mode: str) -> tuple[Any, Any]:
    """Where Keras' transposed convolution puts its output: ``(left, right)`` cells cut from
    the full transposed output ``(i-1)s + k*`` (PyTorch's, with padding 0); negative: that
    many zero cells added (plus the bias). As the torch backend does
    (``compute_conv_transpose_output_crops_for_torch``): the padding of the equivalent
    stride-1 convolution is ``left = min(ceil(t/2), k* - 1)``, ``right = t - left``, with
    ``t = s + k* - 2`` ("same") or ``k* + (k* mod 2) - 2 + a``.

    >>> keras_transpose_crop_axis(4, 3, 2, None, 1, "same")
    (0, 1)
    >>> keras_transpose_crop_axis(4, 1, 3, None, 1, "valid")
    (0, -2)
    """
    k_eff = effective_kernel(k, d)
    full = (i - 1) * s + k_eff
    if mode == "valid":
        return (0, full - keras_transpose_axis(i, k, s, a, d, mode))
    total = s + k_eff - 2 if a is None else k_eff + k_eff % 2 - 2 + a
    left = minimum(-(-total // 2), k_eff - 1)
    return (k_eff - 1 - left, k_eff - 1 - (total - left))


# --------------------------------------------------------------------------- public API


def conv_output_size(
    input_size: SizeArg,
    kernel_size: SizeArg,
    *,
    stride: SizeArg = 1,
    padding: Any = 0,
    dilation: SizeArg = 1,
    strict: bool = False,
    convention: str = "torch",
) -> Any:
    """Output size of ``nn.Conv1d/2d/3d`` (and of the Dumoulin & Visin relationships).

    ``padding`` is an int, a per-dimension tuple, per-dimension ``(left, right)`` pairs, or
    "valid", "same" or "full". ``strict=True`` also rejects input the windows never reach.
    ``convention="keras"``: Keras' ``Conv1D/2D/3D`` (and ``tf.nn.convolution``), whose
    padding is "valid" or "same", and "same" works at any stride (see the last examples).

    >>> conv_output_size(32, kernel_size=3, stride=2, padding=1)
    16
    >>> conv_output_size((8, 32, 32), kernel_size=3, padding="same")
    (8, 32, 32)
    >>> conv_output_size(5, kernel_size=4, padding=((1, 2),))
    (5,)
    >>> import sympy
    >>> H = sympy.Symbol("H")
    >>> conv_output_size(H, kernel_size=3, padding=1)
    H
    >>> conv_output_size(H, kernel_size=3, stride=2, padding=1)
    floor(H/2 - 1/2) + 1
    >>> conv_output_size(5, kernel_size=7)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a convolution for i=5, k=7, s=1, p=0, d=1: the effective kernel (7) is larger than the padded input (5). Use p >= 1, or k <= 5.
    >>> conv_output_size(7, kernel_size=3, stride=2, padding="same", convention="keras")
    4
    >>> conv_output_size(H, kernel_size=3, stride=2, padding="same", convention="keras")
    floor(H/2 - 1/2) + 1
    >>> conv_output_size(5, kernel_size=7, convention="keras", padding="valid")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a convolution (Keras) for i=5, k=7, s=1, padding='valid', d=1: the effective kernel (7) is larger than the input (5), so the output size would be -1, which Keras rejects. Use padding='same', or k <= 5.
    """
    values, restore = with_integer_symbols(
        {"i": input_size, "k": kernel_size, "s": stride, "p": padding, "d": dilation},
        nonnegative=("p",),
    )
    a = conv_arguments(values["i"], values["k"], values["s"], values["p"], values["d"],
                       convention=convention)
    out = []
    for axis in range(len(a.i)):
        context = partial(a.context, "convolution", axis)
        if a.mode == "same":
            o = keras_same_axis(a.i[axis], a.s[axis])
        elif a.mode == "valid":
            o = keras_valid_axis(a.i[axis], a.k[axis], a.s[axis], a.d[axis], context=context)
        else:
            o = conv_axis(a.i[axis], a.k[axis], a.s[axis], a.p[axis], a.d[axis],
                          context=context)
        if strict:
            _reject_lost(a, axis, context)
        out.append(o)
    return restore(a.answer(out))


def _reject_lost(a: Geometry, axis: int, context: Context) -> None:
    lost = lost_axis(a.i[axis], a.k[axis], a.s[axis], a.p[axis], a.d[axis])
    if known(lost > 0):
        uncovered = uncovered_axis(a.i[axis], a.k[axis], a.s[axis], a.p[axis], a.d[axis])
        rows = "row/column of the input is" if lost == 1 else "rows/columns of the input are"
        raise ConvArithError(
            f"{_text(context)}: strict mode: the last {lost} {rows} never covered by a window "
            f"((i + 2p - d(k-1) - 1) mod s = {uncovered}). Use an input size that 'convarith "
            f"solve inputs --kernel {a.k[axis]} --stride {a.s[axis]} --padding "
            f"{a.p[axis][0] if a.p[axis][0] == a.p[axis][1] else a.p[axis]} --dilation "
            f"{a.d[axis]}' lists (valid_input_sizes() in Python), or change the padding or stride."
        )


def lost_input(
    input_size: SizeArg,
    kernel_size: SizeArg,
    *,
    stride: SizeArg = 1,
    padding: Any = 0,
    dilation: SizeArg = 1,
) -> Any:
    """How many trailing rows/columns of the real input no window covers (per dimension).

    >>> lost_input(224, kernel_size=11, stride=4)
    1
    >>> lost_input(227, kernel_size=11, stride=4)
    0
    """
    a = conv_arguments(input_size, kernel_size, stride, padding, dilation)
    out = []
    for axis in range(len(a.i)):
        conv_axis(a.i[axis], a.k[axis], a.s[axis], a.p[axis], a.d[axis],
                  context=partial(a.context, "convolution", axis))
        out.append(lost_axis(a.i[axis], a.k[axis], a.s[axis], a.p[axis], a.d[axis]))
    return a.answer(out)


def conv_transpose_output_size(
    input_size: SizeArg,
    kernel_size: SizeArg,
    *,
    stride: SizeArg = 1,
    padding: SizeArg = 0,
    output_padding: SizeArg | None = None,
    dilation: SizeArg = 1,
    convention: str = "torch",
) -> Any:
    """Output size of ``nn.ConvTranspose1d/2d/3d`` (``output_padding=None``: 0).

    ``convention="keras"``: Keras' ``Conv1DTranspose/2D/3D``, padding "valid" or "same";
    ``output_padding=None`` is Keras' default (:func:`keras_transpose_axis`), which differs
    from 0, and Keras requires ``output_padding < stride``.

    >>> conv_transpose_output_size(4, kernel_size=3, stride=2, padding="same", convention="keras")
    8

    >>> conv_transpose_output_size(2, kernel_size=3)
    4
    >>> conv_transpose_output_size((5, 5), kernel_size=3, stride=2)
    (11, 11)
    >>> conv_transpose_output_size(3, kernel_size=3, stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a transposed convolution for i=3, k=3, s=2, p=0, d=1: output_padding=2 must be smaller than either stride=2 or dilation=1. Use output_padding <= 1.
    """
    if convention == "keras":
        return _keras_transpose(input_size, kernel_size, stride, padding, output_padding,
                                dilation)
    if output_padding is None:
        output_padding = 0
    _transpose_padding_form(padding)
    values, restore = with_integer_symbols(
        {"i": input_size, "k": kernel_size, "s": stride, "p": padding, "a": output_padding,
         "d": dilation},
        nonnegative=("p", "a"),
    )
    a = conv_arguments(values["i"], values["k"], values["s"], values["p"], values["d"],
                       what="transposed convolution", extra=(values["a"],))
    op = per_dim("output_padding", values["a"], len(a.i), minimum=0,
                 context="Error computing the output size of a transposed convolution")
    out = []
    for axis in range(len(a.i)):
        out.append(conv_transpose_axis(
            a.i[axis], a.k[axis], a.s[axis], a.p[axis], op[axis], a.d[axis],
            context=partial(a.context, "transposed convolution", axis),
        ))
    return restore(a.answer(out))


def _transpose_padding_form(padding: Any) -> None:
    """Refuse the paddings torch's ConvTranspose has no form for: modes and pairs."""
    if isinstance(padding, str):
        raise ConvArithError(
            f"Error computing the output size of a transposed convolution: padding={padding!r} "
            "is not supported by ConvTranspose in PyTorch. Give a number or one per dimension."
        )
    if isinstance(padding, (tuple, list)) and any(isinstance(x, (tuple, list)) for x in padding):
        raise ConvArithError(
            f"Error computing the output size of a transposed convolution: padding={padding!r} "
            "is asymmetric, which ConvTranspose does not support. Give one number per dimension."
        )


def conv_transpose_window(kernel_size: SizeArg, stride: SizeArg = 1, padding: Any = 0,
                          output_padding: Any = None, dilation: SizeArg = 1, *,
                          convention: str = "torch") -> tuple[Geometry, tuple[Any, ...]]:
    """A transposed convolution's own arguments checked before any input is given (a layer
    spec's check): every rule of :func:`conv_transpose_output_size` that does not depend on
    the input, with its messages. The geometry (``i = ()``) and one output padding per axis
    (None: Keras' default).

    >>> conv_transpose_window(3, 2, output_padding=2)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a transposed convolution for k=3, s=2, p=0, d=1: output_padding=2 must be smaller than either stride=2 or dilation=1. Use output_padding <= 1.
    """
    if convention == "keras":
        return keras_transpose_arguments(None, kernel_size, stride, padding, output_padding,
                                         dilation)
    check_convention(convention, "Error computing the output size of a transposed convolution")
    output_padding = 0 if output_padding is None else output_padding
    _transpose_padding_form(padding)
    what = "transposed convolution"
    a = conv_arguments(None, kernel_size, stride, padding, dilation, what=what,
                       extra=(output_padding,))
    op = per_dim("output_padding", output_padding, len(a.k), minimum=0,
                 context=f"Error computing the output size of a {what}")
    for x in range(len(a.k)):
        output_padding_rule(op[x], a.s[x], a.d[x], context=partial(a.context, what, x))
    return a, op


def pool_window(kernel_size: SizeArg, stride: SizeArg | None = None, padding: Any = 0,
                dilation: SizeArg = 1, *, ceil_mode: bool = False, kind: str = "max",
                convention: str = "torch") -> Geometry:
    """A pooling's own arguments checked before any input is given (a layer spec's check):
    every rule of :func:`pool_output_size` that does not depend on the input, with its
    messages (``i = ()`` in the geometry).

    >>> pool_window(3, padding=2)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a pooling for k=3, s=3, p=2, d=1: padding=2 is more than half of kernel_size (3), which PyTorch rejects. Use padding <= 1, or a larger kernel.
    """
    stride = kernel_size if stride is None else stride
    if convention == "keras":
        return keras_pool_arguments(None, kernel_size, stride, padding, dilation, ceil_mode,
                                    kind)
    check_convention(convention, "Error computing the output size of a pooling")
    a = pool_arguments(None, kernel_size, stride, padding, dilation, kind=kind)
    for x in range(len(a.k)):
        pool_padding_rule(a.k[x], a.p[x][0], a.d[x], context=partial(a.context, "pooling", x),
                          plain_limit=True)
    return a


def keras_transpose_arguments(input_size: SizeArg, kernel_size: SizeArg, stride: SizeArg,
                              padding: Any, output_padding: Any,
                              dilation: SizeArg) -> tuple[Geometry, tuple[Any, ...]]:
    """Keras' transposed-convolution arguments, checked as Keras checks them: the geometry
    and one output padding per axis (None: Keras' default)."""
    what = "transposed convolution"
    context = f"Error computing the output size of a {what} (Keras)"
    extra = () if output_padding is None else (output_padding,)
    a = conv_arguments(input_size, kernel_size, stride, "valid", dilation, what=what,
                       extra=extra, convention="keras")
    mode = keras_mode(padding, context=context)
    a = Geometry(a.n, a.i, a.k, a.s, a.p, a.d, mode)
    if output_padding is None:
        return a, (None,) * len(a.k)
    op = per_dim("output_padding", output_padding, len(a.k), minimum=0, context=context)
    for x in range(len(a.k)):
        if known(op[x] >= a.s[x]):
            raise ConvArithError(
                f"{context} for stride={show_argument(a.s)}: output_padding={show_argument(op)} must "
                f"be smaller than the stride on every axis, as Keras requires. Use "
                f"output_padding <= {a.s[x] - 1}, or None (Keras' default)."
            )
    return a, op


def _keras_transpose(input_size: SizeArg, kernel_size: SizeArg, stride: SizeArg, padding: Any,
                     output_padding: Any, dilation: SizeArg) -> Any:
    values, restore = with_integer_symbols(
        {"i": input_size, "k": kernel_size, "s": stride, "a": output_padding, "d": dilation},
        nonnegative=("a",),
    )
    a, op = keras_transpose_arguments(values["i"], values["k"], values["s"], padding,
                                      values["a"], values["d"])
    # never below 0; Keras returns an empty output where it is 0 ("same", i = 1, k* even,
    # output_padding 0), where PyTorch would refuse (seen with Keras 3.15 on torch)
    out = [keras_transpose_axis(a.i[x], a.k[x], a.s[x], op[x], a.d[x], a.mode)
           for x in range(len(a.i))]
    return restore(a.answer(out))


def pool_axes(a: Geometry, ceil_mode: bool, what: str = "pooling") -> tuple[Any, ...]:
    """The output size of normalised pooling arguments, one per axis (always a tuple)."""
    return tuple(
        pool_axis(a.i[x], a.k[x], a.s[x], a.p[x][0], a.d[x], ceil_mode,
                  context=partial(a.context, what, x), plain_limit=True)
        for x in range(len(a.i))
    )


def pool_output_size(
    input_size: SizeArg,
    kernel_size: SizeArg,
    *,
    stride: SizeArg | None = None,
    padding: SizeArg = 0,
    dilation: SizeArg = 1,
    ceil_mode: bool = False,
    kind: str = "max",
    convention: str = "torch",
) -> Any:
    """Output size of torch's pooling layers (``nn.MaxPool1d/2d/3d``, ``nn.AvgPool1d/2d/3d``,
    ...: every sized kind of the "pool" family in :mod:`convarith.kinds`).

    ``convention="keras"``: Keras' ``MaxPooling1D/2D/3D`` and ``AveragePooling1D/2D/3D``
    (padding "valid" or "same"; no dilation, no ceil mode). Keras' "same" padding never wins
    a max, and an average divides by the cells inside the input.

    >>> pool_output_size(7, kernel_size=2, padding="same", convention="keras")
    4

    ``stride`` defaults to the kernel size, as in PyTorch. ``kind`` is a short name of
    :data:`convarith.choices.POOL_KINDS` ("max", "avg", ...); :func:`pool_arguments` applies
    each one's rules, which :mod:`convarith.kinds` holds as data (AvgPool has no dilation;
    AvgPool3d wants the unpadded input to hold the kernel).

    >>> pool_output_size((1, 4, 4), kernel_size=2, padding=1, kind="avg")
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a 3-D average pooling for i=(1, 4, 4), k=(2, 2, 2): the input (1) is smaller than the kernel (2) along dimension 1, which AvgPool3d rejects even with padding. Use an input of at least 2 there, or a smaller kernel.

    >>> pool_output_size(55, kernel_size=3, stride=2)
    27
    >>> pool_output_size((6, 7), kernel_size=1, stride=2, ceil_mode=True)
    (3, 4)
    >>> pool_output_size(7, kernel_size=2, ceil_mode=True, kind="lp")
    4
    >>> pool_output_size(8, kernel_size=2, padding=2)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of a pooling for i=8, k=2, s=2, p=2, d=1: padding=2 is more than half of kernel_size (2), which PyTorch rejects. Use padding <= 1, or a larger kernel.
    """
    if convention == "keras":
        return _keras_pool(input_size, kernel_size, stride, padding, dilation, ceil_mode, kind)
    check_convention(convention, "Error computing the output size of a pooling")
    stride = kernel_size if stride is None else stride
    values, restore = with_integer_symbols(
        {"i": input_size, "k": kernel_size, "s": stride, "p": padding, "d": dilation},
        nonnegative=("p",),
    )
    a = pool_arguments(values["i"], values["k"], values["s"], values["p"], values["d"],
                       kind=kind)
    return restore(a.answer(list(pool_axes(a, ceil_mode, "pooling"))))


def _keras_pool(input_size: SizeArg, kernel_size: SizeArg, stride: SizeArg | None,
                padding: Any, dilation: SizeArg, ceil_mode: bool, kind: str) -> Any:
    values, restore = with_integer_symbols(
        {"i": input_size, "k": kernel_size, "s": kernel_size if stride is None else stride})
    a = keras_pool_arguments(values["i"], values["k"], values["s"], padding, dilation,
                             ceil_mode, kind)
    out = [keras_same_axis(a.i[x], a.s[x]) if a.mode == "same"
           else keras_valid_axis(a.i[x], a.k[x], a.s[x], 1,
                                 context=partial(a.context, "pooling", x))
           for x in range(len(a.i))]
    return restore(a.answer(out))


def adaptive_pool_bins(input_size: SizeArg, output_size: SizeArg) -> Any:
    """The ``[start, end)`` input range of each output cell of adaptive pooling.

    Bin ``j`` covers ``[floor(j*i/o), ceil((j+1)*i/o))``, as in ATen's
    ``adaptive_avg_pool`` (start_index / end_index); bins overlap when ``o`` does not divide ``i``.

    >>> adaptive_pool_bins(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    >>> adaptive_pool_bins((4, 6), 2)
    ([(0, 2), (2, 4)], [(0, 3), (3, 6)])

    An empty input is accepted only when every output size is 1: torch then takes the plain
    mean (NaN for an empty input) and checks nothing (seen with torch 2.13).

    >>> adaptive_pool_bins((0, 3), 1)
    ([(0, 0)], [(0, 3)])
    """
    context = f"Error computing adaptive pooling bins for input_size={input_size!r}"
    n = ndim_of(input_size, output_size)
    dims = n or 1
    o = per_dim("output_size", output_size, dims, minimum=0, context=context)
    smallest = 0 if all(oo == 1 for oo in o) else 1
    i = per_dim("input_size", input_size, dims, minimum=smallest, context=context)
    bins = [[(j * ii // oo, -(-(j + 1) * ii // oo)) for j in range(oo)] for ii, oo in zip(i, o)]
    return bins[0] if n is None else tuple(bins)


def unfold_blocks(
    input_size: SizeArg,
    kernel_size: SizeArg,
    *,
    dilation: SizeArg = 1,
    padding: SizeArg = 0,
    stride: SizeArg = 1,
) -> Any:
    """The number of sliding blocks ``L`` of ``nn.Unfold``: the product of conv output sizes.

    >>> unfold_blocks((5, 5), kernel_size=2, padding=1, stride=2)
    9
    """
    values, restore = with_integer_symbols(
        {"i": input_size, "k": kernel_size, "s": stride, "p": padding, "d": dilation},
        nonnegative=("p",),
    )
    a = conv_arguments(values["i"], values["k"], values["s"], values["p"], values["d"],
                       what="sliding-block count (Unfold)")
    blocks = 1
    for x in range(len(a.i)):
        blocks *= conv_axis(a.i[x], a.k[x], a.s[x], a.p[x], a.d[x],
                            context=partial(a.context, "sliding-block count (Unfold)", x))
    return restore(simplify(blocks))


def adaptive_output_size(input_size: SizeArg, output_size: SizeArg) -> Any:
    """Output size of ``nn.AdaptiveAvgPool1d/2d/3d``: ``output_size``, once the input is checked.

    >>> adaptive_output_size((13, 13), 6)
    (6, 6)
    """
    adaptive_pool_bins(input_size, output_size)
    n = ndim_of(input_size, output_size)
    o = adaptive_window(output_size, n)
    return o[0] if n is None else o


def adaptive_window(output_size: SizeArg, n: int | None = None) -> tuple[Any, ...]:
    """An adaptive pooling's output size checked before any input (a layer spec's check):
    one entry per axis, each at least 0 (``n``: the axes, when known).

    >>> adaptive_window(-1)
    Traceback (most recent call last):
    ...
    convarith.errors.ConvArithError: Error computing the output size of an adaptive pooling: output_size=-1 must be at least 0. Use output_size >= 0.
    """
    n = n or ndim_of(output_size)
    return per_dim("output_size", output_size, n or 1, minimum=0,
                   context="Error computing the output size of an adaptive pooling")


# --------------------------------------------------------------------------- by kind

#: The output-size function of every sized kind (:mod:`convarith.kinds`).
OUTPUT_SIZE = kinds.table("output_size", covers=lambda kind: kind.sized,
                          doc="the output size: f(input_size, kernel_size, **geometry)")
OUTPUT_SIZE.add("conv", conv_output_size)
OUTPUT_SIZE.add("conv_transpose", conv_transpose_output_size)
for _kind in kinds.of_family("pool", sized=True):
    OUTPUT_SIZE.add(_kind.name, partial(pool_output_size, kind=_kind.short))
OUTPUT_SIZE.add("adaptive_avg_pool", adaptive_output_size)
OUTPUT_SIZE.add("unfold", unfold_blocks)
