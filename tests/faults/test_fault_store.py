"""A damaged or foreign ``run.sqlite``: one ``CorruptStoreError`` line naming the file and
the row, never a traceback or a silent restart; reading never writes to the file.

Cases per command: ``report``: 3 (an unknown status, settings not an object, no trials table:
one line, exit 2); ``search --resume``: 2 (no trials table, a corrupt row: refused, never
restarted); library ``SQLiteStore``: 13 (ten kinds of damaged rows and tables each one
``CorruptStoreError`` naming file and row; a foreign SQLite file and an empty file left
byte-identical; a new store still created)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasknas.cli import app
from tasknas.errors import CorruptStoreError, RunStoreError
from tasknas.experiment import RunSettings, load_settings, run_experiment
from tasknas.report import load_run
from tasknas.storage import STORE_FILE, SQLiteStore

SETTINGS = RunSettings(tasks=("cifar10",), budget=4)

#: SQL that damages a finished run, what the error must say, and the method that meets it.
DAMAGE = {
    "metrics-bad-json": (
        "UPDATE trials SET metrics = '{\"val_acc\": ' WHERE number = 2",
        ["trial 2", "metrics are not valid JSON"],
        "records",
    ),
    "metrics-not-an-object": (
        "UPDATE trials SET metrics = '[1, 2]' WHERE number = 3",
        ["trial 3", "metrics are a JSON list"],
        "records",
    ),
    "metric-not-a-number": (
        'UPDATE trials SET metrics = \'{"val_acc": "high"}\' WHERE number = 1',
        ["trial 1", "metric 'val_acc'", "not a number"],
        "records",
    ),
    "unknown-status": (
        "UPDATE trials SET status = 'exploded' WHERE number = 4",
        ["trial 4", "unknown status 'exploded'", "complete, failed"],
        "records",
    ),
    "objective-text": (
        "UPDATE trials SET objective = 'lots' WHERE number = 2",
        ["trial 2", "objective is 'lots'"],
        "records",
    ),
    "arch-not-text": (
        "UPDATE trials SET arch = x'00ff' WHERE number = 1",
        ["trial 1", "arch is b'\\x00\\xff', not text"],
        "records",
    ),
    "settings-bad-json": (
        "UPDATE meta SET value = '{\"budget\": ' WHERE key = 'settings'",
        ["run settings are not valid JSON"],
        "settings",
    ),
    "settings-not-an-object": (
        "UPDATE meta SET value = '[\"nb201\"]' WHERE key = 'settings'",
        ["run settings are a JSON list, not an object"],
        "settings",
    ),
    "no-trials-table": ("DROP TABLE trials", ["has no trials table"], "open"),
    "no-schema-version": (
        "DELETE FROM meta WHERE key = 'schema_version'",
        ["no schema_version"],
        "open",
    ),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _execute(path: Path, sql: str) -> None:
    db = sqlite3.connect(path)
    try:
        with db:
            db.execute(sql)
    finally:
        db.close()


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("store") / "run"
    run_experiment(SETTINGS, run_dir)
    return run_dir


def _damaged(finished: Path, tmp_path: Path, sql: str) -> Path:
    run_dir = Path(shutil.copytree(finished, tmp_path / "run"))
    _execute(run_dir / STORE_FILE, sql)
    return run_dir


def _foreign(tmp_path: Path) -> Path:
    """A run directory whose ``run.sqlite`` is some other program's database."""
    run_dir = tmp_path / "foreign"
    run_dir.mkdir()
    _execute(run_dir / STORE_FILE, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    _execute(run_dir / STORE_FILE, "INSERT INTO notes (text) VALUES ('keep me')")
    return run_dir


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(("sql", "fragments", "where"), DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_store_raises_one_line_naming_file_and_row(
    finished: Path, tmp_path: Path, sql: str, fragments: list[str], where: str
) -> None:
    run_dir = _damaged(finished, tmp_path, sql)
    path = run_dir / STORE_FILE
    before = _digest(path)
    with pytest.raises(CorruptStoreError) as info, SQLiteStore(path) as store:
        if where != "open":
            getattr(store, where)()
    message = str(info.value)
    assert "\n" not in message
    for fragment in [str(path), "corrupted", *fragments]:
        assert fragment in message, message
    # the same error, not a traceback, wherever the run is read
    with pytest.raises(CorruptStoreError):
        load_run(run_dir)
    assert _digest(path) == before


@pytest.mark.parametrize("name", ["unknown-status", "settings-not-an-object", "no-trials-table"])
def test_cli_report_on_a_damaged_store_exits_2(finished: Path, tmp_path: Path, name: str) -> None:
    sql, fragments, _ = DAMAGE[name]
    run_dir = _damaged(finished, tmp_path, sql)
    before = _digest(run_dir / STORE_FILE)
    code, stdout, stderr = _cli("report", str(run_dir))
    assert code == 2 and stdout == ""
    line = _one_error_line(stderr)
    for fragment in fragments:
        assert fragment in line, line
    assert _digest(run_dir / STORE_FILE) == before
    assert not (run_dir / "summary.md").exists()


def test_resume_without_a_trials_table_is_refused_not_restarted(
    finished: Path, tmp_path: Path
) -> None:
    run_dir = _damaged(finished, tmp_path, "DROP TABLE trials")
    before = _digest(run_dir / STORE_FILE)
    with pytest.raises(CorruptStoreError, match="has no trials table"):
        run_experiment(SETTINGS, run_dir, resume=True)
    code, stdout, stderr = _cli("search", "--resume", "--out", str(run_dir), "--json")
    assert code == 2 and stdout == ""
    assert "has no trials table" in _one_error_line(stderr)
    assert _digest(run_dir / STORE_FILE) == before


def test_resume_with_a_corrupt_row_is_refused(finished: Path, tmp_path: Path) -> None:
    run_dir = _damaged(finished, tmp_path, DAMAGE["unknown-status"][0])
    with pytest.raises(CorruptStoreError, match="trial 4: unknown status"):
        run_experiment(SETTINGS, run_dir, resume=True)


def test_reading_a_foreign_sqlite_file_leaves_it_byte_identical(tmp_path: Path) -> None:
    run_dir = _foreign(tmp_path)
    path = run_dir / STORE_FILE
    before = _digest(path)
    for read in (lambda: SQLiteStore(path).close(), lambda: load_settings(run_dir)):
        with pytest.raises(RunStoreError, match="not a tasknas run store") as info:
            read()
        assert str(path) in str(info.value)
    code, stdout, stderr = _cli("report", str(run_dir))
    assert code == 2 and stdout == ""
    assert "not a tasknas run store" in _one_error_line(stderr)
    code, _, stderr = _cli("search", "--resume", "--out", str(run_dir))
    assert code == 2 and "not a tasknas run store" in _one_error_line(stderr)
    assert _digest(path) == before
    assert sorted(p.name for p in run_dir.iterdir()) == [STORE_FILE]


def test_an_empty_file_is_not_a_store_and_stays_empty(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    path.write_bytes(b"")
    with pytest.raises(RunStoreError, match="not a tasknas run store"):
        SQLiteStore(path)
    assert path.read_bytes() == b""


def test_a_new_store_is_still_created(tmp_path: Path) -> None:
    path = tmp_path / "new" / STORE_FILE
    with SQLiteStore(path, create=True) as store:
        assert store.records() == [] and store.settings() is None
    with SQLiteStore(path) as store:  # and reads back as a tasknas store
        assert store.records() == []
