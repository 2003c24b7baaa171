"""A sheet and its key as Markdown, LaTeX (exam-ready: an answer box per question) or JSON.

The key's worked solutions are the text ``convarith size ... --explain`` prints (in LaTeX,
what ``--latex`` prints), and every key entry names the command that shows it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from convarith.atomic import atomic_write
from convarith.errors import ConvArithError
from convarith.exercises.sheet import Part, Problem, Sheet, to_dict

#: Formats of ``convarith exercises --format``, and the file suffixes that choose them.
FORMATS: tuple[str, ...] = ("markdown", "latex", "json")
SUFFIXES: dict[str, str] = {".md": "markdown", ".markdown": "markdown", ".tex": "latex",
                            ".json": "json"}


def format_for(path: str | os.PathLike[str] | None, given: str | None) -> str:
    """The format given, else the one the file's suffix names, else Markdown."""
    if given is not None:
        return given
    if path is None:
        return "markdown"
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ConvArithError(
            f"Error writing exercises to {path}: the suffix {suffix or '(none)'!r} names no "
            f"format. Use .md, .tex or .json, or give --format ({', '.join(FORMATS)}).")
    return SUFFIXES[suffix]


def key_path(sheet_path: str | os.PathLike[str]) -> Path:
    """Where the key goes beside a sheet: ``sheet.md`` -> ``sheet.key.md``."""
    path = Path(sheet_path)
    return path.with_name(f"{path.stem}.key{path.suffix}")


def render(sheet: Sheet, format: str, *, key: bool) -> str:
    """The sheet (``key=False``) or its answer key in one format."""
    if format == "json":
        return json.dumps(to_dict(sheet, key=key), indent=2, ensure_ascii=False) + "\n"
    if format == "latex":
        return _latex(sheet, key=key)
    if format == "markdown":
        return _markdown(sheet, key=key)
    raise ConvArithError(
        f"Error rendering exercises: format={format!r} is not known. Use one of "
        f"{', '.join(FORMATS)}.")


def write(sheet: Sheet, path: str | os.PathLike[str], format: str, *, key: bool) -> None:
    """Write the sheet or its key atomically (the file appears whole or not at all)."""
    with atomic_write(path, text=True, what="the answer key" if key else "the exercise sheet") \
            as out:
        out.write(render(sheet, format, key=key))


def _describe(sheet: Sheet) -> str:
    topics = ", ".join(sheet.topics)
    count = len(sheet.problems)
    return (f"topics {topics}; level {sheet.level}; seed {sheet.seed}; {count} question"
            f"{'s' if count != 1 else ''}")


def _wrong_answers(part: Part) -> list[tuple[str, str]]:
    """Each wrong answer once, with every mistake that gives it (``A; or B``)."""
    grouped: dict[str, list[str]] = {}
    for mistake in part.mistakes:
        grouped.setdefault(part.show(mistake.answer), []).append(mistake.says)
    return [(answer, "; or ".join(says)) for answer, says in grouped.items()]


# ----------------------------------------------------------------- Markdown


def _markdown_table(problem: Problem) -> list[str]:
    assert problem.table is not None
    headers, cells = problem.table["headers"], problem.table["cells"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in cells]
    return lines


def _markdown(sheet: Sheet, *, key: bool) -> str:
    title = "answer key" if key else "exercises"
    lines = [f"# Convolution arithmetic: {title}", "",
             f"*{_describe(sheet)}.*", ""]
    for problem in sheet.problems:
        lines.append(f"{problem.number}. {problem.question}")
        if problem.table is not None and not key:
            lines += ["", *("   " + line for line in _markdown_table(problem))]
        lines.append("")
        if key:
            for part in problem.parts:
                lines += _markdown_part(part)
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_part(part: Part) -> list[str]:
    label = f"({part.label}) " if part.label else ""
    # an indented code block inside the list item (no fences: the key can be shown in a
    # fenced console example)
    lines = [f"   {label}**Answer: {part.show()}**", ""]
    lines += [f"       {line}" if line else "" for line in part.solution.splitlines()]
    lines += ["", f"   Shown by `{part.command}`."]
    if part.mistakes:
        lines += ["", "   Wrong answers and the mistakes behind them:"]
        lines += [f"   - {answer}: {says}" for answer, says in _wrong_answers(part)]
    lines.append("")
    return lines


