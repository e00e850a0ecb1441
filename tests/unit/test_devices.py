"""``resolve_device`` (the one check of every ``--device``), the device reaching the code that
trains, and ``--quick`` on ``search --benchmark train`` and ``mtl`` (issue 14).

CUDA and MPS are made present or absent with monkeypatch, so these tests check the choice and
the plumbing on any machine; real CUDA training is checked on a GPU machine separately.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from typer.testing import CliRunner

from tasknas._torch import DEVICES, resolve_device
from tasknas.cli import app
from tasknas.cli._search import _settings
from tasknas.cli._train_options import MTL_QUICK, SEARCH_QUICK, quick_settings
from tasknas.errors import InvalidSettingError
from tasknas.storage import STORE_FILE, SQLiteStore

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _cli(*args: str) -> Any:
    return CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(app, list(args))


def _machine(monkeypatch: pytest.MonkeyPatch, *, cuda: bool, mps: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_auto_picks_cuda_then_mps_then_cpu(
    monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool, expected: str
) -> None:
    _machine(monkeypatch, cuda=cuda, mps=mps)
    assert resolve_device("auto") == torch.device(expected)


def test_auto_is_the_cpu_on_a_machine_without_accelerators() -> None:
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        pytest.skip("this machine has an accelerator")
    assert resolve_device("auto").type == "cpu"


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_a_missing_device_is_refused_naming_the_way_out(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _machine(monkeypatch, cuda=False, mps=False)
    with pytest.raises(InvalidSettingError) as error:
        resolve_device(name)
    assert str(error.value) == f"{name} is not available on this machine; use --device cpu or auto"


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_a_present_device_is_returned(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    _machine(monkeypatch, cuda=True, mps=True)
    assert resolve_device(name) == torch.device(name)


@pytest.mark.parametrize("name", ["tpu", "CUDA", "", "cuda:0"])
def test_an_unknown_name_lists_the_valid_ones(name: str) -> None:
    with pytest.raises(InvalidSettingError) as error:
        resolve_device(name)
    assert str(error.value) == f"unknown device {name!r}; valid choices: {', '.join(DEVICES)}"


def test_an_evaluator_stored_with_cuda_opens_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run made with --device cuda can be read back anywhere; loading its data refuses."""
    from tasknas.benchmarks.train import TrainingEvaluator

    _machine(monkeypatch, cuda=False, mps=False)
    bench = TrainingEvaluator("nb201", ["mnist:0"], device="cuda", n_train=32)
    assert bench.settings()["device"] == "cuda"
    with pytest.raises(InvalidSettingError, match="cuda is not available"):
        bench.prepare()
    with pytest.raises(InvalidSettingError, match="unknown device 'tpu'"):
        TrainingEvaluator("nb201", ["mnist:0"], device="tpu")


def test_search_passes_cuda_to_the_benchmark(monkeypatch: pytest.MonkeyPatch) -> None:
    """With CUDA present, ``--device cuda`` reaches the run's benchmark options."""
    _machine(monkeypatch, cuda=True, mps=False)
    seen: dict[str, Any] = {}

    def prepare_run(settings: Any, *args: object, **kwargs: object) -> None:
        seen.update(settings.benchmark_options)
        raise InvalidSettingError("stop")

    monkeypatch.setattr("tasknas.cli._search.prepare_run", prepare_run)
    result = _cli("search", "--benchmark", "train", "--tasks", "mnist:0", "--device", "cuda")
    assert result.exit_code == 2 and "stop" in result.stderr
    assert seen["device"] == "cuda"


def _fake_mtl(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Capture what ``tasknas mtl`` passes to the data loader and the search; stop there."""
    seen: dict[str, Any] = {}

    def load(dataset: str, **kwargs: Any) -> str:
        seen.update(kwargs)
        return dataset

    def search(task_set: object, *, settings: Any, **kwargs: object) -> None:
        seen["settings"] = settings
        raise InvalidSettingError("stop")

    monkeypatch.setattr("tasknas.tasks.load_multitask_set", load)
    monkeypatch.setattr("tasknas.oneshot.mtl_search", search)
    return seen


def test_mtl_passes_cuda_to_the_search(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _machine(monkeypatch, cuda=True, mps=False)
    seen = _fake_mtl(monkeypatch)
    plot = str(tmp_path / "edges.png")
    result = _cli("mtl", "--dataset", "multimnist", "--device", "cuda", "--plot", plot)
    assert result.exit_code == 2 and "stop" in result.stderr
    assert seen["settings"].device == "cuda"


def test_mtl_quick_sets_the_quick_values_and_flags_override_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = _fake_mtl(monkeypatch)
    plot = str(tmp_path / "edges.png")
    _cli("mtl", "--dataset", "multimnist", "--quick", "--plot", plot)
    quick = {
        "epochs": seen["settings"].epochs,
        "pretrain_epochs": seen["settings"].pretrain_epochs,
        "n_train": seen["n_train"],
        "n_test": seen["n_test"],
    }
    assert quick == MTL_QUICK
    assert seen["soft"] == {"n_train", "n_test"}  # caps, not sizes asked for
    _cli("mtl", "--dataset", "multimnist", "--quick", "--epochs", "3", "--n-test", "40",
         "--plot", plot)  # fmt: skip
    assert (seen["settings"].epochs, seen["n_test"]) == (3, 40)
    assert (seen["settings"].pretrain_epochs, seen["n_train"]) == (0, MTL_QUICK["n_train"])
    assert seen["soft"] == {"n_train"}


def test_quick_fills_only_the_flags_left_out() -> None:
    flags = {"n_train": None, "channels": 16, "layers": None, "epochs": None, "budget": None}
    supernet = quick_settings("train", None, flags)
    assert supernet == {**{k: SEARCH_QUICK[k] for k in ("n_train", "layers", "budget")},
                        "channels": 16, "epochs": None}  # fmt: skip
    standalone = quick_settings("train", "standalone", {**flags, "budget": 7})
    assert (standalone["epochs"], standalone["budget"]) == (SEARCH_QUICK["epochs"], 7)


def test_quick_is_refused_with_a_tabular_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _cli("search", "--benchmark", "nb201", "--quick", "--out", str(out))
    assert result.exit_code == 2
    lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
    assert lines == ["error: --quick only applies to a training benchmark (train), not to 'nb201'"]
    assert not out.exists()


def test_search_settings_with_quick_keep_the_flags_given() -> None:
    flags = dict.fromkeys(("space", "evaluator", "epochs", "layers", "device"))
    flags |= {"channels": 6, "n_train": None}
    settings = _settings("train", "mnist:0", None, 9, None, None, False, flags, quick=True)
    assert settings.budget == 9
    assert settings.benchmark_options == {
        "channels": 6,
        "n_train": SEARCH_QUICK["n_train"],
        "layers": SEARCH_QUICK["layers"],
    }


def test_search_quick_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = _cli(
        "search", "--benchmark", "train", "--tasks", "mnist:0", "--quick", "--out", str(out),
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["tasks"]["mnist:0"]
    assert row["evaluations"] == SEARCH_QUICK["budget"]
    with SQLiteStore(out / STORE_FILE) as store:
        stored = store.settings()
    assert stored is not None
    assert stored["benchmark_options"] == {
        k: SEARCH_QUICK[k] for k in ("n_train", "channels", "layers")
    }


def test_mtl_quick_runs_end_to_end(tmp_path: Path) -> None:
    plot = tmp_path / "edges.png"
    result = _cli("mtl", "--dataset", "multimnist", "--quick", "--plot", str(plot), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["tasks"]) == {"left", "right"}
    assert plot.is_file()
