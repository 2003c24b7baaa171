"""``explain_*`` always returns a tuple (Derivations, one per distinct axis); with one
derivation it also answers as that derivation, with several it says to index by axis."""

import pytest

from convarith import ConvArithError, explain_conv, explain_conv_transpose, explain_pool
from convarith.formulas.explain import Derivation, Derivations, derivations

CALLS = {
    "conv": lambda i: explain_conv(i, kernel_size=3, stride=2, padding=1),
    "conv_transpose": lambda i: explain_conv_transpose(i, kernel_size=3, stride=2, padding=1),
    "max_pool": lambda i: explain_pool(i, kernel_size=2, stride=2),
    "keras conv": lambda i: explain_conv(i, kernel_size=3, stride=2, padding="same",
                                         convention="keras"),
    "keras pool": lambda i: explain_pool(i, kernel_size=2, padding="same", convention="keras"),
    "keras transposed": lambda i: explain_conv_transpose(i, kernel_size=3, stride=2,
                                                         padding="same", convention="keras"),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=list(CALLS))
@pytest.mark.parametrize("size, count", [(7, 1), ((7, 7), 1), ((7, 9), 2), ((5, 7, 9), 3)])
def test_every_explain_returns_a_tuple_of_derivations_one_per_distinct_axis(call, size, count):
    out = call(size)
    assert isinstance(out, tuple) and isinstance(out, Derivations)
    assert len(out) == count and all(isinstance(d, Derivation) for d in out)


@pytest.mark.parametrize("call", CALLS.values(), ids=list(CALLS))
def test_one_derivation_answers_as_that_derivation(call):
    out = call(9)
    one = out[0]
    assert (out.result, out.notes, out.what, out.formula, out.steps, out.axis) == (
        one.result, one.notes, one.what, one.formula, one.steps, one.axis)
    assert (out.line(), out.text(), out.text(unicode=False), out.latex()) == (
        one.line(), one.text(), one.text(unicode=False), one.latex())


@pytest.mark.parametrize("attribute", ["result", "notes", "what", "formula", "steps", "axis"])
def test_several_derivations_say_to_index_by_axis(attribute):
    out = explain_conv((5, 7, 9), kernel_size=3)
    with pytest.raises(ConvArithError, match=(
            rf"it has 3, one per dimension \(dimension 1, dimension 2, dimension 3\), and "
            rf"\.{attribute} answers for one\. Index by axis, e.g\. "
            rf"derivations\[0\]\.{attribute}, or loop over them\.")):
        getattr(out, attribute)


@pytest.mark.parametrize("method", ["line", "text", "latex"])
def test_several_derivations_refuse_the_one_line_methods_too(method):
    out = explain_pool((4, 6), kernel_size=2)
    with pytest.raises(ConvArithError, match=rf"\.{method}\(\) answers for one"):
        getattr(out, method)()


def test_derivations_by_kind_is_the_explain_function_of_that_kind():
    assert derivations("conv", (5, 7), kernel_size=3) == explain_conv((5, 7), kernel_size=3)
    assert derivations("avg_pool", 7, kernel_size=2) == explain_pool(7, kernel_size=2,
                                                                      kind="avg")
    assert derivations("conv", 7, kernel_size=3) == (explain_conv(7, kernel_size=3)[0],)
