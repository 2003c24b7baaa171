"""``convarith figures``: regenerate the whole lecture set into one folder."""

from __future__ import annotations

import os
from typing import Any

import click

from convarith.cli import options

Task = tuple[str, str, float, str, "float | None", str]


def _make(task: Task) -> tuple[str, list[str]]:
    """One figure, in a worker process (module level so that it pickles)."""
    from convarith.figures.lecture import make

    name, out, dpi, theme, fps, style = task
    return name, [str(path) for path in make(name, out, dpi=dpi, theme=theme, fps=fps,
                                             style=style)]


@click.command(context_settings={"show_default": True})
@options.out_folder("Folder to write the figures into (created if missing) "
                   "[figures, or figures/paper with --style paper].", default=None)
@options.dpi()
@options.theme()
@options.style("flat: the whole lecture set; paper: the 15 animations of arXiv:1603.07285 in "
               "Dumoulin & Visin's perspective look.")
@options.fps("Frames per second of the animations [1 s a frame, 2 s for numerical and "
             "pooling; the last frame held 3 times as long].")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Figures drawn at the same time [default: the number of CPUs, at most 4].")
@click.option("--only", multiple=True, help="Draw only the figure(s) of this name (repeatable).")
@click.option("--list", "list_only", is_flag=True, help="List the figures and exit.")
def figures(out: str | None, dpi: int, theme: str, style: str, fps: float | None,
            jobs: int | None, only: tuple[str, ...], list_only: bool) -> None:
    """Regenerate the lecture set: Dumoulin & Visin's 15 animations, numerical convolution,
    pooling, receptive-field growth, the formula sheet, images as numbers and the LeNet-5 and
    AlexNet diagrams.

    The same command gives byte-identical files.

    \b
    Examples:
      convarith figures
      convarith figures --out slides/ --theme dark --dpi 150
      convarith figures --only conv_padding_strides --only max_pooling
      convarith figures --style paper
    """
    from convarith.figures.lecture import figure, figure_set

    chosen = figure_set(style)
    if list_only:
        for item in chosen:
            click.echo(f"{item.filename:44} {item.description}")
        return
    out = out or ("figures/paper" if style == "paper" else "figures")
    names = [figure(name).name for name in only] or [item.name for item in chosen]
    tasks: list[Task] = [(name, out, float(dpi), theme, fps, style) for name in names]
    workers = min(jobs or min(os.cpu_count() or 1, 4), len(tasks))
    written = _run(tasks, workers)
    click.echo(f"wrote {len(written)} files to {out}")


def _run(tasks: list[Task], workers: int) -> list[str]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[Any] = [TextColumn("[bold]figures"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), TextColumn("{task.description}")]
    written: list[str] = []
    with Progress(*columns, transient=False) as progress:
        bar = progress.add_task("", total=len(tasks))
        if workers == 1:
            for task in tasks:
                progress.update(bar, description=task[0])
                written += _make(task)[1]
                progress.advance(bar)
            return written
        import multiprocessing

        pool = multiprocessing.Pool(workers, initializer=_worker_start)
        try:
            for name, paths in pool.imap_unordered(_make, tasks):  # errors re-raise here
                written += paths
                progress.update(bar, description=name)
                progress.advance(bar)
            pool.close()
        except BaseException:
            pool.terminate()  # Ctrl-C, kill or an error: the workers stop at once
            raise
        finally:
            pool.join()
    return sorted(written)


def _worker_start() -> None:
    """In each worker: leave Ctrl-C to the main process (which stops the workers, without a
    traceback from each), and die with it if it is killed outright (Linux)."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the main process's handler is inherited
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - another libc
            pass
