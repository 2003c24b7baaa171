"""``convarith size``: the output size of one layer, with its derivation on request."""

from __future__ import annotations

from typing import Any

import click

from convarith import kinds
from convarith.choices import SIZE_KINDS
from convarith.cli import options
from convarith.cli.types import CHANNELS_LAST, CONVENTION, SIZE, reject_unused, show
from convarith.errors import ConvArithError

_SYMBOLS = {1: ("i",), 2: ("H", "W"), 3: ("D", "H", "W")}

#: Which options each kind uses; any other given on the command line is refused.
_APPLIES: dict[str, tuple[str, ...]] = {
    "kernel_size": ("conv", "transposed", "pool"),
    "stride": ("conv", "transposed", "pool"),
    "padding": ("conv", "transposed", "pool"),
    "dilation": ("conv", "transposed", "pool"),
    "output_padding": ("transposed",),
    "ceil_mode": ("pool",),
    "pool_kind": ("pool",),
    "output_size": ("adaptive",),
    "out_channels": ("conv",),
    "explain": ("conv", "transposed", "pool"),
    "symbolic": ("conv", "transposed", "pool"),
    "latex": ("conv", "transposed", "pool"),
    "strict": ("conv",),
    "convention": ("conv", "transposed", "pool"),
    "channels_last": ("conv",),
}


#: ``--pool``'s help: each pooling kind in words, with the geometry torch's layer lacks.
_POOL_HELP = ", ".join(
    f"{k.short} ({k.noun or k.short + ' pooling'}"
    + "".join(f", no {name}" for name in k.lacks) + ")"
    for k in kinds.of_family("pool", sized=True))


@click.command(context_settings={"show_default": True})
@click.argument("kind", type=click.Choice(SIZE_KINDS))
@options.input_size("Input size: 224, 224x224 or 8x32x32 (with --out-channels: CxHxW).",
                     required=True)
@options.kernel_size("Kernel size (not for adaptive).")
@options.stride("Stride [conv: 1, pool: the kernel size].")
@options.padding("Padding: 2, 1x2, left:right pairs 1:2, or valid/same/full (conv) "
                 "[with --convention keras: valid or same, default valid].")
@options.dilation()
@options.output_padding("Transposed: output padding [with --convention keras: Keras' own "
                        "default, which is not 0].")
@CONVENTION
@CHANNELS_LAST
@options.ceil_mode()
@options.pool_kind(f"Pool: {_POOL_HELP}.")
@click.option("--output", "output_size", type=SIZE, help="Adaptive: the output size.")
@click.option("--out-channels", type=click.IntRange(min=1),
              help="Conv: number of filters; --input is then CxHxW and parameters are shown.")
@click.option("--explain", is_flag=True, help="Show the derivation with the numbers put in.")
@click.option("--symbolic", is_flag=True, help="Give the size as an expression of H and W.")
@click.option("--latex", is_flag=True, help="Give the derivation (or expression) in LaTeX.")
@click.option("--strict", is_flag=True, help="Conv: reject input that no window covers.")
@click.option("--layout", type=click.Choice(["dhw", "chw"]),
              help="How a 3-part --input such as 64x112x112 is read: D x H x W (a 3-D "
                   "layer) or C x H x W (channels, kept as they are). [default: dhw]")
