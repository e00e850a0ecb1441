"""Compare strategies over seeds on a tabular benchmark (the KTNAS paper's Tables II/III).

For every strategy, seed and task: the number of distinct evaluations until the task's
validation optimum was first evaluated, and the best objective, test metric and percentile
reached at the budget. ``paired_summaries`` compares every strategy with a baseline seed by
seed (``tasknas.stats.paired_difference``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tasknas._logging import get_logger
from tasknas._progress import Progress, Tracker
from tasknas._validation import as_int, check_seed
from tasknas.benchmarks import TabularBenchmark, get_benchmark
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.execution import Executor, executor_for
from tasknas.runner import Runner, RunResult, capped_budget, capped_note, check_budget
from tasknas.stats import PairedDifference, paired_difference
from tasknas.strategies import STRATEGIES
from tasknas.tasks import Direction
from tasknas.trial import Result

logger = get_logger(__name__)

__all__ = [
    "PAIRED_MEASURES",
    "CompareResult",
    "SeedRun",
    "SeedTaskValues",
    "TaskSummary",
    "compare_strategies",
    "paired_summaries",
    "seed_task_values",
    "summarize_runs",
]

#: ``on_run(run)`` is called with each finished run (e.g. to cache it).
RunHook = Callable[["SeedRun"], None]


@dataclass(frozen=True)
class SeedRun:
    """One strategy run with one seed: its result and transfer log (if the strategy keeps one)."""

    strategy: str
    seed: int
    result: RunResult = field(repr=False)
    transfer_log: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SeedTaskValues:
    """The numbers of one run (strategy, seed) on one task.

    ``None`` marks a missing value: no successful evaluation (best, percentile), or an
    optimum never evaluated within the budget (evaluations to optimum). ``best_objective``
    is the internal objective (maximised: a loss is negated); ``best_value`` is the same
    number in the task's own units (``Task.value``: a loss is a loss).
    """

    seed: int
    evals_to_optimum: int | None
    best_objective: float | None
    percentile: float | None
    best_value: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields as a dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class TaskSummary:
    """One strategy on one task, over seeds (``per_seed``: each run's numbers, in run order).

    ``evals_to_optimum_std`` is ``None`` unless at least two seeds found the optimum (a
    spread of one value is undefined, not 0); ``found_optimum`` is the number of seeds the
    evaluations-to-optimum numbers are over. ``best_objective_mean`` is in objective units
    (a loss negated), ``best_value_mean`` in the task's own units.
    """

    evals_to_optimum_mean: float | None
    evals_to_optimum_std: float | None
    found_optimum: int
    best_objective_mean: float
    best_value_mean: float
    test_metric_mean: float | None
    percentile_mean: float
    seeds: int
    curves: tuple[tuple[float, ...], ...] = field(repr=False, default=())
    per_seed: tuple[SeedTaskValues, ...] = field(repr=False, default=())

    def to_json(self) -> dict[str, Any]:
        """The numbers of ``tasknas compare --json`` for this strategy and task (a missing
        or undefined number, NaN included, is ``None``)."""
        out = {
            "evals_to_optimum_mean": self.evals_to_optimum_mean,
            "evals_to_optimum_std": self.evals_to_optimum_std,
            "found_optimum": self.found_optimum,
            "best_objective_mean": self.best_objective_mean,
            "best_value_mean": self.best_value_mean,
            "test_metric_mean": self.test_metric_mean,
            "percentile_mean": self.percentile_mean,
            "seeds": self.seeds,
        }
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in out.items()}


@dataclass(frozen=True)
class CompareResult:
    """Per strategy and task summaries, and every run."""

    benchmark: str
    tasks: tuple[str, ...]
    budget: int
    summaries: dict[str, dict[str, TaskSummary]]
    runs: tuple[SeedRun, ...] = field(repr=False)
    until_optimum: bool = False

    def to_json(self, baseline: str | None = None) -> dict[str, Any]:
        """``{"benchmark": B, "results": {STRATEGY: {TASK: {...}}}}`` (plus tasks, budget and
        whether each task stopped at its optimum, ``until_optimum``).

        With ``baseline``, also ``"baseline": NAME`` and ``"paired": {STRATEGY: {TASK:
        {MEASURE: {...}}}}``: every other strategy's paired difference against it
        (``paired_summaries``; measures ``percentile``, ``best_objective``,
        ``evals_to_optimum``).
        """
        out: dict[str, Any] = {
            "benchmark": self.benchmark,
            "tasks": list(self.tasks),
            "budget": self.budget,
            "until_optimum": self.until_optimum,
            "results": {
                s: {t: v.to_json() for t, v in per.items()} for s, per in self.summaries.items()
            },
        }
        if baseline is not None:
            out["baseline"] = baseline
            out["paired"] = {
                s: {t: {m: d.to_json() for m, d in per_m.items()} for t, per_m in per.items()}
                for s, per in paired_summaries(self, baseline).items()
            }
        return out


def _evals_to_optimum(history: Sequence[float], optimum: float) -> int | None:
    for i, value in enumerate(history, start=1):
        if value >= optimum:
            return i
    return None


def seed_task_values(run: SeedRun, bench: TabularBenchmark, task: str) -> SeedTaskValues:
    """The numbers of ``run`` on ``task``: evaluations to the validation optimum, best
    objective and percentile (% of the table strictly better) of the best architecture."""
    res = run.result.tasks[task]
    hit = _evals_to_optimum(res.history, bench.best_objective(task))
    if res.best is None or res.best_arch is None:
        return SeedTaskValues(run.seed, hit, None, None)
    pct = bench.percentile(bench.space.parse(res.best_arch), task)
    value = bench.task(task).value(res.best.objective)
    return SeedTaskValues(run.seed, hit, res.best.objective, pct, value)


def summarize_runs(
    runs: Sequence[SeedRun], bench: TabularBenchmark, tasks: Sequence[str], budget: int
) -> dict[str, dict[str, TaskSummary]]:
    """Per strategy and task summaries of ``runs``."""
    out: dict[str, dict[str, TaskSummary]] = {}
    for strategy in dict.fromkeys(r.strategy for r in runs):
        mine = [r for r in runs if r.strategy == strategy]
        out[strategy] = {}
        for task in tasks:
            spec = bench.task(task)
            per_seed = tuple(seed_task_values(run, bench, task) for run in mine)
            hits = [v.evals_to_optimum for v in per_seed if v.evals_to_optimum is not None]
            best = [v.best_objective for v in per_seed if v.best_objective is not None]
            pct = [v.percentile for v in per_seed if v.percentile is not None]
            values, tests, curves = [], [], []
            for run in mine:
                res = run.result.tasks[task]
                if res.best is None or res.best_arch is None:
                    continue
                values.append(res.best.metrics[spec.metric])
                if spec.test_metric:
                    tests.append(res.best.metrics[spec.test_metric])
                curve = res.best_so_far
                curves.append(tuple(curve + [curve[-1]] * (budget - len(curve))))
            out[strategy][task] = TaskSummary(
                evals_to_optimum_mean=float(np.mean(hits)) if hits else None,
                evals_to_optimum_std=float(np.std(hits)) if len(hits) >= 2 else None,
                found_optimum=len(hits),
                best_objective_mean=float(np.mean(best)) if best else math.nan,
                best_value_mean=float(np.mean(values)) if values else math.nan,
                test_metric_mean=float(np.mean(tests)) if tests else None,
                percentile_mean=float(np.mean(pct)) if pct else math.nan,
                seeds=len(mine),
                curves=tuple(curves),
                per_seed=per_seed,
            )
    return out


#: The per-seed numbers ``paired_summaries`` compares: ``(name, lower is better)``; ``None``:
#: the task's direction decides (``best_value`` is in the task's own units, so for a loss
#: lower is better, while ``best_objective``, a loss negated, is always maximised).
PAIRED_MEASURES: tuple[tuple[str, bool | None], ...] = (
    ("percentile", True),
    ("best_objective", False),
    ("best_value", None),
    ("evals_to_optimum", True),
)


def paired_summaries(
    result: CompareResult, baseline: str, *, confidence: float = 0.95
) -> dict[str, dict[str, dict[str, PairedDifference]]]:
    """Every other strategy against ``baseline``, seed by seed, per task and measure.

    ``{STRATEGY: {TASK: {"percentile" | "best_objective" | "best_value" | "evals_to_optimum":
    PairedDifference}}}``; each difference is ``strategy - baseline`` over the seeds both ran
    (``best_value`` in the task's own units: for a loss, a negative difference is better).
    A run that never evaluated the optimum counts as needing the budget (the cap: a lower
    bound of its true count, see ``paired_difference``); a run without a result is dropped.

    Raises:
        UnknownNameError: ``baseline`` is not one of the result's strategies.
    """
    if baseline not in result.summaries:
        raise UnknownNameError("baseline strategy", baseline, result.summaries)
    bench = get_benchmark(result.benchmark)
    minimized = {t: bench.task(t).direction is Direction.MINIMIZE for t in result.tasks}
    out: dict[str, dict[str, dict[str, PairedDifference]]] = {}
    for strategy, per_task in result.summaries.items():
        if strategy == baseline:
            continue
        out[strategy] = {}
        for task, summary in per_task.items():
            base = result.summaries[baseline][task].per_seed
            out[strategy][task] = {
                measure: paired_difference(
                    {v.seed: getattr(v, measure) for v in summary.per_seed},
                    {v.seed: getattr(v, measure) for v in base},
                    confidence=confidence,
                    cap=float(result.budget) if measure == "evals_to_optimum" else None,
                    lower_is_better=minimized[task] if lower is None else lower,
                )
                for measure, lower in PAIRED_MEASURES
            }
    return out


@dataclass(frozen=True)
class _SeedJob:
    """One run of ``compare_strategies``: picklable, for any executor."""

    benchmark: str
    strategy: str
    tasks: tuple[str, ...]
    seed: int
    budget: int
    until_optimum: bool = False


def _seed_run(job: _SeedJob) -> SeedRun:
    """Run ``job`` (in whatever process the executor chose)."""
    bench = get_benchmark(job.benchmark)
    strategy = STRATEGIES.get(job.strategy)(bench.space, job.tasks, seed=job.seed)
    until = None
    if job.until_optimum:
        optimum = {t: bench.best_objective(t) for t in job.tasks}

        def until(task: str, arch: Any, result: Result) -> bool:
            return result.ok and result.objective >= optimum[task]

    result = Runner(strategy, bench, budget=job.budget, until=until).run()
    return SeedRun(job.strategy, job.seed, result, tuple(strategy.transfer_log))


#: The most seeds one comparison runs (a larger count is a typo, not a plan: each seed is a
#: whole search per strategy).
MAX_SEEDS = 100_000


def _seed_list(seeds: int | Sequence[int]) -> list[int]:
    """The seeds ``seeds`` names: a count ``n`` (seeds ``0 .. n-1``) or the seeds themselves."""
    count = as_int(seeds)
    if count is not None and count > MAX_SEEDS:
        raise InvalidSettingError(f"seeds must be a count from 1 to {MAX_SEEDS:,}, got {count:,}")
    if count is not None:
        seed_list = list(range(count))
    elif isinstance(seeds, Iterable) and not isinstance(seeds, str | bytes):
        seed_list = [check_seed(s, "every seed in seeds") for s in seeds]
    else:
        seed_list = []
    if not seed_list:
        raise InvalidSettingError(f"seeds must be a positive count or seeds >= 0, got {seeds!r}")
    return seed_list


def compare_strategies(
    benchmark: str,
    strategies: Sequence[str],
    *,
    tasks: Sequence[str] = (),
    seeds: int | Sequence[int] = 10,
    budget: int = 200,
    progress: Progress | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    until_optimum: bool = False,
    on_run: RunHook | None = None,
) -> CompareResult:
    """Run every strategy with every seed on ``benchmark`` and summarise.

    Args:
        benchmark: a registered tabular benchmark.
        strategies: registered strategy names.
        tasks: task names (default: all of the benchmark's).
        seeds: a number of seeds (``0 .. seeds-1``) or the seeds themselves.
        budget: distinct evaluations per task and run.
        progress: ``progress(f"{strategy} seed {seed}", done, total)`` after each finished
            run (``tasknas._progress``); ``total`` is the number of runs.
        workers: processes that run seeds in parallel (1: in this process), without
            ``executor``. Results do not depend on it: every run is seeded on its own.
        executor: where the runs go, one job each (``Executor.map_unordered``), e.g. a
            ``RayExecutor``; left open (default: chosen by ``workers``). Results do not
            depend on it either.
        until_optimum: stop each task once its validation optimum is evaluated (the
            runner's ``until`` rule; ``budget`` is then the cap per task). A stopped task's
            population no longer changes, so the other tasks of a multi-task strategy see
            different sources than in a run without the rule.
        on_run: called with each finished run, in the order runs finish.
    """
    bench = get_benchmark(benchmark)
    tasks = tuple(tasks) or tuple(bench.tasks)
    for task in tasks:
        bench.task(task)
    factories = {name: STRATEGIES.get(name) for name in strategies}
    if not factories:
        raise InvalidSettingError("compare needs at least one strategy")
    seed_list = _seed_list(seeds)
    check_budget(budget, tasks)
    if capped_budget(budget, bench.space.size) != budget:
        logger.warning(capped_note(budget, bench.space.name, bench.space.size))
        budget = capped_budget(budget, bench.space.size)
    jobs = [
        _SeedJob(benchmark, name, tasks, seed, budget, until_optimum)
        for name in factories
        for seed in seed_list
    ]
    done: dict[int, SeedRun] = {}
    tracker = Tracker(progress, len(jobs))
    with executor_for(executor, workers, len(jobs)) as runner:
        for index, run in runner.map_unordered(_seed_run, jobs):
            done[index] = run
            if on_run is not None:
                on_run(run)
            tracker.step(f"{run.strategy} seed {run.seed}")
    runs = [done[index] for index in range(len(jobs))]
    runs_t = tuple(runs)
    return CompareResult(
        benchmark,
        tasks,
        budget,
        summarize_runs(runs_t, bench, tasks, budget),
        runs_t,
        until_optimum=until_optimum,
    )
