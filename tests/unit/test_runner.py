"""Runner semantics: budgets of distinct evaluations, free repeats, early stops, failures."""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tasknas.benchmarks import get_benchmark
from tasknas.errors import (
    DataFileError,
    InvalidSettingError,
    RunStoreError,
    TasknasError,
    UnknownNameError,
)
from tasknas.evaluator import Evaluator
from tasknas.runner import Runner, check_budget
from tasknas.spaces import NB201Space, SearchSpace
from tasknas.storage import InMemoryStore, SQLiteStore, TrialRecord
from tasknas.strategies import RandomSearch, RegularizedEvolution, Strategy
from tasknas.tasks import Task
from tasknas.trial import Result, Status, Trial

SPACE = NB201Space()
A, B, C, D, E = (
    SPACE.parse(s)
    for s in (
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|none~2|",
    )
)


class CountingEvaluator(Evaluator):
    """Objective = number of 3x3 convolutions; records every call; can be told to raise."""

    def __init__(
        self, tasks: Sequence[str] = ("t1", "t2"), raises: Mapping[str, Exception] | None = None
    ) -> None:
        self._tasks = {name: Task(name, "convs") for name in tasks}
        self.raises = dict(raises or {})
        self.calls: list[tuple[str, str]] = []

    @property
    def space(self) -> SearchSpace[Any]:
        return SPACE

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def evaluate(self, arch: Any, task: str) -> Result:
        self.task(task)
        self.check_arch(arch)
        self.calls.append((task, str(arch)))
        if str(arch) in self.raises:
            raise self.raises[str(arch)]
        convs = float(arch.op_names.count("nor_conv_3x3"))
        return Result(objective=convs, metrics={"convs": convs}, cost=1.0)


class ScriptedStrategy(Strategy):
    """Proposes a fixed script of batches (filtered to the active tasks); records everything."""

    name = "scripted"

    def __init__(self, tasks: Sequence[str], script: Iterable[Sequence[tuple[str, Any]]]):
        super().__init__(SPACE, tasks, seed=0)
        self.script = iter(script)
        self.active_seen: list[list[str]] = []
        self.told: list[tuple[str, str, Result]] = []

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        active = self._active(tasks)
        self.active_seen.append(active)
        batch = next(self.script, None)
        if batch is None:
            return []
        return [Trial(task, arch) for task, arch in batch if task in active]

    def tell(self, trial: Trial, result: Result) -> None:
        self.told.append((trial.task, str(trial.arch), result))


def test_budget_counts_distinct_evaluations_and_repeats_are_free() -> None:
    script = [
        [("t1", A)],
        [("t1", A)],
        [("t1", B)],
        [("t1", A), ("t1", B)],
        [("t1", C)],
        [("t1", D)],
    ]
    strategy = ScriptedStrategy(["t1"], script)
    evaluator = CountingEvaluator(["t1"])
    result = Runner(strategy, evaluator, budget=3).run()
    assert evaluator.calls == [("t1", str(A)), ("t1", str(B)), ("t1", str(C))]
    assert result.tasks["t1"].evaluations == 3
    assert [r.arch for r in result.records] == [str(A), str(B), str(C)]
    assert [r.number for r in result.records] == [1, 2, 3]
    told = [(arch, r.objective) for _, arch, r in strategy.told]
    assert told == [
        (str(A), 0.0),
        (str(A), 0.0),
        (str(B), 1.0),
        (str(A), 0.0),
        (str(B), 1.0),
        (str(C), 2.0),
    ]
    # the repeat is told the very result of the first evaluation
    assert strategy.told[1][2] is strategy.told[0][2]
    assert result.tasks["t1"].best_arch == str(C)
    assert result.tasks["t1"].best_so_far == [0.0, 1.0, 2.0]
    assert not result.stopped_idle


def test_budget_per_task_and_cancelled_trials_are_not_told() -> None:
    script = [[("t1", A), ("t1", B), ("t1", C), ("t2", A)], [("t2", B), ("t2", C), ("t2", D)]]
    strategy = ScriptedStrategy(["t1", "t2"], script)
    evaluator = CountingEvaluator()
    result = Runner(strategy, evaluator, budget={"t1": 2, "t2": 3}).run()
    assert result.tasks["t1"].evaluations == 2
    assert result.tasks["t2"].evaluations == 3
    told = [(task, arch) for task, arch, _ in strategy.told]
    assert ("t1", str(C)) not in told  # t1 had no budget left for C
    assert ("t2", str(D)) not in told
    assert len(evaluator.calls) == 5
    # the second ask only names t2: t1's budget is spent
    assert strategy.active_seen[1] == ["t2"]


