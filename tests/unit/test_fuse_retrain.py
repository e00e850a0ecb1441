"""FUSE's retraining options: early stopping, augmentation and a separate retraining task."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import torch

import tasknas.oneshot.fuse._retrain as retrain_module
from tasknas.errors import InvalidSettingError
from tasknas.oneshot import FuseSettings, fuse_search, random_search, retrain
from tasknas.oneshot.fuse import retrain_baseline
from tasknas.oneshot.fuse._retrain import retrain_network
from tasknas.spaces import TANAS_OPS, DartsSpace
from tasknas.tasks import ImageTask, load_image_task
from tasknas.training import EarlyStopping

TINY = FuseSettings(
    candidates=2,
    rounds=1,
    stages=1,
    channels=4,
    layers=2,
    final_epochs=2,
    final_channels=4,
)
SPACE = DartsSpace(TANAS_OPS, nodes=2, reduction=False, name="tanas-2")
GOOD = "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~2,sep_conv_3x3~1"
#: ``none`` everywhere: the network outputs its classifier's bias, one class for every image,
#: so its validation accuracy on a balanced binary task is 0.5 after every epoch.
CONSTANT = "normal=none~0,none~1|none~2,none~0"


@pytest.fixture(scope="module")
def task() -> ImageTask:
    """MNIST "is it a 3": 128 training, 64 validation and 128 test images."""
    return load_image_task("mnist:3", seed=0, n_train=128, n_val=64, n_test=128)


@pytest.fixture(scope="module")
def bigger(task: ImageTask) -> ImageTask:
    """The same task with 256 training images and the same validation and test splits."""
    more = load_image_task("mnist:3", seed=0, n_train=256, n_val=64, n_test=128)
    assert torch.equal(more.val.x, task.val.x) and torch.equal(more.test.x, task.test.x)
    return more


def epochs_run(arch: str, task: ImageTask, settings: FuseSettings) -> int:
    calls: list[str] = []
    retrain(
        arch, task, settings=settings, progress=lambda message, done, total: calls.append(message)
    )
    return len(calls)


def weights(network: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in network.parameters()])


def test_early_stopping_ends_the_retraining_when_validation_stops_improving(
    task: ImageTask,
) -> None:
    long = dataclasses.replace(TINY, final_epochs=5)
    assert epochs_run(CONSTANT, task, long) == 5
    # epoch 1 sets the best (0.5), epoch 2 does not beat it: stop after 2 of 5 epochs
    assert epochs_run(CONSTANT, task, dataclasses.replace(long, final_patience=1)) == 2


def test_final_ties_last_counts_a_tied_epoch_as_the_best(task: ImageTask) -> None:
    # the constant network ties at 0.5 after every epoch: with "first" the patience of 1 ends
    # the retraining after epoch 2; with "last" every tied epoch restarts it, so all 5 run
    stopping = dataclasses.replace(TINY, final_epochs=5, final_patience=1)
    assert stopping.final_ties == "first"
    assert epochs_run(CONSTANT, task, stopping) == 2
    assert epochs_run(CONSTANT, task, dataclasses.replace(stopping, final_ties="last")) == 5


def test_early_stopping_scores_the_best_epochs_weights(
    task: ImageTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    stoppers: list[EarlyStopping] = []

    class Recording(EarlyStopping):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stoppers.append(self)

    monkeypatch.setattr(retrain_module, "EarlyStopping", Recording)
    settings = dataclasses.replace(TINY, final_epochs=4, final_patience=4, lr=0.05)
    _, _, val, _ = retrain_network(GOOD, task, settings=settings)
    (stopper,) = stoppers
    assert stopper.monitor == "val_accuracy" and stopper.restore_best
    assert stopper.best_epoch is not None
    assert val == stopper.best  # the best epoch's weights were scored, not the last epoch's


def test_augmentation_changes_the_retrained_weights_and_is_reproducible(task: ImageTask) -> None:
    plain = weights(retrain_network(GOOD, task, settings=TINY)[3])
    shifted = dataclasses.replace(TINY, final_shift=2)
    first = weights(retrain_network(GOOD, task, settings=shifted)[3])
    again = weights(retrain_network(GOOD, task, settings=shifted)[3])
    assert not torch.equal(plain, first)
    assert torch.equal(first, again)


def test_searches_retrain_on_the_retrain_task(task: ImageTask, bigger: ImageTask) -> None:
    for search in (fuse_search, random_search):
        on_own = search(SPACE, task, settings=TINY, seed=3)
        on_more = search(SPACE, task, settings=TINY, seed=3, retrain_task=bigger)
        assert on_more.rounds == on_own.rounds  # the search itself saw the same data
        assert on_more.arch == on_own.arch
        expected = retrain(on_more.arch, bigger, settings=TINY, seed=3)
        assert (on_more.test_error, on_more.params, on_more.val_accuracy) == expected
        assert not torch.equal(weights(on_more.network), weights(on_own.network))


def test_baselines_get_the_same_retraining_options(task: ImageTask) -> None:
    settings = dataclasses.replace(TINY, final_epochs=3, final_patience=1, final_shift=2)
    first = retrain_baseline("cnn", task, settings=settings, seed=1)
    again = retrain_baseline("cnn", task, settings=settings, seed=1)
    plain = retrain_baseline("cnn", task, settings=TINY, seed=1)
    assert (first.test_error, first.val_accuracy) == (again.test_error, again.val_accuracy)
    assert first.params == plain.params


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("final_patience", 0),
        ("final_patience", 1.5),
        ("final_shift", -1),
        ("final_shift", None),
        ("final_ties", "middle"),
        ("final_ties", None),
        ("final_stem_stride", 3),
        ("final_stem_stride", None),
        ("final_stem_stride", True),
    ],
)
def test_bad_retraining_settings_are_rejected_by_name(field: str, value: object) -> None:
    with pytest.raises(InvalidSettingError, match=field):
        FuseSettings(**{field: value})


def test_defaults_are_the_published_retraining() -> None:
    settings = FuseSettings()
    published = (settings.final_patience, settings.final_shift, settings.final_ties)
    assert published == (None, 0, "first")
    assert FuseSettings(final_patience=None, final_shift=0) == settings


def test_mirror_images_change_the_retraining_only_where_the_labels_allow(
    task: ImageTask,
) -> None:
    mirrored = dataclasses.replace(TINY, final_mirror=True)
    # MNIST digits do not survive a mirror image: the flag changes nothing on them
    digits = weights(retrain_network(GOOD, task, settings=TINY)[3])
    assert torch.equal(digits, weights(retrain_network(GOOD, task, settings=mirrored)[3]))
    cats = load_image_task("quickdraw4:cat", seed=0, n_train=128, n_val=64, n_test=128)
    plain = weights(retrain_network(GOOD, cats, settings=TINY)[3])
    first = weights(retrain_network(GOOD, cats, settings=mirrored)[3])
    assert not torch.equal(plain, first)
    assert torch.equal(first, weights(retrain_network(GOOD, cats, settings=mirrored)[3]))


def test_final_stem_stride_one_keeps_the_image_size_in_the_retrained_winner_only(
    task: ImageTask,
) -> None:
    assert FuseSettings().final_stem_stride == 2  # the search's network, as published
    wide = dataclasses.replace(TINY, final_stem_stride=1)
    *_, network = retrain_network(GOOD, task, settings=wide)
    *_, plain = retrain_network(GOOD, task, settings=TINY)
    assert (network.stem[0].stride, plain.stem[0].stride) == ((1, 1), (2, 2))
    assert weights(network).shape == weights(plain).shape  # the same parameters
    assert not torch.equal(weights(network), weights(plain))  # trained on other maps
    # the hand-designed baselines keep their own network whatever the setting
    ours, theirs = (retrain_baseline("cnn", task, settings=s, seed=1) for s in (wide, TINY))
    assert (ours.test_error, ours.val_accuracy) == (theirs.test_error, theirs.val_accuracy)


@pytest.mark.parametrize("value", [1, "yes", None])
def test_final_mirror_must_be_a_flag(value: object) -> None:
    with pytest.raises(InvalidSettingError, match="final_mirror"):
        FuseSettings(final_mirror=value)  # type: ignore[arg-type]