def size(kind: str, input_size: Any, kernel_size: Any, stride: Any, padding: Any,
         dilation: Any, output_padding: Any, convention: str, channels_last: bool,
         ceil_mode: bool, pool_kind: str, output_size: Any, out_channels: int | None,
         explain: bool, symbolic: bool, latex: bool, strict: bool,
         layout: str | None) -> None:
    """Output size of a conv, transposed conv, pooling or adaptive pooling layer.

    The bare result is the first line of output, so scripts can read it.

    \b
    Examples:
      convarith size conv --input 224 --kernel 11 --stride 4 --padding 2 --explain
      convarith size conv --input 3x100x100 --kernel 3 --out-channels 32
      convarith size pool --input 5 --kernel 2 --stride 2 --padding 1 --ceil-mode
      convarith size transposed --input 3 --kernel 3 --stride 2 --padding 1 --output-padding 1
      convarith size conv --input 224x224 --kernel 3 --stride 2 --padding 1 --symbolic
      convarith size adaptive --input 13 --output 6
      convarith size conv --input 7 --kernel 3 --stride 2 --padding same --convention keras
      convarith size conv --input 32x32x3 --channels-last --kernel 3 --out-channels 16
    """
    from convarith.formulas import output_size as formulas

    reject_unused(kind, _APPLIES)
    if convention == "keras":  # Keras' defaults where the command line gives none
        given = click.get_current_context().get_parameter_source
        if given("padding") is click.core.ParameterSource.DEFAULT:
            padding = "valid"
        if given("output_padding") is click.core.ParameterSource.DEFAULT:
            output_padding = None
    if channels_last and out_channels is None:
        raise ConvArithError("--channels-last reads --input as HxWxC, which only --out-channels "
                             "uses. Add --out-channels, or drop --channels-last.")
    three = isinstance(input_size, tuple) and len(input_size) == 3
    if layout is not None and not three:
        parts = len(input_size) if isinstance(input_size, tuple) else 1
        raise ConvArithError(f"--layout reads a 3-part --input (e.g. 64x112x112); --input "
                             f"{show(input_size)} has {parts} part(s). Drop --layout.")
    if layout == "chw" and out_channels is not None:
        raise ConvArithError("--out-channels already reads --input as C x H x W. Drop --layout.")
    reading = None
    if three and out_channels is None:
        if layout == "chw":
            channels, input_size = input_size[0], input_size[1:]
            reading = (f"read --input {show((channels, *input_size))} as C x H x W: "
                       f"{channels} channels, kept")
        else:
            reading = (f"read --input {show(input_size)} as D x H x W (a 3-D layer); add "
                       "--layout chw to read it as C x H x W")
    in_channels = None
    if out_channels is not None:
        if kind != "conv":
            raise ConvArithError(f"--out-channels applies to conv, not {kind}. Drop it.")
        if not isinstance(input_size, tuple) or len(input_size) < 2:
            order, example = ("HxWxC", "100x100x3") if channels_last else ("CxHxW", "3x100x100")
            raise ConvArithError(
                f"--input {show(input_size)} has no channel dimension, but --out-channels "
                f"needs one. Write the input as {order}, e.g. --input {example}."
            )
        if channels_last:
            in_channels, input_size = input_size[-1], input_size[:-1]
        else:
            in_channels, input_size = input_size[0], input_size[1:]
        if len(input_size) == 1:
            input_size = input_size[0]
    if kind == "adaptive":
        if output_size is None:
            raise ConvArithError("adaptive pooling needs its output size. Add --output, e.g. 6.")
        bins = formulas.adaptive_pool_bins(input_size, output_size)
        click.echo(show(output_size))
        per_axis = bins if isinstance(bins, tuple) else (bins,)
        for axis, axis_bins in enumerate(per_axis, 1):
            ranges = " ".join(f"[{a},{b})" for a, b in axis_bins)
            label = f" (dimension {axis})" if len(per_axis) > 1 else ""
            click.echo(f"bins{label}: {ranges}")
        return
    if kernel_size is None:
        raise ConvArithError(f"{kind} needs a kernel size. Add --kernel, e.g. --kernel 3.")
    arguments = {"kernel_size": kernel_size, "padding": padding, "dilation": dilation,
                 "convention": convention}
    if stride is not None or kind != "pool":
        arguments["stride"] = 1 if stride is None else stride
    # the layer kind (convarith.kinds) of the family asked for
    layer = {"conv": "conv", "transposed": "conv_transpose", "pool": f"{pool_kind}_pool"}[kind]
    compute = kinds.get(layer).formula
    if kind == "conv":
        arguments["strict"] = strict
    if kind == "transposed":
        arguments["output_padding"] = output_padding
    if kind == "pool":
        arguments["ceil_mode"] = ceil_mode
    result = compute(input_size, **arguments)
    # every number is computed before the first line is printed: an error prints nothing else
    explanation = None
    if explain or (latex and not symbolic):
        from convarith.formulas import explain as explaining

        explained = {k: v for k, v in arguments.items() if k != "strict"}
        explanation = [derivation.latex() if latex else derivation.text()
                       for derivation in explaining.derivations(layer, input_size, **explained)]
    counts = None
    if in_channels is not None and out_channels is not None:
        from convarith.formulas.counting import conv_count

        dims = len(input_size) if isinstance(input_size, tuple) else 1
        kernel = kernel_size if isinstance(kernel_size, tuple) else (kernel_size,) * dims
        counts = conv_count(in_channels, out_channels, kernel)
    if symbolic:
        _print_symbolic(compute, input_size, arguments, latex)
    else:
        if out_channels is not None and channels_last:
            click.echo(f"{show(result)}x{out_channels}")
        else:
            channels = (f"{out_channels}x" if out_channels is not None else
                        f"{channels}x" if layout == "chw" else "")
            click.echo(channels + show(result))
    if reading is not None:
        click.echo(reading)
    if counts is not None:
        click.echo(f"parameters: {counts.params:,} ({out_channels} filters of "
                   f"{in_channels}x{show(kernel)}: {counts.weights:,} weights + "
                   f"{counts.biases} biases)")
    for text in explanation or []:
        click.echo(text)


def _print_symbolic(compute: Any, input_size: Any, arguments: dict[str, Any],
                    latex: bool) -> None:
    import sympy

    from convarith.formulas.explain import tidy

    dims = len(input_size) if isinstance(input_size, tuple) else 1
    symbols = sympy.symbols(_SYMBOLS[dims], integer=True, positive=True)
    expressions = compute(symbols if dims > 1 else symbols[0], **arguments)
    expressions = expressions if isinstance(expressions, tuple) else (expressions,)
    render = sympy.latex if latex else _plain_text
    click.echo(", ".join(render(tidy(e)) for e in expressions))
    values = input_size if isinstance(input_size, tuple) else (input_size,)
    at = ", ".join(f"{s}={v}" for s, v in zip(symbols, values))
    results = [e.subs(dict(zip(symbols, values))) for e in expressions]
    click.echo(f"at {at}: " + "x".join(str(r) for r in results))


def _plain_text(expression: Any) -> str:
    """sympy's text, with a case split written as words instead of a raw ``Piecewise``.

    >>> import sympy
    >>> i = sympy.Symbol("i", integer=True, positive=True)
    >>> _plain_text(sympy.Piecewise((i - 1, i <= 4), (i, True)))
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