# ----------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "−": "$-$", "·": r"$\cdot$", "×": r"$\times$",
                  "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "⌈": r"$\lceil$", "⌉": r"$\rceil$",
                  "≥": r"$\geq$", "≤": r"$\leq$", "<": r"$<$", ">": r"$>$", "|": r"$|$"}


def latex_text(text: str) -> str:
    """Plain text made safe for LaTeX (pdflatex: the few non-ASCII signs become math).

    >>> latex_text("p_l + 2·1 = 5% of 10")
    'p\\\\_l + 2$\\\\cdot$1 = 5\\\\% of 10'
    """
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


_PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[T1]{fontenc}
\usepackage{amsmath}
\sloppy
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\newcommand{\answerbox}{\par\noindent\framebox[\linewidth][l]{\rule{0pt}{2.6em}\textbf{Answer:}}\par}
"""


def _latex(sheet: Sheet, *, key: bool) -> str:
    title = "Convolution arithmetic: answer key" if key else "Convolution arithmetic: exercises"
    lines = [_PREAMBLE.rstrip("\n"), r"\begin{document}", r"\section*{" + title + "}",
             r"\emph{" + latex_text(_describe(sheet)) + ".}", r"\begin{enumerate}"]
    for problem in sheet.problems:
        lines.append(r"\item " + latex_text(problem.question))
        if problem.table is not None and not key:
            lines += _latex_table(problem)
        if key:
            for part in problem.parts:
                lines += _latex_part(part)
        else:
            lines.append(r"\answerbox")
    lines += [r"\end{enumerate}", r"\end{document}"]
    return "\n".join(lines) + "\n"


def _latex_table(problem: Problem) -> list[str]:
    assert problem.table is not None
    headers, cells = problem.table["headers"], problem.table["cells"]
    lines = [r"\par\medskip{\footnotesize\setlength{\tabcolsep}{4pt}",
             r"\begin{tabular}{" + "l" * len(headers) + "}",
             r"\hline", " & ".join(latex_text(h) for h in headers) + r" \\", r"\hline"]
    for row in cells:
        shown = [r"\fbox{" + latex_text(c) + "}" if c.startswith("(") and c.endswith(")")
                 else latex_text(c) for c in row]
        lines.append(" & ".join(shown) + r" \\")
    lines += [r"\hline", r"\end{tabular}}\par"]
    return lines


def _latex_part(part: Part) -> list[str]:
    label = f"({part.label}) " if part.label else ""
    lines = [r"\par " + latex_text(label) + r"\textbf{Answer: " + latex_text(part.show()) + "}"]
    if part.config["kind"] in ("conv", "pool", "transposed") and part.answer != "invalid":
        equation, _, rest = part.solution_latex.partition("\n")
        lines.append(r"\[ " + equation + r" \]")
        notes = _notes(part)
        lines += [r"\par " + latex_text(note) for note in notes + rest.splitlines() if note]
    else:
        lines += [r"\par {\small\ttfamily " + latex_text(line) + "}"
                  for line in part.solution.splitlines()]
    lines.append(r"\par Shown by \texttt{" + latex_text(part.command) + "}.")
    if part.mistakes:
        lines.append(r"\par Wrong answers and the mistakes behind them:")
        lines.append(r"\begin{itemize}")
        lines += [r"\item " + latex_text(f"{answer}: {says}")
                  for answer, says in _wrong_answers(part)]
        lines.append(r"\end{itemize}")
    return lines


def _notes(part: Part) -> list[str]:
    from convarith.exercises.solutions import derivation_of

    derivation = derivation_of(part.config)
    return list(derivation.notes)
