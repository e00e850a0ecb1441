"""The ``tasknas`` Typer application."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tasknas import __version__
from tasknas.cli._common import configure_logging, fail, out
from tasknas.cli._compare import compare
from tasknas.cli._draw import draw
from tasknas.cli._export import export
from tasknas.cli._final import final
from tasknas.cli._info import info
from tasknas.cli._mtl import mtl
from tasknas.cli._query import query
from tasknas.cli._report import report
from tasknas.cli._runs import runs
from tasknas.cli._search import search
from tasknas.cli._tanas import dictionary_app, distance, fuse

# click's base exception, found through typer's public BadParameter whether typer uses the
# click package or its own copy of it.
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

app = typer.Typer(
    name="tasknas",
    help="Neural architecture search across tasks.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # plain click help: flags show as flags (`--json`, not `--json <bool>`), and the
    # "[default: ...]" of help texts is not swallowed as rich markup
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"tasknas {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    configure_logging(verbose)


app.command()(search)
app.command()(info)
app.command()(runs)
app.command()(report)
app.command()(query)
app.command()(compare)
app.command()(mtl)
app.command()(final)
app.command()(export)
app.add_typer(dictionary_app)
app.command()(distance)
app.command()(fuse)
app.command()(draw)


def main() -> None:
    """Entry point of the ``tasknas`` script.

    Usage errors found by the option parser (``--budget abc``) get the same one-line
    ``error: ...`` form and exit code 2 as tasknas's own errors.
    """
    try:
        code = app(standalone_mode=False)
    except ClickException as exc:
        if exc.format_message():  # empty when `tasknas` alone printed the help
            fail(_with_given_value(exc))
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _with_given_value(exc: Exception) -> str:
    """The parser's message, with the value given where the parser left it out (typer's
    validation says "Input should be a valid integer" without the input)."""
    message = exc.format_message()  # type: ignore[attr-defined]
    errors = getattr(exc.__cause__, "errors", None)
    try:
        given = errors()[0]["input"] if callable(errors) else None
    except (IndexError, KeyError, TypeError):
        given = None
    if given is None or repr(given) in message:
        return message
    return f"{message}, got {given!r}"
