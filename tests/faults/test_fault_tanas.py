"""TA-NAS commands on broken dictionaries, bad output paths and chance-level results (issue 13).

Cases per command:

- ``distance``: 6 cases: an ε-network file that is garbage, truncated, empty, a pickle that
  ``weights_only`` loading refuses, or tensors of another network (one line naming the file
  and the command that rebuilds the task, exit 2, no training, the dictionary unchanged; the
  rebuild command then works); 5 cases of ``--plot``: a path under a file, a folder, an
  unknown suffix, under a read-only folder (skipped as root), an existing file (written,
  ``overwrote PATH`` on stderr).
- ``fuse``: 3 cases: a refused ε-network file (as ``distance``), a winner at chance level
  (one warning line, exit 0), a winner above chance (no warning).
- ``dictionary build``: 2 cases, ``dictionary add``: 2 cases: an ε-network at chance level
  (one warning line, exit 0, the task stored); ``--dir`` that is a file (one line, exit 2,
  before any training, the file unchanged). Corrupt ``index.json`` files are in
  ``tests/unit/test_tanas.py``; folders outside the dictionary in ``test_fault_paths.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

from cli_lines import one_error_line, stderr_lines
from tasknas.cli import app
from tasknas.tanas import TaskDictionary
from tiny_tanas import TINY

TASK = "mnist:0"  # a task of the tiny dictionary, whose file the cases break

needs_non_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders"
)


class Refused:
    """A custom class: ``torch.load(weights_only=True)`` refuses a pickle holding one."""


def _cli(*args: str) -> Any:
    env = {"NO_COLOR": "1", "TERM": "dumb", "TASKNAS_DICTIONARY_DIR": None}
    return CliRunner(env=env).invoke(app, list(args))


def _one_warning_line(result: Any, *needles: str) -> str:
    assert result.exit_code == 0, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("warning: "), lines
    for needle in ("no better than chance", *needles):
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def folder(tiny_dictionary: TaskDictionary, tmp_path: Path) -> Path:
    """A copy of the session's tiny dictionary, free to break."""
    return Path(shutil.copytree(tiny_dictionary.root, tmp_path / "dictionary"))


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a target ε-network is trained (every check comes before that)."""

    def trained(*args: object, **kwargs: object) -> None:
        raise AssertionError("an ε-network was trained before the check")

    monkeypatch.setattr("tasknas.tanas._distance.train_epsnet", trained)


def _epsnet(folder: Path) -> Path:
    dictionary = TaskDictionary(folder)
    return folder / dictionary.entry(TASK).folder / "epsnet.pt"


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _refused(path: Path) -> None:
    torch.save({"weights": Refused()}, path)


def _other_tensors(path: Path) -> None:
    torch.save({"conv.weight": torch.zeros(3, 3)}, path)


BREAKS = {
    "garbage": (_garbage, "truncated, or not a torch file"),
    "truncated": (_truncated, "truncated"),
    "empty": (_empty, "empty or truncated"),
    "refused-pickle": (_refused, "weights_only=True loading refuses"),
    "other-tensors": (_other_tensors, "does not hold the weights"),
}


@pytest.mark.usefixtures("no_training")
@pytest.mark.parametrize(("breaks", "why"), BREAKS.values(), ids=BREAKS.keys())
def test_distance_names_a_broken_epsnet_and_how_to_rebuild(folder: Path, breaks, why) -> None:
    path = _epsnet(folder)
    breaks(path)
    before = _files(folder)
    result = _cli("distance", "--target", "mnist:1", "--dir", str(folder))
    rebuild = f"tasknas dictionary add {TASK} --dir {folder} --rebuild"
    one_error_line(result, str(path), f"task '{TASK}'", why, rebuild)
    assert _files(folder) == before


def test_the_rebuild_command_repairs_the_dictionary(folder: Path) -> None:
    _refused(_epsnet(folder))
    line = one_error_line(_cli("distance", "--target", "mnist:1", "--dir", str(folder)))
    command = line.split("`")[1].split()[1:]  # the command the message names, without tasknas
    assert _cli(*command).exit_code == 0
    assert TaskDictionary(folder).load_epsnet(TASK).head.out_features == 2
    assert _cli("distance", "--target", "mnist:1", "--dir", str(folder)).exit_code == 0


@pytest.mark.usefixtures("no_training")
def test_fuse_names_a_broken_epsnet(folder: Path) -> None:
    path = _epsnet(folder)
    _refused(path)
    before = _files(folder)
    result = _cli("fuse", "--target", "mnist:2", "--dir", str(folder))
    one_error_line(result, str(path), "tasknas dictionary add", "--rebuild")
    assert _files(folder) == before


# -- distance --plot ----------------------------------------------------------------------


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path


@pytest.mark.usefixtures("no_training")
def test_plot_under_a_file(folder: Path, a_file: Path) -> None:
    plot = a_file / "heatmap.png"
    result = _cli("distance", "--target", "mnist:1", "--dir", str(folder), "--plot", str(plot))
    one_error_line(result, f"--plot {plot}", "is a file")
    assert a_file.read_text() == "not a folder"


@pytest.mark.usefixtures("no_training")
def test_plot_is_a_folder(folder: Path, tmp_path: Path) -> None:
    result = _cli("distance", "--target", "mnist:1", "--dir", str(folder), "--plot", str(tmp_path))
    one_error_line(result, f"--plot {tmp_path}", "is a folder")


@pytest.mark.usefixtures("no_training")
def test_plot_with_an_unknown_suffix(folder: Path, tmp_path: Path) -> None:
    plot = tmp_path / "heatmap.xyz"
    result = _cli("distance", "--target", "mnist:1", "--dir", str(folder), "--plot", str(plot))
    one_error_line(result, "'.xyz'", ".png", ".pdf")
    assert not plot.exists()


@needs_non_root
@pytest.mark.usefixtures("no_training")
def test_plot_under_a_read_only_folder(folder: Path, tmp_path: Path) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        plot = str(read_only / "heatmap.png")
        result = _cli("distance", "--target", "mnist:1", "--dir", str(folder), "--plot", plot)
        one_error_line(result, "not writable")
    finally:
        read_only.chmod(0o755)


def test_plot_overwrites_and_says_so(folder: Path, tmp_path: Path) -> None:
    plot = tmp_path / "heatmap.png"
    plot.write_bytes(b"an earlier figure")
    args = ("distance", "--target", "mnist:1", "--dir", str(folder), "--plot", str(plot))
    result = _cli(*args, "--json")
    assert result.exit_code == 0, result.output
    assert stderr_lines(result.stderr) == [f"overwrote {plot}"]
    assert plot.read_bytes()[:4] == b"\x89PNG"
    table = _cli(*args)
    assert table.exit_code == 0, table.output
    assert stderr_lines(table.stderr) == [f"overwrote {plot}"]
    assert f"wrote {plot}" in table.stdout


# -- chance level -------------------------------------------------------------------------


def _fuse_scoring(monkeypatch: pytest.MonkeyPatch, test_error: float) -> None:
    """The real ``run_fuse``, its winner's test error replaced by ``test_error``."""
    import tasknas.tanas as tanas

    real = tanas.run_fuse

    def scored(*args: object, **kwargs: object) -> dict[str, Any]:
        return {**real(*args, **kwargs), "test_error": test_error}

    monkeypatch.setattr(tanas, "run_fuse", scored)


