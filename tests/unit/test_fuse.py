"""FUSE one-shot search, its random-search baseline at equal compute, and retraining."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import tasknas.oneshot.fuse._random as random_module
import tasknas.oneshot.fuse._search as fuse_module
from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.nn import DartsNetwork, count_parameters
from tasknas.oneshot import (
    FuseSettings,
    Mixture,
    RoundRecord,
    SearchResult,
    fuse_search,
    random_search,
    retrain,
)
from tasknas.spaces import TANAS_OPS, DartsSpace, get_space
from tasknas.tasks import ImageTask, load_image_task
from tasknas.training import History, Trainer, seeded

#: Tiny search settings: every search in this file takes a few seconds on one thread.
TINY = FuseSettings(
    candidates=3,
    rounds=1,
    stages=2,
    channels=4,
    layers=2,
    final_epochs=1,
    final_channels=4,
    batch_size=64,
)
#: ``none`` zeroes its input, so a cell made only of ``none`` ops makes a network whose
#: output is its classifier's bias, the same for every image: a crippled candidate.
CRIPPLED_SPACE = DartsSpace(("none", "sep_conv_3x3"), nodes=2, reduction=False, name="crippled")
CRIPPLED = (
    "normal=none~0,none~1|none~2,none~0",
    "normal=none~1,none~1|none~2,none~2",
)
GOOD = "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~2,sep_conv_3x3~1"
#: The TA-NAS operations in 2-node cells: cheaper networks for the bookkeeping tests.
SMALL_SPACE = DartsSpace(TANAS_OPS, nodes=2, reduction=False, name="tanas-2")


@pytest.fixture(scope="module")
def task() -> ImageTask:
    """MNIST "is it a 3": 256 training, 128 validation and 256 test images."""
    return load_image_task("mnist:3", seed=0, n_train=256, n_val=128, n_test=256)


def small_network(task: ImageTask, arch: str, seed: int = 0) -> DartsNetwork:
    with seeded(seed):
        return DartsNetwork(
            CRIPPLED_SPACE.parse(arch),
            in_channels=1,
            num_classes=task.num_classes,
            channels=4,
            layers=2,
        )


def comparable(result: SearchResult) -> dict[str, Any]:
    """The result without its wall time."""
    return {k: v for k, v in result.to_dict().items() if k != "seconds"}


# -- acceptance ---------------------------------------------------------------------------


def test_fuse_picks_the_good_candidate_over_crippled_ones(task: ImageTask) -> None:
    # The good candidate comes last: with alpha left at its uniform start the arg-max would
    # be the first, crippled, candidate, so the test fails unless alpha learns.
    # Adam moves alpha by about alpha_lr per step: 3 stages x 2 val batches x 0.1 = 0.6 at most.
    settings = dataclasses.replace(TINY, stages=3, alpha_lr=0.1)
    result = fuse_search(CRIPPLED_SPACE, task, settings=settings, initial=(*CRIPPLED, GOOD))
    (record,) = result.rounds
    assert record.candidates == (*CRIPPLED, GOOD)
    assert result.arch == record.winner == GOOD
    weights = dict(zip(record.candidates, record.weights, strict=True))
    assert weights[GOOD] > 0.5
    assert max(weights[arch] for arch in CRIPPLED) < 0.27


def test_alpha_moves_away_from_a_network_with_frozen_zero_output(task: ImageTask) -> None:
    crippled = small_network(task, GOOD, seed=1)
    nn.init.zeros_(crippled.classifier.weight)
    nn.init.zeros_(crippled.classifier.bias)
    crippled.classifier.requires_grad_(False)
    mixture = Mixture([crippled, small_network(task, GOOD)])
    assert all(p.requires_grad for p in mixture.weights())
    assert len(mixture.weights()) == len(list(mixture.networks.parameters())) - 2
    for stage in range(3):
        Trainer(lr=1e-3, seed=stage).fit(
            mixture, task.train, parameters=mixture.weights(), epochs=1
        )
        Trainer(lr=0.1, seed=stage).fit(mixture, task.val, parameters=[mixture.alpha], epochs=1)
    assert torch.count_nonzero(crippled.classifier.weight) == 0
    crippled_weight, good_weight = mixture.probabilities().tolist()
    assert good_weight > 0.65 > 0.35 > crippled_weight


# -- the mixture --------------------------------------------------------------------------


def test_mixture_output_is_the_softmax_weighted_sum() -> None:
    with seeded(0):
        networks = [nn.Sequential(nn.Flatten(), nn.Linear(12, 4)) for _ in range(3)]
        x = torch.randn(5, 3, 2, 2)
    mixture = Mixture(networks)
    assert torch.equal(mixture.alpha.detach(), torch.zeros(3))
    with torch.no_grad():
        mixture.alpha.copy_(torch.tensor([0.5, -1.0, 2.0]))
    weights = torch.softmax(torch.tensor([0.5, -1.0, 2.0]), dim=0)
    expected = sum(w * net(x) for w, net in zip(weights, networks, strict=True))
    output = mixture(x)
    torch.testing.assert_close(output, expected)
    torch.testing.assert_close(mixture.probabilities(), weights)
    output.square().sum().backward()
    assert mixture.alpha.grad is not None and torch.all(mixture.alpha.grad != 0)


def test_each_step_changes_only_its_own_parameters(task: ImageTask) -> None:
    mixture = Mixture([small_network(task, GOOD, seed=s) for s in range(2)])
    weights = [p.detach().clone() for p in mixture.weights()]
    Trainer(lr=1e-3).fit(mixture, task.train, parameters=mixture.weights(), epochs=1)
    assert torch.equal(mixture.alpha.detach(), torch.zeros(2))
    assert any(not torch.equal(a, b) for a, b in zip(weights, mixture.weights(), strict=True))
    weights = [p.detach().clone() for p in mixture.weights()]
    Trainer(lr=0.05).fit(mixture, task.val, parameters=[mixture.alpha], epochs=1)
    assert not torch.equal(mixture.alpha.detach(), torch.zeros(2))
    assert all(torch.equal(a, b) for a, b in zip(weights, mixture.weights(), strict=True))
    assert all(p.requires_grad for p in mixture.parameters())


# -- rounds and candidates ----------------------------------------------------------------


def test_rounds_keep_the_winner_and_add_new_candidates_from_the_space(
    task: ImageTask, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = get_space("darts-tanas").with_ops(["skip_connect", "max_pool_3x3", "sep_conv_3x3"])
    rng = np.random.default_rng(7)
    initial = [space.sample(rng), str(space.sample(rng))]
    builds: list[str] = []
    build = fuse_module.build_network

    def counting_build(arch: Any, *args: Any, **kwargs: Any) -> nn.Module:
        builds.append(str(arch))
        return build(arch, *args, **kwargs)

    monkeypatch.setattr(fuse_module, "build_network", counting_build)
    calls: list[tuple[str, int, int]] = []
    settings = dataclasses.replace(TINY, rounds=3, stages=1, final_epochs=2)
    result = fuse_search(
        space, task, settings=settings, initial=initial, progress=lambda *a: calls.append(a)
    )
    rounds = result.rounds
    assert len(rounds) == 3
    assert rounds[0].candidates[:2] == (str(initial[0]), initial[1])
    for record in rounds:
        assert len(set(record.candidates)) == 3
        assert all(space.contains(space.parse(arch)) for arch in record.candidates)
        assert record.winner == record.candidates[int(np.argmax(record.weights))]
        assert sum(record.weights) == pytest.approx(1.0)
    for r in range(1, len(rounds)):
        assert rounds[r].candidates[0] == rounds[r - 1].winner
        earlier = {arch for record in rounds[:r] for arch in record.candidates}
        assert not set(rounds[r].candidates[1:]) & earlier  # new ones are new
    assert result.arch == rounds[-1].winner
    # A survivor keeps its trained network: only the new candidates are built.
    assert len(builds) == 3 + 2 + 2
    assert result.candidate_epochs == 3 * 1 * 3 * 1
    assert [(done, total) for _, done, total in calls] == [(k, 5) for k in range(1, 6)]
    assert result.method == "fuse"
    assert 0 <= result.test_error <= 100 and 0 <= result.val_accuracy <= 1
    assert result.params > 0


def test_random_search_spends_the_same_candidate_epochs_as_fuse(
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
    settings = dataclasses.replace(TINY, candidates=2, rounds=2, stages=2, weight_epochs=1)
    fuse = fuse_search(SMALL_SPACE, task, settings=settings)
    rand = random_search(SMALL_SPACE, task, settings=settings)
    assert rand.candidate_epochs == fuse.candidate_epochs == spent["fuse"] == spent["random"] == 8
    assert rand.method == "random"
    assert len(rand.rounds) == 2
    archs = [a for record in rand.rounds for a in record.candidates]
    assert len(set(archs)) == 4
    accuracies = [w for record in rand.rounds for w in record.weights]
    assert rand.arch == archs[int(np.argmax(accuracies))]


def test_same_seed_same_result(task: ImageTask) -> None:
    settings = dataclasses.replace(TINY, rounds=2, candidates=2, stages=1)
    first = fuse_search(SMALL_SPACE, task, settings=settings, seed=3)
    assert comparable(fuse_search(SMALL_SPACE, task, settings=settings, seed=3)) == comparable(
        first
    )
    other = fuse_search(SMALL_SPACE, task, settings=dataclasses.replace(settings, rounds=1), seed=4)
    assert other.rounds[0].candidates != first.rounds[0].candidates
    again = [random_search(SMALL_SPACE, task, settings=settings, seed=1) for _ in range(2)]
    assert comparable(again[0]) == comparable(again[1])


def test_retrain_accepts_a_string_and_reports_every_epoch(task: ImageTask) -> None:
    calls: list[tuple[str, int, int]] = []
    settings = dataclasses.replace(TINY, final_epochs=2, final_channels=6)
    test_error, params, val_accuracy = retrain(
        GOOD, task, settings=settings, seed=0, progress=lambda *a: calls.append(a)
    )
    expected = DartsNetwork(CRIPPLED_SPACE.parse(GOOD), num_classes=2, channels=6, layers=2)
    assert params == count_parameters(expected)
    assert 0 <= test_error <= 100 and 0 <= val_accuracy <= 1
    assert [(done, total) for _, done, total in calls] == [(1, 2), (2, 2)]
    assert (test_error, params, val_accuracy) == retrain(GOOD, task, settings=settings, seed=0)


def test_result_to_dict_is_plain() -> None:
    record = RoundRecord(("a", "b"), (0.25, 0.75), "b")
    result = SearchResult("b", 12.5, 100, 0.9, (record,), 8, 1.0, "fuse")
    assert result.to_dict()["rounds"] == [
        {"candidates": ["a", "b"], "weights": [0.25, 0.75], "winner": "b"}
    ]
    assert result.to_dict()["method"] == "fuse"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("candidates", 1),
        ("rounds", 0),
        ("stages", True),
        ("weight_epochs", 1.5),
        ("alpha_epochs", -1),
        ("lr", 0.0),
        ("alpha_lr", float("nan")),
        ("batch_size", 0),
        ("channels", "8"),
        ("final_epochs", 0),
        ("device", "tpu"),
    ],
)
def test_bad_settings_are_rejected_by_name(field: str, value: object) -> None:
    with pytest.raises(InvalidSettingError, match=field if field != "device" else "tpu"):
        FuseSettings(**{field: value})


def test_bad_arguments_are_rejected(task: ImageTask) -> None:
    with pytest.raises(InvalidSettingError, match="DartsSpace"):
        fuse_search(get_space("nb201"), task, settings=TINY)
    with pytest.raises(InvalidSettingError, match="seed"):
        fuse_search(CRIPPLED_SPACE, task, settings=TINY, seed=-1)
    restricted = get_space("darts-tanas").with_ops(["skip_connect"])
    conv = "normal=sep_conv_3x3~0,skip_connect~1|" + "|".join(["skip_connect~0,skip_connect~1"] * 2)
    with pytest.raises(InvalidArchitectureError, match="sep_conv_3x3"):
        fuse_search(restricted, task, settings=TINY, initial=[conv])
    tiny_space = DartsSpace(("skip_connect",), nodes=1, reduction=False, name="four")
    with pytest.raises(InvalidSettingError, match="'four'"):
        random_search(tiny_space, task, settings=dataclasses.replace(TINY, rounds=2, candidates=3))
