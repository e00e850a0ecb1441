"""Ground truth of the bundled tables: optima, ranks, percentiles and loss-type tasks."""

from __future__ import annotations

import numpy as np
import pytest

from tasknas.benchmarks import TabularBenchmark, get_benchmark
from tasknas.evaluator import Oracle
from tasknas.tasks import Direction


@pytest.fixture(scope="module")
def nb201() -> TabularBenchmark:
    return get_benchmark("nb201")


@pytest.fixture(scope="module")
def transnas() -> TabularBenchmark:
    return get_benchmark("transnas-micro")


@pytest.mark.parametrize(
    ("task", "best"),
    [("cifar10", 91.6067), ("cifar100", 73.4933), ("ImageNet16-120", 46.7333)],
)
def test_nb201_best_validation_accuracy(nb201: TabularBenchmark, task: str, best: float) -> None:
    assert isinstance(nb201, Oracle)
    assert nb201.best_objective(task) == pytest.approx(best, abs=1e-3)
    arch = nb201.best(task)
    result = nb201.evaluate(arch, task)
    assert result.objective == nb201.best_objective(task)
    assert result.metrics["valid_acc"] == result.objective
    assert 0.0 < result.metrics["test_acc"] <= 100.0
    assert nb201.rank(arch, task) == 1
    assert nb201.percentile(arch, task) == 0.0


def test_nb201_task_order_and_metrics(nb201: TabularBenchmark) -> None:
    assert list(nb201.tasks) == ["cifar10", "cifar100", "ImageNet16-120"]
    for task in nb201.tasks.values():
        assert task.metric == "valid_acc"
        assert task.test_metric == "test_acc"
        assert task.direction is Direction.MAXIMIZE


def test_nb201_known_cells(nb201: TabularBenchmark) -> None:
    space = nb201.space
    best = space.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
        "|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    )
    assert nb201.best("cifar10") == best
    empty = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    result = nb201.evaluate(empty, "cifar10")
    assert result.objective < 20.0  # a cell that passes nothing is near chance
    assert nb201.rank(empty, "cifar10") > 10_000


def test_rank_and_percentile_agree_with_brute_force(nb201: TabularBenchmark) -> None:
    rng = np.random.default_rng(0)
    for task in nb201.tasks:
        objectives = nb201.objectives(task)
        size = len(objectives)
        assert size == nb201.space.size
        for _ in range(20):
            arch = nb201.space.sample(rng)
            value = nb201.evaluate(arch, task).objective
            rank = nb201.rank(arch, task)
            assert rank == 1 + int(np.sum(objectives > value))
            assert nb201.percentile(arch, task) == pytest.approx(100.0 * (rank - 1) / size)
            if value < nb201.best_objective(task):
                assert rank > 1 and nb201.percentile(arch, task) > 0.0


def test_ties_share_a_rank(nb201: TabularBenchmark) -> None:
    objectives = nb201.objectives("cifar10")
    values, counts = np.unique(objectives, return_counts=True)
    tied = values[counts > 1][0]
    rows = np.flatnonzero(objectives == tied)
    ranks = {nb201.rank(nb201.arch_at(int(r)), "cifar10") for r in rows}
    assert len(ranks) == 1


def test_objectives_are_read_only(nb201: TabularBenchmark) -> None:
    values = nb201.objectives("cifar100")
    with pytest.raises(ValueError):
        values[0] = 100.0


def test_arch_at_matches_row(nb201: TabularBenchmark) -> None:
    for row in (0, 1, 777, 15624):
        arch = nb201.arch_at(row)
        assert nb201.row(arch) == row
        assert nb201.evaluate(arch, "cifar10").objective == nb201.objectives("cifar10")[row]


def test_transnas_class_scene_best(transnas: TabularBenchmark) -> None:
    assert transnas.best_objective("class_scene") == pytest.approx(54.94, abs=5e-3)
    arch = transnas.best("class_scene")
    assert transnas.rank(arch, "class_scene") == 1
    assert transnas.evaluate(arch, "class_scene").metrics["valid_top1"] == pytest.approx(54.936306)


def test_transnas_room_layout_is_minimised(transnas: TabularBenchmark) -> None:
    task = transnas.task("room_layout")
    assert task.direction is Direction.MINIMIZE
    assert task.metric == "valid_l2_loss"
    rng = np.random.default_rng(1)
    for _ in range(20):
        result = transnas.evaluate(transnas.space.sample(rng), "room_layout")
        loss = result.metrics["valid_l2_loss"]
        assert loss > 0.0
        assert result.objective < 0.0
        assert result.objective == -loss == task.objective(loss)
        assert task.value(result.objective) == loss
    best = transnas.best("room_layout")
    best_loss = transnas.evaluate(best, "room_layout").metrics["valid_l2_loss"]
    assert best_loss == pytest.approx(0.601, abs=1e-3)
    assert transnas.best_objective("room_layout") == pytest.approx(-0.601, abs=1e-3)
    losses = -transnas.objectives("room_layout")
    assert best_loss == losses.min()
    worst = transnas.arch_at(int(np.argmax(losses)))
    n_better = int(np.sum(losses < losses.max()))  # several cells tie for the worst loss
    assert transnas.rank(worst, "room_layout") == 1 + n_better
    assert transnas.percentile(worst, "room_layout") == pytest.approx(100 * n_better / 4096)


def test_transnas_tasks(transnas: TabularBenchmark) -> None:
    assert list(transnas.tasks) == [
        "class_scene",
        "class_object",
        "room_layout",
        "jigsaw",
        "segmentsemantic",
        "normal",
        "autoencoder",
    ]
    for name, task in transnas.tasks.items():
        assert task.test_metric is None
        expected = Direction.MINIMIZE if name == "room_layout" else Direction.MAXIMIZE
        assert task.direction is expected


def test_tabular_costs_are_zero_without_a_cost_column(transnas: TabularBenchmark) -> None:
    arch = transnas.space.sample(np.random.default_rng(2))
    assert transnas.evaluate(arch, "jigsaw").cost == 0.0
