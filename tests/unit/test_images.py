"""Image tasks built from the shipped ``.npz`` files and from a user's own files."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tasknas.errors import DataFileError, InvalidSettingError, UnknownNameError
from tasknas.tasks import (
    ImageFile,
    ImageTask,
    ImageTaskSpec,
    TensorData,
    image_datasets,
    load_image_file,
    load_image_task,
    parse_task_spec,
)
from tasknas.tasks._imagespec import resolve_dataset

SHIPPED = (
    "mnist",
    "fashion_mnist",
    "quickdraw4",
    "pneumoniamnist",
    "breastmnist",
    "pathmnist",
    "omniglot",
)
SMALL = {"n_train": 60, "n_val": 30, "n_test": 30}


def _rows(data: TensorData | np.ndarray) -> list[bytes]:
    """Each image as bytes in the file's layout, to compare task images with file rows."""
    if isinstance(data, TensorData):
        data = (data.x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return [row.tobytes() for row in data.reshape(len(data), -1)]


def _file(name: str) -> ImageFile:
    return load_image_file(resolve_dataset(name))


def _write(path: Path, **arrays: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


def _good(n: int = 40, classes: tuple[str, ...] = ("a", "b")) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (n, 8, 8), dtype=np.uint8),
        "y_train": np.arange(n, dtype=np.int64) % len(classes),
        "x_test": rng.integers(0, 256, (n // 2, 8, 8), dtype=np.uint8),
        "y_test": np.arange(n // 2, dtype=np.int64) % len(classes),
        "classes": np.array(classes),
    }


# --- shipped data sets ---------------------------------------------------------------------


def test_image_datasets_lists_the_shipped_files() -> None:
    assert image_datasets() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_dataset_loads_with_valid_tensors(name: str) -> None:
    task = load_image_task(name, **SMALL)
    assert isinstance(task, ImageTask)
    assert task.num_classes == len(task.classes) >= 2
    assert task.image_size == (28, 28)
    assert task.in_channels == (3 if name == "pathmnist" else 1)
    for split, cap in zip((task.train, task.val, task.test), SMALL.values(), strict=True):
        assert 0 < len(split) <= cap
        assert split.x.dtype == torch.float32 and split.y.dtype == torch.int64
        assert split.x.shape == (len(split), task.in_channels, 28, 28)
        assert split.x.min() >= 0.0 and split.x.max() <= 1.0
        assert split.y.min() >= 0 and split.y.max() < task.num_classes


@pytest.mark.parametrize("name", ["mnist", "quickdraw4", "pathmnist", "omniglot"])
def test_splits_are_disjoint(name: str) -> None:
    # These files hold no repeated image, so a shared row would be a shared example.
    task = load_image_task(name, seed=3)
    train, val, test = (set(_rows(s)) for s in (task.train, task.val, task.test))
    assert len(train) == len(task.train) and len(val) == len(task.val)
    assert not train & val and not train & test and not val & test


def test_quickdraw4_val_is_carved_from_train_and_test_is_kept() -> None:
    file = _file("quickdraw4")
    task = load_image_task("quickdraw4", seed=0)
    assert set(_rows(task.val)) <= set(_rows(file.x["train"]))
    assert set(_rows(task.train)) <= set(_rows(file.x["train"]))
    assert set(_rows(task.test)) == set(_rows(file.x["test"]))
    assert (len(task.train), len(task.val), len(task.test)) == (8160, 1440, 2400)
    assert Counter(task.val.y.tolist()) == {0: 360, 1: 360, 2: 360, 3: 360}  # stratified


def test_mnist_test_only_file_is_split_three_ways() -> None:
    task = load_image_task("mnist", seed=0)
    assert (len(task.train), len(task.val), len(task.test)) == (7000, 1500, 1500)
    counts = np.bincount(task.val.y.numpy(), minlength=10)
    expected = np.bincount(_file("mnist").y["test"]) * 0.15
    assert np.all(np.abs(counts - expected) <= 1)


def test_files_with_all_splits_use_them_unchanged() -> None:
    file = _file("breastmnist")
    task = load_image_task("breastmnist", seed=5)
    for split in ("train", "val", "test"):
        assert sorted(_rows(getattr(task, split))) == sorted(_rows(file.x[split]))


# --- task specs ----------------------------------------------------------------------------


def test_binary_task_is_balanced_and_positives_are_the_class() -> None:
    file = _file("quickdraw4")
    cats = {row for split in ("train", "test") for row in _rows(file.x[split][file.y[split] == 2])}
    task = load_image_task("quickdraw4:cat", seed=1)
    assert task.classes == ("not cat", "cat") and task.num_classes == 2
    for split in (task.train, task.val, task.test):
        labels = split.y.numpy()
        assert labels.sum() * 2 == len(labels)
        rows = _rows(split)
        assert all((row in cats) == bool(label) for row, label in zip(rows, labels, strict=True))
    negatives = {r for r, y in zip(_rows(task.train), task.train.y, strict=True) if not y}
    source = zip(file.y["train"], _rows(file.x["train"]), strict=True)
    by_class = Counter(int(label) for label, row in source if row in negatives)
    assert set(by_class) == {0, 1, 3}
    assert max(by_class.values()) - min(by_class.values()) <= 1  # drawn across all others


@pytest.mark.parametrize("spec", ["pneumoniamnist:normal", "pneumoniamnist:pneumonia"])
def test_balanced_binary_works_whichever_side_is_larger(spec: str) -> None:
    task = load_image_task(spec, seed=0)
    for split in (task.train, task.val, task.test):
        assert split.y.sum().item() * 2 == len(split)


def test_unbalanced_binary_keeps_every_image() -> None:
    task = load_image_task("quickdraw4:cat", balanced=False)
    assert len(task.test) == 2400 and task.test.y.sum().item() == 600


@pytest.mark.parametrize("spelling", ["Trouser", "trouser", "TROUSER", "1", " Trouser "])
def test_class_by_name_any_case_or_index_gives_the_same_task(spelling: str) -> None:
    spec = parse_task_spec(f"fashion_mnist:{spelling}")
    assert spec == ImageTaskSpec("fashion_mnist", (1,), True, "fashion_mnist:Trouser")
    a = load_image_task(spec, seed=2, **SMALL)
    b = load_image_task("fashion_mnist:Trouser", seed=2, **SMALL)
    assert a.name == b.name == "fashion_mnist:Trouser"
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)


def test_class_subset_is_relabelled_in_the_given_order() -> None:
    file = _file("quickdraw4")
    task = load_image_task("quickdraw4:diamond+Apple", seed=0)
    assert task.name == "quickdraw4:diamond+apple"
    assert task.classes == ("diamond", "apple") and task.num_classes == 2
    for label, original in ((0, 3), (1, 0)):
        expected = set(_rows(file.x["test"][file.y["test"] == original]))
        got = [r for r, y in zip(_rows(task.test), task.test.y, strict=True) if y == label]
        assert set(got) == expected


def test_whole_dataset_spec_and_names_with_spaces() -> None:
    assert parse_task_spec("pathmnist") == ImageTaskSpec("pathmnist", None, False, "pathmnist")
    spec = parse_task_spec("breastmnist:normal, benign")
    assert spec.classes == (1,) and spec.name == "breastmnist:normal, benign"
    assert parse_task_spec(spec.name) == spec


def test_class_names_that_do_not_read_back_are_written_as_indices(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.npz", **_good(classes=("x+y", "z")))
    spec = parse_task_spec(f"{path}:x+y")  # a whole class name wins over splitting at "+"
    assert spec.classes == (0,) and spec.binary and spec.name == f"{path}:0"
    pair = parse_task_spec(f"{path}:Z+0")
    assert pair.classes == (1, 0) and pair.name == f"{path}:z+0"
    assert parse_task_spec(spec.name) == spec and parse_task_spec(pair.name) == pair


def test_a_class_named_twice_is_rejected() -> None:
    with pytest.raises(InvalidSettingError, match="more than once"):
        parse_task_spec("quickdraw4:cat+2")


def test_unknown_dataset_lists_the_choices_and_mentions_paths() -> None:
    with pytest.raises(UnknownNameError) as info:
        parse_task_spec("cifar10:cat")
    assert info.value.kind == "image dataset" and info.value.choices == SHIPPED
    assert "cifar10" in str(info.value) and "quickdraw4" in str(info.value)
    assert ".npz" in str(info.value)


@pytest.mark.parametrize("token", ["dog", "4", "", "-1"])
def test_unknown_class_lists_the_class_names(token: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        parse_task_spec(f"quickdraw4:{token}")
    assert info.value.kind == "class of quickdraw4"
    assert info.value.choices == ("apple", "bicycle", "cat", "diamond")
    assert "apple, bicycle, cat, diamond" in str(info.value)


# --- omniglot: an unsplit file with several label sets -----------------------------------


def test_omniglot_label_sets() -> None:
    file = _file("omniglot")
    assert file.splits == ("all",) and file.label_sets == ("alphabet", "character")
    assert file.label_set == "alphabet" and len(file.classes) == 8
    default = load_image_task("omniglot", **SMALL)
    assert default.name == "omniglot@alphabet" and default.num_classes == 8
    chars = load_image_task("omniglot@character", **SMALL)
    assert chars.num_classes == 242
    greek = parse_task_spec("omniglot:greek")
    assert greek.name == "omniglot@alphabet:Greek" and greek.label_set == "alphabet"
    one = parse_task_spec("omniglot@character:Greek/character01")
    assert one.binary and one.label_set == "character"


def test_label_set_errors() -> None:
    with pytest.raises(UnknownNameError) as info:
        parse_task_spec("omniglot@drawer")  # y_drawer has no drawer_names
    assert info.value.choices == ("alphabet", "character")
    with pytest.raises(InvalidSettingError, match="single label set"):
        parse_task_spec("mnist@digit")


# --- seeds, caps and settings --------------------------------------------------------------


def test_same_seed_gives_identical_tensors_and_other_seeds_other_splits() -> None:
    a = load_image_task("quickdraw4:cat+bicycle", seed=7, **SMALL)
    b = load_image_task("quickdraw4:cat+bicycle", seed=7, **SMALL)
    c = load_image_task("quickdraw4:cat+bicycle", seed=8, **SMALL)
    for split in ("train", "val", "test"):
        assert torch.equal(getattr(a, split).x, getattr(b, split).x)
        assert torch.equal(getattr(a, split).y, getattr(b, split).y)
    full_a, full_c = load_image_task("quickdraw4", seed=7), load_image_task("quickdraw4", seed=8)
    assert set(_rows(full_a.val)) != set(_rows(full_c.val))
    assert not torch.equal(a.train.x, c.train.x)


def test_tasks_of_one_file_and_seed_share_the_carved_splits() -> None:
    whole = load_image_task("quickdraw4", seed=4)
    cat = load_image_task("quickdraw4:cat", seed=4)
    assert set(_rows(cat.val)) <= set(_rows(whole.val))
    assert set(_rows(cat.train)) <= set(_rows(whole.train))


def test_capping_train_leaves_val_and_test_unchanged() -> None:
    a = load_image_task("pathmnist", seed=1, n_train=50)
    b = load_image_task("pathmnist", seed=1, n_train=80)
    assert len(a.train) == 50 and len(b.train) == 80
    assert torch.equal(a.val.x, b.val.x) and torch.equal(a.test.y, b.test.y)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cap=st.integers(1, 300))
def test_caps_are_stratified_and_deterministic(seed: int, cap: int) -> None:
    task = load_image_task("quickdraw4", seed=seed, n_train=cap, n_val=cap)
    again = load_image_task("quickdraw4", seed=seed, n_train=cap, n_val=cap)
    assert len(task.train) == len(task.val) == cap
    assert torch.equal(task.val.x, again.val.x)
    counts = np.bincount(task.train.y.numpy(), minlength=4)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"seed": -1}, "seed"),
        ({"n_train": 0}, "n_train"),
        ({"n_test": -5}, "n_test"),
        ({"val_fraction": 0.0}, "val_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "< 1"),
    ],
)
def test_bad_settings_are_rejected(settings_: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidSettingError, match=message):
        load_image_task("breastmnist", **settings_)  # type: ignore[arg-type]


