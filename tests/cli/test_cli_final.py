"""``tasknas final`` (defaults, --quick, --baselines) and ``tasknas fuse --baselines``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tasknas.spaces import get_space
from tasknas.storage import STORE_FILE, SQLiteStore
from tasknas.tanas import TaskDictionary

#: CPU-tiny network and split sizes of the search.
TINY = ("--channels", "4", "--layers", "1")
FIELDS = {"task", "arch", "epochs", "val_acc", "test_acc", "params", "seconds", "baselines"}


@pytest.fixture(scope="module")
def shapes_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 12x12 images of 4 classes: 140 training, 30 validation and 30 test images."""
    path = tmp_path_factory.mktemp("data") / "shapes.npz"
    rng = np.random.default_rng(0)
    y = np.arange(200) % 4
    x = rng.integers(0, 200, (200, 12, 12), dtype=np.uint8)
    for k in range(4):
        x[y == k, 3 * k : 3 * k + 3, 2:10] = 250
    np.savez(path, x_train=x, y_train=y, classes=np.array(["a", "b", "c", "d"]))
    return path


@pytest.fixture(scope="module")
def run_dir(cli, shapes_npz: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished standalone search on the shapes task, 32 training images."""
    run = tmp_path_factory.mktemp("final") / "run"
    made = cli(
        "search", "--benchmark", "train", "--tasks", str(shapes_npz), "--strategy", "random",
        "--budget", "1", "--evaluator", "standalone", "--epochs", "1", "--n-train", "32",
        *TINY, "--out", str(run), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    return run


def test_final_quick_with_baselines_json(cli, run_dir: Path) -> None:
    outcome = cli("final", str(run_dir), "--quick", "--baselines", "cnn,resnet", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert {"run_dir", "epochs", "tasks", "report", "baselines"} <= set(data)
    assert data["epochs"] == 5 and data["baselines"] == ["cnn", "resnet"]
    (row,) = data["tasks"].values()
    assert set(row) >= FIELDS
    assert (row["n_train"], row["epochs_run"], row["patience"], row["max_shift"]) == (
        32,
        5,
        None,
        0,
    )
    assert list(row["baselines"]) == ["cnn", "resnet"]
    for name, base in row["baselines"].items():
        assert base["arch"] == name and 0 <= base["test_acc"] <= 100
        assert (base["n_train"], base["epochs"], base["patience"]) == (32, 5, None)
    assert row["baselines"]["cnn"]["params"] != row["baselines"]["resnet"]["params"]
    stored = json.loads((run_dir / "final.json").read_text(encoding="utf-8"))
    assert stored["tasks"] == data["tasks"]
    text = (run_dir / "final.md").read_text(encoding="utf-8")
    assert "## Hand-designed baselines" in text and "| resnet |" in text


def test_final_defaults_use_every_training_image_and_flags_override(cli, run_dir: Path) -> None:
    outcome = cli("final", str(run_dir), "--epochs", "2", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (row,) = outcome.json()["tasks"].values()
    assert (row["n_train"], row["epochs"], row["patience"], row["max_shift"]) == (140, 2, 10, 2)
    assert row["baselines"] == {} and outcome.json()["baselines"] == []
    given = cli("final", str(run_dir), "--quick", "--epochs", "1", "--n-train", "20", "--json")
    assert given.exit_code == 0, given.stderr
    (row,) = given.json()["tasks"].values()
    assert (row["n_train"], row["epochs"]) == (20, 1)


def test_final_table_lists_the_baselines(cli, run_dir: Path) -> None:
    args = ("final", str(run_dir), "--quick", "--epochs", "1", "--baselines", "cnn")
    outcome = cli(*args, env={"COLUMNS": "300"})
    assert outcome.exit_code == 0, outcome.stderr
    assert "baseline: cnn" in outcome.stdout and "final training" in outcome.stdout


def test_an_unknown_baseline_is_refused_before_training(cli, run_dir: Path) -> None:
    before = sorted(p.name for p in run_dir.iterdir())
    cli("final", str(run_dir), "--baselines", "cnn,vgg").usage_error("'vgg'", "cnn, resnet")
    cli("final", str(run_dir), "--baselines", "resnet:0").usage_error("'resnet:0'", "positive")
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_final_trains_a_baseline_at_another_width(cli, run_dir: Path) -> None:
    args = ("final", str(run_dir), "--quick", "--epochs", "1", "--json")
    outcome = cli(*args, "--baselines", "resnet:4,resnet")
    assert outcome.exit_code == 0, outcome.stderr
    (row,) = outcome.json()["tasks"].values()
    assert list(row["baselines"]) == ["resnet:4", "resnet"]
    narrow, full = row["baselines"]["resnet:4"], row["baselines"]["resnet"]
    assert narrow["arch"] == "resnet:4" and 0 <= narrow["test_acc"] <= 100
    assert narrow["params"] < full["params"] / 10  # about (4/16)² of the width-16 network


def test_fuse_retrains_the_baselines_beside_the_winner(
    cli, tiny_dictionary: TaskDictionary
) -> None:
    args = ("fuse", "--target", "mnist:2", "--dir", str(tiny_dictionary.root))
    outcome = cli(*args, "--json", "--rounds", "1", "--final-epochs", "1", "--baselines", "cnn")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert list(data) == ["target", "closest", "arch", "test_error", "params", "baselines"]
    base = data["baselines"]["cnn"]
    assert base["name"] == "cnn" and 0.0 <= base["test_error"] <= 100.0
    assert base["params"] > 0 and base["params"] != data["params"]
    wide = {"COLUMNS": "300"}
    table = cli(*args, "--rounds", "1", "--final-epochs", "1", "--baselines", "resnet", env=wide)
    assert table.exit_code == 0, table.stderr
    assert "baseline resnet" in table.stdout
    cli(*args, "--baselines", "mlp").usage_error("'mlp'", "cnn, resnet")


def test_final_top_retrains_the_best_few_and_lists_them(cli, run_dir: Path) -> None:
    # the run has one evaluation per task, so --top 3 has one candidate to retrain
    outcome = cli("final", str(run_dir), "--quick", "--epochs", "1", "--top", "3", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (row,) = outcome.json()["tasks"].values()
    assert row["candidates"] == []  # a single candidate is the plain result
    before = sorted(p.name for p in run_dir.iterdir())
    cli("final", str(run_dir), "--top", "0").usage_error("top", "got 0")
    cli("final", str(run_dir), "--epochs", "0").usage_error("epochs", "got 0")
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_final_mirror_mirrors_where_the_labels_allow(cli, run_dir: Path, tmp_path: Path) -> None:
    shapes = cli("final", str(run_dir), "--epochs", "1", "--mirror", "--json")
    assert shapes.exit_code == 0, shapes.stderr
    (row,) = shapes.json()["tasks"].values()
    assert row["mirror"] is False  # a user's .npz file: tasknas cannot know, so never
    run = tmp_path / "clothes"
    made = cli(
        "search", "--benchmark", "train", "--tasks", "fashion_mnist", "--strategy", "random",
        "--budget", "1", "--evaluator", "standalone", "--epochs", "1", "--n-train", "32",
        *TINY, "--out", str(run), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    args = ("final", str(run), "--epochs", "1", "--n-train", "32", "--baselines", "cnn")
    mirrored = cli(*args, "--mirror", "--json")
    assert mirrored.exit_code == 0, mirrored.stderr
    (row,) = mirrored.json()["tasks"].values()
    assert row["mirror"] is True and row["baselines"]["cnn"]["mirror"] is True
    assert "left-right mirror images on fashion_mnist" in (run / "final.md").read_text()
    (plain,) = cli(*args, "--json").json()["tasks"].values()
    assert plain["mirror"] is False
    before = sorted(p.name for p in run.iterdir())
    cli("final", str(run), "--quick", "--mirror").usage_error("mirror", "quick")
    assert sorted(p.name for p in run.iterdir()) == before


def test_final_patience_sets_early_stopping_and_refuses_bad_values(cli, run_dir: Path) -> None:
    outcome = cli("final", str(run_dir), "--epochs", "2", "--patience", "2", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (row,) = outcome.json()["tasks"].values()
    assert (row["patience"], row["epochs_run"]) == (2, 2)  # a patience of --epochs: every epoch
    assert "patience 2" in (run_dir / "final.md").read_text()
    before = sorted(p.name for p in run_dir.iterdir())
    cli("final", str(run_dir), "--patience", "0").usage_error("patience", "got 0")
    cli("final", str(run_dir), "--quick", "--patience", "3").usage_error("patience", "quick")
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_a_search_in_the_dense_conv_space_is_retrained_with_its_dense_convs(
    cli, shapes_npz: Path, tmp_path: Path
) -> None:
    run = tmp_path / "conv"
    made = cli(
        "search", "--benchmark", "train", "--tasks", str(shapes_npz), "--strategy", "random",
        "--budget", "4", "--evaluator", "standalone", "--epochs", "1", "--n-train", "32",
        "--space", "darts-emtnas-conv", *TINY, "--out", str(run), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    with SQLiteStore(run / STORE_FILE) as store:
        archs = [record.arch for record in store.records()]
    assert len(archs) == 4 and any("nor_conv_3x3" in a for a in archs)
    outcome = cli("final", str(run), "--quick", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (row,) = outcome.json()["tasks"].values()
    assert row["arch"] in archs
    get_space("darts-emtnas-conv").parse(row["arch"])
