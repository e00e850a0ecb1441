"""FUSE's warm-up option (weight steps before a round's first alpha step), issue 15."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import torch
from torch import nn

import tasknas.oneshot.fuse._random as random_module
import tasknas.oneshot.fuse._search as fuse_module
from tasknas.errors import InvalidSettingError
from tasknas.oneshot import FuseSettings, Mixture, fuse_search, random_search
from tasknas.spaces import TANAS_OPS, DartsSpace
from tasknas.tasks import ImageTask, load_image_task
from tasknas.training import History, Trainer

TINY = FuseSettings(
    candidates=2,
    rounds=1,
    stages=1,
    channels=4,
    layers=2,
    final_epochs=1,
    final_channels=4,
)
SPACE = DartsSpace(TANAS_OPS, nodes=2, reduction=False, name="tanas-2")


@pytest.fixture(scope="module")
def task() -> ImageTask:
    return load_image_task("mnist:3", seed=0, n_train=128, n_val=64, n_test=128)


def test_warm_up_trains_the_weights_before_alpha_moves(
    task: ImageTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[torch.Tensor, list[torch.Tensor]]] = []
    real = fuse_module._alternate

    def recording(mixture: Mixture, *args: Any) -> None:
        weights = [p.detach().clone() for p in mixture.weights()]
        seen.append((mixture.alpha.detach().clone(), weights))
        real(mixture, *args)

    monkeypatch.setattr(fuse_module, "_alternate", recording)
    fresh = fuse_module.build_network
    initial: list[list[torch.Tensor]] = []  # each new network's weights before any training

    def keeping(*args: Any, **kwargs: Any) -> nn.Module:
        network = fresh(*args, **kwargs)
        initial.append([p.detach().clone() for p in network.parameters()])
        return network

    monkeypatch.setattr(fuse_module, "build_network", keeping)
    fuse_search(SPACE, task, settings=dataclasses.replace(TINY, warmup_epochs=1))
    alpha, weights = seen[0]
    assert torch.equal(alpha, torch.zeros(2))  # the warm-up left the mixture logits alone
    start = [p for network in initial for p in network]
    assert len(start) == len(weights)
    assert any(not torch.equal(a, b) for a, b in zip(start, weights, strict=True))


def test_warm_up_is_counted_and_random_search_gets_it_too(
    task: ImageTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    spent = {"fuse": 0, "random": 0}

    def counting(method: str) -> type[Trainer]:
        class Counting(Trainer):
            def fit(self, model: nn.Module, train: Any, *args: Any, **kwargs: Any) -> History:
                history = super().fit(model, train, *args, **kwargs)
                if train is task.train:
                    spent[method] += len(history) * len(getattr(model, "networks", [model]))
                return history

        return Counting

    monkeypatch.setattr(fuse_module, "Trainer", counting("fuse"))
    monkeypatch.setattr(random_module, "Trainer", counting("random"))
    settings = dataclasses.replace(TINY, warmup_epochs=2)
    assert settings.epochs_per_round == 3
    fuse = fuse_search(SPACE, task, settings=settings)
    rand = random_search(SPACE, task, settings=settings)
    assert fuse.candidate_epochs == rand.candidate_epochs == spent["fuse"] == spent["random"] == 6


def test_warm_up_keeps_the_candidates_and_stays_reproducible(task: ImageTask) -> None:
    plain = fuse_search(SPACE, task, settings=TINY, seed=2)
    warm = dataclasses.replace(TINY, warmup_epochs=1)
    first = fuse_search(SPACE, task, settings=warm, seed=2)
    again = fuse_search(SPACE, task, settings=warm, seed=2)
    # the warm-up has its own seed stream: the candidates drawn do not change
    assert first.rounds[0].candidates == plain.rounds[0].candidates
    assert first.rounds == again.rounds
    assert first.candidate_epochs == plain.candidate_epochs + 2


@pytest.mark.parametrize("value", [-1, 1.5, None])
def test_bad_warm_up_is_rejected_by_name(value: object) -> None:
    with pytest.raises(InvalidSettingError, match="warmup_epochs"):
        FuseSettings(warmup_epochs=value)  # type: ignore[arg-type]


def test_recalibration_sets_the_running_statistics_of_the_data() -> None:
    from tasknas.oneshot.fuse._random import recalibrate_batch_norm
    from tasknas.tasks import TensorData

    generator = torch.Generator().manual_seed(0)
    x = 3.0 + 2.0 * torch.randn(128, 1, 4, 4, generator=generator)
    data = TensorData(x, torch.zeros(128, dtype=torch.long))
    norm = nn.BatchNorm2d(1)
    network = nn.Sequential(norm, nn.Flatten())
    network.eval()
    recalibrate_batch_norm(network, data, batch_size=64)
    assert not network.training and norm.momentum == 0.1
    assert norm.running_mean.item() == pytest.approx(x.mean().item(), abs=1e-5)
    # the average of the two batches' unbiased variances
    variances = [x[i : i + 64].var(unbiased=True).item() for i in (0, 64)]
    assert norm.running_var.item() == pytest.approx(sum(variances) / 2, rel=1e-5)


def test_random_search_scores_recalibrated_candidates(
    task: ImageTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = random_module.recalibrate_batch_norm

    def counting(network: nn.Module, data: Any, **kwargs: Any) -> None:
        assert data is task.train
        calls.append(1)
        real(network, data, **kwargs)

    monkeypatch.setattr(random_module, "recalibrate_batch_norm", counting)
    result = random_search(SPACE, task, settings=dataclasses.replace(TINY, rounds=2))
    assert len(calls) == 4  # every candidate, before it is scored
    assert len(result.rounds) == 2