def test_files_are_read_once() -> None:
    a, b = _file("quickdraw4"), _file("quickdraw4")
    assert a.x["train"] is b.x["train"] and not a.x["train"].flags.writeable


def test_import_tasknas_does_not_import_torch() -> None:
    code = "import sys, tasknas, tasknas.tasks; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- a user's own files --------------------------------------------------------------------


def test_user_file_by_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "mine.npz", **_good())
    task = load_image_task(str(path), seed=0)
    assert task.name == str(path) and task.classes == ("a", "b")
    assert (len(task.train), len(task.val), len(task.test)) == (34, 6, 20)
    assert task.image_size == (8, 8) and task.in_channels == 1
    binary = load_image_task(f"{path}:B")
    assert binary.classes == ("not b", "b") and binary.name == f"{path}:b"


def test_user_file_in_a_folder_whose_name_has_a_colon(tmp_path: Path) -> None:
    path = _write(tmp_path / "a:b" / "c:d.npz", **_good())
    assert parse_task_spec(str(path)).classes is None
    assert parse_task_spec(f"{path}:1").classes == (1,)


def test_rgb_and_single_channel_user_files(tmp_path: Path) -> None:
    good = _good()
    rgb = {**good, "x_train": np.repeat(good["x_train"][..., None], 3, axis=3)}
    rgb["x_test"] = np.repeat(good["x_test"][..., None], 3, axis=3)
    task = load_image_task(str(_write(tmp_path / "rgb.npz", **rgb)))
    assert task.in_channels == 3 and task.train.x.shape[1:] == (3, 8, 8)
    one = {**good, "x_train": good["x_train"][..., None], "x_test": good["x_test"][..., None]}
    assert load_image_task(str(_write(tmp_path / "one.npz", **one))).in_channels == 1


