"""``tasknas mtl`` on bad figure paths and chance-level results, and the chance-level check
shared by ``mtl``, ``fuse`` and ``dictionary build|add`` (issue 13).

Cases per command:

- ``mtl``: 6 cases of the figure path: ``--plot`` under a file, a folder, an unknown suffix,
  under a read-only folder (skipped as root), the default path under a file (one line, exit 2,
  before loading data or training), an existing file (written, ``overwrote PATH`` on stderr);
  2 cases of chance level: a task at chance (one warning line naming it, exit 0), every task
  above chance (no warning).
- ``at_chance`` / ``chance_warning`` (the library check): 2 cases: the threshold for 2 and 10
  classes, and the warning line.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli_lines import one_error_line, stderr_lines
from tasknas.cli import app
from tasknas.oneshot import CHANCE_MARGIN, at_chance, chance_warning

TINY = ("--n-train", "64", "--n-test", "32", "--epochs", "1", "--pretrain-epochs", "0")

needs_non_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders"
)


def _cli(*args: str, runs: Path | None = None) -> Any:
    env = {"NO_COLOR": "1", "TERM": "dumb"}
    if runs is not None:  # otherwise the temporary folder tests/conftest.py sets
        env["TASKNAS_RUNS_DIR"] = str(runs)
    return CliRunner(env=env).invoke(app, list(args))


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the data is loaded or anything trained (the path is checked first)."""

    def worked(*args: object, **kwargs: object) -> None:
        raise AssertionError("data loaded or a network trained before the check")

    monkeypatch.setattr("tasknas.tasks.load_multitask_set", worked)
    monkeypatch.setattr("tasknas.oneshot.mtl_search", worked)


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path


@pytest.mark.usefixtures("no_work")
def test_plot_under_a_file(a_file: Path) -> None:
    plot = a_file / "edges.png"
    one_error_line(_cli("mtl", "--dataset", "multimnist", "--plot", str(plot)), "is a file")
    assert a_file.read_text() == "not a folder"


@pytest.mark.usefixtures("no_work")
def test_plot_is_a_folder(tmp_path: Path) -> None:
    result = _cli("mtl", "--dataset", "multimnist", "--plot", str(tmp_path))
    one_error_line(result, f"--plot {tmp_path}", "is a folder")


@pytest.mark.usefixtures("no_work")
def test_plot_with_an_unknown_suffix(tmp_path: Path) -> None:
    plot = tmp_path / "edges.svgx"
    result = _cli("mtl", "--dataset", "multimnist", "--plot", str(plot))
    one_error_line(result, "'.svgx'", ".png", ".svg")
    assert not plot.exists()


@pytest.mark.usefixtures("no_work")
def test_default_plot_under_a_file(a_file: Path) -> None:
    # the default figure lies in $TASKNAS_RUNS_DIR, here a file: checked all the same
    one_error_line(_cli("mtl", "--dataset", "multimnist", runs=a_file), "is a file")


@needs_non_root
@pytest.mark.usefixtures("no_work")
def test_plot_under_a_read_only_folder(tmp_path: Path) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        plot = str(read_only / "sub" / "edges.png")
        one_error_line(_cli("mtl", "--dataset", "multimnist", "--plot", plot), "not writable")
    finally:
        read_only.chmod(0o755)


def test_plot_overwrites_and_says_so(tmp_path: Path) -> None:
    plot = tmp_path / "edges.png"
    plot.write_bytes(b"an earlier figure")
    result = _cli("mtl", "--dataset", "multimnist", *TINY, "--plot", str(plot), "--json")
    assert result.exit_code == 0, result.output
    assert f"overwrote {plot}" in stderr_lines(result.stderr)
    assert f"wrote {plot}" not in stderr_lines(result.stderr)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def _scoring(monkeypatch: pytest.MonkeyPatch, left: float, right: float) -> None:
    """The real ``mtl_search``, its searched network's accuracies (%) replaced."""
    import tasknas.oneshot as oneshot

    real = oneshot.mtl_search

    def scored(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        accuracy = {t: dict(v) for t, v in result.accuracy.items()}
        accuracy["left"]["searched"], accuracy["right"]["searched"] = left, right
        return dataclasses.replace(result, accuracy=accuracy)

    monkeypatch.setattr(oneshot, "mtl_search", scored)


def test_a_task_at_chance_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _scoring(monkeypatch, 11.5, 60.0)  # multimnist: 10 classes per task, chance 10 %
    plot = tmp_path / "edges.png"
    result = _cli("mtl", "--dataset", "multimnist", *TINY, "--plot", str(plot), runs=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("warning: no better than chance"), lines
    assert "task left: accuracy 11.5 %" in lines[0] and "right" not in lines[0]
    assert "--epochs" in lines[0] and "--n-train" in lines[0]
    assert f"wrote {plot}" in result.stdout and plot.is_file()  # the run went on


def test_no_warning_above_chance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _scoring(monkeypatch, 12.5, 60.0)
    plot = tmp_path / "edges.png"
    result = _cli("mtl", "--dataset", "multimnist", *TINY, "--plot", str(plot), runs=tmp_path)
    assert result.exit_code == 0, result.output
    assert stderr_lines(result.stderr) == []


@pytest.mark.parametrize(
    ("accuracy", "classes", "expected"),
    [
        (0.5, 2, True),
        (0.5 + CHANCE_MARGIN, 2, True),
        (0.53, 2, False),
        (0.0, 2, True),
        (0.12, 10, True),
        (0.13, 10, False),
        (0.0, 1, False),  # one class: nothing to guess
    ],
)
def test_at_chance_threshold(accuracy: float, classes: int, expected: bool) -> None:
    assert at_chance(accuracy, classes) is expected


def test_chance_warning_names_only_the_scores_at_chance() -> None:
    assert chance_warning({"a": (0.9, 2), "b": (0.2, 10)}, "raise --epochs") is None
    line = chance_warning({"a": (0.5, 2), "b": (0.9, 2), "c": (0.1, 10)}, "raise --epochs")
    assert line is not None and "\n" not in line
    assert "a: accuracy 50.0 %, chance 50.0 % (2 classes)" in line
    assert "c: accuracy 10.0 %, chance 10.0 % (10 classes)" in line
    assert "b:" not in line and line.endswith("; raise --epochs")
