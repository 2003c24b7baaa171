"""The command line holds no policy: what ``convarith size``, ``train`` and ``solve`` decide
lives in the library (callable from Python, in Python's words), every option several commands
share is declared once in ``cli/options.py``, and renamed keywords keep working with a
DeprecationWarning."""

from __future__ import annotations

import ast
import collections
import pathlib
import warnings

import click
import pytest
from click.testing import CliRunner

from convarith.cli import main
from convarith.errors import ConvArithError
from convarith.formulas.size_request import layer_kind, size_request
from convarith.formulas.solve import no_padding_found, padding_for

CLI = pathlib.Path(__file__).resolve().parent.parent / "cli"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# --------------------------------------------------------------------------- convarith size


@pytest.mark.parametrize(("family", "input_size", "arguments", "lines"), [
    ("conv", 224, {"kernel_size": 11, "stride": 4, "padding": 2}, ["55"]),
    ("conv", (3, 100, 100), {"kernel_size": 3, "out_channels": 32},
     ["32x98x98", "parameters: 896 (32 filters of 3x3x3: 864 weights + 32 biases)"]),
    ("conv", (32, 32, 3), {"kernel_size": 3, "out_channels": 16, "channels_last": True},
     ["30x30x16", "parameters: 448 (16 filters of 3x3x3: 432 weights + 16 biases)"]),
    ("conv", (64, 112, 112), {"kernel_size": 3, "layout": "chw"},
     ["64x110x110", "read input_size=64x112x112 as C x H x W: 64 channels, kept"]),
    ("conv", (64, 112, 112), {"kernel_size": 3},
     ["62x110x110", "read input_size=64x112x112 as D x H x W (a 3-D layer); add layout=chw "
                    "to read it as C x H x W"]),
    ("pool", 7, {"kernel_size": 2, "ceil_mode": True, "pool_kind": "lp"}, ["4"]),
    ("adaptive", 13, {"output_size": 6},
     ["6", "bins: [0,3) [2,5) [4,7) [6,9) [8,11) [10,13)"]),
    # Keras' defaults where nothing is given: padding valid, and its own output padding
    ("conv", 7, {"kernel_size": 3, "convention": "keras"}, ["5"]),
    ("conv", (224, 224), {"kernel_size": 3, "stride": 2, "padding": 1, "symbolic": True},
     ["floor((H - 1)/2) + 1, floor((W - 1)/2) + 1", "at H=224, W=224: 112x112"]),
])
def test_size_request_answers_python_callers_with_the_lines_the_command_prints(
        family, input_size, arguments, lines):
    assert size_request(family, input_size, **arguments) == lines
    # ... and the command prints exactly those (its own spellings in the reading line)
    flags = {"kernel_size": "--kernel", "out_channels": "--out-channels",
             "pool_kind": "--pool", "output_size": "--output"}
    argv = ["size", family, "--input", "x".join(map(str, input_size))
            if isinstance(input_size, tuple) else str(input_size)]
    for name, value in arguments.items():
        flag = flags.get(name, "--" + name.replace("_", "-"))
        argv += [flag] if value is True else [flag, str(value)]
    result = run(*argv)
    assert result.exit_code == 0, result.output
    expected = [line.replace("input_size=", "--input ").replace("layout=", "--layout ")
                for line in lines]
    assert result.stdout.splitlines() == expected


@pytest.mark.parametrize(("family", "input_size", "arguments", "message"), [
    ("adaptive", 13, {"kernel_size": 3, "output_size": 6},
     "kernel_size applies to conv, transposed and pool, not adaptive. Drop it."),
    ("conv", (32, 32, 3), {"kernel_size": 3, "channels_last": True},
     "channels_last reads input_size as HxWxC, which only out_channels uses. Add "
     "out_channels, or drop channels_last."),
    ("conv", (8, 8), {"kernel_size": 3, "layout": "chw"},
     "layout reads a 3-part input_size (e.g. 64x112x112); input_size=8x8 has 2 part(s). "
     "Drop layout."),
    ("conv", 100, {"kernel_size": 3, "out_channels": 8},
     "input_size=100 has no channel dimension, but out_channels needs one. Write the input "
     "as CxHxW, e.g. input_size=3x100x100."),
    ("pool", 10, {}, "pool needs a kernel size. Add kernel_size, e.g. kernel_size=3."),
    ("adaptive", 10, {}, "adaptive pooling needs its output size. Add output_size, e.g. 6."),
])
def test_size_request_refuses_in_python_words(family, input_size, arguments, message):
    with pytest.raises(ConvArithError) as caught:
        size_request(family, input_size, **arguments)
    assert str(caught.value) == message


