"""MTL-NAS: multi-task data, the candidate-edge rule, fusion, gates, entropy and the search."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from tasknas.errors import DataFileError, InvalidSettingError, UnknownNameError
from tasknas.nn import MTLNetwork, VGGBackbone, bernoulli_entropy, candidate_edges
from tasknas.oneshot import MTLSettings, mtl_search, plot_mtl_edges
from tasknas.tasks import MultiTaskSet, TensorData, load_multitask_set, multimnist
from tasknas.tasks._multimnist import overlay
from tasknas.training import seeded

TINY = MTLSettings(
    blocks=((4, 4), (8, 8)), pretrain_epochs=1, epochs=2, batch_size=16, alpha_lr=0.5
)


def backbones(seed: int = 0, blocks=((4, 4), (8, 8, 8))) -> list[VGGBackbone]:
    with seeded(seed):
        return [VGGBackbone(1, 3, blocks=blocks), VGGBackbone(1, 5, blocks=blocks)]


def randomise_fusion(net: MTLNetwork, seed: int = 1) -> None:
    """Give every cross-task weight a non-zero value (as after training)."""
    with seeded(seed), torch.no_grad():
        for fusion in net.fusions.values():
            fusion.cross.weight.normal_(0.0, 0.5)


X = torch.rand(6, 1, 12, 12, generator=torch.Generator().manual_seed(0))


# ------------------------------------------------------------------ candidate edges
def test_candidate_edges_follow_the_depth_and_block_rule() -> None:
    edges = candidate_edges((0, 0, 0, 1, 1), num_tasks=2, limit=2)
    pairs = {(e.source_stage, e.target_stage) for e in edges}
    assert pairs == {(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (3, 3), (3, 4), (4, 4)}
    assert len(edges) == 2 * len(pairs)  # both directions, never within one task
    assert all(e.source_task != e.target_task for e in edges)


def test_limit_three_and_one_and_three_tasks() -> None:
    blocks = (0, 0, 1, 1, 1)
    pairs = {(e.source_stage, e.target_stage) for e in candidate_edges(blocks, limit=3)}
    assert (2, 4) in pairs and (1, 2) not in pairs and (0, 1) in pairs
    assert {(e.source_stage, e.target_stage) for e in candidate_edges(blocks, limit=1)} == {
        (i, i) for i in range(5)
    }
    assert len(candidate_edges(blocks, num_tasks=3, limit=3)) == 3 * len(
        candidate_edges(blocks, limit=3)
    )


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"num_tasks": 1}])
def test_bad_edge_settings_name_the_value(kwargs) -> None:
    with pytest.raises(InvalidSettingError, match=f"got {next(iter(kwargs.values()))}"):
        candidate_edges((0, 1), **kwargs)


def test_a_cross_block_edge_is_rejected() -> None:
    with pytest.raises(InvalidSettingError, match="same block"):
        MTLNetwork(backbones(), edges=[(1, 1, 0, 2)])


# ------------------------------------------------------------------ identity initialisation
@pytest.mark.parametrize("mode", ["sigmoid", "gumbel", "hard", "all"])
@pytest.mark.parametrize("training", [True, False])
def test_fresh_fusion_computes_exactly_the_single_task_networks(mode, training) -> None:
    singles = backbones()
    net = MTLNetwork(copy.deepcopy(singles), gate_mode=mode)
    with torch.no_grad():
        net.alpha.normal_()
    net.train(training)
    expected = torch.cat([b.train(training)(X) for b in singles], dim=1)
    assert torch.equal(net(X), expected)


@pytest.mark.parametrize("mode", ["sigmoid", "hard", "none"])
def test_closed_gates_give_the_single_task_networks_after_training(mode) -> None:
    singles = backbones()
    net = MTLNetwork(copy.deepcopy(singles), gate_mode=mode)
    randomise_fusion(net)
    with torch.no_grad():
        net.alpha.fill_(-math.inf if mode == "sigmoid" else -1.0)
    for training in (True, False):
        net.train(training)
        expected = torch.cat([b.train(training)(X) for b in singles], dim=1)
        assert torch.equal(net(X), expected)


# ------------------------------------------------------------------ entropy and gates
def test_entropy_is_maximal_at_zero_and_vanishes_as_alpha_grows() -> None:
    alpha = torch.tensor([-1e4, -20.0, -3.0, -1.0, 0.0, 1.0, 3.0, 20.0, 1e4])
    entropy = bernoulli_entropy(alpha)
    assert torch.isfinite(entropy).all()
    assert entropy[4] == pytest.approx(math.log(2))
    assert torch.allclose(entropy, entropy.flip(0))
    assert (entropy[:4].diff() > 0).all() and (entropy[4:].diff() < 0).all()
    assert entropy[1] < 1e-7 and entropy[0] == 0


def test_gate_entropy_is_the_mean_over_edges() -> None:
    net = MTLNetwork(backbones())
    assert float(net.gate_entropy().detach()) == pytest.approx(math.log(2))
    with torch.no_grad():
        net.alpha.fill_(30.0)
    assert float(net.gate_entropy().detach()) < 1e-9


def test_hard_evaluation_uses_only_the_edges_with_positive_alpha() -> None:
    net = MTLNetwork(backbones(), gate_mode="hard").eval()
    randomise_fusion(net)
    with torch.no_grad():
        net.alpha.copy_(torch.linspace(-2, 2, len(net.alpha))[torch.randperm(len(net.alpha))])
    chosen = net.open_edges()
    assert 0 < len(chosen) < len(net.edges)
    before = net(X)
    assert torch.allclose(before, net.subnetwork(chosen).eval()(X), atol=1e-6)
    closed = [k for k in range(len(net.edges)) if k not in chosen]
    edge_weight(net, closed[0]).add_(1.0)
    assert torch.equal(net(X), before)  # a closed edge's weights do not matter
    edge_weight(net, chosen[0]).add_(1.0)
    assert not torch.allclose(net(X), before)  # an open edge's do


def edge_weight(net: MTLNetwork, k: int) -> torch.Tensor:
    """The (detached) weight block of edge ``k`` in its fusion layer."""
    edge = net.edges[k]
    key = (edge.target_task, edge.target_stage)
    return net.fusions[f"{key[0]}_{key[1]}"].slices()[net.incoming[key].index(k)].detach()


def test_unknown_gate_mode_lists_the_choices() -> None:
    with pytest.raises(UnknownNameError, match="sigmoid, gumbel, hard, all, none"):
        MTLNetwork(backbones(), gate_mode="soft")


# ------------------------------------------------------------------ multi-task data
def test_multimnist_is_reproducible_with_a_seed() -> None:
    a, b = (
        multimnist(seed=3, n_train=50, n_val=5, n_test=20),
        multimnist(seed=3, n_train=50, n_val=5, n_test=20),
    )
    c = multimnist(seed=4, n_train=50, n_val=5, n_test=20)
    for split in ("train", "val", "test"):
        assert torch.equal(getattr(a, split).x, getattr(b, split).x)
        assert torch.equal(getattr(a, split).y, getattr(b, split).y)
    assert not torch.equal(a.train.x, c.train.x)
    assert a.tasks == ("left", "right") and a.train.x.shape == (50, 1, 28, 36)
    assert a.train.y.shape == (50, 2) and a.train.y.dtype == torch.int64


def test_overlay_puts_the_digits_left_and_right_with_a_pixelwise_maximum() -> None:
    left, right = np.zeros((1, 2, 3), np.uint8), np.zeros((1, 2, 3), np.uint8)
    left[0, :, 0], right[0, :, 2], left[0, 0, 2], right[0, 0, 0] = 9, 7, 5, 6
    canvas = overlay(left, right, shift=1)  # right digit starts at column 2
    assert canvas.shape == (1, 2, 5)
    assert canvas[0].tolist() == [[9, 0, 6, 0, 7], [9, 0, 0, 0, 7]]


def test_omniglot_has_alphabet_and_character_tasks_split_by_drawer() -> None:
    data = load_multitask_set("omniglot")
    assert data.tasks == ("alphabet", "character") and data.num_classes == (8, 242)
    assert (len(data.train), len(data.val), len(data.test)) == (13 * 242, 2 * 242, 5 * 242)
    small = load_multitask_set("omniglot", n_train=300, n_test=100, seed=1)
    assert len(small.train) == 300 and small.train.y.shape == (300, 2)


def test_a_users_npz_with_two_label_sets_is_a_task_set(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    colour, shape = rng.integers(0, 3, 90), rng.integers(0, 2, 90)
    path = tmp_path / "mine.npz"
    np.savez(
        path,
        x=rng.integers(0, 255, (90, 8, 8), dtype=np.uint8),
        y_colour=colour,
        colour_names=np.array(["r", "g", "b"]),
        y_shape=shape,
        shape_names=np.array(["o", "x"]),
    )
    data = load_multitask_set(str(path), seed=2)
    assert isinstance(data, MultiTaskSet) and data.tasks == ("colour", "shape")
    assert data.num_classes == (3, 2) and len(data.train) + len(data.val) + len(data.test) == 90
    one = tmp_path / "one.npz"
    np.savez(one, x=np.zeros((4, 8, 8), np.uint8), y_a=np.zeros(4, int), a_names=np.array(["a"]))
    with pytest.raises(DataFileError, match="two or more label sets"):
        load_multitask_set(str(one))


@pytest.mark.parametrize(
    ("name", "error", "fragment"),
    [
        (
            "nope",
            UnknownNameError,
            "'nope'; valid choices: multimnist, omniglot, multifashion, or the path",
        ),
        ("missing.npz", DataFileError, "'missing.npz' not found"),
    ],
)
def test_bad_data_set_names(name, error, fragment) -> None:
    with pytest.raises(error, match=fragment.replace(".", r"\.")):
        load_multitask_set(name)


def test_tensordata_takes_one_or_two_label_dimensions() -> None:
    assert len(TensorData(torch.zeros(3, 1, 2, 2), torch.zeros(3, 2, dtype=torch.long))) == 3
    with pytest.raises(ValueError, match=r"1-D .* or 2-D"):
        TensorData(torch.zeros(3, 1, 2, 2), torch.zeros(3, 2, 2, dtype=torch.long))


# ------------------------------------------------------------------ the search
@pytest.fixture(scope="module")
def tiny_result():
    data = multimnist(seed=0, n_train=96, n_val=8, n_test=48)
    return mtl_search(data, settings=TINY, seed=0)


def test_a_tiny_search_runs_end_to_end_and_lowers_the_entropy(tiny_result) -> None:
    result = tiny_result
    assert result.entropy_history[-1] < math.log(2) - 0.05
    assert result.gate_entropy == pytest.approx(result.entropy_history[-1])
    data = result.to_dict()
    # (the key order is the CLI contract, pinned in tests/cli/test_cli_mtl.py)
    assert data["search_start"] == "all_edges" == TINY.search_start
    assert data["epochs"] == dict.fromkeys(data["params"], 2 * TINY.epochs)
    assert set(data["tasks"]) == {"left", "right"}
    for scores in data["tasks"].values():
        assert set(scores) == {"single_task", "all_edges", "searched"}
        assert all(0 <= v <= 100 for v in scores.values())
    chosen = [list(c) for c, a in zip(result.candidates, result.alpha, strict=True) if a > 0]
    assert data["edges"] == chosen
    params = data["params"]
    assert params["single_task"] <= params["searched"] <= params["all_edges"]
    assert params["searched"] == sum(p.numel() for p in result.network.weights())


def test_the_search_is_reproducible(tiny_result) -> None:
    again = mtl_search(multimnist(seed=0, n_train=96, n_val=8, n_test=48), settings=TINY, seed=0)
    assert again.to_dict() == tiny_result.to_dict() and again.alpha == tiny_result.alpha


def test_the_figure_is_written(tiny_result, tmp_path: Path) -> None:
    path = plot_mtl_edges(tiny_result, tmp_path / "fig" / "edges.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"lam": -1.0}, "lam must be a finite number >= 0, got -1.0"),
        ({"weight_gate": "all"}, "unknown weight gate 'all'; valid choices: sigmoid, gumbel, hard"),
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"blocks": ((4, 0),)}, "blocks must be non-empty groups"),
    ],
)
def test_bad_settings_name_the_value(kwargs, fragment) -> None:
    with pytest.raises(InvalidSettingError, match=fragment.replace("(", r"\(")):
        MTLSettings(**kwargs)


def test_entropy_ramp_and_temperature_schedules() -> None:
    settings = MTLSettings(lam=10.0, lam_ramp=0.5, temperature_start=1.0, temperature_end=0.1)
    assert [settings.entropy_weight(p) for p in (0.0, 0.25, 0.5, 1.0)] == [0.0, 5.0, 10.0, 10.0]
    assert MTLSettings(lam=3.0, lam_ramp=0.0).entropy_weight(0.0) == 3.0
    assert settings.temperature(0.0) == 1.0 and settings.temperature(1.0) == pytest.approx(0.1)
    assert settings.temperature(0.5) == pytest.approx(0.1 + 0.9 * 0.25)


def test_hard_gates_pass_a_straight_through_gradient_to_alpha() -> None:
    net = MTLNetwork(backbones(), gate_mode="hard")
    randomise_fusion(net)
    net(X).square().mean().backward()
    assert net.alpha.grad is not None and net.alpha.grad.abs().sum() > 0
