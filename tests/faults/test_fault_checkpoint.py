"""A bad supernet checkpoint on resume is ignored (with a warning) and its epochs retrained.

A tiny two-task supernet search is run once; each test copies it, forgets its last
generation (as if the run had been killed after training that epoch but before recording
it), damages every checkpoint in ``supernets/``, and resumes. The resumed run must record no
failed trial, and score the forgotten generation exactly as the run left alone did.


Cases per command: search --resume (library ``run_experiment``): 8 (a good checkpoint loaded;
garbage, truncated, empty, a pickle refused by ``weights_only``, not a dict, another
network's weights, another optimizer's state: each ignored with one warning and retrained);
``tasknas search --resume`` (CLI): 1 (a garbage checkpoint: exit 0, same result)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

from run_rows import store_rows
from tasknas.cli import app
from tasknas.experiment import RunSettings, run_experiment
from tasknas.storage import STORE_FILE

#: Tiny networks and data: the whole search takes a few seconds.
OPTIONS: dict[str, Any] = {
    "channels": 4,
    "layers": 1,
    "n_train": 64,
    "n_val": 32,
    "n_test": 32,
    "batch_size": 32,
}
SETTINGS = RunSettings(
    benchmark="train",
    tasks=("mnist", "fashion_mnist"),
    strategy="ktnas",
    budget=4,
    strategy_options={"population_size": 3, "offspring_size": 1, "candidates": 5, "n": 1},
    benchmark_options=OPTIONS,
)
#: Trials 1-6 are generation 0 (3 per task); 7-8 generation 1, forgotten before resuming.
KEEP = 6


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("checkpoint") / "run"
    run_experiment(SETTINGS, run_dir)
    assert len(_checkpoints(run_dir)) == 2
    return run_dir


def _checkpoints(run_dir: Path) -> list[Path]:
    return sorted((run_dir / "supernets").glob("*.pt"))


def _scores(run_dir: Path) -> list[tuple[Any, ...]]:
    """Each trial's number, task, arch, status and objective (not its timings)."""
    return [row[:5] for row in store_rows(run_dir)]


def _forget_last_generation(run_dir: Path) -> None:
    db = sqlite3.connect(run_dir / STORE_FILE)
    try:
        with db:
            db.execute("DELETE FROM trials WHERE number > ?", (KEEP,))
    finally:
        db.close()


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a checkpoint\xff" * 64)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _refused_pickle(path: Path) -> None:
    """The right checkpoint plus an object ``weights_only`` refuses to unpickle."""
    saved = torch.load(path, weights_only=True)
    saved["extra"] = Fraction(1, 3)
    torch.save(saved, path)


def _not_a_dict(path: Path) -> None:
    torch.save([1, 2, 3], path)


def _network_mismatch(path: Path) -> None:
    """The right digest, but a state dict that does not fit the supernet."""
    saved = torch.load(path, weights_only=True)
    names = list(saved["network"])
    saved["network"] = {
        name: torch.zeros(1) if i == len(names) - 1 else value
        for i, (name, value) in enumerate(saved["network"].items())
        if i != 0
    }
    torch.save(saved, path)


def _optimizer_mismatch(path: Path) -> None:
    """The right digest and network, but momentum buffers of the wrong shape."""
    saved = torch.load(path, weights_only=True)
    for state in saved["optimizer"]["state"].values():
        state["momentum_buffer"] = torch.zeros(1)
    torch.save(saved, path)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": _garbage,
    "truncated": _truncated,
    "empty": _empty,
    "refused-pickle": _refused_pickle,
    "not-a-dict": _not_a_dict,
    "network-mismatch": _network_mismatch,
    "optimizer-mismatch": _optimizer_mismatch,
}


def _damaged_copy(finished: Path, tmp_path: Path, damage: Callable[[Path], None]) -> Path:
    run_dir = Path(shutil.copytree(finished, tmp_path / "run"))
    _forget_last_generation(run_dir)
    for path in _checkpoints(run_dir):
        damage(path)
    return run_dir


def test_a_good_checkpoint_is_loaded_on_this_resume(
    finished: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The control: undamaged, the checkpoints are what the resumed run starts from."""
    run_dir = _damaged_copy(finished, tmp_path, lambda path: None)
    with caplog.at_level(logging.INFO, logger="tasknas"):
        run_experiment(SETTINGS, run_dir, resume=True)
    assert caplog.text.count("loaded checkpoint") == 2
    assert _scores(run_dir) == _scores(finished)


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_resume_retrains_past_a_bad_checkpoint(
    finished: Path,
    tmp_path: Path,
    damage: Callable[[Path], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run_dir = _damaged_copy(finished, tmp_path, damage)
    with caplog.at_level(logging.WARNING, logger="tasknas"):
        run_experiment(SETTINGS, run_dir, resume=True)
    rows = _scores(run_dir)
    assert [row[3] for row in rows] == ["complete"] * 8, rows
    assert rows == _scores(finished)  # same archs and scores as the run left alone
    warned = [
        r for r in caplog.records if r.levelno == logging.WARNING and "checkpoint" in r.getMessage()
    ]  # (the tiny budget also warns that it gives few generations)
    assert len(warned) == 2, caplog.text  # one per task's checkpoint
    assert all("retraining" in r.getMessage() for r in warned)
    # the bad checkpoints were replaced by good ones
    for path in _checkpoints(run_dir):
        assert isinstance(torch.load(path, weights_only=True)["digest"], str)


def test_cli_resume_past_a_garbage_checkpoint_exits_0(finished: Path, tmp_path: Path) -> None:
    run_dir = _damaged_copy(finished, tmp_path, _garbage)
    outcome = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(
        app, ["search", "--resume", "--out", str(run_dir), "--json"]
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert _scores(run_dir) == _scores(finished)