def test_size_request_refuses_an_option_given_at_its_default_only_when_the_caller_says_so():
    # the command line gives --dilation 1 to adaptive pooling: refused, though it is the default
    with pytest.raises(ConvArithError, match="^dilation applies to conv"):
        size_request("adaptive", 13, output_size=6, given=["output_size", "dilation"])
    assert size_request("adaptive", 13, output_size=6, dilation=1) == size_request(
        "adaptive", 13, output_size=6)
    assert run("size", "adaptive", "--input", "13", "--output", "6", "--dilation",
               "1").stderr == ("Error: --dilation applies to conv, transposed and pool, not "
                               "adaptive. Drop it.\n")


def test_size_request_takes_every_layer_kind_from_the_kinds_table():
    assert [layer_kind(f).name for f in ("conv", "transposed", "adaptive")] == [
        "conv", "conv_transpose", "adaptive_avg_pool"]
    assert [layer_kind("pool", p).name for p in ("max", "avg", "lp")] == [
        "max_pool", "avg_pool", "lp_pool"]
    with pytest.raises(ConvArithError, match="not an argument"):
        size_request("conv", 5, kernel=3)


# --------------------------------------------------------------------------- convarith solve


def test_the_asymmetric_padding_suggestion_is_the_libraries_and_holds():
    assert padding_for(32, 32, kernel_size=4) == []
    message = no_padding_found(32, 32, kernel_size=4)
    assert message.endswith("Asymmetric padding does: 1 on the left and 2 on the right "
                            "(PyTorch's padding='same').")
    # the suggestion is true: 32 + 1 + 2 - 4 + 1 = 32
    from convarith import conv_output_size

    assert conv_output_size(32, kernel_size=4, padding=((1, 2),)) == (32,)
    assert "Asymmetric" not in no_padding_found(32, 16, kernel_size=4, stride=2)
    result = run("solve", "padding", "--input", "32", "--output", "32", "--kernel", "4")
    assert result.exit_code == 1 and result.stdout.splitlines() == ["none", message]


# --------------------------------------------------------------------------- convarith train


def test_train_configure_is_the_commands_policy(tmp_path):
    from convarith.train.run import class_count, configure

    settings = configure("lenet5", lr_sweep="1e-3,1e-2", out=str(tmp_path / "sweep"))
    assert settings.rates == (1e-3, 1e-2) and settings.config.schedule == "none"
    assert configure("lenet5", out=str(tmp_path / "a")).config.schedule == "cosine"  # recipe
    assert configure("lenet5", dataset="mnist", out=str(tmp_path / "b")).config.schedule == "step"
    picked = configure("lenet5-modern", classes="0,1,2", out=str(tmp_path / "c"))
    assert class_count(picked.spec) == 3 and class_count(settings.spec) == 10
    with pytest.raises(ConvArithError) as caught:
        configure("lenet5", engine="numpy", resume=True, lr_sweep="1e-3")
    assert str(caught.value) == ("--lr-sweep starts fresh runs. Drop --resume/--finetune.")
    with pytest.raises(ConvArithError) as caught:
        configure("lenet5", engine="numpy", resume=True, out=str(tmp_path / "d"))
    assert str(caught.value) == ("--engine numpy trains one fresh run; it has no --resume. "
                                 "Drop it, or use --engine torch.")


# --------------------------------------------------------------------------- options


def _commands() -> dict[str, click.Command]:
    context = click.Context(main)
    found: dict[str, click.Command] = {}

    def walk(command: click.Command, path: str) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(context):
                walk(command.get_command(context, name), f"{path} {name}".strip())
        else:
            found[path] = command

    walk(main, "")
    return found


def test_every_option_several_commands_share_is_declared_once_in_options_py():
    users = collections.defaultdict(set)
    for path, command in _commands().items():
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                for flag in parameter.opts:
                    users[flag].add(path)
    shared = {flag for flag, paths in users.items() if len(paths) > 1}
    assert {"--input", "--kernel", "-o", "--convention", "--seed"} <= shared
    declared_elsewhere = []
    for source in CLI.glob("*.py"):
        if source.name == "options.py":
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "option"):
                flags = {arg.value.split("/")[0] for arg in node.args
                         if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}
                declared_elsewhere += [f"{source.name}: {flag}" for flag in flags & shared]
    assert declared_elsewhere == []


