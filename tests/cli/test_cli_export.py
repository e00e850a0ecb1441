"""``tasknas export``: a training run (retrained with --quick), a tabular run (untrained, and
said so), a ``fuse`` and an ``mtl`` result folder; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tasknas.tanas import TaskDictionary

TINY = ("--channels", "4", "--layers", "1")
MTL_TINY = ("--n-train", "64", "--n-test", "32", "--epochs", "1", "--pretrain-epochs", "0")
CARD = {"arch", "space", "task", "input_shape", "num_classes", "class_names", "normalisation",
        "trained", "test_accuracy", "format", "tasknas_version"}  # fmt: skip


@pytest.fixture(scope="module")
def train_run(cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    rng = np.random.default_rng(0)
    y = np.arange(120) % 3
    x = rng.integers(0, 200, (120, 12, 12), dtype=np.uint8)
    for k in range(3):
        x[y == k, 4 * k : 4 * k + 3, 2:10] = 250
    np.savez(folder / "bars.npz", x_train=x, y_train=y, classes=np.array(["a", "b", "c"]))
    run = folder / "run"
    made = cli(
        "search", "--benchmark", "train", "--tasks", str(folder / "bars.npz"), "--strategy",
        "random", "--budget", "1", "--evaluator", "standalone", "--epochs", "1", "--n-train",
        "32", *TINY, "--out", str(run), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    return run


def test_training_run_is_retrained_and_exported(cli, train_run: Path, tmp_path: Path) -> None:
    outcome = cli("export", str(train_run), "--quick", "--format", "state-dict",
                  "--out", str(tmp_path), "--json")  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    (net,) = outcome.json()["networks"]
    assert set(net) >= CARD and net["trained"] is True and net["format"] == "state-dict"
    assert net["input_shape"] == [1, 12, 12] and net["class_names"] == ["a", "b", "c"]
    assert 0 <= net["test_accuracy"] <= 100 and net["normalisation"]["mean"] is None
    assert net["check"]["on"] == "test split" and net["check"]["same_predictions"] == 1.0
    assert net["check"]["max_abs_diff"] < 1e-4
    assert {Path(p).suffix for p in net["paths"].values()} == {".pt", ".py", ".json"}
    card = json.loads(Path(net["paths"]["card"]).read_text(encoding="utf-8"))
    assert card["arch"] == net["arch"] and card["files"]["definition"].endswith(".py")
    assert card["extra"]["quick"] is True
    assert card["extra"]["stem_stride"] is None  # --quick keeps the search's network
    task = str(train_run.parent / "bars.npz")  # a file's task is named by its path
    again = cli("export", str(train_run), "--quick", "--out", str(tmp_path), "--task", task)
    assert again.exit_code == 0, again.stderr
    assert f"overwrote {tmp_path / 'bars_npz.pt'}" in again.stderr  # torchscript over state dict


def test_tabular_run_exports_an_untrained_network_and_says_so(cli, tmp_path: Path) -> None:
    run = tmp_path / "nb"
    made = cli("search", "--benchmark", "nb201", "--tasks", "cifar100", "--budget", "3",
               "--out", str(run), "--json")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    outcome = cli("export", str(run), "--input-shape", "3,8,8", "--classes", "7", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    assert "warning:" in outcome.stderr and "freshly initialised" in outcome.stderr
    (net,) = outcome.json()["networks"]
    assert net["trained"] is False and net["test_accuracy"] is None
    assert (net["input_shape"], net["num_classes"], net["space"]) == ([3, 8, 8], 7, "nb201")
    assert net["check"]["on"] == "random inputs" and net["check"]["same_predictions"] == 1.0
    cli("export", str(run), "--input-shape", "3,8").usage_error("--input-shape")
    huge = ("--input-shape", "3,100000,100000")
    cli("export", str(run), *huge).usage_error("30,000,000,000 values", "16,777,216")
    cli("export", str(run), "--classes", "99999999999").usage_error("--classes", "99999999999")
    cli("export", str(run), "--device", "foo").usage_error("'foo'", "auto, cpu, cuda, mps")
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    cli("export", str(run), "--out", str(afile)).usage_error(f"--out {afile} is a file")
    assert afile.read_text(encoding="utf-8") == "x"


def test_mtl_result_keeps_its_network_for_export(cli, tmp_path: Path) -> None:
    keep = tmp_path / "mtl"
    made = cli("mtl", "--dataset", "multimnist", *MTL_TINY, "--plot", str(tmp_path / "e.png"),
               "--out", str(keep), "--json")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert (keep / "network.pt").is_file() and (keep / "network.json").is_file()
    outcome = cli("export", str(keep), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (net,) = outcome.json()["networks"]
    assert net["task"] == "left,right" and set(net["test_accuracy"]) == {"left", "right"}
    assert len(net["num_classes"]) == 2 and net["check"]["same_predictions"] == 1.0
    cli("export", str(keep), "--task", "left").usage_error("one network for all its tasks")
    meta = json.loads((keep / "network.json").read_text(encoding="utf-8"))
    del meta["arch"]
    (keep / "network.json").write_text(json.dumps(meta), encoding="utf-8")
    cli("export", str(keep)).usage_error("cannot read the kept network", "lacks 'arch'")


def test_fuse_result_keeps_its_network_for_export(
    cli, tiny_dictionary: TaskDictionary, tmp_path: Path
) -> None:
    keep = tmp_path / "fuse"
    made = cli("fuse", "--target", "mnist:2", "--dir", str(tiny_dictionary.root), "--json",
               "--rounds", "1", "--final-epochs", "1", "--out", str(keep))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    outcome = cli("export", str(keep), "--format", "state-dict", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (net,) = outcome.json()["networks"]
    assert net["arch"] == made.json()["arch"] and net["task"] == "mnist:2"
    assert net["test_accuracy"] == pytest.approx(100 - made.json()["test_error"])
    assert net["check"]["same_predictions"] == 1.0 and net["check"]["max_abs_diff"] < 1e-4


def test_bad_input_is_one_line_exit_2(cli, train_run: Path, tmp_path: Path) -> None:
    cli("export", str(train_run), "--format", "keras").usage_error("keras", "torchscript")
    cli("export", str(train_run), "--task", "nope").usage_error("nope", "bars.npz")
    cli("export", str(tmp_path / "missing")).usage_error("missing")
    cli("export", str(tmp_path)).usage_error("no run store")
    cli("export", str(train_run), "--classes", "3").usage_error("--classes")


def test_a_run_with_nothing_evaluated_is_one_line_for_export_and_final(cli, tmp_path) -> None:
    """A train run whose every proposal was over --max-params stores settings and no trial
    (the search stops when nothing new fits): nothing to retrain, said in one line."""
    from tasknas.experiment import RunSettings
    from tasknas.storage import SQLiteStore

    runs = {
        "nb": RunSettings(benchmark="nb201", tasks=("cifar10",), strategy="re", budget=3),
        "tr": RunSettings(benchmark="train", tasks=("mnist:0",), budget=3, max_params=1),
    }
    for name, settings in runs.items():
        with SQLiteStore(tmp_path / name / "run.sqlite", create=True) as store:
            store.save_settings(settings.to_dict())
    nb, tr = tmp_path / "nb", tmp_path / "tr"
    why = "the run stopped before its first evaluation"
    cli("export", str(nb)).usage_error(f"{nb} holds no evaluated architecture ({why})")
    over = "every architecture proposed was over --max-params 1"
    cli("export", str(tr), "--quick").usage_error(f"{tr} holds no evaluated architecture", over)
    cli("final", str(tr), "--quick").usage_error(over, "nothing to retrain")
    assert sorted(p.name for p in tr.iterdir()) == ["run.sqlite"]
