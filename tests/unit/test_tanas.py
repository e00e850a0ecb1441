"""TA-NAS pipeline: task dictionary on disk, target distances, task-aware space, run_fuse."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import torch

import tasknas.tanas._dictionary as dictionary_module
from tasknas.errors import DataFileError, InvalidSettingError, RunStoreError, UnknownNameError
from tasknas.nn import SmallCNN
from tasknas.spaces import DartsTANASSpace, ops_of
from tasknas.tanas import (
    DEFAULT_BASE_TASKS,
    DICTIONARY_ENV,
    TANASSettings,
    TaskDictionary,
    closest_tasks,
    default_dictionary_dir,
    load_retrain_task,
    load_task,
    run_fuse,
    target_distances,
    task_aware_space,
)
from tasknas.tanas._dictionary import task_seed
from tasknas.tanas._entry import folder_name
from tasknas.tanas._settings import quick_retraining
from tasknas.tasks import parse_task_spec
from tiny_tanas import BASES, TINY


@pytest.fixture
def built(tiny_dictionary: TaskDictionary) -> TaskDictionary:
    """The session's tiny dictionary of ``BASES``; copy it (``copy``) before changing it."""
    return tiny_dictionary


@pytest.fixture
def copy(built: TaskDictionary, tmp_path: Path) -> TaskDictionary:
    return TaskDictionary(shutil.copytree(built.root, tmp_path / "dictionary"))


def test_default_base_tasks_are_canonical_binary_tasks() -> None:
    assert len(DEFAULT_BASE_TASKS) == 10
    for spec in DEFAULT_BASE_TASKS:
        parsed = parse_task_spec(spec)
        assert parsed.name == spec and parsed.binary
    assert DEFAULT_BASE_TASKS[5:] == tuple(
        parse_task_spec(f"fashion_mnist:{k}").name for k in range(5)
    )


def test_settings_round_trip_and_checks() -> None:
    assert TANASSettings.from_dict(json.loads(json.dumps(TINY.to_dict()))) == TINY
    cuda = dataclasses.replace(TINY, device="auto")
    assert cuda.target_fuse.device == cuda.dictionary_fuse.device == "auto"
    with pytest.raises(InvalidSettingError, match=r"cnn_epochs.*got 0"):
        TANASSettings(cnn_epochs=0)
    with pytest.raises(InvalidSettingError, match=r"'gpu'.*cpu, cuda"):
        TANASSettings(device="gpu")
    with pytest.raises(InvalidSettingError, match=r"\['bogus'\]"):
        TANASSettings.from_dict({"bogus": 1})
    with pytest.raises(InvalidSettingError, match="centre must be true or false, got 1"):
        TANASSettings(centre=1)  # type: ignore[arg-type]
    # dictionaries saved before the field existed read back uncentred
    assert TANASSettings.from_dict({"k": 2}).centre is False


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DICTIONARY_ENV, raising=False)
    assert default_dictionary_dir() == Path("dictionary")
    monkeypatch.setenv(DICTIONARY_ENV, str(tmp_path))
    assert TaskDictionary().root == tmp_path
    assert TaskDictionary(tmp_path / "x").root == tmp_path / "x"


def test_task_seeds_differ_per_task_and_build_seed() -> None:
    seeds = {task_seed(0, "mnist:0"), task_seed(0, "mnist:1"), task_seed(1, "mnist:0")}
    assert len(seeds) == 3 and task_seed(0, "mnist:0") == task_seed(0, "mnist:0")


def test_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DataFileError, match="cannot write"):
        TaskDictionary(blocker / "d").build([], settings=TINY)


def test_folder_names_are_safe_and_distinct() -> None:
    names = {folder_name(t) for t in ("fashion_mnist:T-shirt/top", "fashion_mnist:T-shirt_top")}
    assert len(names) == 2
    assert all("/" not in n and ":" not in n for n in names)


def test_build_writes_index_and_epsnets(built: TaskDictionary) -> None:
    names = [parse_task_spec(spec).name for spec in BASES]
    assert built.names() == names
    index = json.loads(built.index_path.read_text())
    assert index["format"] == 1
    assert TANASSettings.from_dict(index["settings"]) == TINY
    space = DartsTANASSpace()
    for entry in built.entries():
        assert (built.root / entry.folder / "epsnet.pt").is_file()
        assert space.contains(space.parse(entry.best_cell))
        assert 0.0 <= entry.epsnet_accuracy <= 1.0
        assert entry.num_classes == 2 and entry.in_channels == 1 and entry.space == space.name
        assert TANASSettings.from_dict(entry.settings) == TINY
        model = built.load_epsnet(entry.name)
        assert isinstance(model, SmallCNN) and not model.training
    assert "fashion_mnist:1" in built and "fashion_mnist:Trouser" in built
    assert "mnist:9" not in built and "nope:1" not in built


