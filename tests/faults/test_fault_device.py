"""``--device`` on every training command: a device this machine lacks, or an unknown name, is
refused in one line before any data is loaded or anything trained or written (issue 14).

Cases per command (cuda is made unavailable, so the cases hold on a GPU machine too):

- ``search --benchmark train``: 3 cases: ``--device cuda`` (one line naming cuda and
  ``--device cpu or auto``, exit 2, no data loaded, no run directory), ``--device tpu`` (one
  line naming the valid choices), ``--device`` with a tabular benchmark (train-only flag).
- ``final``: 3 cases on a run stored with device ``cuda``: ``final`` (the stored device is
  refused in one line, nothing written), ``final --device cpu`` (trains, writes final.md),
  ``report`` (reads the run without the stored device).
- ``mtl``, ``dictionary build``, ``dictionary add``, ``distance``, ``fuse``: 1 case each:
  ``--device cuda`` (one line, exit 2, nothing loaded, trained or written).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

from cli_lines import one_error_line
from tasknas.cli import app
from tasknas.storage import STORE_FILE, SQLiteStore
from tasknas.tanas import TaskDictionary

NO_CUDA = ("cuda is not available on this machine", "--device cpu or auto")
TINY = ["--channels", "4", "--layers", "1", "--n-train", "64"]


def _cli(*args: str) -> Any:
    env = {"NO_COLOR": "1", "TERM": "dumb", "TASKNAS_DICTIONARY_DIR": None}
    return CliRunner(env=env).invoke(app, list(args))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine has no CUDA (whatever it really has)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def no_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if image data is loaded (the device check comes before that)."""

    def loaded(*args: object, **kwargs: object) -> None:
        raise AssertionError("data was loaded before the device check")

    for name in ("load_image_task", "load_multitask_set"):
        monkeypatch.setattr(f"tasknas.tasks.{name}", loaded)
    monkeypatch.setattr("tasknas.tanas._dictionary.load_task", loaded)


@pytest.mark.usefixtures("no_cuda", "no_data")
def test_search_refuses_cuda_before_loading_data(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _cli(
        "search", "--benchmark", "train", "--tasks", "mnist:0", *TINY, "--device", "cuda",
        "--budget", "2", "--out", str(out),
    )  # fmt: skip
    one_error_line(result, *NO_CUDA)
    assert not out.exists()


@pytest.mark.usefixtures("no_data")
def test_search_refuses_an_unknown_device(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _cli(
        "search", "--benchmark", "train", "--tasks", "mnist:0", "--device", "tpu",
        "--out", str(out),
    )  # fmt: skip
    one_error_line(result, "unknown device 'tpu'", "valid choices: auto, cpu, cuda, mps")
    assert not out.exists()


def test_search_refuses_device_with_a_tabular_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _cli("search", "--benchmark", "nb201", "--device", "cpu", "--out", str(out))
    one_error_line(result, "--device only apply to a training benchmark", "'nb201'")
    assert not out.exists()


@pytest.fixture(scope="module")
def cuda_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny finished run, then stored as if made with ``--device cuda``."""
    run = tmp_path_factory.mktemp("device") / "run"
    result = _cli(
        "search", "--benchmark", "train", "--tasks", "mnist:0", *TINY, "--evaluator",
        "standalone", "--epochs", "1", "--budget", "2", "--out", str(run), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with SQLiteStore(run / STORE_FILE) as store:
        settings = store.settings()
        assert settings is not None
        settings["benchmark_options"]["device"] = "cuda"
        store.update_settings(settings)
    return run


@pytest.fixture
def run_copy(cuda_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(cuda_run, tmp_path / "run"))


@pytest.mark.usefixtures("no_cuda")
def test_final_refuses_the_stored_cuda_before_training(run_copy: Path) -> None:
    before = _files(run_copy)
    one_error_line(_cli("final", str(run_copy), "--epochs", "1"), *NO_CUDA)
    assert _files(run_copy) == before


@pytest.mark.usefixtures("no_cuda")
def test_final_refuses_device_cuda_given(run_copy: Path) -> None:
    before = _files(run_copy)
    one_error_line(_cli("final", str(run_copy), "--epochs", "1", "--device", "cuda"), *NO_CUDA)
    assert _files(run_copy) == before


@pytest.mark.usefixtures("no_cuda")
def test_a_cuda_run_is_finalised_with_device_cpu(run_copy: Path) -> None:
    result = _cli("final", str(run_copy), "--epochs", "1", "--device", "cpu", "--json")
    assert result.exit_code == 0, result.output
    assert (run_copy / "final.md").is_file()


@pytest.mark.usefixtures("no_cuda")
def test_a_cuda_run_is_reported_without_cuda(run_copy: Path, tmp_path: Path) -> None:
    result = _cli("report", str(run_copy), "--out", str(tmp_path / "report"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "summary.md").is_file()


@pytest.mark.usefixtures("no_cuda", "no_data")
def test_mtl_refuses_cuda_before_loading_data(tmp_path: Path) -> None:
    plot = tmp_path / "edges.png"
    result = _cli("mtl", "--dataset", "multimnist", "--device", "cuda", "--plot", str(plot))
    one_error_line(result, *NO_CUDA)
    assert not plot.exists()


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if an ε-network is trained or a dictionary task built."""

    def trained(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained before the device check")

    monkeypatch.setattr("tasknas.tanas._distance.train_epsnet", trained)
    monkeypatch.setattr("tasknas.tanas._dictionary._build_entry", trained)


@pytest.mark.usefixtures("no_cuda", "no_data", "no_training")
@pytest.mark.parametrize(
    "command", [["dictionary", "build", "--tasks", "mnist:0"], ["dictionary", "add", "mnist:0"]]
)
def test_dictionary_refuses_cuda_before_building(command: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "dictionary"
    one_error_line(_cli(*command, "--dir", str(folder), "--device", "cuda"), *NO_CUDA)
    assert not folder.exists() or not _files(folder)


@pytest.fixture
def folder(tiny_dictionary: TaskDictionary, tmp_path: Path) -> Path:
    """A copy of the session's tiny dictionary."""
    return Path(shutil.copytree(tiny_dictionary.root, tmp_path / "dictionary"))


@pytest.mark.usefixtures("no_cuda", "no_data", "no_training")
@pytest.mark.parametrize("command", [["distance"], ["fuse"]])
def test_tanas_refuses_cuda_before_training(command: list[str], folder: Path) -> None:
    before = _files(folder)
    result = _cli(*command, "--target", "mnist:2", "--dir", str(folder), "--device", "cuda")
    one_error_line(result, *NO_CUDA)
    assert _files(folder) == before
