"""Output paths that cannot be written: one line, exit 2, checked before any work.

Cases per command: ``search --out`` (a file; a path under a file; a read-only folder),
``compare --plots`` (a file; a read-only folder), ``report --out`` (a file; a read-only folder;
the run's store is unchanged). Read-only cases are skipped as root, who can write anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasknas._validation import check_output_dir
from tasknas.cli import app
from tasknas.errors import InvalidSettingError
from tasknas.storage import STORE_FILE

needs_non_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders"
)


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def _one_error_line(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path


@pytest.fixture
def read_only(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("sub", ["", "sub"])
def test_search_out_is_a_file(a_file: Path, sub: str) -> None:
    out = a_file / sub if sub else a_file
    result = _cli("search", "--strategy", "re", "--budget", "3", "--out", str(out))
    _one_error_line(result, "--out", "is a file")
    assert a_file.read_text() == "not a folder"


@needs_non_root
def test_search_out_under_a_read_only_folder(read_only: Path) -> None:
    result = _cli("search", "--strategy", "re", "--budget", "3", "--out", str(read_only / "r"))
    _one_error_line(result, "not writable")


def test_compare_plots_is_a_file_fails_before_the_runs(a_file: Path) -> None:
    result = _cli(
        "compare", "--strategies", "re", "--seeds", "2", "--budget", "5", "--plots", str(a_file)
    )
    _one_error_line(result, "--plots", "is a file")


@needs_non_root
def test_compare_plots_under_a_read_only_folder(read_only: Path) -> None:
    result = _cli(
        "compare", "--strategies", "re", "--seeds", "1", "--budget", "5",
        "--plots", str(read_only / "p"),
    )  # fmt: skip
    _one_error_line(result, "not writable")


def test_report_out_is_a_file_keeps_the_run(tmp_path: Path, a_file: Path) -> None:
    run = tmp_path / "run"
    assert _cli("search", "--strategy", "re", "--budget", "3", "--out", str(run)).exit_code == 0
    before = (run / STORE_FILE).read_bytes()
    _one_error_line(_cli("report", str(run), "--out", str(a_file)), "--out", "is a file")
    assert (run / STORE_FILE).read_bytes() == before
    assert _cli("report", str(run), "--out", str(tmp_path / "rep")).exit_code == 0


@needs_non_root
def test_report_out_under_a_read_only_folder(tmp_path: Path, read_only: Path) -> None:
    run = tmp_path / "run"
    assert _cli("search", "--strategy", "re", "--budget", "3", "--out", str(run)).exit_code == 0
    _one_error_line(_cli("report", str(run), "--out", str(read_only / "x")), "not writable")


def test_check_output_dir_accepts_new_and_existing_folders(tmp_path: Path) -> None:
    assert check_output_dir(tmp_path) == tmp_path
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert not (tmp_path / "a").exists()  # checked, not created
    (tmp_path / "f").write_text("x")
    with pytest.raises(InvalidSettingError, match="--plots"):
        check_output_dir(tmp_path / "f", "--plots")
