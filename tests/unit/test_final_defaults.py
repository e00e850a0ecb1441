"""Final-training defaults: every training image, early stopping that keeps the best epoch,
augmentation; the quick setting; baselines trained with the very same settings."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from tasknas import final
from tasknas.benchmarks.train import final_train, train_baseline
from tasknas.benchmarks.train._final import FinalResult
from tasknas.errors import InvalidSettingError
from tasknas.experiment import RunSettings, run_experiment
from tasknas.training import Callback, EarlyStopping, Trainer, train_from_scratch

#: CPU-tiny network and split sizes.
TINY = {"channels": 4, "layers": 1, "n_val": 30, "n_test": 30}
#: Options of ``_random_run``'s search: standalone evaluator, one epoch, 32 images.
RUN_OPTIONS = {"evaluator": "standalone", "epochs": 1, "n_train": 32, **TINY}


@pytest.fixture(scope="module")
def shapes_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 images of 4 classes; 140 of them are the training split."""
    path = tmp_path_factory.mktemp("data") / "shapes.npz"
    rng = np.random.default_rng(0)
    y = np.arange(200) % 4
    x = rng.integers(0, 200, (200, 12, 12), dtype=np.uint8)
    for k in range(4):  # a brighter, less noisy band per class: learnable, not at once
        x[y == k, 3 * k : 3 * k + 3, 2:10] //= 2
        x[y == k, 3 * k : 3 * k + 3, 2:10] += 100
    np.savez(path, x_train=x, y_train=y, classes=np.array(["a", "b", "c", "d"]))
    return path


def test_the_defaults_are_the_documented_ones() -> None:
    assert (final.FINAL_EPOCHS, final.FINAL_PATIENCE, final.FINAL_SHIFT) == (30, 10, 2)
    assert final.QUICK_EPOCHS == 5
    assert final.FINAL_STEM_STRIDE == 1


@pytest.mark.parametrize("space", ["darts-emtnas", "nb201"])
def test_a_darts_run_is_retrained_at_stem_stride_one_unless_set_or_quick(
    space: str, shapes_npz: Path, tmp_path: Path
) -> None:
    """A run searched at the network's default stem is retrained with the first cell at the
    image's resolution (``FINAL_STEM_STRIDE``); ``quick`` keeps the search's network, an
    override wins, and a space without a DARTS stem (NB201) has no stride to set."""
    options = {**RUN_OPTIONS, "n_train": 40, "space": space}
    run = _random_run(shapes_npz, tmp_path / "run", options=options)
    small = {"n_train": 40}
    _, (full,) = final.finalize_run(run, epochs=1, overrides=small, baselines=["cnn"])
    _, (quick,) = final.finalize_run(run, epochs=1, quick=True)
    darts = space == "darts-emtnas"
    assert (full.stem_stride, quick.stem_stride) == ((1, None) if darts else (None, None))
    assert full.baselines["cnn"].stem_stride is None
    if darts:
        _, (set_,) = final.finalize_run(run, epochs=1, overrides={**small, "stem_stride": 2})
        assert set_.stem_stride == 2 and set_.params == full.params
        text = final.write_final_report(run, RunSettings(benchmark="train"), [full])[0].read_text(
            encoding="utf-8"
        )
        assert "stem stride 1 (the first cell at the image's resolution)" in text


class _Epochs(Callback):
    def __init__(self) -> None:
        self.logs: list[dict[str, float]] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.logs.append(logs)


def test_early_stopping_restores_the_best_epoch(shapes_npz: Path) -> None:
    from tasknas.nn import BASELINES
    from tasknas.tasks import load_image_task

    task = load_image_task(str(shapes_npz), n_val=48, n_test=48)
    stopper = EarlyStopping("val_loss", patience=3, mode="min")
    epochs = _Epochs()
    # no schedule: the validation loss goes down, then up and down (best epoch 12 of 15)
    trainer = Trainer(epochs=30, batch_size=16, lr=0.05, optimizer="sgd", seed=0)
    trainer.callbacks = (stopper, epochs)
    trained = train_from_scratch(
        BASELINES["cnn"], task, trainer, channels=4, layers=1, seed=0, validate=True
    )
    losses = [log["val_loss"] for log in epochs.logs]
    best = stopper.best_epoch
    assert best is not None and best < len(losses) - 1 and stopper.stopped_epoch is not None
    assert losses[best] == min(losses) < losses[-1]
    kept = trainer.evaluate(trained.network, task.val)
    assert kept["loss"] == pytest.approx(losses[best])  # the best epoch's weights, not the last
    assert kept["accuracy"] == pytest.approx(epochs.logs[best]["val_accuracy"])
    assert trained.accuracy["val"] == pytest.approx(kept["accuracy"])


