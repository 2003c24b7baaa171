"""The ``convarith`` command line: thin click commands over the library.

Commands are registered by name and imported only when used (or when ``--help`` lists
them), so ``convarith size ...`` never pays for torch or matplotlib. Bad input becomes one
line ``Error: ...`` on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from typing import Any

import click

from convarith.errors import ConvArithError, one_line

#: name -> "module:attribute" of every command, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "size": "convarith.cli.size:size",
    "solve": "convarith.cli.solve:solve",
    "params": "convarith.cli.params:params",
    "rf": "convarith.cli.rf:rf",
    "compare": "convarith.cli.compare:compare",
    "table": "convarith.cli.table:table",
    "list": "convarith.cli.list:list_models",
    "animate": "convarith.cli.animate:animate",
    "draw": "convarith.cli.draw:draw",
    "figures": "convarith.cli.figures:figures",
    "exercises": "convarith.cli.exercises:exercises",
    "verify": "convarith.cli.verify:verify",
    "train": "convarith.cli.train:train",
    "explore": "convarith.cli.explore:explore",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is needed, and turns
    every bad-input error into one ``Error:`` line with exit status 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS]  # not list(): the submodule convarith.cli.list shadows it here

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as error:
            # caught here, before click turns it into Abort (and prints an empty line)
            raise _Stopped(error) from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        restore = _terminate_as_interrupt()
        try:
            code = super().main(args, prog_name or "convarith", complete_var,
                                standalone_mode=False, **extra)
        except _Stopped as stopped:
            click.echo(stopped.line, err=True)
            sys.exit(stopped.status)
        except click.exceptions.Abort as error:
            if isinstance(error.__cause__, KeyboardInterrupt):
                stopped = _Stopped(error.__cause__)
                click.echo(stopped.line, err=True)
                sys.exit(stopped.status)
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except click.exceptions.NoArgsIsHelpError as error:
            # plain `convarith` (or a group without its command): the help, as printed lines
            click.echo(error.ctx.get_help() if error.ctx is not None else error.format_message())
            sys.exit(0)
        except click.ClickException as error:
            message = " ".join(error.format_message().split())
            hint = ""
            if isinstance(error, click.UsageError) and error.ctx is not None:
                hint = f" (see '{error.ctx.command_path} --help')"
            click.echo(f"Error: {message}{hint}", err=True)
            sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
        except ConvArithError as error:
            click.echo(f"Error: {one_line(error)}", err=True)
            sys.exit(2)
        except MemoryError:
            click.echo("Error: out of memory. Ask for less (smaller sizes, fewer frames, a "
                       "smaller --batch-size).", err=True)
            sys.exit(1)
        except Exception as error:  # a bug of ours: one line, the traceback on request
            if os.environ.get("CONVARITH_DEBUG"):
                raise
            reason = " ".join(str(error).split())[:300]
            click.echo(f"Error: internal error ({type(error).__name__}: {reason}). This is a "
                       "bug in convarith; please report it with the command line (set "
                       "CONVARITH_DEBUG=1 to see the traceback).", err=True)
            sys.exit(1)
        finally:
            restore()
        sys.exit(code if isinstance(code, int) else 0)


class Interrupted(KeyboardInterrupt):
    """Raised by a command that was interrupted, with the one line to show (e.g. how to
    resume a training run)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``), delivered as an exception so that ``finally`` blocks run."""


class _Stopped(Exception):
    """An interrupt on its way out: the line to print and the exit status (128 + signal)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        terminated = any(isinstance(error, Terminated) for error in
                         (cause, cause.__cause__, cause.__context__))
        what = "Terminated" if terminated else "Interrupted"
        detail = str(cause) if isinstance(cause, Interrupted) else ""
        self.line = f"{what}: {detail}" if detail else f"{what}."
        self.status = 128 + (signal.SIGTERM if terminated else signal.SIGINT)


def _terminate_as_interrupt() -> Any:
    """Turn SIGTERM into :class:`Terminated` for the command's duration (main thread
    only); return what restores the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: Any) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not allowed here
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, previous)


@click.group("convarith", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="convarith", prog_name="convarith")
def main() -> None:
    """convarith: convolution arithmetic made exact, checkable and reusable.

    \b
    Examples:
      convarith size conv --input 224 --kernel 11 --stride 4 --padding 2 --explain
      convarith solve padding --input 32 --output 32 --kernel 5
      convarith params conv --in-channels 3 --out-channels 96 --kernel 11 --input 224 --stride 4
      convarith rf "conv k=11 s=4 p=2; pool k=3 s=2; conv k=5 p=2" --explain
      convarith compare --input 1x28x28 --hidden 512
      convarith table alexnet --format markdown
      convarith animate conv --input 5 --kernel 3 --stride 2 --padding 1 -o conv.gif
      convarith figures --out figures/
      convarith explore -o explorer.html
      convarith exercises --topic size --count 3 --seed 7
      convarith verify --profile quick
      convarith train lenet5
    """