def _bad_files() -> list[tuple[str, dict[str, np.ndarray], str]]:
    good = _good()
    without = lambda *keys: {k: v for k, v in good.items() if k not in keys}  # noqa: E731
    return [
        ("no-classes", without("classes"), "no 'classes'"),
        ("no-pair", {"classes": good["classes"], "other": good["y_train"]}, "no x_<split>"),
        ("x-without-y", without("y_test"), "has 'x_test' but no 'y_test'"),
        ("y-without-x", without("x_test"), "has 'y_test' but no 'x_test'"),
        ("length", {**good, "y_train": good["y_train"][:-1]}, "39 labels but there are 40"),
        ("flat", {**good, "x_train": good["x_train"].reshape(40, 64)}, "(N, H, W)"),
        ("channels", {**good, "x_train": np.zeros((40, 8, 8, 2), np.uint8)}, "C in {1, 3}"),
        ("float-x", {**good, "x_train": good["x_train"] / 255}, "must be uint8"),
        ("float-y", {**good, "y_train": good["y_train"] * 1.0}, "labels must be integers"),
        ("y-2d", {**good, "y_test": good["y_test"][:, None]}, "labels must be 1-D"),
        ("high", {**good, "y_test": good["y_test"] + 1}, "outside [0, 2)"),
        ("negative", {**good, "y_train": good["y_train"] - 1}, "from -1 to 0"),
        ("classes-int", {**good, "classes": np.arange(2)}, "array of strings"),
        ("classes-dup", {**good, "classes": np.array(["a", "a"])}, "repeats class names"),
        ("bad-split", {**good, "x_valid": good["x_test"]}, "unknown split 'valid'"),
        ("sizes", {**good, "x_test": np.zeros((20, 9, 9), np.uint8)}, "differ in shape"),
        ("unsplit-no-labels", {"x": good["x_train"], "y_a": good["y_train"]}, "no label set"),
    ]


