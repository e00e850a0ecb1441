"""Lazy package exports: a package names what it exports and where each name lives, and the
defining module is imported on first access (PEP 562).

``import tasknas`` or ``from tasknas.tanas import DEFAULT_BASE_TASKS`` then costs only the
modules really used, so commands that need no torch, gensim, sklearn or matplotlib never
import them (``tests/unit/test_imports.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose public names are ``exports``
    (name → module, relative to ``package`` when it starts with a dot).

    Usage in a package's ``__init__``::

        __getattr__, __dir__ = lazy_exports(__name__, {"Runner": ".runner"})
    """

    def __getattr__(name: str) -> Any:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        importlib.import_module(package).__dict__[name] = value  # later lookups are direct
        return value

    def __dir__() -> list[str]:
        return sorted(set(exports) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__