def test_build_skips_present_tasks(copy: TaskDictionary, monkeypatch: pytest.MonkeyPatch) -> None:
    before = copy.entries()

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a present task was rebuilt")

    monkeypatch.setattr(dictionary_module, "train_epsnet", forbidden)
    assert copy.build(BASES) == before


def test_remove_and_add_round_trip(copy: TaskDictionary) -> None:
    entry = copy.entry("mnist:1")
    removed = copy.remove("mnist:1")
    assert removed == entry
    assert copy.names() == ["mnist:0", "fashion_mnist:Trouser"]
    assert not (copy.root / entry.folder).exists()
    with pytest.raises(UnknownNameError, match=r"'mnist:1'.*mnist:0, fashion_mnist:Trouser"):
        copy.remove("mnist:1")
    added = copy.add("mnist:1")  # the stored (tiny) settings are used
    assert copy.names() == ["mnist:0", "fashion_mnist:Trouser", "mnist:1"]
    assert added.best_cell == entry.best_cell  # same seed, same settings: same search
    assert torch.equal(
        copy.load_epsnet("mnist:1").head.weight,
        TaskDictionary(copy.root).load_epsnet("mnist:1").head.weight,
    )


def test_interrupted_build_keeps_finished_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = dictionary_module.fuse_search
    calls: list[str] = []

    def failing_second(space, task, **kwargs):
        calls.append(task.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(space, task, **kwargs)

    monkeypatch.setattr(dictionary_module, "fuse_search", failing_second)
    dictionary = TaskDictionary(tmp_path / "d")
    with pytest.raises(KeyboardInterrupt):
        dictionary.build(["mnist:0", "mnist:1"], settings=TINY)
    assert TaskDictionary(tmp_path / "d").names() == ["mnist:0"]
    dictionary.build(["mnist:0", "mnist:1"])  # resumes: only the missing task
    assert calls == ["mnist:0", "mnist:1", "mnist:1"]
    assert dictionary.names() == ["mnist:0", "mnist:1"]


def test_parallel_build_equals_sequential_build(built: TaskDictionary, tmp_path: Path) -> None:
    parallel = TaskDictionary(tmp_path / "parallel")
    messages: list[str] = []
    parallel.build(
        BASES, settings=TINY, workers=2, progress=lambda m, done, total: messages.append(m)
    )
    assert parallel.names() == built.names()  # put back in spec order
    for ours, theirs in zip(parallel.entries(), built.entries(), strict=True):
        timing = {"seconds": 0.0, "created": ""}
        assert dataclasses.replace(ours, **timing) == dataclasses.replace(theirs, **timing)
        for name, value in parallel.load_epsnet(ours.name).state_dict().items():
            assert torch.equal(value, built.load_epsnet(ours.name).state_dict()[name]), name
    assert sum(m.endswith(" done") for m in messages) == len(BASES)
    with pytest.raises(InvalidSettingError, match="workers must be >= 1, got 0"):
        parallel.build(BASES, workers=0)


def test_other_epsnet_settings_are_refused(copy: TaskDictionary) -> None:
    other = dataclasses.replace(TINY, init_seed=1, cnn_hidden=16)
    with pytest.raises(InvalidSettingError, match=r"\['cnn_hidden', 'init_seed'\]"):
        copy.build(["mnist:2"], settings=other)
    assert copy.resolve_settings(dataclasses.replace(TINY, k=3)).k == 3  # not an ε-net field


def test_missing_empty_and_corrupt_dictionaries(tmp_path: Path) -> None:
    missing = TaskDictionary(tmp_path / "none")
    assert not missing.exists() and "mnist:0" not in missing
    with pytest.raises(RunStoreError, match="tasknas dictionary build"):
        missing.entries()
    with pytest.raises(RunStoreError, match="tasknas dictionary build"):
        target_distances(missing, "mnist:0")
    empty = TaskDictionary(tmp_path / "empty")
    empty.build([], settings=TINY)
    assert empty.entries() == []
    with pytest.raises(RunStoreError, match=r"no tasks.*tasknas dictionary build"):
        run_fuse("mnist:0", dictionary=empty)
    empty.index_path.write_text("{not json")
    with pytest.raises(DataFileError, match=str(empty.index_path).replace("\\", "\\\\")):
        empty.entries()


def test_missing_epsnet_file(copy: TaskDictionary) -> None:
    entry = copy.entry("mnist:0")
    (copy.root / entry.folder / "epsnet.pt").unlink()
    with pytest.raises(DataFileError, match=r"epsnet.pt.*--rebuild"):
        copy.load_epsnet("mnist:0")


def test_task_aware_space_holds_only_the_closest_cells_and_ops(built: TaskDictionary) -> None:
    closest = ["mnist:1", "fashion_mnist:Trouser"]
    space, cells = task_aware_space(built, closest)
    expected = [DartsTANASSpace().parse(built.entry(n).best_cell) for n in closest]
    assert cells == list(dict.fromkeys(expected))
    assert set(space.ops) == set().union(*(ops_of(c) for c in expected))
    assert all(space.contains(c) for c in cells)
    others = ops_of(DartsTANASSpace().parse(built.entry("mnist:0").best_cell)) - set(space.ops)
    assert all(op not in space.ops for op in others)
    with pytest.raises(InvalidSettingError):
        task_aware_space(built, [])


def test_base_task_is_closest_to_itself(built: TaskDictionary) -> None:
    distances = target_distances(built, "mnist:1")
    assert list(distances) == built.names()
    assert distances["mnist:1"] == pytest.approx(0.0, abs=1e-9)
    assert all(0.0 < d <= 1.0 for name, d in distances.items() if name != "mnist:1")
    assert closest_tasks(distances, 1) == ["mnist:1"]


def test_target_with_other_class_count(built: TaskDictionary) -> None:
    distances = target_distances(built, "quickdraw4:cat+apple+bicycle")
    assert set(distances) == set(built.names())
    assert all(0.0 < d <= 1.0 for d in distances.values())


def test_target_with_other_image_shape(built: TaskDictionary) -> None:
    with pytest.raises(InvalidSettingError, match=r"pathmnist.*3×28×28.*same input shape"):
        target_distances(built, "pathmnist:0")


def test_run_fuse(built: TaskDictionary) -> None:
    with pytest.raises(UnknownNameError, match=r"'nope'.*task-aware, standard"):
        run_fuse("quickdraw4:cat", dictionary=built, space="nope")
    result = run_fuse("quickdraw4:cat", dictionary=built, seed=1)
    assert result["target"] == "quickdraw4:cat"
    assert len(result["closest"]) == TINY.k
    assert result["closest"] == closest_tasks(result["distances"], TINY.k)
    cells = [DartsTANASSpace().parse(built.entry(n).best_cell) for n in result["closest"]]
    assert set(result["space_ops"]) == set().union(*(ops_of(c) for c in cells))
    assert ops_of(DartsTANASSpace().parse(result["arch"])) <= set(result["space_ops"])
    assert 0.0 <= result["test_error"] <= 100.0 and result["params"] > 0


# -- the target's retraining (issue 15) ----------------------------------------------------


def test_final_n_train_round_trips_and_old_dictionaries_keep_their_retraining() -> None:
    wide = dataclasses.replace(TINY, final_n_train=None)
    assert TANASSettings.from_dict(json.loads(json.dumps(wide.to_dict()))) == wide
    old = {k: v for k, v in TINY.to_dict().items() if k != "final_n_train"}
    assert TANASSettings.from_dict({**old, "n_train": 77}).final_n_train == 77
    with pytest.raises(InvalidSettingError, match=r"final_n_train.*got 0"):
        TANASSettings(final_n_train=0)


def test_final_n_test_round_trips_and_old_dictionaries_keep_their_scoring() -> None:
    whole = dataclasses.replace(TINY, final_n_test=None)
    assert TANASSettings.from_dict(json.loads(json.dumps(whole.to_dict()))) == whole
    old = {k: v for k, v in TINY.to_dict().items() if k != "final_n_test"}
    assert TANASSettings.from_dict({**old, "n_test": 77}).final_n_test == 77
    for bad in (0, -3, 2.5, "all"):
        with pytest.raises(InvalidSettingError, match=rf"final_n_test.*{bad!r}"):
            TANASSettings(final_n_test=bad)  # type: ignore[arg-type]


def test_retrain_task_is_scored_on_the_whole_test_split_by_default() -> None:
    search = load_task("quickdraw4:cat", TINY)
    whole = load_retrain_task("quickdraw4:cat", dataclasses.replace(TINY, final_n_test=None))
    assert (len(search.test), len(whole.test)) == (128, 1200)  # every cat and as many others
    assert torch.equal(search.val.x, whole.val.x)  # early stopping sees the same images
    assert torch.equal(search.train.x, whole.train.x)
    # the search's test images are a subsample of the whole split
    rows = {bytes(x.numpy().tobytes()) for x in whole.test.x}
    assert all(bytes(x.numpy().tobytes()) in rows for x in search.test.x)
    assert whole.test.y.float().mean().item() == 0.5  # balanced, as the search's
    assert TANASSettings().final_n_test is None


def test_final_all_val_gives_the_retraining_every_validation_image() -> None:
    search = load_task("quickdraw4:cat", TINY)
    wide = load_retrain_task("quickdraw4:cat", dataclasses.replace(TINY, final_all_val=True))
    assert (len(search.val), len(wide.val)) == (TINY.n_val, 720)
    assert torch.equal(search.test.x, wide.test.x) and torch.equal(search.train.x, wide.train.x)
    assert TANASSettings().final_all_val is False
    assert quick_retraining(dataclasses.replace(TINY, final_all_val=True)).final_all_val is False
    with pytest.raises(InvalidSettingError, match=r"final_all_val.*'yes'"):
        TANASSettings(final_all_val="yes")  # type: ignore[arg-type]


def test_retrain_task_has_more_training_images_and_the_same_other_splits() -> None:
    search = load_task("quickdraw4:cat", TINY)
    wider = load_retrain_task("quickdraw4:cat", dataclasses.replace(TINY, final_n_train=300))
    assert (len(search.train), len(wider.train)) == (128, 300)
    assert torch.equal(search.val.x, wider.val.x) and torch.equal(search.test.x, wider.test.x)
    everything = load_retrain_task("quickdraw4:cat", dataclasses.replace(TINY, final_n_train=None))
    assert len(everything.train) == 4080  # every cat and as many other drawings
    assert load_retrain_task(search, TINY) is search


def test_quick_retraining_is_the_published_recipe() -> None:
    final = dataclasses.replace(
        TINY,
        final_n_train=None,
        target_fuse=dataclasses.replace(
            TINY.target_fuse, final_epochs=30, final_patience=10, final_shift=2
        ),
    )
    quick = quick_retraining(dataclasses.replace(final, final_n_test=None))
    assert (quick.final_n_train, quick.final_n_test) == (TINY.n_train, TINY.n_test)
    fuse = quick.target_fuse
    assert (fuse.final_epochs, fuse.final_patience, fuse.final_shift) == (10, None, 0)
    assert quick_retraining(final, 3).target_fuse.final_epochs == 3
    assert dataclasses.replace(fuse, final_epochs=30, final_patience=10, final_shift=2) == (
        final.target_fuse
    )


def test_run_fuse_retrains_on_final_n_train_images(built: TaskDictionary) -> None:
    wider = dataclasses.replace(TINY, final_n_train=200)
    result = run_fuse("quickdraw4:cat", dictionary=built, seed=1, settings=wider)
    assert result["n_train_retrain"] == 200
    same = run_fuse("quickdraw4:cat", dictionary=built, seed=1)
    assert same["n_train_retrain"] == TINY.n_train
    assert same["arch"] == result["arch"]  # the search saw the same data
    assert result["n_test"] == same["n_test"] == TINY.n_test


def test_run_fuse_scores_the_same_network_on_final_n_test_images(built: TaskDictionary) -> None:
    whole = run_fuse(
        "quickdraw4:cat",
        dictionary=built,
        seed=1,
        settings=dataclasses.replace(TINY, final_n_test=None),
    )
    same = run_fuse("quickdraw4:cat", dictionary=built, seed=1)
    assert (whole["n_test"], same["n_test"]) == (1200, TINY.n_test)
    # one search, one retraining (the validation split and its early stopping are the same);
    # only the images of the test score differ
    assert whole["arch"] == same["arch"]
    assert whole["val_accuracy"] == same["val_accuracy"]


def test_default_target_retraining_uses_every_image_with_early_stopping() -> None:
    settings = TANASSettings()
    fuse = settings.target_fuse
    assert settings.final_n_train is None
    assert (fuse.final_epochs, fuse.final_patience, fuse.final_shift) == (20, 5, 2)
    assert fuse.final_ties == "last"  # as tasknas final
    # the dictionary's own cell searches keep the short published retraining
    assert (settings.dictionary_fuse.final_patience, settings.dictionary_fuse.final_shift) == (
        None,
        0,
    )
    # an index written before these fields existed reads back as its old retraining
    old = settings.to_dict()
    del old["final_n_train"], old["final_n_test"]
    for name in ("final_patience", "final_shift", "final_ties"):
        del old["target_fuse"][name]
    restored = TANASSettings.from_dict(old)
    assert restored.final_n_train == settings.n_train
    assert restored.final_n_test == settings.n_test
    assert (restored.target_fuse.final_patience, restored.target_fuse.final_shift) == (None, 0)
    assert restored.target_fuse.final_ties == "first"
