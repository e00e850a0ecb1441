"""Reading a run store's trial rows from tests, read-only, while a search may be writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def store_rows(run_dir: Path) -> list[tuple[Any, ...]]:
    """Every trial row of a run store: (number, task, arch, status, objective, metrics)."""
    db = sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(
            "SELECT number, task, arch, status, objective, metrics FROM trials ORDER BY number"
        ).fetchall()
    finally:
        db.close()


def count_rows(store: Path) -> int:
    """The trials recorded in ``store`` so far (0 while it is missing, new or busy)."""
    if not store.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:  # not created yet, or busy
        return 0
