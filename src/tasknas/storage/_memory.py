"""A run store kept in memory (benchmarks, tests, throw-away runs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasknas.errors import RunStoreError
from tasknas.storage._base import RunStore, TrialRecord


class InMemoryStore(RunStore):
    """A ``RunStore`` that lives as long as the object."""

    def __init__(self) -> None:
        self._settings: dict[str, Any] | None = None
        self._records: dict[tuple[str, str], TrialRecord] = {}
        self._numbers: set[int] = set()

    def settings(self) -> dict[str, Any] | None:
        return None if self._settings is None else dict(self._settings)

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        if self._settings is not None:
            raise RunStoreError("run settings are already saved in this store")
        self._settings = dict(settings)

    def update_settings(self, settings: Mapping[str, Any]) -> None:
        if self._settings is None:
            raise RunStoreError("no run settings are saved in this store")
        self._settings = dict(settings)

    def add(self, record: TrialRecord) -> bool:
        if record.key in self._records:
            return False
        if record.number in self._numbers:
            raise RunStoreError(f"the store already holds another trial numbered {record.number}")
        self._records[record.key] = record
        self._numbers.add(record.number)
        return True

    def records(self) -> list[TrialRecord]:
        return sorted(self._records.values(), key=lambda r: r.number)
