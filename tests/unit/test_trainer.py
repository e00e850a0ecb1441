"""The shared ``Trainer``: learning, determinism, parameter subsets, callbacks, settings."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
import torch
from torch import nn

from tasknas.errors import InvalidSettingError
from tasknas.nn import SmallCNN
from tasknas.tasks import TensorData
from tasknas.training import (
    Callback,
    EarlyStopping,
    History,
    LoggingCallback,
    ProgressCallback,
    Trainer,
    seeded,
)


@pytest.fixture(scope="module")
def is_three(binary_task) -> tuple[TensorData, TensorData]:
    """MNIST "is it a 3": 256 training and 128 validation images."""
    data = binary_task("mnist_test.npz", 3, 384, seed=0)
    return TensorData(data.x[:256], data.y[:256]), TensorData(data.x[256:], data.y[256:])


def small_net(seed: int = 0) -> SmallCNN:
    with seeded(seed):
        return SmallCNN(channels=4, hidden=16)


def state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


def same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


class Recorder(Callback):
    """Counts hook calls and snapshots the model after every epoch."""

    def __init__(self) -> None:
        self.calls = {"fit_start": 0, "batch": 0, "epoch": 0, "fit_end": 0}
        self.steps: list[int] = []
        self.snapshots: list[dict[str, torch.Tensor]] = []
        self.model: nn.Module | None = None

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        self.calls["fit_start"] += 1
        self.model = model

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        self.calls["batch"] += 1
        self.steps.append(step)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.calls["epoch"] += 1
        assert self.model is not None
        self.snapshots.append(state(self.model))

    def on_fit_end(self, history: History) -> None:
        self.calls["fit_end"] += 1


def test_training_reduces_the_loss_on_real_images(is_three) -> None:
    train, val = is_three
    model = small_net()
    trainer = Trainer(epochs=6, batch_size=32)
    before = trainer.evaluate(model, train)
    history = trainer.fit(model, train, val)
    after = trainer.evaluate(model, train)
    assert len(history) == 6 and not history.stopped_early
    assert history.last["train_loss"] < 0.7 * history[0]["train_loss"]
    assert after["loss"] < 0.7 * before["loss"]
    assert after["accuracy"] > 0.85 and history.last["val_accuracy"] > 0.8
    assert set(history.last) == {
        "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds",
    }  # fmt: skip


def test_sgd_nesterov_cosine_and_clipping_train(is_three) -> None:
    train, _ = is_three
    model = small_net()
    trainer = Trainer(
        epochs=4, lr=0.05, optimizer="sgd", nesterov=True, scheduler="cosine", grad_clip=1.0
    )
    history = trainer.fit(model, train)
    lrs = history.column("lr")
    assert lrs[0] == pytest.approx(0.05) and all(a > b for a, b in itertools.pairwise(lrs))
    assert history.last["train_loss"] < history[0]["train_loss"]


def test_same_seed_gives_bit_identical_weights(is_three) -> None:
    train, val = is_three
    runs = []
    for _ in range(2):
        model = small_net(seed=5)
        history = Trainer(epochs=2, batch_size=32, seed=3).fit(model, train, val)
        runs.append((state(model), [dict(r, seconds=0) for r in history]))
    assert same_state(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_different_seeds_give_different_weights(is_three) -> None:
    train, _ = is_three
    models = [small_net(seed=5), small_net(seed=5)]
    for seed, model in enumerate(models):
        Trainer(epochs=1, batch_size=32, seed=seed).fit(model, train)
    assert not same_state(state(models[0]), state(models[1]))


def test_fit_leaves_the_global_rng_alone(is_three) -> None:
    train, _ = is_three
    before = torch.random.get_rng_state()
    Trainer(epochs=1).fit(small_net(), train)
    assert torch.equal(before, torch.random.get_rng_state())


def test_only_the_given_parameters_change(is_three) -> None:
    train, _ = is_three
    model = small_net()
    start = state(model)
    Trainer(epochs=1).fit(model, train, parameters=model.head.parameters())
    end = state(model)
    for key in start:
        assert torch.equal(start[key], end[key]) != key.startswith("head."), key
    assert all(p.requires_grad and p.grad is None for p in model.parameters())


class Shifted(nn.Module):
    """A network plus a learnable logit offset, standing in for FUSE's architecture weights."""

    def __init__(self) -> None:
        super().__init__()
        self.net = small_net()
        self.alpha = nn.Parameter(torch.zeros(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x) + self.alpha


def test_alternating_weight_and_alpha_fits_touch_only_their_own(is_three) -> None:
    train, val = is_three
    model = Shifted()
    trainer = Trainer(epochs=1, lr=1e-2)
    weights = list(model.net.parameters())
    for _ in range(2):
        alpha = model.alpha.detach().clone()
        trainer.fit(model, train, parameters=weights)
        assert torch.equal(alpha, model.alpha) and model.alpha.grad is None
        net = state(model.net)
        trainer.fit(model, val, parameters=[model.alpha])
        assert same_state(net, state(model.net)) and not torch.equal(alpha, model.alpha)
        assert all(p.grad is None for p in model.parameters())


def test_a_callers_optimizer_keeps_its_state_across_fits(is_three) -> None:
    """MTL-NAS alternates one-batch fits, each with a persistent optimiser."""
    train, val = is_three
    model = Shifted()
    adam = torch.optim.Adam([model.alpha], lr=0.05)
    sgd = torch.optim.SGD(model.net.parameters(), lr=0.05, momentum=0.9)
    trainer = Trainer(epochs=1, batch_size=64)
    for _ in range(2):
        net = state(model.net)
        history = trainer.fit(model, val, optimizer=adam)
        assert same_state(net, state(model.net)) and history.last["lr"] == 0.05
        alpha = model.alpha.detach().clone()
        trainer.fit(model, train, optimizer=sgd)
        assert torch.equal(alpha, model.alpha)
    assert int(adam.state[model.alpha]["step"]) == 2 * 2  # 128 images in batches of 64
    assert all("momentum_buffer" in sgd.state[p] for p in model.net.parameters())
    assert all(p.grad is None for p in model.parameters())


def test_a_callers_optimizer_excludes_parameters_and_schedulers(is_three) -> None:
    train, _ = is_three
    model = Shifted()
    adam = torch.optim.Adam([model.alpha])
    with pytest.raises(InvalidSettingError, match="either parameters or an optimizer"):
        Trainer().fit(model, train, parameters=[model.alpha], optimizer=adam)
    with pytest.raises(InvalidSettingError, match="scheduler 'cosine'"):
        Trainer(scheduler="cosine").fit(model, train, optimizer=adam)
    with pytest.raises(InvalidSettingError, match="torch optimizer"):
        Trainer().fit(model, train, optimizer="adam")


def test_early_stopping_stops_and_restores_the_best_epoch(is_three) -> None:
    train, _ = is_three
    flipped = TensorData(train.x, 1 - train.y)  # validation loss rises as training succeeds
    recorder = Recorder()
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    model = small_net()
    history = Trainer(epochs=20, callbacks=[recorder, stopper]).fit(model, train, flipped)
    best = int(history.best("val_loss")["epoch"])
    assert history.stopped_early and len(history) < 20
    assert stopper.best_epoch == best < history.last["epoch"]
    assert len(history) == best + 1 + 2
    assert same_state(state(model), recorder.snapshots[best])
    assert not same_state(state(model), recorder.snapshots[-1])


def test_early_stopping_on_a_maximised_metric_without_restoring(is_three) -> None:
    train, val = is_three
    stopper = EarlyStopping(monitor="val_accuracy", mode="max", patience=1, restore_best=False)
    recorder = Recorder()
    model = small_net()
    history = Trainer(epochs=15, lr=1e-4, callbacks=[recorder, stopper]).fit(model, train, val)
    assert stopper.best == history.best("val_accuracy")["val_accuracy"]
    assert same_state(state(model), recorder.snapshots[-1])


def test_early_stopping_rejects_an_unlogged_monitor(is_three) -> None:
    train, _ = is_three
    trainer = Trainer(epochs=1, callbacks=[EarlyStopping(monitor="val_loss")])
    with pytest.raises(InvalidSettingError, match=r"val_loss.*train_loss"):
        trainer.fit(small_net(), train)  # no validation data


def test_callbacks_are_called_the_right_number_of_times(is_three, caplog) -> None:
    train, val = is_three
    recorder = Recorder()
    progress: list[tuple[str, int, int]] = []
    callbacks = [recorder, ProgressCallback(lambda *call: progress.append(call), "fit")]
    caplog.set_level(logging.INFO, logger="tasknas")
    trainer = Trainer(epochs=3, batch_size=64, callbacks=[*callbacks, LoggingCallback()])
    trainer.fit(small_net(), train, val)
    assert recorder.calls == {"fit_start": 1, "batch": 12, "epoch": 3, "fit_end": 1}
    assert recorder.steps == list(range(12))
    assert progress == [("fit", done, 12) for done in range(1, 13)]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("tasknas.training")]
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    assert len(epoch_lines) == 3 and epoch_lines[-1].startswith("epoch 3/3: ")
    assert "val_loss=" in epoch_lines[0]