def test_cli_types_holds_parameter_types_only():
    import inspect

    import convarith.cli.types as types

    names = {name: value for name, value in vars(types).items()
             if not name.startswith("_") and not inspect.ismodule(value)}
    kinds = {name for name, value in names.items() if isinstance(value, click.ParamType)
             or (isinstance(value, type) and issubclass(value, click.ParamType))}
    assert {"SIZE", "PADDING", "SEED", "WHOLE", "PathType"} <= kinds
    others = [name for name, value in names.items() if name not in kinds and (
        getattr(value, "__module__", None) in (types.__name__, "click.decorators"))]
    assert others == []  # no option, no helper: those are cli/options.py's


# --------------------------------------------------------------------------- library errors


def test_animation_scene_names_python_arguments_and_the_cli_its_options():
    from convarith.figures.animation import animation_scene

    with pytest.raises(ConvArithError) as caught:
        animation_scene("conv", 4, kernel_size=3, ceil_mode=True)
    assert str(caught.value) == "ceil_mode=True applies to pool, not conv. Drop it."
    with pytest.raises(ConvArithError) as caught:
        animation_scene("conv", 4, kernel_size=3, kind="avg")
    assert str(caught.value) == "kind='avg' applies to pool, not conv. Drop it."
    result = run("animate", "conv", "--input", "4", "--kernel", "3", "--pool", "avg", "-o",
                 "x.gif")
    assert (result.exit_code, result.stderr) == (
        2, "Error: --pool applies to pool, not conv. Drop it.\n")


# --------------------------------------------------------------------------- renames


def test_lenet5_modern_takes_kind_and_its_old_name_pool_warns():
    from convarith.specs import zoo

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = zoo.get("lenet5-modern", kind="avg")
    with pytest.warns(DeprecationWarning, match=r"pool=.*kind="):
        old = zoo.lenet5_modern(pool="avg")
    assert old == new and type(new.layers[2]).__name__ == "AvgPool"
    assert zoo.get("lenet5-modern").layers[2] != new.layers[2]
    with pytest.warns(DeprecationWarning), pytest.raises(ConvArithError,
                                                         match=r"pool='lp' is not known"):
        zoo.lenet5_modern(pool="lp")
    with pytest.raises(ConvArithError, match=r"kind='lp' is not known"):
        zoo.lenet5_modern(kind="lp")
    # the command line's documented -O pool=avg keeps working
    with pytest.warns(DeprecationWarning):
        table = run("table", "lenet5-modern", "-O", "pool=avg", "--columns", "layer,type")
    assert table.exit_code == 0 and "S2       avg-pool" in table.stdout


def test_formula_sheet_takes_torch_names_and_its_letters_warn():
    from convarith.figures.static import formula_sheet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = formula_sheet(input_size=7, kernel_size=3, stride=2, padding=1, dilation=2,
                            output_padding=1)
    with pytest.warns(DeprecationWarning, match=r"i= -> input_size="):
        old = formula_sheet(i=7, k=3, s=2, p=1, d=2, a=1)
    assert old == new != formula_sheet()
    assert new.panels[0].example[0].startswith("⌊(7 + 2·1 − 2·(3 − 1) − 1)/2⌋ + 1")
    with pytest.raises(TypeError, match="unexpected keyword argument 'x'"):
        formula_sheet(x=1)


def test_scratch_conv_geometry_takes_kernel_size_and_its_old_name_kernel_warns():
    from convarith.bridges.scratch.conv import geometry

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = geometry((9, 7), kernel_size=(3, 2), stride=2, padding=1, dilation=1)
    with pytest.warns(DeprecationWarning, match=r"kernel=.*kernel_size="):
        old = geometry((9, 7), kernel=(3, 2), stride=2, padding=1, dilation=1)
    assert old == new and new.o == (5, 4) and new.k == (3, 2)
    assert geometry((9, 7), (3, 2), 2, 1, 1) == new  # positional calls unchanged


def test_count_request_is_what_params_prints_and_speaks_python():
    from convarith.formulas.size_request import count_request

    counts = count_request("conv", in_channels=3, out_channels=96, kernel_size=11,
                           input_size=224, stride=4, padding=2)
    assert (counts.params, counts.macs) == (34944, 105415200)
    out = run("params", "conv", "--in-channels", "3", "--out-channels", "96", "--kernel", "11",
              "--input", "224", "--stride", "4", "--padding", "2")
    assert out.output.splitlines()[0] == "34944" and "MACs 105,415,200" in out.output
    with pytest.raises(ConvArithError, match=r"^kernel_size applies to conv and transposed, "
                                             r"not linear\. Drop it\.$"):
        count_request("linear", given=["kernel_size"], in_features=2, out_features=3)
    with pytest.raises(ConvArithError, match=r"^conv needs in_channels, out_channels and "
                                             r"kernel_size"):
        count_request("conv", in_channels=3)
