"""Lazy name -> factory registries.

A registry maps public names to ``"module:attribute"`` strings and imports the module only
when the name is used, so listing strategies never imports torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from tasknas.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """A read-only map from names to lazily imported objects of one kind."""

    def __init__(self, kind: str, entries: dict[str, str]) -> None:
        self.kind = kind
        self._entries = dict(entries)

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def get(self, name: str) -> T:
        """The object registered under ``name``.

        Raises:
            UnknownNameError: ``name`` is not registered; the message lists the valid names.
        """
        try:
            target = self._entries[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._entries) from None
        module_name, _, attribute = target.partition(":")
        obj: Any = getattr(importlib.import_module(module_name), attribute)
        return obj
