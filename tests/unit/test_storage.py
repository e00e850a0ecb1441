"""The SQLite run store: durability, reopening, and errors that name the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tasknas.errors import RunStoreError
from tasknas.storage import STORE_FILE, InMemoryStore, SQLiteStore, TrialRecord
from tasknas.trial import Result


def _record(number: int, arch: str, objective: float = 50.0) -> TrialRecord:
    return TrialRecord(number, "cifar10", arch, Result(objective, {"valid_acc": objective}, 2.0))


def test_records_and_settings_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "run-a" / STORE_FILE
    with SQLiteStore(path, create=True) as store:
        store.save_settings({"budget": 3, "tasks": ["cifar10"]})
        assert store.add(_record(1, "x"))
        assert store.add(_record(2, "y", 60.0))
        assert store.run_id == "run-a"
    with SQLiteStore(path) as store:
        assert store.settings() == {"budget": 3, "tasks": ["cifar10"]}
        assert store.records() == [_record(1, "x"), _record(2, "y", 60.0)]
        assert store.add(_record(3, "x")) is False
        with pytest.raises(RunStoreError, match="already holds run settings"):
            store.save_settings({"budget": 4})


def test_each_add_is_committed(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    store = SQLiteStore(path, create=True)
    store.add(_record(1, "x"))
    # another connection sees the row before this one is closed
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT COUNT(*) FROM trials").fetchone() == (1,)
    other.close()
    store.close()


def test_missing_file_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / STORE_FILE
    with pytest.raises(RunStoreError) as info:
        SQLiteStore(path)
    assert str(path) in str(info.value)
    assert not path.parent.exists(), "a failed open must not create folders"


def test_corrupted_file(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    path.write_bytes(b"this is not an sqlite database, just some bytes" * 100)
    with pytest.raises(RunStoreError) as info:
        SQLiteStore(path)
    assert str(path) in str(info.value)
    assert "corrupted" in str(info.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    path.mkdir()
    with pytest.raises(RunStoreError) as info:
        SQLiteStore(path)
    assert str(path) in str(info.value)


def test_other_schema_version(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    SQLiteStore(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(RunStoreError, match="schema version 99") as info:
        SQLiteStore(path)
    assert str(path) in str(info.value)


def test_a_foreign_sqlite_database_is_usable_only_if_compatible(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE trials (x INTEGER)")
    db.close()
    with pytest.raises(RunStoreError) as info, SQLiteStore(path) as store:
        store.records()
    assert str(path) in str(info.value)


def test_in_memory_store_settings_are_copied() -> None:
    store = InMemoryStore()
    settings = {"budget": 3}
    store.save_settings(settings)
    settings["budget"] = 4
    assert store.settings() == {"budget": 3}


def test_key_survives_renaming_the_run_directory(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "old" / STORE_FILE, create=True) as store:
        store.add(_record(1, "x"))
    (tmp_path / "old").rename(tmp_path / "new")
    with SQLiteStore(tmp_path / "new" / STORE_FILE) as store:
        assert store.add(_record(2, "x", 99.0)) is False
        assert store.add(_record(2, "y")) is True
        assert [r.arch for r in store.records()] == ["x", "y"]
        assert store.records()[0].result.objective == 50.0


def test_writes_to_a_foreign_trials_table_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    SQLiteStore(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE trials")
        db.execute("CREATE TABLE trials (number INTEGER, task TEXT, arch TEXT)")
    db.close()
    with SQLiteStore(path) as store:
        with pytest.raises(RunStoreError) as info:
            store.add(_record(1, "x"))
        assert str(path) in str(info.value)
