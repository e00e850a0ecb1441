"""``compare_strategies``: parallel seeds give the same numbers as one process, with every
executor; per-seed values, paired differences against a baseline, the stop-at-optimum rule and
paired initial populations."""

from __future__ import annotations

import numpy as np
import pytest

from tasknas.benchmarks import get_benchmark
from tasknas.compare import PAIRED_MEASURES, CompareResult, compare_strategies, paired_summaries
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.execution import LocalExecutor, PoolExecutor, make_executor
from tasknas.strategies import STRATEGIES

#: A small comparison run with every executor; the numbers must not depend on it.
PARALLEL = {"seeds": 2, "budget": 15, "tasks": ("cifar10", "cifar100")}


@pytest.fixture(scope="module")
def in_process() -> CompareResult:
    """The reference: every run in this process (``workers=1``, the local executor)."""
    return compare_strategies("nb201", ["re", "evo"], **PARALLEL)


def _assert_same_runs(result: CompareResult, reference: CompareResult) -> None:
    assert result.to_json() == reference.to_json()
    assert [(r.strategy, r.seed) for r in result.runs] == [
        (r.strategy, r.seed) for r in reference.runs
    ]

    def trials(result):  # records without their wall-clock times
        return [
            [(t.number, t.task, t.arch, t.result) for t in r.result.records] for r in result.runs
        ]

    assert trials(result) == trials(reference)


def test_two_workers_give_the_same_runs_as_one(in_process: CompareResult) -> None:
    _assert_same_runs(compare_strategies("nb201", ["re", "evo"], workers=2, **PARALLEL), in_process)


def test_every_executor_gives_the_same_runs(in_process: CompareResult) -> None:
    local = compare_strategies("nb201", ["re", "evo"], executor=LocalExecutor(), **PARALLEL)
    _assert_same_runs(local, in_process)
    seen: list[tuple[str, int]] = []
    with PoolExecutor(workers=2) as pool:
        first = compare_strategies(
            "nb201",
            ["re", "evo"],
            executor=pool,
            on_run=lambda r: seen.append((r.strategy, r.seed)),
            **PARALLEL,
        )
        again = compare_strategies("nb201", ["re", "evo"], executor=pool, **PARALLEL)
    _assert_same_runs(first, in_process)
    _assert_same_runs(again, in_process)  # the executor stays open for its owner
    assert sorted(seen) == [("evo", 0), ("evo", 1), ("re", 0), ("re", 1)]


@pytest.mark.slow
def test_ray_gives_the_same_runs(in_process: CompareResult) -> None:
    pytest.importorskip("ray")
    with make_executor("ray", workers=2) as executor:
        result = compare_strategies("nb201", ["re", "evo"], executor=executor, **PARALLEL)
    _assert_same_runs(result, in_process)


def test_workers_must_be_positive() -> None:
    with pytest.raises(InvalidSettingError, match="workers must be >= 1, got 0"):
        compare_strategies("nb201", ["re"], seeds=1, budget=5, workers=0)
    with pytest.raises(InvalidSettingError, match="both an executor and workers=2"):
        compare_strategies("nb201", ["re"], seeds=1, budget=5, workers=2, executor=LocalExecutor())


@pytest.fixture(scope="module")
def nb201_runs() -> CompareResult:
    return compare_strategies(
        "nb201", ["re", "evo"], seeds=4, budget=30, tasks=("cifar10", "cifar100")
    )


def test_per_seed_values_agree_with_the_means(nb201_runs: CompareResult) -> None:
    for per_task in nb201_runs.summaries.values():
        for summary in per_task.values():
            assert [v.seed for v in summary.per_seed] == [0, 1, 2, 3]
            pct = [v.percentile for v in summary.per_seed]
            assert summary.percentile_mean == pytest.approx(float(np.mean(pct)))
            hits = [v.evals_to_optimum for v in summary.per_seed if v.evals_to_optimum]
            assert summary.found_optimum == len(hits)
            assert all(1 <= h <= 30 for h in hits)


def test_paired_summaries_pair_the_runs_seed_by_seed(nb201_runs: CompareResult) -> None:
    paired = paired_summaries(nb201_runs, "re")
    assert set(paired) == {"evo"} and set(paired["evo"]) == {"cifar10", "cifar100"}
    for task, measures in paired["evo"].items():
        assert set(measures) == {m for m, _ in PAIRED_MEASURES}
        evo = nb201_runs.summaries["evo"][task].per_seed
        re = nb201_runs.summaries["re"][task].per_seed
        diffs = [a.percentile - b.percentile for a, b in zip(evo, re, strict=True)]
        assert measures["percentile"].n == 4
        assert measures["percentile"].mean == pytest.approx(float(np.mean(diffs)))
        # a missed optimum counts as the budget (30), never dropped
        assert measures["evals_to_optimum"].n == 4
        missed = sum(v.evals_to_optimum is None for v in [*evo, *re])
        assert measures["evals_to_optimum"].censored >= (missed > 0)
    # the SynFlow-screened engine is far closer to the optimum than re after 30 evaluations
    assert paired["evo"]["cifar100"]["percentile"].mean < 0
    data = nb201_runs.to_json("re")
    assert data["baseline"] == "re" and set(data["paired"]) == {"evo"}
    assert "paired" not in nb201_runs.to_json()
    with pytest.raises(UnknownNameError, match="unknown baseline strategy 'ktnas'"):
        paired_summaries(nb201_runs, "ktnas")


def test_until_optimum_stops_each_task_at_its_optimum() -> None:
    seen: list[tuple[str, int]] = []
    result = compare_strategies(
        "nb201",
        ["evo"],
        seeds=2,
        budget=200,
        tasks=("cifar100",),
        until_optimum=True,
        on_run=lambda run: seen.append((run.strategy, run.seed)),
    )
    assert seen == [("evo", 0), ("evo", 1)]
    for run, values in zip(result.runs, result.summaries["evo"]["cifar100"].per_seed, strict=True):
        assert values.evals_to_optimum is not None and values.percentile == 0.0
        # the rest of the generation that found it is still evaluated (at most a population)
        evaluations = run.result.tasks["cifar100"].evaluations
        assert values.evals_to_optimum <= evaluations < values.evals_to_optimum + 10


def test_same_seed_gives_the_engine_strategies_the_same_initial_population() -> None:
    bench = get_benchmark("transnas-micro")
    tasks = ("class_scene", "jigsaw")
    for seed in (0, 1):
        first = {}
        for name in ("evo", "ktnas", "emtnas", "ktnas-random"):
            trials = STRATEGIES.get(name)(bench.space, tasks, seed=seed).ask()
            first[name] = [(t.task, str(t.arch)) for t in trials]
        assert len(first["evo"]) == 20
        assert all(v == first["evo"] for v in first.values())
    other = STRATEGIES.get("evo")(bench.space, tasks, seed=2).ask()
    assert [(t.task, str(t.arch)) for t in other] != first["evo"]
