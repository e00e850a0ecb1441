"""The SQLite run store: one file per run directory, one committed row per trial."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasknas.errors import CorruptStoreError, RunStoreError
from tasknas.storage._base import RunStore, TrialRecord
from tasknas.trial import Result, Status

#: File name of the store inside a run directory.
STORE_FILE = "run.sqlite"
SCHEMA_VERSION = 1

#: SQLite error names of a write the file system refused (disk full, file size limit, I/O
#: error, read-only file): the store is intact, the write did not happen.
_WRITE_FAILURES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    number      INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL,
    task        TEXT NOT NULL,
    arch        TEXT NOT NULL,
    status      TEXT NOT NULL,
    objective   REAL,
    metrics     TEXT NOT NULL,
    cost        REAL NOT NULL,
    error       TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL NOT NULL,
    UNIQUE (task, arch)
);
"""


class SQLiteStore(RunStore):
    """A ``RunStore`` in ``<run_dir>/run.sqlite``.

    Each ``add`` is its own committed transaction, so a process killed at any moment leaves
    every finished trial on disk and never a half-written one. Rows are only inserted, never
    updated or deleted.

    Tables are created only with ``create=True`` in a new (or empty) database: opening an
    existing file never writes to it, and a file without the tables of a tasknas store is
    refused as it is. Rows that tasknas could not have written (bad JSON, an unknown status,
    a value of the wrong type) raise ``CorruptStoreError`` naming the file and the trial.

    Args:
        path: the database file.
        create: create the file and its tables if it does not exist (else a missing file is
            an error).

    Raises:
        RunStoreError: the file is missing, is not a tasknas run store, or has another
            schema version.
        CorruptStoreError: the file is not a database, or lacks a table of the store.
    """

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise RunStoreError(f"no run store at {self.path}; start a new run with this --out")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunStoreError(
                f"cannot create the folder of run store {self.path}: {exc.strerror or exc}"
            ) from None
        try:
            self._db = sqlite3.connect(self.path)
        except sqlite3.DatabaseError as exc:
            raise RunStoreError(f"cannot open run store {self.path}: {exc}") from exc
        try:
            self._check_schema(create)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if _write_failed(exc):
                raise self._write_error(exc) from None
            raise CorruptStoreError(
                f"run store {self.path} is corrupted or not a tasknas store: {exc}"
            ) from exc
        except RunStoreError:
            self._db.close()
            raise

    def _check_schema(self, create: bool) -> None:
        """Create the tables of an empty database (``create``), else check they are there."""
        tables = {
            name
            for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables and create:
            # one transaction: a reader (or a crash) never sees tables without their version
            self._db.executescript(
                f"BEGIN; {_SCHEMA} "
                f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
            )
            return
        if "meta" not in tables:
            raise RunStoreError(f"{self.path} is not a tasknas run store (it has no meta table)")
        version = self._meta("schema_version")
        if version is None:
            raise CorruptStoreError(
                f"run store {self.path} is corrupted: its meta table has no schema_version"
            )
        if version != str(SCHEMA_VERSION):
            raise RunStoreError(
                f"run store {self.path} has schema version {version}; this tasknas reads "
                f"version {SCHEMA_VERSION}"
            )
        if "trials" not in tables:
            raise CorruptStoreError(f"run store {self.path} is corrupted: it has no trials table")

    @property
    def run_id(self) -> str:
        return self.path.parent.name

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def settings(self) -> dict[str, Any] | None:
        try:
            text = self._meta("settings")
        except sqlite3.DatabaseError as exc:
            raise CorruptStoreError(f"run store {self.path} is corrupted: {exc}") from exc
        if text is None:
            return None
        try:
            settings = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise CorruptStoreError(
                f"run store {self.path} is corrupted: its run settings are not valid JSON ({exc})"
            ) from None
        if not isinstance(settings, dict):
            raise CorruptStoreError(
                f"run store {self.path} is corrupted: its run settings are a JSON "
                f"{type(settings).__name__}, not an object"
            )
        return settings

    def _write_error(self, exc: sqlite3.DatabaseError) -> RunStoreError:
        """The error of a write the file system refused: it names the file, SQLite's error and
        the space left, and says that what the store held is kept."""
        try:
            free = f"{shutil.disk_usage(self.path.parent).free:,} bytes free on its disk"
        except OSError:
            free = "free space unknown"
        name = getattr(exc, "sqlite_errorname", type(exc).__name__)
        return RunStoreError(
            f"cannot write run store {self.path}: the disk is full or the write failed "
            f"({name}: {exc}; {free}); nothing stored in it is lost: free space and run "
            "again (--resume continues a run)"
        )

    def _failed(self, exc: sqlite3.DatabaseError) -> RunStoreError:
        """A write failure (``_write_error``) or else a corrupted store."""
        if _write_failed(exc):
            return self._write_error(exc)
        return RunStoreError(f"run store {self.path} is corrupted: {exc}")

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        try:
            with self._db:
                self._db.execute("INSERT INTO meta VALUES ('settings', ?)", (json.dumps(settings),))
        except sqlite3.IntegrityError:
            raise RunStoreError(f"run store {self.path} already holds run settings") from None
        except sqlite3.DatabaseError as exc:
            raise self._failed(exc) from exc

    def update_settings(self, settings: Mapping[str, Any]) -> None:
        try:
            with self._db:
                changed = self._db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'settings'", (json.dumps(settings),)
                ).rowcount
        except sqlite3.DatabaseError as exc:
            raise self._failed(exc) from exc
        if not changed:
            raise RunStoreError(f"run store {self.path} holds no run settings to update")

    def add(self, record: TrialRecord) -> bool:
        result = record.result
        objective = result.objective if math.isfinite(result.objective) else None
        try:
            with self._db:
                # The key is (task, arch) whatever the run directory is called now.
                if self._db.execute(
                    "SELECT 1 FROM trials WHERE task = ? AND arch = ?", (record.task, record.arch)
                ).fetchone():
                    return False
                self._db.execute(
                    "INSERT INTO trials VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        record.number,
                        self.run_id,
                        record.task,
                        record.arch,
                        result.status.value,
                        objective,
                        json.dumps(dict(result.metrics)),
                        result.cost,
                        result.error,
                        record.started_at,
                        record.finished_at,
                    ),
                )
        except sqlite3.IntegrityError:
            raise RunStoreError(
                f"run store {self.path} already holds another trial numbered {record.number}"
            ) from None
        except sqlite3.DatabaseError as exc:
            raise self._failed(exc) from exc
        return True

    def records(self) -> list[TrialRecord]:
        try:
            rows = self._db.execute(
                "SELECT number, task, arch, status, objective, metrics, cost, error, "
                "started_at, finished_at FROM trials ORDER BY number"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise CorruptStoreError(f"run store {self.path} is corrupted: {exc}") from exc
        records = []
        for row in rows:
            try:
                records.append(_record(row))
            except ValueError as exc:
                raise CorruptStoreError(
                    f"run store {self.path} is corrupted: trial {row[0]!r}: {exc}"
                ) from None
        return records

    def close(self) -> None:
        self._db.close()


def _write_failed(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite's error is the file system refusing a write (not a damaged file)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, sqlite3.OperationalError) and name.startswith(_WRITE_FAILURES)


def _number(column: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{column} is {value!r}, not a number")
    return float(value)


def _text(column: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{column} is {value!r}, not text")
    return value


def _record(row: tuple[Any, ...]) -> TrialRecord:
    """The record of one ``trials`` row (``ValueError`` says what is wrong with it)."""
    number, task, arch, status, objective, metrics, cost, error, started, finished = row
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError(f"number is {number!r}, not an integer")
    try:
        state = Status(status)
    except ValueError:
        valid = ", ".join(s.value for s in Status)
        raise ValueError(f"unknown status {status!r} (valid: {valid})") from None
    try:
        values = json.loads(_text("metrics", metrics))
    except json.JSONDecodeError as exc:
        raise ValueError(f"metrics are not valid JSON ({exc})") from None
    if not isinstance(values, dict):
        raise ValueError(f"metrics are a JSON {type(values).__name__}, not an object")
    for name, value in values.items():
        _number(f"metric {name!r}", value)
    return TrialRecord(
        number=number,
        task=_text("task", task),
        arch=_text("arch", arch),
        result=Result(
            objective=-math.inf if objective is None else _number("objective", objective),
            metrics=values,
            cost=_number("cost", cost),
            status=state,
            error=_text("error", error),
        ),
        started_at=_number("started_at", started),
        finished_at=_number("finished_at", finished),
    )
