"""Shared CLI plumbing: consoles, error handling, JSON output."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tasknas._progress import Progress as ProgressFn
from tasknas.errors import InvalidSettingError, TasknasError

F = TypeVar("F", bound=Callable[..., Any])

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr; return the exit (code 2) to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    return typer.Exit(2)


def interrupted(resume: str | None = None) -> typer.Exit:
    """Print the one line of a command stopped by Ctrl-C to stderr, with the command that
    continues it if there is one; return the exit (code 130, as a shell reports SIGINT)."""
    line = "interrupted" if resume is None else f"interrupted; resume with: {resume}"
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(130)


def handle_errors(func: F) -> F:
    """Turn tasknas errors into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TasknasError as exc:
            raise fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    """One JSON object on stdout."""
    print(json.dumps(data, indent=2, allow_nan=False))  # noqa: T201 - the CLI prints


#: Torch CPU threads when ``--threads`` is not given (and ``$OMP_NUM_THREADS`` is not set): one.
#: Measured (BENCHMARKS.md, "Threads"): the small networks tasknas trains gain little from
#: more threads on an idle machine and lose several-fold when another job shares the cores.
DEFAULT_THREADS = 1

#: ``--threads``: torch's CPU threads of every evaluation and training.
ThreadsOption = Annotated[
    int | None,
    typer.Option(
        help="CPU threads of torch for training (results are reproducible for the same count). "
        f"[default: $OMP_NUM_THREADS, else {DEFAULT_THREADS}: fastest when other jobs share the "
        "cores; raise it on an idle machine with many cores]"
    ),
]


#: ``--executor``: where the work runs; ``None`` lets ``--workers`` choose
#: (``tasknas.execution.make_executor``).
ExecutorOption = Annotated[
    str | None,
    typer.Option(
        help="Where the work runs: local (this process), process (worker processes on this "
        "machine) or ray (a local Ray instance, or the cluster at --address). Results do not "
        "depend on it. [default: local; process with --workers above 1]"
    ),
]

#: ``--workers``: jobs at once for a parallel executor.
WorkersOption = Annotated[
    int | None,
    typer.Option(
        help="Jobs at once for --executor process or ray (results do not change). "
        "[default: 1 with local; the CPU count with process and ray]"
    ),
]

#: ``--address``: the Ray cluster of ``--executor ray``.
AddressOption = Annotated[
    str | None,
    typer.Option(
        help="Ray cluster for --executor ray: auto, HOST:PORT or ray://HOST:PORT. "
        "[default: start a local Ray instance]"
    ),
]


def set_threads(threads: int | None) -> None:
    """Apply ``--threads``: ``None`` takes ``$OMP_NUM_THREADS``, else ``DEFAULT_THREADS``.

    Torch is not imported for this: before its import, the count goes to
    ``$OMP_NUM_THREADS``, which torch (and every worker process started later) reads.

    Raises:
        InvalidSettingError: a count below 1.
    """
    if threads is None:
        env = os.environ.get("OMP_NUM_THREADS", "").strip()
        threads = int(env) if env.isdigit() and int(env) > 0 else DEFAULT_THREADS
    if isinstance(threads, bool) or threads < 1:
        raise InvalidSettingError(f"threads must be >= 1, got {threads}")
    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def split_names(value: str | None) -> tuple[str, ...]:
    """``"a,b, c"`` -> ``("a", "b", "c")``; ``None`` or empty -> ``()``."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def task_names(value: str | None) -> tuple[str, ...]:
    """``--tasks``: ``()`` (the command's default tasks) when the flag is left out; a given
    but empty list is refused rather than silently taken as "every task"."""
    names = split_names(value)
    if value is not None and not names:
        raise InvalidSettingError(
            f"--tasks {value!r} names no task; leave --tasks out for the default tasks"
        )
    return names


def configure_logging(verbose: bool) -> None:
    """Send tasknas log records to stderr through rich (INFO with -v, else WARNING)."""
    logger = logging.getLogger("tasknas")
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    if not any(isinstance(h, RichHandler) for h in logger.handlers):
        logger.addHandler(RichHandler(console=err, show_path=False))


def _verbose_callback(verbose: bool) -> bool:
    """``-v`` after a subcommand: raise the logging to INFO (left out: the level that
    ``tasknas -v`` or its absence set stays)."""
    if verbose:
        configure_logging(True)
    return verbose


#: ``-v/--verbose`` of every command, so that it works after the subcommand too
#: (``tasknas search ... -v``) and not only before it (``tasknas -v search ...``).
VerboseOption = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Log progress to stderr.", callback=_verbose_callback),
]


@contextmanager
def progress_bar(as_json: bool) -> Iterator[ProgressFn]:
    """A progress bar on stderr; yields ``report(message, done, total)`` that drives it (a
    ``tasknas._progress.Progress``, the shape every library ``progress=`` argument takes).

    With ``as_json`` the bar is transient, and hidden unless stderr is a terminal. Messages are
    shown verbatim (no rich markup), and the bar is removed when the body raises, so that an
    error is reported on one line.
    """
    progress = Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=as_json,
        disable=as_json and not err.is_terminal,
    )
    with progress:
        bar = progress.add_task("starting", total=None)

        def report(message: str, done: int, total: int) -> None:
            progress.update(bar, description=message, completed=done, total=total)

        try:
            yield report
        except BaseException:
            progress.remove_task(bar)  # the error line stays the only output
            raise
