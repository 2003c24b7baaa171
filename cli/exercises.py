"""``convarith exercises``: problem sheets with answer keys, and grading against a key."""

from __future__ import annotations

from pathlib import Path

import click

from convarith.cli import options
from convarith.cli.types import PathType
from convarith.errors import ConvArithError

# The choices are written once, in the exercises package (cheap to import: no torch).
from convarith.exercises.render import FORMATS
from convarith.exercises.sheet import TOPICS


@click.command()
@click.option("--topic", "topics", multiple=True, type=click.Choice(TOPICS),
              help="What to practise (repeat for a mixed sheet)  [default: size]")
@click.option("--count", type=click.IntRange(1, 200), default=10, show_default=True,
              help="Number of questions.")
@options.seed("The same seed gives the same sheet.", type=int, show_default=True)
@click.option("--level", type=click.IntRange(1, 3), default=1, show_default=True,
              help="1 the notes' formula; 2 dilation, lost input, ceil mode, output padding; "
                   "3 strides in receptive fields, groups and bias, whole networks.")
@options.output_format(FORMATS, "Sheet format [default: from the -o suffix, else markdown].")
@options.output_file("Write the sheet here (the key goes beside it, NAME.key.SUFFIX).",
                     required=False)
@click.option("--key", "key_file", type=PathType(dir_okay=False),
              help="The answer key: where to write it, or with --check the JSON key to "
                   "grade against (its suffix picks its format).")
@click.option("--show-key", is_flag=True,
              help="Print the answer key (worked solutions) instead of the sheet.")
@click.option("--check", "answers_file", type=PathType(dir_okay=False),
              help="Grade a student's answers (JSON: {\"1\": \"32x32x10\", ...}) against --key.")
def exercises(topics: tuple[str, ...], count: int, seed: int, level: int,
              format_: str | None, output: str | None, key_file: str | None, show_key: bool,
              answers_file: str | None) -> None:
    """Exercise sheets with answer keys, drawn from the formula core; and grading.

    Every answer is the formula core's and PyTorch's; the worked solution of a size or a
    receptive field is the text of 'convarith size/rf ... --explain'; each problem is drawn
    so that the common mistakes give wrong answers of their own, and the key (and the
    grader) names them.

    \b
    Examples:
      convarith exercises --topic size --count 3 --seed 7
      convarith exercises --topic size --topic rf --level 2 -o sheet.md --key key.json
      convarith exercises --topic table --level 3 -o sheet.tex
      convarith exercises --check answers.json --key key.json
    """
    from convarith.exercises import generate, grade, render, report, write
    from convarith.exercises.grading import check_key, load_json
    from convarith.exercises.render import format_for, key_path

    if answers_file is not None:
        if key_file is None:
            raise ConvArithError("--check needs the answer key to grade against. Add "
                                 "--key key.json (written by 'convarith exercises ... --key').")
        key = check_key(load_json(key_file, "the key"), key_file)
        answers = load_json(answers_file, "the answers")
        click.echo(report(grade(key, answers)), nl=False)
        return
    sheet = generate(list(topics) or ["size"], count=count, seed=seed, level=level)
    sheet_format = format_for(output, format_)
    if key_file is None and output is not None:
        key_file = str(key_path(output))
    key_format = format_for(key_file, None) if key_file and Path(key_file).suffix else \
        sheet_format
    if output is not None and key_file is not None and Path(output).resolve() == \
            Path(key_file).resolve():
        raise ConvArithError(f"-o {output} and --key {key_file} are the same file: the key would "
                             "replace the sheet. Give the key another name, e.g. key.json.")
    if output is not None:
        write(sheet, output, sheet_format, key=False)
    if key_file is not None:
        write(sheet, key_file, key_format, key=True)
    if output is None:
        click.echo(render(sheet, sheet_format, key=show_key), nl=False)
    else:
        click.echo(f"wrote {output} ({len(sheet.problems)} questions) and {key_file} "
                   "(answer key)")