def test_final_train_reports_its_settings(shapes_npz: Path) -> None:
    from tasknas.spaces import get_space

    genotype = get_space("darts-emtnas").sample(np.random.default_rng(0))
    result = final_train(genotype, str(shapes_npz), epochs=3, patience=2, **TINY)
    assert result.n_train == 140  # n_train left out: the whole training split
    assert result.patience == 2 and result.max_shift == final.FINAL_SHIFT
    assert 1 <= result.epochs_run <= 3 and result.best_epoch is not None
    assert 1 <= result.best_epoch <= result.epochs_run
    assert result.baselines == {} and result.to_dict()["baselines"] == {}
    quick = final_train(
        genotype, str(shapes_npz), epochs=2, patience=None, augment=False, n_train=40, **TINY
    )
    assert (quick.n_train, quick.epochs_run, quick.best_epoch, quick.max_shift) == (40, 2, None, 0)


def test_keeping_an_epoch_of_the_schedules_first_half_is_warned_about(
    shapes_npz: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Early stopping that ends a training and keeps an epoch of the first half of its
    schedule gets one warning naming the epochs, the validation split's size and the way out;
    a training that ran its whole schedule, or kept a late epoch, gets none. (The task's seeds
    depend on the data file's path, so the test trains 10 seeds and checks each against the
    rule, with both outcomes among them.)"""
    settings = {**TINY, "epochs": 6, "n_train": 60}
    outcomes = []
    for seed in range(10):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="tasknas"):
            r = train_baseline("cnn", str(shapes_npz), patience=1, seed=seed, **settings)
        warnings = [x.getMessage() for x in caplog.records if x.levelno >= logging.WARNING]
        early = r.epochs_run < 6 and r.best_epoch is not None and r.best_epoch <= 3
        outcomes.append(early)
        if not early:
            assert warnings == [], (seed, r.epochs_run, r.best_epoch)
            continue
        (message,) = warnings
        stop = f"stopped at epoch {r.epochs_run} and kept epoch {r.best_epoch} of up to 6"
        for part in ("cnn", stop, "30 validation images", "a patience of at least 6"):
            assert part in message
    assert any(outcomes) and not all(outcomes)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tasknas"):
        whole = train_baseline(
            "cnn", str(shapes_npz), patience=6, seed=outcomes.index(True), **settings
        )
    assert whole.epochs_run == 6
    assert not [x for x in caplog.records if x.levelno >= logging.WARNING]


def test_a_baseline_trains_exactly_like_a_searched_network(shapes_npz: Path) -> None:
    settings = {**TINY, "epochs": 2, "patience": 1, "n_train": 60, "seed": 4}
    one, two = (train_baseline("cnn", str(shapes_npz), **settings) for _ in range(2))
    from tasknas.nn import BASELINES, count_parameters

    net = BASELINES["cnn"].network(in_channels=1, num_classes=4, image_size=12)
    assert one.arch == "cnn" and one.params == count_parameters(net) and one.n_train == 60
    assert (one.val_acc, one.test_acc, one.best_epoch) == (
        two.val_acc,
        two.test_acc,
        two.best_epoch,
    )


def _random_run(
    data: Path, run: Path, *, budget: int = 1, seed: int = 0, options: dict | None = None
) -> Path:
    """A finished random search on ``data`` (``RUN_OPTIONS`` unless ``options`` are given)."""
    settings = RunSettings(
        benchmark="train",
        strategy="random",
        budget=budget,
        seed=seed,
        tasks=(str(data),),
        benchmark_options=RUN_OPTIONS if options is None else options,
    )
    run_experiment(settings, run_dir=run)
    return run


def test_finalize_run_defaults_quick_overrides_and_baselines(
    shapes_npz: Path, tmp_path: Path
) -> None:
    run = _random_run(shapes_npz, tmp_path / "run", budget=1, seed=0)
    _, quick = final.finalize_run(run, quick=True, baselines=["cnn"])
    (result,) = quick
    assert (result.epochs, result.n_train, result.patience, result.max_shift) == (5, 32, None, 0)
    assert list(result.baselines) == ["cnn"]
    base = result.baselines["cnn"]
    assert (base.epochs, base.n_train, base.patience, base.max_shift) == (5, 32, None, 0)
    seen: list[tuple[str, str]] = []
    _, full = final.finalize_run(
        run, epochs=2, on_task=lambda task, arch: seen.append((task, arch))
    )
    (result,) = full
    assert (result.epochs, result.n_train, result.patience, result.max_shift) == (2, 140, 10, 2)
    assert result.baselines == {} and [arch for _, arch in seen] == [result.arch]
    _, given = final.finalize_run(run, epochs=1, overrides={"n_train": 50})
    assert given[0].n_train == 50
    paths = final.write_final_report(run, RunSettings(benchmark="train"), quick)
    text = paths[0].read_text(encoding="utf-8")
    assert "## Hand-designed baselines" in text and "| cnn |" in text


def test_final_result_to_dict_nests_the_baselines() -> None:
    base = FinalResult("t", "cnn", 3, 50.0, 40.0, 10, 1.0)
    result = FinalResult("t", "arch", 3, 60.0, 55.0, 20, 2.0, baselines={"cnn": base})
    data = result.to_dict()
    assert data["baselines"]["cnn"]["test_acc"] == 40.0 and data["test_acc"] == 55.0
    json = final.final_json(Path("r"), [result])
    assert json["baselines"] == ["cnn"] and json["tasks"]["t"]["baselines"]["cnn"]["arch"] == "cnn"


def test_ranked_architectures_best_first_distinct_and_earliest_on_ties() -> None:
    from tasknas.storage import TrialRecord
    from tasknas.trial import Result, Status

    def record(number: int, task: str, arch: str, objective: float, ok: bool = True) -> TrialRecord:
        status = Status.COMPLETE if ok else Status.FAILED
        return TrialRecord(number, task, arch, Result(objective=objective, status=status))

    records = [
        record(1, "t", "a", 50.0),
        record(2, "t", "b", 70.0),
        record(3, "u", "z", 99.0),  # another task
        record(4, "t", "c", 70.0),  # ties with b, later
        record(5, "t", "d", 90.0, ok=False),  # failed: never a candidate
        record(6, "t", "a", 60.0),  # a again, better: counts once, at its best
    ]
    assert final.ranked_architectures(records, "t", 2) == ["b", "c"]
    assert final.ranked_architectures(records, "t", 10) == ["b", "c", "a"]
    assert final.ranked_architectures(list(reversed(records)), "t", 1) == ["b"]


def test_finalize_run_top_keeps_the_best_validation_candidate(
    shapes_npz: Path, tmp_path: Path
) -> None:
    run = _random_run(shapes_npz, tmp_path / "run", budget=3, seed=1)
    _, (alone,) = final.finalize_run(run, quick=True, epochs=2)
    _, (chosen,) = final.finalize_run(run, quick=True, epochs=2, top=3)
    assert alone.candidates == () and alone.to_dict()["candidates"] == []
    assert len(chosen.candidates) == 3 and len({c.arch for c in chosen.candidates}) == 3
    first = chosen.candidates[0]  # the search's best, retrained exactly as without top
    assert (first.arch, first.val_acc, first.test_acc) == (
        alone.arch,
        alone.val_acc,
        alone.test_acc,
    )
    best = max(c.val_acc for c in chosen.candidates)
    assert chosen.val_acc == best
    assert chosen.arch == next(c.arch for c in chosen.candidates if c.val_acc == best)
    data = chosen.to_dict()
    assert [c["arch"] for c in data["candidates"]] == [c.arch for c in chosen.candidates]
    assert "candidates" not in data["candidates"][0]
    path = final.write_final_report(run, RunSettings(benchmark="train"), [chosen])[0]
    text = path.read_text(encoding="utf-8")
    assert "## Candidates" in text and "best by validation accuracy of the search's 3" in text
    with pytest.raises(InvalidSettingError, match="top must be an integer >= 1, got 0"):
        final.finalize_run(run, quick=True, top=0)


def test_mirror_images_only_on_tasks_whose_labels_survive_them() -> None:
    import torch

    from tasknas.spaces import get_space

    genotype = get_space("darts-emtnas").sample(np.random.default_rng(0))
    settings = {**TINY, "epochs": 1, "patience": None, "n_train": 64, "seed": 2}

    def trained(task: str, **kwargs: bool) -> tuple[FinalResult, torch.Tensor]:
        result = final_train(genotype, task, keep_network=True, **kwargs, **settings)
        weights = torch.cat([p.detach().flatten() for p in result.network.parameters()])
        return result, weights

    clothes, mirrored = trained("fashion_mnist", mirror=True)
    plain, unmirrored = trained("fashion_mnist")
    assert clothes.mirror and not plain.mirror and clothes.to_dict()["mirror"] is True
    assert not torch.equal(mirrored, unmirrored)
    assert torch.equal(mirrored, trained("fashion_mnist", mirror=True)[1])  # seeded
    digits, digit_weights = trained("mnist", mirror=True)
    assert not digits.mirror  # a mirrored digit is another symbol: never mirrored
    assert torch.equal(digit_weights, trained("mnist")[1])
    quick, _ = trained("fashion_mnist", mirror=True, augment=False)
    assert not quick.mirror  # no augmentation at all without augment
    assert train_baseline("cnn", "fashion_mnist", mirror=True, **settings).mirror


@pytest.fixture(scope="module")
def large_test_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,300 training and 1,100 test images of 2 classes: both above a search's caps."""
    path = tmp_path_factory.mktemp("data") / "large.npz"
    rng = np.random.default_rng(1)

    def images(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(n) % 2
        x = rng.integers(0, 120, (n, 8, 8), dtype=np.uint8)
        x[y == 1, 2:6, 2:6] += 100
        return x, y

    (x, y), (xt, yt) = images(1300), images(1100)
    np.savez(path, x_train=x, y_train=y, x_test=xt, y_test=yt, classes=np.array(["a", "b"]))
    return path


def test_final_training_scores_on_the_whole_test_split(large_test_npz: Path) -> None:
    from tasknas.spaces import get_space

    genotype = get_space("darts-emtnas").sample(np.random.default_rng(0))
    fit = {"epochs": 1, "patience": None, "augment": False, "channels": 4, "layers": 1}
    whole = final_train(genotype, str(large_test_npz), n_train=64, n_val=30, **fit)
    assert whole.n_test == 1100 and whole.to_dict()["n_test"] == 1100  # not a search's 1,000
    capped = final_train(genotype, str(large_test_npz), n_train=64, n_val=30, n_test=50, **fit)
    assert capped.n_test == 50
    # the test split plays no part in training: the same weights, the same validation score
    assert capped.val_acc == whole.val_acc
    base = train_baseline("cnn", str(large_test_npz), n_train=64, n_val=30, **fit)
    assert base.n_test == 1100


def test_quick_final_uses_the_searchs_own_splits_and_full_final_all_images(
    large_test_npz: Path, tmp_path: Path
) -> None:
    # no n_train or n_test in the search's options: its defaults cap both splits at 1,000
    options = {"evaluator": "standalone", "epochs": 1, "channels": 4, "layers": 1, "n_val": 30}
    run = _random_run(large_test_npz, tmp_path / "run", options=options)
    _, (quick,) = final.finalize_run(run, quick=True, epochs=1, baselines=["cnn"])
    assert (quick.n_train, quick.n_test) == (1000, 1000)
    assert (quick.baselines["cnn"].n_train, quick.baselines["cnn"].n_test) == (1000, 1000)
    _, (full,) = final.finalize_run(run, epochs=1)
    assert full.n_train > 1000 and full.n_test == 1100
    text = final.write_final_report(run, RunSettings(benchmark="train"), [full])[0].read_text(
        encoding="utf-8"
    )
    assert "| test images |" in text and "| 1,100 |" in text


def test_final_early_stopping_keeps_the_later_of_tied_epochs(
    shapes_npz: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasknas.benchmarks.train import _final

    made: list[EarlyStopping] = []

    class Spy(EarlyStopping):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(_final, "EarlyStopping", Spy)
    result = train_baseline("cnn", str(shapes_npz), epochs=2, patience=1, n_train=40, **TINY)
    (stopper,) = made
    assert (stopper.monitor, stopper.mode, stopper.ties) == ("val_accuracy", "max", "last")
    assert result.best_epoch == stopper.best_epoch + 1


def test_finalize_run_patience_reaches_searched_networks_and_baselines(
    shapes_npz: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasknas.benchmarks.train import _final

    made: list[EarlyStopping] = []

    class Spy(EarlyStopping):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(_final, "EarlyStopping", Spy)
    run = _random_run(shapes_npz, tmp_path / "run", budget=1, seed=0)
    _, (default,) = final.finalize_run(run, epochs=3, overrides={"n_train": 40})
    assert default.patience == final.FINAL_PATIENCE == made[-1].patience
    _, (never,) = final.finalize_run(
        run, epochs=3, overrides={"n_train": 40}, patience=3, baselines=["cnn"]
    )
    # a patience of the schedule's length cannot stop a training: every epoch runs
    assert [s.patience for s in made[-2:]] == [3, 3] and [s.stopped_epoch for s in made[-2:]] == [
        None,
        None,
    ]
    assert (never.patience, never.epochs_run, never.baselines["cnn"].patience) == (3, 3, 3)
    assert never.best_epoch == made[-2].best_epoch + 1  # the best epoch is still kept
    _, (short,) = final.finalize_run(run, epochs=3, overrides={"n_train": 40}, patience=1)
    assert short.patience == 1 and made[-1].patience == 1
    assert short.epochs_run == (made[-1].stopped_epoch or 2) + 1
    with pytest.raises(InvalidSettingError, match="patience must be an integer >= 1, got 0"):
        final.finalize_run(run, epochs=3, patience=0)
    with pytest.raises(InvalidSettingError, match="patience needs the full final training"):
        final.finalize_run(run, quick=True, patience=5)
