"""Exceptions raised by tasknas.

Every message names the bad value and, where there is a fixed set, the valid choices, so a
user can fix the call from the message alone.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CorruptStoreError",
    "DataFileError",
    "InvalidArchitectureError",
    "InvalidSettingError",
    "MissingDependencyError",
    "RunStoreError",
    "TasknasError",
    "UnknownNameError",
]


class TasknasError(Exception):
    """Base class of every error tasknas raises on purpose."""


class UnknownNameError(TasknasError, ValueError):
    """A name (benchmark, task, strategy, space, executor, ...) is not registered."""

    def __init__(self, kind: str, name: str, choices: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.choices = tuple(choices)
        super().__init__(f"unknown {kind} {name!r}; valid choices: {', '.join(self.choices)}")

    def __reduce__(self) -> tuple[type[UnknownNameError], tuple[str, str, tuple[str, ...]]]:
        # rebuilt from its fields, so it survives pickling (process pools, Ray)
        return (type(self), (self.kind, self.name, self.choices))


class InvalidArchitectureError(TasknasError, ValueError):
    """An architecture string or value does not belong to the search space."""


class InvalidSettingError(TasknasError, ValueError):
    """A run setting (budget, seed, workers, ...) has a value outside its valid range."""


class MissingDependencyError(TasknasError, ImportError):
    """An optional dependency (an extra such as ``tasknas[ray]``) is not installed."""


class DataFileError(TasknasError, OSError):
    """A data file is missing or cannot be read."""


class RunStoreError(TasknasError):
    """A run store is missing, corrupted, or does not match the run asked for."""


class CorruptStoreError(RunStoreError):
    """A run store's file holds a row or table tasknas did not write (names the file and row)."""
