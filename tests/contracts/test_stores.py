"""Both run stores pass the ``RunStore`` contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tasknas.storage import InMemoryStore, RunStore, SQLiteStore
from tasknas.testing import RunStoreContract


class TestInMemoryStore(RunStoreContract):
    @pytest.fixture
    def store(self) -> RunStore:
        return InMemoryStore()


class TestSQLiteStore(RunStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[RunStore]:
        with SQLiteStore(tmp_path / "run" / "run.sqlite", create=True) as store:
            yield store
