"""The ``tasknas`` command line (a thin layer over the library)."""

from tasknas.cli._app import app, main

__all__ = ["app", "main"]