def test_same_arch_on_two_tasks_costs_each_task_once() -> None:
    strategy = ScriptedStrategy(["t1", "t2"], [[("t1", A), ("t2", A)]] * 3)
    evaluator = CountingEvaluator()
    result = Runner(strategy, evaluator, budget=5, max_idle_asks=2).run()
    assert sorted(evaluator.calls) == [("t1", str(A)), ("t2", str(A))]
    assert {t: r.evaluations for t, r in result.tasks.items()} == {"t1": 1, "t2": 1}


def test_until_ends_a_task_early() -> None:
    script = [
        [("t1", A), ("t2", A)],
        [("t1", C), ("t2", B)],
        [("t1", D), ("t2", C)],
        [("t1", E), ("t2", D)],
    ]
    strategy = ScriptedStrategy(["t1", "t2"], script)
    seen = []

    def until(task: str, arch: Any, result: Result) -> bool:
        seen.append((task, arch))
        return task == "t1" and result.objective >= 2.0

    result = Runner(strategy, CountingEvaluator(), budget=10, until=until).run()
    assert result.tasks["t1"].evaluations == 2
    assert result.tasks["t2"].evaluations == 4
    assert result.tasks["t1"].best_arch == str(C)
    assert strategy.active_seen[2:4] == [["t2"], ["t2"]]
    assert ("t1", C) in seen  # the rule receives genotypes, not strings


def test_until_with_a_real_strategy() -> None:
    bench = get_benchmark("nb201")
    result = Runner(
        RandomSearch(bench.space, ["cifar10"], seed=0),
        bench,
        budget=15625,
        until=lambda task, arch, res: bench.rank(arch, task) <= 50,
    ).run()
    ranks = [bench.rank(bench.space.parse(r.arch), "cifar10") for r in result.records]
    assert ranks[-1] <= 50  # it stopped at the first top-50 cell
    assert all(rank > 50 for rank in ranks[:-1])
    assert result.tasks["cifar10"].evaluations == len(ranks) < 15625


def test_max_idle_asks_stops_a_strategy_that_repeats_itself() -> None:
    strategy = ScriptedStrategy(
        ["t1"], itertools.chain([[("t1", A)]], itertools.repeat([("t1", A)]))
    )
    evaluator = CountingEvaluator(["t1"])
    result = Runner(strategy, evaluator, budget=5, max_idle_asks=4).run()
    assert result.stopped_idle
    assert result.tasks["t1"].evaluations == 1
    assert len(evaluator.calls) == 1
    assert len(strategy.active_seen) == 1 + 4
    assert len(strategy.told) == 1 + 4


def test_idle_count_resets_on_news() -> None:
    script = [
        [("t1", A)],
        [("t1", A)],
        [("t1", A)],
        [("t1", B)],
        [("t1", A)],
        [("t1", A)],
        [("t1", C)],
    ]
    result = Runner(
        ScriptedStrategy(["t1"], script), CountingEvaluator(["t1"]), budget=3, max_idle_asks=3
    ).run()
    assert not result.stopped_idle
    assert result.tasks["t1"].evaluations == 3


def test_an_exhausted_strategy_ends_the_run() -> None:
    result = Runner(
        ScriptedStrategy(["t1"], [[("t1", A)]]), CountingEvaluator(["t1"]), budget=10
    ).run()
    assert result.tasks["t1"].evaluations == 1
    assert not result.stopped_idle


def test_a_crashing_evaluation_is_a_recorded_failure() -> None:
    evaluator = CountingEvaluator(["t1"], raises={str(B): RuntimeError("CUDA out of memory")})
    strategy = ScriptedStrategy(["t1"], [[("t1", A)], [("t1", B)], [("t1", C)], [("t1", B)]])
    store = InMemoryStore()
    result = Runner(strategy, evaluator, budget=5, store=store).run()
    failed = [r for r in result.records if r.arch == str(B)]
    assert len(failed) == 1
    record = failed[0]
    assert record.result.status is Status.FAILED
    assert not record.result.ok
    assert record.result.objective == -math.inf
    assert "RuntimeError" in record.result.error and "CUDA out of memory" in record.result.error
    assert record.result.cost >= 0.0
    assert store.records() == list(result.records)
    assert result.tasks["t1"].evaluations == 3  # a failure uses budget
    assert result.tasks["t1"].best_arch == str(C)
    told_b = [r for _, arch, r in strategy.told if arch == str(B)]
    assert len(told_b) == 2 and all(r.status is Status.FAILED for r in told_b)
    assert evaluator.calls.count(("t1", str(B))) == 1  # the failure is not retried


