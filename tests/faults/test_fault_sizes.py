"""Split sizes above what the data holds are refused with the real size (issue 13).

One line on stderr naming the setting, the value and the real number of images, exit 2,
before any training and before anything is written. The check lives once in the data loading
(``tasknas.tasks``), so every command gets it.

Cases: search: 3 (a shipped binary task, a user ``.npz`` task, a user ``.npz`` class);
final: 1; mtl: 3 (omniglot, multimnist pairs, a user multi-task ``.npz``); library: 4 (every
split of ``load_image_task``, a default cap kept on a small set, ``train_benchmark`` sizes,
a multi-task ``.npz`` split). ``dictionary build/add`` have no size flags.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli_lines import one_error_line
from tasknas.cli import app
from tasknas.errors import InvalidSettingError

HUGE = "100000000"
TINY = ["--channels", "4", "--layers", "1", "--budget", "2"]


def _invoke(*args: str):
    return CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(app, list(args))


@pytest.fixture(scope="module")
def user_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 training images of 4 classes (50 each); val and test are carved out."""
    path = tmp_path_factory.mktemp("data") / "shapes.npz"
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 255, (200, 12, 12), dtype=np.uint8),
        y_train=np.arange(200) % 4,
        classes=np.array(["circle", "square", "star", "cross"]),
    )
    return path


@pytest.fixture(scope="module")
def multitask_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 images with two label sets: a multi-task set of 84 training images."""
    path = tmp_path_factory.mktemp("data") / "two_tasks.npz"
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x=rng.integers(0, 255, (120, 12, 12), dtype=np.uint8),
        y_shape=np.arange(120) % 3,
        shape_names=np.array(["a", "b", "c"]),
        y_colour=np.arange(120) % 2,
        colour_names=np.array(["red", "blue"]),
    )
    return path


# -- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "real"),
    [("quickdraw4:cat", "4,080 training images of quickdraw4:cat"), ("USER", "140 training")],
    ids=["shipped", "user-npz"],
)
def test_search_refuses_n_train_above_the_task(task: str, real: str, user_npz, tmp_path):
    task = str(user_npz) if task == "USER" else task
    out = tmp_path / "run"
    result = _invoke(
        "search", "--benchmark", "train", "--tasks", task, "--n-train", HUGE, *TINY,
        "--out", str(out),
    )  # fmt: skip
    one_error_line(result, f"n_train {HUGE} is above the", real, "choose at most")
    assert not out.exists()


def test_search_refuses_n_train_above_a_binary_user_task(user_npz, tmp_path):
    # "is it a circle": 35 circles of the 140 training images, balanced with 35 others
    result = _invoke(
        "search", "--benchmark", "train", "--tasks", f"{user_npz}:circle", "--n-train", "71",
        *TINY, "--out", str(tmp_path / "run"),
    )  # fmt: skip
    one_error_line(
        result, "n_train 71 is above the 70 training images", ":circle; choose at most 70"
    )


# -- final ------------------------------------------------------------------------------------


def test_final_refuses_n_train_above_the_task(user_npz, tmp_path):
    run = tmp_path / "run"
    args = ["--evaluator", "standalone", "--epochs", "1", "--n-train", "32"]
    made = _invoke(
        "search", "--benchmark", "train", "--tasks", str(user_npz), *args, *TINY,
        "--out", str(run), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    before = sorted(p.name for p in run.iterdir())
    result = _invoke("final", str(run), "--epochs", "1", "--n-train", HUGE)
    one_error_line(result, f"n_train {HUGE} is above the 140 training images")
    assert sorted(p.name for p in run.iterdir()) == before  # no final.md / final.json


# -- mtl --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dataset", "flag", "needle"),
    [
        ("omniglot", "--n-train", f"n_train {HUGE} is above the 3,146 training images"),
        ("multimnist", "--n-test", f"n_test {HUGE} is above the 3,998,000 test images"),
        ("USER", "--n-train", f"n_train {HUGE} is above the 84 training images"),
    ],
    ids=["omniglot", "multimnist", "user-npz"],
)
def test_mtl_refuses_sizes_above_the_set(dataset, flag, needle, multitask_npz, tmp_path):
    dataset = str(multitask_npz) if dataset == "USER" else dataset
    plot = tmp_path / "edges.png"
    result = _invoke("mtl", "--dataset", dataset, flag, HUGE, "--epochs", "1", "--plot", str(plot))
    one_error_line(result, needle)
    assert not plot.exists()


# -- library ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("split", "word", "count"),
    [("n_train", "training", 546), ("n_val", "validation", 78), ("n_test", "test", 156)],
)
def test_load_image_task_refuses_each_split_when_strict(split: str, word: str, count: int):
    from tasknas.tasks import load_image_task

    with pytest.raises(InvalidSettingError) as error:
        load_image_task("breastmnist", strict=True, **{split: 10**8})
    assert str(error.value) == (
        f"{split} {10**8} is above the {count} {word} images of breastmnist; choose at most {count}"
    )
    # a cap (not strict) keeps the whole split, as the TA-NAS defaults rely on
    task = load_image_task("breastmnist", **{split: 10**8})
    assert len(getattr(task, split[2:])) == count


def test_train_benchmark_defaults_are_caps_and_given_sizes_are_checked():
    from tasknas.benchmarks.train import train_benchmark

    bench = train_benchmark(["breastmnist"])  # default sizes 1000/500/1000 > 546/78/156
    bench.prepare()
    assert len(bench.data("breastmnist").train) == 546
    with pytest.raises(InvalidSettingError, match="n_test 157 is above the 156 test images"):
        train_benchmark(["breastmnist"], n_test=157).prepare()
    assert len(train_benchmark(["breastmnist"], n_test=156).data("breastmnist").test) == 156


def test_multitask_npz_refuses_a_split_above_it(multitask_npz):
    from tasknas.tasks import load_multitask_set

    with pytest.raises(InvalidSettingError, match="n_val 19 is above the 18 validation images"):
        load_multitask_set(str(multitask_npz), n_val=19)
    assert len(load_multitask_set(str(multitask_npz), n_val=18).val) == 18
