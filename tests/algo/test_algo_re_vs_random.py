"""Regularized evolution beats random search on the real benchmark tables.

Each check runs both strategies over seeds 0..9 at an equal budget of distinct evaluations
and compares the mean over seeds of the best architecture found. The budgets and margins come
from measurements on the shipped tables (recorded in each test's docstring); the margins are
well below the gaps measured on 30 disjoint blocks of 10 seeds, so a correct implementation
passes with room to spare, while an evolution that ignores its results (no better than random)
fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from tasknas import RandomSearch, RegularizedEvolution, Runner, get_benchmark

pytestmark = pytest.mark.algo

SEEDS = range(10)
NB201_TASKS = ("cifar10", "cifar100", "ImageNet16-120")
NB201_BUDGET = 100
TRANSNAS_BUDGET = 50


def _best_per_seed(benchmark: str, tasks: tuple[str, ...], budget: int) -> dict:
    """``{strategy: {task: [best objective per seed]}}`` and the best architectures."""
    bench = get_benchmark(benchmark)
    out: dict[str, dict[str, list]] = {}
    for name, cls in (("random", RandomSearch), ("re", RegularizedEvolution)):
        per_task: dict[str, list] = {t: [] for t in tasks}
        for seed in SEEDS:
            result = Runner(cls(bench.space, tasks, seed=seed), bench, budget=budget).run()
            for task in tasks:
                res = result.tasks[task]
                assert res.evaluations == budget  # equal budgets, fully used
                per_task[task].append((res.best.objective, res.best_arch))
        out[name] = per_task
    return out


@pytest.fixture(scope="module")
def nb201_runs() -> dict:
    return _best_per_seed("nb201", NB201_TASKS, NB201_BUDGET)


@pytest.fixture(scope="module")
def transnas_runs() -> dict:
    return _best_per_seed("transnas-micro", ("class_scene",), TRANSNAS_BUDGET)


def _mean_objective(runs: dict, strategy: str, task: str) -> float:
    return float(np.mean([objective for objective, _ in runs[strategy][task]]))


# Measured means of the best validation accuracy (%) at 100 evaluations, seeds 0..9:
#   cifar10         random 91.042, re 91.493 (gap 0.45; smallest gap over 30 seed blocks 0.26)
#   cifar100        random 71.319, re 72.634 (gap 1.32; smallest 1.21)
#   ImageNet16-120  random 45.101, re 46.386 (gap 1.29; smallest 0.64)
@pytest.mark.parametrize(
    ("task", "margin"), [("cifar10", 0.1), ("cifar100", 0.4), ("ImageNet16-120", 0.3)]
)
def test_re_beats_random_on_nb201_mean_best_valid_acc(nb201_runs, task, margin):
    bench = get_benchmark("nb201")
    random_mean = _mean_objective(nb201_runs, "random", task)
    re_mean = _mean_objective(nb201_runs, "re", task)
    # what is compared is the best architecture's validation (not test) accuracy
    for objective, arch in nb201_runs["re"][task] + nb201_runs["random"][task]:
        assert bench.evaluate(bench.space.parse(arch), task).metrics["valid_acc"] == objective
    assert re_mean > random_mean + margin, (
        f"{task}: mean best valid acc re {re_mean:.3f} vs random {random_mean:.3f}"
    )
    # neither strategy can beat the table's optimum
    assert re_mean <= bench.best_objective(task)


def test_nb201_results_are_reproducible(nb201_runs):
    """The same seed gives the same best architecture (the comparison is deterministic)."""
    bench = get_benchmark("nb201")
    again = Runner(
        RegularizedEvolution(bench.space, NB201_TASKS, seed=0), bench, budget=NB201_BUDGET
    ).run()
    for task in NB201_TASKS:
        assert (again.tasks[task].best.objective, again.tasks[task].best_arch) == nb201_runs["re"][
            task
        ][0]


def test_re_beats_random_on_transnas_class_scene_mean_percentile(transnas_runs):
    """Mean percentile (share of the 4,096 cells strictly better; lower is better).

    Measured at 50 evaluations, seeds 0..9: random 1.677 %, re 0.662 %; RE was ahead on all
    30 blocks of 10 seeds (smallest gap 0.55 points). On class_object (random 0.771 %, re
    1.375 %) and room_layout (random 0.813 %, re 1.221 %) RE is not ahead on seeds 0..9 and
    is ahead on only 23 and 26 of 30 seed blocks, so those tasks are not asserted.
    """
    bench = get_benchmark("transnas-micro")
    task = "class_scene"
    percentiles = {
        name: float(
            np.mean([bench.percentile(bench.space.parse(arch), task) for _, arch in runs[task]])
        )
        for name, runs in transnas_runs.items()
    }
    assert percentiles["re"] + 0.25 < percentiles["random"], percentiles
