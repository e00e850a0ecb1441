"""MTL-NAS search schedules (alpha_init, alpha_warmup, the gradient trace) and MultiFashion."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
import torch

from tasknas._progress import Tracker
from tasknas.errors import InvalidSettingError
from tasknas.oneshot import NETWORKS, MTLSettings, mtl_search
from tasknas.oneshot.mtl._alternate import alternate
from tasknas.oneshot.mtl._search import build_mtl_network
from tasknas.tasks import load_multitask_set, multimnist
from tasknas.tasks._multimnist import multifashion
from tasknas.tasks._multitask_names import multitask_datasets

# The paper's search (from the pretrained backbones), whose schedules these tests probe.
TINY = MTLSettings(
    blocks=((4, 4), (8, 8)),
    pretrain_epochs=1,
    epochs=2,
    batch_size=16,
    alpha_lr=0.5,
    search_start="pretrained",
)


@pytest.fixture(scope="module")
def data():
    return multimnist(seed=0, n_train=96, n_val=8, n_test=48)


def _search(data, settings: MTLSettings) -> tuple[list[dict[str, float]], torch.Tensor]:
    net = build_mtl_network(data, settings, 0)
    trace: list[dict[str, float]] = []
    alternate(net, data.train, settings, 0, Tracker(None, 1), trace=trace)
    return trace, net.alpha.detach().clone()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"alpha_init": math.inf}, "alpha_init must be a finite number, got inf"),
        ({"alpha_init": "1"}, "alpha_init must be a finite number, got '1'"),
        ({"alpha_warmup": 1.0}, "alpha_warmup must be in [0, 1), got 1.0"),
        ({"alpha_warmup": -0.1}, "alpha_warmup must be a finite number >= 0, got -0.1"),
    ],
)
def test_bad_schedule_settings_name_the_value(kwargs, fragment) -> None:
    with pytest.raises(InvalidSettingError, match=re.escape(fragment)):
        MTLSettings(**kwargs)


def test_defaults_are_mtl_nas_initialisation_without_warmup() -> None:
    assert MTLSettings().alpha_init == 0.0 and MTLSettings().alpha_warmup == 0.0
    assert {"alpha_init", "alpha_warmup"} <= set(MTLSettings().to_dict())


def test_alpha_starts_at_alpha_init_and_waits_out_the_warmup(data) -> None:
    # 48 images per half, batch 16: 3 steps per search epoch, 4 search epochs -> 12 steps.
    settings = dataclasses.replace(TINY, alpha_init=1.5, alpha_warmup=0.5)
    trace, _ = _search(data, settings)
    assert len(trace) == 6  # the first half of the steps train the weights only
    assert trace[0]["alpha_mean"] == trace[0]["alpha_min"] == 1.5  # untouched by the warm-up
    assert trace[0]["open"] == 12 and trace[0]["progress"] == pytest.approx(0.5)
    full, _ = _search(data, dataclasses.replace(TINY, alpha_init=-2.0))
    assert len(full) == 12 and full[0]["alpha_max"] == -2.0 and full[0]["open"] == 0


def test_the_trace_separates_the_task_and_entropy_gradients(data) -> None:
    trace, alpha = _search(data, dataclasses.replace(TINY, lam_ramp=0.0, alpha_init=1.0))
    first = trace[0]
    # Fusion weights start at zero: the task losses give alpha no gradient at all.
    assert first["grad_task"] == 0.0 and first["grad_task_abs"] == 0.0
    # d/dα of λ·H(σ(α)) at α = 1 is -λ·σ'(1)·1 (mean over edges), pushing α up (open).
    s = 1 / (1 + math.exp(-1.0))
    expected = -TINY.lam * s * (1 - s) * 1.0 / 12  # mean entropy over 12 edges, per edge
    assert first["grad_entropy"] == pytest.approx(expected, rel=1e-4)
    assert first["lam"] == TINY.lam
    assert trace[-1]["grad_task_abs"] > 0  # once the fusion weights moved
    assert bool((alpha > 1.0).all())  # the entropy term kept pushing the open gates open


def test_a_positive_alpha_init_changes_the_search(data) -> None:
    plain = mtl_search(data, settings=TINY, seed=0)
    opened = mtl_search(data, settings=dataclasses.replace(TINY, alpha_init=3.0), seed=0)
    assert plain.alpha != opened.alpha
    assert len(opened.edges) > len(plain.edges)


# ------------------------------------------------------------------ MultiFashion
def test_multifashion_is_a_shipped_held_out_pair_set() -> None:
    assert "multifashion" in multitask_datasets()
    a = load_multitask_set("multifashion", seed=2, n_train=40, n_val=5, n_test=20)
    b = multifashion(seed=2, n_train=40, n_val=5, n_test=20)
    assert a.name == "multifashion" and a.tasks == ("left", "right")
    assert a.classes[0][0] == "T-shirt/top" and a.num_classes == (10, 10)
    assert a.train.x.shape == (40, 1, 28, 36) and a.train.y.shape == (40, 2)
    for split in ("train", "val", "test"):
        assert torch.equal(getattr(a, split).x, getattr(b, split).x)
        assert torch.equal(getattr(a, split).y, getattr(b, split).y)
    digits = multimnist(seed=2, n_train=40, n_val=5, n_test=20)
    assert not torch.equal(a.train.x, digits.train.x)
    assert not torch.equal(a.train.x, multifashion(seed=3, n_train=40, n_val=5, n_test=20).train.x)


def test_multifashion_refuses_more_pairs_than_its_pool_names_the_set() -> None:
    with pytest.raises(InvalidSettingError, match="multifashion"):
        multifashion(n_val=10**8)


# ------------------------------------------------------------------ issue 15 follow-up
@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"alpha_beta1": 1.0}, "alpha_beta1 must be in [0, 1), got 1.0"),
        ({"alpha_beta1": -0.5}, "alpha_beta1 must be a finite number >= 0, got -0.5"),
        (
            {"search_start": "all"},
            "unknown search start 'all'; valid choices: pretrained, all_edges",
        ),
    ],
)
def test_bad_search_start_and_beta1_name_the_value(kwargs, fragment) -> None:
    with pytest.raises(InvalidSettingError, match=re.escape(fragment)):
        MTLSettings(**kwargs)


def test_defaults_keep_mtl_nas_adam_and_start_from_the_all_edges_supernet() -> None:
    assert MTLSettings().alpha_beta1 == 0.5 and MTLSettings().search_start == "all_edges"


def test_alpha_beta1_is_adams_first_moment(data) -> None:
    # Adam's first step is lr * sign(g) whatever beta1 is; from the second on they differ.
    settings = dataclasses.replace(TINY, lam_ramp=0.0, alpha_init=1.0)
    slow, _ = _search(data, settings)
    fast, _ = _search(data, dataclasses.replace(settings, alpha_beta1=0.0))
    assert slow[1]["alpha_mean"] == pytest.approx(fast[1]["alpha_mean"], abs=1e-6)
    assert slow[1]["alpha_mean"] == pytest.approx(1.0 + TINY.alpha_lr, abs=1e-4)
    assert slow[3]["alpha_mean"] != pytest.approx(fast[3]["alpha_mean"], abs=1e-6)


def test_search_start_all_edges_searches_the_trained_supernet(data, monkeypatch) -> None:
    import tasknas.oneshot.mtl._search as search_module

    real, traces = search_module.alternate, []

    def traced(net, train, settings, seed, tracker):
        traces.append([])
        traces[-1].append(net.gate_mode)
        return real(net, train, settings, seed, tracker, trace=traces[-1])

    monkeypatch.setattr(search_module, "alternate", traced)
    plain = mtl_search(data, settings=TINY, seed=0)
    warm = mtl_search(data, settings=dataclasses.replace(TINY, search_start="all_edges"), seed=0)
    (mode_plain, *plain_trace), (mode_warm, *warm_trace) = traces
    # Pretrained backbones: the fusion weights are zero, so alpha gets no task gradient.
    assert plain_trace[0]["grad_task_abs"] == 0.0 and mode_plain == "none"
    # The all-edges baseline's fusion weights are trained: the first step already has one.
    assert warm_trace[0]["grad_task_abs"] > 0 and mode_warm == "all"
    assert warm.alpha != plain.alpha
    assert (plain.search_start, warm.search_start) == ("pretrained", "all_edges")


def test_search_from_all_edges_scores_baselines_trained_as_long(data, monkeypatch) -> None:
    import tasknas.oneshot.mtl._search as search_module

    real, calls, steps = search_module._train, [], []

    def recorded(net, mode, train, settings, epochs, seed, tracker, label):
        calls.append((mode, epochs, seed))
        return real(net, mode, train, settings, epochs, seed, tracker, label)

    monkeypatch.setattr(search_module, "_train", recorded)
    plain = mtl_search(data, settings=TINY, seed=0)
    plain_calls, calls[:] = list(calls), []
    settings = dataclasses.replace(TINY, search_start="all_edges")
    warm = mtl_search(data, settings=settings, seed=0, progress=lambda *a: steps.append(a[1:]))
    # After pretraining each baseline trains ``epochs`` twice, each time on its own stream;
    # the first time exactly as without the option.
    assert calls[:3] == plain_calls
    trained = {m: sum(e for mode, e, _ in calls[1:] if mode == m) for m in ("none", "all")}
    assert trained == {"none": 2 * TINY.epochs, "all": 2 * TINY.epochs}
    assert len({seed for *_, seed in calls}) == len(calls)
    assert warm.epochs == dict.fromkeys(NETWORKS, 2 * TINY.epochs)
    assert plain.epochs == dict.fromkeys(NETWORKS, TINY.epochs)
    # The scores are the longer-trained baselines', not the ones a plain search reports.
    assert any(
        warm.accuracy[t][n] != plain.accuracy[t][n]
        for t in warm.tasks
        for n in ("single_task", "all_edges")
    )
    assert steps[-1][0] == steps[-1][1]  # the progress total counts the extra epochs
