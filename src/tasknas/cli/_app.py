"""The ``tasknas`` Typer application."""

from __future__ import annotations

from typing import Annotated

import typer

from tasknas.cli._common import configure_logging
from tasknas.cli._info import info
from tasknas.cli._report import report
from tasknas.cli._search import search

app = typer.Typer(
    name="tasknas",
    help="Neural architecture search across tasks.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")
    ] = False,
) -> None:
    configure_logging(verbose)


app.command()(search)
app.command()(info)
app.command()(report)


def main() -> None:
    """Entry point of the ``tasknas`` script."""
    app()