@pytest.mark.parametrize("error", [DataFileError("table gone"), InvalidSettingError("bad")])
def test_a_tasknas_error_propagates(error: TasknasError) -> None:
    evaluator = CountingEvaluator(["t1"], raises={str(B): error})
    strategy = ScriptedStrategy(["t1"], [[("t1", A)], [("t1", B)], [("t1", C)]])
    store = InMemoryStore()
    with pytest.raises(type(error)):
        Runner(strategy, evaluator, budget=5, store=store).run()
    assert [r.arch for r in store.records()] == [str(A)]


def test_all_failed_task_has_no_best() -> None:
    evaluator = CountingEvaluator(["t1"], raises={str(A): ValueError("nan loss")})
    result = Runner(ScriptedStrategy(["t1"], [[("t1", A)]]), evaluator, budget=1).run()
    assert result.tasks["t1"].best is None and result.tasks["t1"].best_arch is None
    assert result.tasks["t1"].evaluations == 1
    assert result.tasks["t1"].best_so_far == [-math.inf]


@pytest.mark.parametrize("budget", [0, -1, 1.5, 2.0, "3", True, None])
def test_bad_budget_raises(budget: Any) -> None:
    with pytest.raises(InvalidSettingError, match="budget"):
        Runner(ScriptedStrategy(["t1"], []), CountingEvaluator(["t1"]), budget=budget)


def test_bad_budget_mapping_names_the_task() -> None:
    with pytest.raises(InvalidSettingError, match="'t2'"):
        check_budget({"t1": 3}, ["t1", "t2"])
    with pytest.raises(InvalidSettingError, match="'t1'"):
        check_budget({"t1": 0, "t2": 3}, ["t1", "t2"])
    assert check_budget(4, ["t1", "t2"]) == {"t1": 4, "t2": 4}


def test_unknown_task_is_rejected_before_running() -> None:
    with pytest.raises(UnknownNameError, match="t1, t2"):
        Runner(ScriptedStrategy(["t3"], []), CountingEvaluator(), budget=1)


def test_on_record_sees_every_distinct_evaluation_in_order() -> None:
    seen: list[tuple[int, bool]] = []
    strategy = ScriptedStrategy(["t1"], [[("t1", A), ("t1", B)], [("t1", A), ("t1", C)]])
    Runner(
        strategy,
        CountingEvaluator(["t1"]),
        budget=5,
        on_record=lambda r, replayed: seen.append((r.number, replayed)),
    ).run()
    assert seen == [(1, False), (2, False), (3, False)]


def _search(store: SQLiteStore | InMemoryStore, budget: int, evaluator: Evaluator) -> Any:
    strategy = RegularizedEvolution(
        evaluator.space, list(evaluator.tasks), population_size=4, sample_size=2, seed=3
    )
    return Runner(strategy, evaluator, budget=budget, store=store).run()


def test_resume_replays_the_store_and_ends_like_an_uninterrupted_run(tmp_path: Path) -> None:
    path = tmp_path / "run" / "run.sqlite"
    with SQLiteStore(path, create=True) as store:
        first = _search(store, 6, CountingEvaluator())
    evaluator = CountingEvaluator()
    replayed: list[bool] = []
    with SQLiteStore(path) as store:
        strategy = RegularizedEvolution(
            SPACE, ["t1", "t2"], population_size=4, sample_size=2, seed=3
        )
        resumed = Runner(
            strategy,
            evaluator,
            budget=10,
            store=store,
            on_record=lambda r, flag: replayed.append(flag),
        ).run()
    alone = _search(InMemoryStore(), 10, CountingEvaluator())
    assert [r.key for r in resumed.records] == [r.key for r in alone.records]
    assert resumed.records[: len(first.records)] == first.records
    assert len(evaluator.calls) == len(alone.records) - len(first.records)
    assert replayed.count(True) == len(first.records)


def test_resume_with_a_different_search_is_refused() -> None:
    store = InMemoryStore()
    _search(store, 6, CountingEvaluator())
    other = RegularizedEvolution(SPACE, ["t1", "t2"], population_size=4, sample_size=2, seed=4)
    with pytest.raises(RunStoreError, match="evaluation"):
        Runner(other, CountingEvaluator(), budget=10, store=store).run()


def test_records_round_trip_through_the_summary() -> None:
    store = InMemoryStore()
    result = _search(store, 5, CountingEvaluator())
    assert list(result.records) == store.records()
    assert all(isinstance(r, TrialRecord) for r in result.records)
    for task, summary in result.tasks.items():
        own = [r for r in result.records if r.task == task]
        assert summary.evaluations == len(own) == 5
        assert summary.best.objective == max(r.result.objective for r in own)