@pytest.mark.parametrize(("case", "arrays", "message"), _bad_files(), ids=lambda v: str(v)[:12])
def test_malformed_files_name_the_file_and_the_problem(
    tmp_path: Path, case: str, arrays: dict[str, np.ndarray], message: str
) -> None:
    path = _write(tmp_path / f"{case}.npz", **arrays)
    with pytest.raises(DataFileError) as info:
        load_image_file(path)
    assert str(path) in str(info.value) and message in str(info.value)
    with pytest.raises(DataFileError):
        load_image_task(str(path))


def test_unreadable_files(tmp_path: Path) -> None:
    text = tmp_path / "text.npz"
    text.write_text("not an archive")
    npy = tmp_path / "array.npz"
    with npy.open("wb") as handle:
        np.save(handle, np.zeros(3))
    pickled = _write(tmp_path / "pickled.npz", **_good(), extra=np.array([{}], dtype=object))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(_write(tmp_path / "whole.npz", **_good()).read_bytes()[:-200])
    for path, message in (
        (text, "not a readable .npz"),
        (npy, "not a readable .npz"),
        (pickled, "object arrays"),
        (truncated, "not a readable .npz"),
        (tmp_path / "missing.npz", "not found"),
    ):
        with pytest.raises(DataFileError, match=message) as info:
            load_image_file(path)
        assert str(path) in str(info.value)


def test_missing_npz_path_in_a_spec_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not found"):
        parse_task_spec(f"{tmp_path / 'nope.npz'}:cat")
