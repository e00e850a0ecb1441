"""A full disk while a search writes its store: one line saying the write failed (never "the
run store is corrupted"), exit 2, the stored trials intact, and the run resumes exactly.

The disk is filled without root: the search runs in a subprocess whose largest file size is
capped (``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored so a write past it fails with ``EFBIG``).

Cases per command: search: 2 (the disk fills during the run: trials kept, resume ends as a
run left alone; the disk is full before the store exists: no half-made store is left).
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE"),
]

SEARCH = ["search", "--tasks", "cifar10", "--strategy", "random", "--budget", "300", "--json"]
ROWS = "SELECT number, task, arch, status, objective, metrics FROM trials ORDER BY number"


def _tasknas(args: list[str], limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-c", "import sys; from tasknas.cli import main; sys.exit(main())", *args],
        preexec_fn=None if limit is None else cap,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1", "TERM": "dumb"},
    )


def _write_failed(proc: subprocess.CompletedProcess[str], store: Path) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: cannot write run store {store}: the disk is full")
    assert "disk I/O error" in lines[0] and "corrupted" not in lines[0]


def _rows(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute(ROWS).fetchall()


def test_search_disk_full_during_the_run_keeps_the_trials_and_resumes(tmp_path: Path) -> None:
    run, alone = tmp_path / "run", tmp_path / "alone"
    store = run / "run.sqlite"
    _write_failed(_tasknas([*SEARCH, "--out", str(run)], limit=10 * 4096), store)
    kept = _rows(store)
    assert 0 < len(kept) < 300
    assert [row[0] for row in kept] == list(range(1, len(kept) + 1))
    resumed = _tasknas(["search", "--out", str(run), "--resume", "--json"])
    assert resumed.returncode == 0, resumed.stderr
    assert _tasknas([*SEARCH, "--out", str(alone)]).returncode == 0
    assert _rows(store)[: len(kept)] == kept
    assert _rows(store) == _rows(alone / "run.sqlite")


def test_search_disk_full_before_the_store_exists_leaves_none(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _write_failed(_tasknas([*SEARCH, "--out", str(run)], limit=100), run / "run.sqlite")
    assert not (run / "run.sqlite").exists()
    assert _tasknas([*SEARCH, "--out", str(run)]).returncode == 0
