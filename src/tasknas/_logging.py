"""Library logging: one ``tasknas`` logger, no handlers configured at import.

The host application decides where records go. ``set_verbosity`` is a convenience for scripts.
"""

from __future__ import annotations

import logging

_ROOT = "tasknas"


def get_logger(name: str) -> logging.Logger:
    """The logger for a tasknas module (``name`` is the module's ``__name__``)."""
    return logging.getLogger(name if name.startswith(_ROOT) else f"{_ROOT}.{name}")


def set_verbosity(level: int | str) -> None:
    """Set the level of the ``tasknas`` logger (``logging.INFO``, ``"DEBUG"``, ...)."""
    logging.getLogger(_ROOT).setLevel(level)


logging.getLogger(_ROOT).addHandler(logging.NullHandler())
