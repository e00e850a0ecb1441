"""The SQLite run store: one file per run directory, one committed row per trial."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasknas.errors import RunStoreError
from tasknas.storage._base import RunStore, TrialRecord
from tasknas.trial import Result, Status

#: File name of the store inside a run directory.
STORE_FILE = "run.sqlite"
SCHEMA_VERSION = 1

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

    Args:
        path: the database file.
        create: create the file if it does not exist (else a missing file is an error).
    """

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise RunStoreError(f"no run store at {self.path}; start a new run with this --out")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path)
        except sqlite3.DatabaseError as exc:
            raise RunStoreError(f"cannot open run store {self.path}: {exc}") from exc
        try:
            self._db.executescript(_SCHEMA)
            version = self._meta("schema_version")
            if version is None:
                with self._db:
                    self._db.execute(
                        "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                    )
            elif version != str(SCHEMA_VERSION):
                raise RunStoreError(
                    f"run store {self.path} has schema version {version}; this tasknas reads "
                    f"version {SCHEMA_VERSION}"
                )
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise RunStoreError(
                f"run store {self.path} is corrupted or not a tasknas store: {exc}"
            ) from exc
        except RunStoreError:
            self._db.close()
            raise

    @property
    def run_id(self) -> str:
        return self.path.parent.name

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def settings(self) -> dict[str, Any] | None:
        text = self._meta("settings")
        return None if text is None else json.loads(text)

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        try:
            with self._db:
                self._db.execute("INSERT INTO meta VALUES ('settings', ?)", (json.dumps(settings),))
        except sqlite3.IntegrityError:
            raise RunStoreError(f"run store {self.path} already holds run settings") from None
        except sqlite3.DatabaseError as exc:
            raise RunStoreError(f"run store {self.path} is corrupted: {exc}") from exc

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
            raise RunStoreError(f"run store {self.path} is corrupted: {exc}") from exc
        return True

    def records(self) -> list[TrialRecord]:
        try:
            rows = self._db.execute(
                "SELECT number, task, arch, status, objective, metrics, cost, error, "
                "started_at, finished_at FROM trials ORDER BY number"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise RunStoreError(f"run store {self.path} is corrupted: {exc}") from exc
        return [
            TrialRecord(
                number=n,
                task=task,
                arch=arch,
                result=Result(
                    objective=-math.inf if obj is None else obj,
                    metrics=json.loads(metrics),
                    cost=cost,
                    status=Status(status),
                    error=error,
                ),
                started_at=t0,
                finished_at=t1,
            )
            for n, task, arch, status, obj, metrics, cost, error, t0, t1 in rows
        ]

    def close(self) -> None:
        self._db.close()
