"""Shared CLI plumbing: consoles, error handling, JSON output."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tasknas._json import dumps
from tasknas._progress import Progress as ProgressFn
from tasknas._validation import check_output_dir
from tasknas.errors import DataFileError, InvalidSettingError, TasknasError

if TYPE_CHECKING:
    from tasknas.evaluator import TaskScorer

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
    """One JSON object on stdout, floats rounded by ``json_ready`` (the one place tasknas
    rounds JSON numbers)."""
    print(dumps(data))  # noqa: T201 - the CLI prints


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


class _PlainFormatter(logging.Formatter):
    """``warning: message`` on one line (a record's newlines folded), for a stderr that is
    not a terminal: a log or a pipe gets one line per record, which rich would wrap."""

    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(super().format(record).split())
        return f"{record.levelname.lower()}: {message}"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes to the ``sys.stderr`` of the moment (a test runner or a
    redirection may have replaced it since the handler was made)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler.__init__ assigns it
        pass


def configure_logging(verbose: bool) -> None:
    """Send tasknas log records to stderr (INFO with -v, else WARNING): through rich on a
    terminal, else one plain line per record (``_PlainFormatter``)."""
    logger = logging.getLogger("tasknas")
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    if any(getattr(h, "_tasknas_cli", False) for h in logger.handlers):
        return
    handler: logging.Handler
    if err.is_terminal:
        handler = RichHandler(console=err, show_path=False)
    else:
        handler = _StderrHandler()
        handler.setFormatter(_PlainFormatter())
    handler._tasknas_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


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
            # the error line stays the only output: no bar, and not the blank line that
            # rich's Progress.stop prints off a terminal
            progress.remove_task(bar)
            progress.live.transient = True
            progress.live.stop()
            progress.disable = True
            raise


def best_values_text(scorer: TaskScorer, best: Mapping[str, float]) -> str:
    """``"cifar10=91.23 room_layout=0.6011"``: each task's best *objective* so far, shown in
    the task's own units (``Task.value``: a loss as a loss, as every table shows it)."""
    return " ".join(f"{task}={scorer.task(task).value(value):.4g}" for task, value in best.items())


def check_plot_path(path: Path, flag: str = "--plot") -> bool:
    """``path`` checked as a figure the command can write, before any work: not a folder,
    with a suffix matplotlib writes, in a folder that exists or can be made and is writable
    (``check_output_dir``). Returns whether the file exists already (it will be overwritten).

    Raises:
        InvalidSettingError: one line naming ``flag``, the path and what is wrong.
    """
    if path.is_dir():
        raise InvalidSettingError(
            f"{flag} {path} is a folder; name a file in it, e.g. {path / 'figure.png'}"
        )
    from matplotlib.backend_bases import FigureCanvasBase  # matplotlib: only when run

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    if path.suffix.lower().lstrip(".") not in formats:
        raise InvalidSettingError(
            f"{flag} {path}: unknown figure format {path.suffix or '(no suffix)'!r}; end the "
            f"name with one of: {', '.join('.' + f for f in formats)}"
        )
    check_output_dir(path.parent, f"{flag} {path}: the folder")
    return path.exists()


def save_plot(draw: Callable[[Path], object], path: Path, existed: bool, as_json: bool) -> None:
    """Write the figure with ``draw(path)``, then say so: ``wrote PATH`` (on stdout, or on
    stderr beside ``--json``), and ``overwrote PATH`` on stderr where a file was replaced.

    Raises:
        DataFileError: the file cannot be written after all (a full disk, a race).
    """
    try:
        draw(path)
    except OSError as error:
        raise DataFileError(f"cannot write {path}: {error.strerror or error}") from None
    announce_written([path], {path} if existed else set(), as_json)


def default_folder_name(env: str, fallback: str) -> str:
    """How an error names a folder the user did not give as a flag: the environment
    variable that set it, else ``fallback`` (the built-in default)."""
    return env if os.environ.get(env) else fallback


def check_network_folder(keep: Path, given: bool) -> None:
    """The folder where ``fuse`` or ``mtl`` keep their network (``--out`` when ``given``,
    else their default one): a folder that can be written and holds no search run, whose
    network ``export`` would no longer find."""
    from tasknas.storage import STORE_FILE

    check_output_dir(keep, "--out" if given else "the default folder")
    if (keep / STORE_FILE).exists():
        raise InvalidSettingError(
            f"{keep} holds a search run ({STORE_FILE}); keep this network in another folder (--out)"
        )


def files_in(folder: Path) -> set[Path]:
    """The files in ``folder`` now (none if it does not exist): what a command that writes
    there may overwrite, taken before it writes (``announce_written``)."""
    return {p for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()


def announce_written(paths: Iterable[Path], existed: set[Path], as_json: bool = False) -> None:
    """Say what a command wrote: ``wrote PATH`` (on stdout, or on stderr beside ``--json``),
    and ``overwrote PATH`` on stderr for each path in ``existed`` (never silently replaced)."""
    for path in paths:
        replaced = Path(path) in existed
        if replaced:
            err.print(f"overwrote {path}", markup=False, soft_wrap=True)
        if not as_json:
            out.print(f"wrote {path}", markup=False)
        elif not replaced:
            err.print(f"wrote {path}", markup=False, soft_wrap=True)


def warn(line: str | None) -> None:
    """Print a warning line (``chance_warning``'s) on stderr, if there is one."""
    if line is not None:
        err.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)