class StopAt(Callback):
    def __init__(self, step: int) -> None:
        self.step = step
        self.trainer: Trainer | None = None

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        self.trainer = trainer

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        if step == self.step and self.trainer is not None:
            self.trainer.stop = True


def test_a_callback_can_stop_training_mid_epoch(is_three) -> None:
    train, _ = is_three
    recorder = Recorder()
    trainer = Trainer(epochs=5, batch_size=64, callbacks=[StopAt(5), recorder])
    history = trainer.fit(small_net(), train)
    assert len(history) == 2 and history.stopped_early
    assert recorder.calls == {"fit_start": 1, "batch": 6, "epoch": 2, "fit_end": 1}
    assert trainer.fit(small_net(), train, epochs=1).stopped_early is False  # stop is reset


def test_custom_loss_and_metric_are_used(is_three) -> None:
    train, val = is_three
    calls = []

    def loss(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        calls.append(len(y))
        return nn.functional.cross_entropy(output, y)

    trainer = Trainer(epochs=1, batch_size=128, loss=loss, metric=lambda output, y: 0.25)
    history = trainer.fit(small_net(), train, val)
    assert calls == [128, 128, 128]  # two training batches, one validation batch
    assert history.last["train_accuracy"] == history.last["val_accuracy"] == 0.25


def test_evaluate_and_predict_restore_the_mode_and_agree(is_three) -> None:
    _, val = is_three
    model = small_net()
    model.train()
    trainer = Trainer(batch_size=50)
    scores = trainer.evaluate(model, val)
    logits = trainer.predict(model, val.x)
    assert model.training and not any(p.grad is not None for p in model.parameters())
    assert logits.shape == (128, 2) and logits.device.type == "cpu"
    accuracy = float((logits.argmax(1) == val.y).float().mean())
    assert scores["accuracy"] == pytest.approx(accuracy)
    expected = float(nn.functional.cross_entropy(logits, val.y))
    assert scores["loss"] == pytest.approx(expected, rel=1e-5)


def test_history_best_and_errors() -> None:
    history = History()
    for epoch, (loss, acc) in enumerate([(0.5, 0.7), (0.3, 0.9), (0.4, 0.9)]):
        history.append({"epoch": epoch, "val_loss": loss, "val_accuracy": acc})
    assert history.best("val_loss")["epoch"] == 1
    assert history.best("val_accuracy")["epoch"] == 1  # earliest of the ties
    assert history.best("val_loss", mode="max")["epoch"] == 0
    with pytest.raises(InvalidSettingError, match=r"'train_loss'.*val_loss"):
        history.best("train_loss")
    with pytest.raises(InvalidSettingError, match="'median'"):
        history.best("val_loss", mode="median")


@pytest.mark.parametrize(
    ("settings", "shown"),
    [
        ({"epochs": 0}, "got 0"),
        ({"epochs": 2.5}, "2.5"),
        ({"batch_size": 0}, "got 0"),
        ({"lr": 0.0}, "got 0.0"),
        ({"lr": -0.1}, "-0.1"),
        ({"optimizer": "rmsprop"}, "'rmsprop'; valid choices: adam, sgd"),
        ({"scheduler": "step"}, "'step'; valid choices: cosine, None"),
        ({"momentum": -1.0}, "-1.0"),
        ({"weight_decay": float("nan")}, "nan"),
        ({"grad_clip": 0.0}, "got 0.0"),
        ({"seed": -1}, "-1"),
        ({"nesterov": True}, "'adam'"),
        ({"device": "tpu"}, "'tpu'; valid choices"),
        ({"callbacks": ["log"]}, "'log'"),
    ],
)
def test_bad_settings_name_the_value(settings: dict[str, Any], shown: str) -> None:
    with pytest.raises(InvalidSettingError) as info:
        Trainer(**settings)
    assert shown in str(info.value)


def test_bad_fit_arguments(is_three) -> None:
    train, _ = is_three
    model = small_net()
    with pytest.raises(InvalidSettingError, match="got 0"):
        Trainer().fit(model, train, epochs=0)
    with pytest.raises(InvalidSettingError, match="empty"):
        Trainer().fit(model, TensorData(train.x[:0], train.y[:0]))
    frozen = torch.zeros(3)
    with pytest.raises(InvalidSettingError, match="require grad"):
        Trainer().fit(model, train, parameters=[frozen])
    with pytest.raises(InvalidSettingError, match="'best'"):
        EarlyStopping(mode="best")
    with pytest.raises(InvalidSettingError, match="got 0"):
        EarlyStopping(patience=0)


@pytest.mark.parametrize(
    ("values", "warned"),
    [
        ([0.9, 0.95, 0.94, 0.93], True),  # stopped at 4 of 8, kept epoch 2
        ([0.9, 0.9, 0.95, 0.96, 0.97, 0.94, 0.93], False),  # kept epoch 5 of 8: the second half
        ([0.9, 0.95, 0.94, 0.96, 0.97, 0.98, 0.99, 0.99], False),  # never stopped
    ],
)
def test_early_stopping_warns_when_it_kept_an_epoch_of_the_first_half(
    values: list[float], warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from types import SimpleNamespace

    trainer = SimpleNamespace(stop=False, fit_info=SimpleNamespace(epochs=8))
    stopper = EarlyStopping("val_accuracy", patience=2, mode="max", restore_best=False)
    stopper.on_fit_start(trainer, None)  # type: ignore[arg-type]
    for epoch, value in enumerate(values):
        stopper.on_epoch_end(epoch, {"val_accuracy": value})
        if trainer.stop:
            break
    with caplog.at_level(logging.WARNING, logger="tasknas"):
        assert stopper.warn_if_early_epoch_kept("the network on mnist", 500) is warned
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if not warned:
        assert messages == []
        return
    (message,) = messages
    assert message.startswith("the network on mnist stopped at epoch 4 and kept epoch 2 of up to 8")
    assert "500 validation images" in message and "a patience of at least 8" in message


@pytest.mark.parametrize(
    ("ties", "best_epoch", "stopped_epoch"),
    [("first", 1, 3), ("last", 4, 6)],
)
def test_early_stopping_ties_keep_the_first_or_the_last_best_epoch(
    ties: str, best_epoch: int, stopped_epoch: int
) -> None:
    from types import SimpleNamespace

    trainer = SimpleNamespace(stop=False)
    values = [0.90, 0.95, 0.95, 0.94, 0.95, 0.93, 0.93, 0.99]
    stopper = EarlyStopping("val_accuracy", patience=2, mode="max", restore_best=False, ties=ties)
    stopper.on_fit_start(trainer, None)  # type: ignore[arg-type]
    for epoch, value in enumerate(values):
        stopper.on_epoch_end(epoch, {"val_accuracy": value})
        if trainer.stop:
            break
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (
        0.95,
        best_epoch,
        stopped_epoch,
    )
    losses = EarlyStopping("val_loss", patience=5, ties="last", restore_best=False)
    losses.on_fit_start(SimpleNamespace(stop=False), None)  # type: ignore[arg-type]
    for epoch, value in enumerate([0.5, 0.4, 0.45, 0.4, 0.41]):
        losses.on_epoch_end(epoch, {"val_loss": value})
    assert (losses.best, losses.best_epoch) == (0.4, 3)
    with pytest.raises(InvalidSettingError, match="ties"):
        EarlyStopping(ties="middle")