def test_fuse_at_chance_warns(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fuse_scoring(monkeypatch, 49.0)  # binary task: chance is 50 % error, 2 points margin
    result = _cli("fuse", "--target", "mnist:2", "--dir", str(folder))
    _one_warning_line(result, "mnist:2", "49.00 %", "--rounds", "--final-epochs")
    assert "test error" in result.stdout  # the run went on


def test_fuse_above_chance_does_not_warn(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fuse_scoring(monkeypatch, 47.0)
    result = _cli("fuse", "--target", "mnist:2", "--dir", str(folder), "--json")
    assert result.exit_code == 0, result.output
    lines = stderr_lines(result.stderr)
    assert lines and all(line.startswith("wrote ") for line in lines), lines  # the network
    assert result.stdout.count("47.0") == 1


@pytest.fixture
def epsnet_at_chance(monkeypatch: pytest.MonkeyPatch) -> None:
    """ε-networks trained for real, their accuracy reported as 0.5 (chance on two classes)."""
    import tasknas.tanas._dictionary as module

    real = module.train_epsnet

    def at_chance(*args: Any, **kwargs: Any) -> tuple[Any, float]:
        return real(*args, **kwargs)[0], 0.5

    monkeypatch.setattr(module, "train_epsnet", at_chance)


@pytest.mark.usefixtures("epsnet_at_chance")
def test_build_warns_of_an_epsnet_at_chance(folder: Path) -> None:
    before = TaskDictionary(folder).names()
    result = _cli("dictionary", "build", "--dir", str(folder), "--tasks", "mnist:2", "--json")
    _one_warning_line(result, "ε-network of mnist:2: accuracy 50.0 %", "n_train", "cnn_epochs")
    assert TaskDictionary(folder).names() == [*before, "mnist:2"]
    assert TaskDictionary(folder).settings() == TINY


@pytest.mark.usefixtures("epsnet_at_chance")
def test_add_warns_of_an_epsnet_at_chance(folder: Path) -> None:
    result = _cli("dictionary", "add", "mnist:3", "--dir", str(folder))
    _one_warning_line(result, "ε-network of mnist:3: accuracy 50.0 %")
    assert "mnist:3" in TaskDictionary(folder).names()


@pytest.mark.parametrize("command", ["build", "add"])
def test_dictionary_dir_that_is_a_file(a_file: Path, command: str, monkeypatch) -> None:
    def trained(*args: object, **kwargs: object) -> None:
        raise AssertionError("an ε-network was trained before the check")

    monkeypatch.setattr("tasknas.tanas._dictionary.train_epsnet", trained)
    task = ["--tasks", "mnist:0"] if command == "build" else ["mnist:0"]
    result = _cli("dictionary", command, *task, "--dir", str(a_file))
    one_error_line(result, f"--dir {a_file} is a file, not a folder")
    assert a_file.read_text() == "not a folder"
