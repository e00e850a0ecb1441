"""Runs described by name: ``RunSettings`` -> components -> a run directory with its store.

This is the layer the CLI calls; library users may call ``run_experiment`` directly or build
``Runner`` from objects for full control.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasknas.benchmarks import TabularBenchmark, get_benchmark
from tasknas.errors import InvalidSettingError, RunStoreError
from tasknas.evaluator import Evaluator, Latency
from tasknas.execution import make_executor
from tasknas.runner import RecordHook, Runner, RunResult, check_budget
from tasknas.storage import STORE_FILE, SQLiteStore
from tasknas.strategies import DEFAULT_STRATEGY, STRATEGIES, Strategy

__all__ = [
    "DEFAULT_BUDGET",
    "RUNS_ENV",
    "RunSettings",
    "build_strategy",
    "check_resumable",
    "check_runnable",
    "default_run_dir",
    "load_settings",
    "run_experiment",
]

#: Distinct evaluations per task when none is given: a search that finishes in seconds.
DEFAULT_BUDGET = 100
#: Environment variable naming the folder that holds run directories (default ``./runs``).
RUNS_ENV = "TASKNAS_RUNS_DIR"


@dataclass(frozen=True)
class RunSettings:
    """What defines a run; saved in its store so ``--resume`` rebuilds the same search.

    ``tasks`` empty means every task of the benchmark. ``strategy_options`` are keyword
    arguments of the strategy's constructor.
    """

    benchmark: str = "nb201"
    tasks: tuple[str, ...] = ()
    strategy: str = DEFAULT_STRATEGY
    budget: int = DEFAULT_BUDGET
    seed: int = 0
    strategy_options: Mapping[str, Any] = field(default_factory=dict)

    def resolved(self) -> RunSettings:
        """These settings with names checked and ``tasks`` filled in.

        Raises:
            UnknownNameError: unknown benchmark, task or strategy (lists the valid ones).
            InvalidSettingError: a budget below 1 or a negative seed.
        """
        bench = get_benchmark(self.benchmark)
        tasks = tuple(self.tasks) or tuple(bench.tasks)
        for task in tasks:
            bench.task(task)
        if len(set(tasks)) != len(tasks):
            raise InvalidSettingError(f"a task is named twice in {', '.join(tasks)}")
        STRATEGIES.get(self.strategy)
        check_budget(self.budget, tasks)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InvalidSettingError(f"seed must be a whole number >= 0, got {self.seed!r}")
        return dataclasses.replace(self, tasks=tasks, strategy_options=dict(self.strategy_options))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["tasks"] = list(self.tasks)
        data["strategy_options"] = dict(self.strategy_options)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: (tuple(v) if k == "tasks" else v) for k, v in data.items() if k in names})


def build_strategy(settings: RunSettings, evaluator: Evaluator) -> Strategy:
    """The strategy the settings name, on the evaluator's space and the settings' tasks."""
    cls = STRATEGIES.get(settings.strategy)
    try:
        return cls(evaluator.space, settings.tasks, seed=settings.seed, **settings.strategy_options)
    except TypeError as exc:
        raise InvalidSettingError(f"bad option for strategy {settings.strategy!r}: {exc}") from exc


def default_run_dir(settings: RunSettings) -> Path:
    """``$TASKNAS_RUNS_DIR`` (or ``./runs``) / ``<benchmark>-<strategy>-seed<S>-<time>``."""
    root = Path(os.environ.get(RUNS_ENV) or "runs")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / f"{settings.benchmark}-{settings.strategy}-seed{settings.seed}-{stamp}"


def load_settings(run_dir: str | Path) -> RunSettings:
    """The settings saved in the run store of ``run_dir``."""
    with SQLiteStore(Path(run_dir) / STORE_FILE) as store:
        saved = store.settings()
    if saved is None:
        raise RunStoreError(f"run store {Path(run_dir) / STORE_FILE} holds no run settings")
    return RunSettings.from_dict(saved)


def check_resumable(run_dir: str | Path, settings: RunSettings) -> None:
    """Raise ``RunStoreError`` unless ``run_dir`` holds a run with exactly ``settings``."""
    saved = load_settings(run_dir).resolved()
    settings = settings.resolved()
    changed = []
    for f in dataclasses.fields(RunSettings):
        stored, given = getattr(saved, f.name), getattr(settings, f.name)
        if stored != given:
            changed.append(f"{f.name} (stored {stored!r}, given {given!r})")
    if changed:
        raise RunStoreError(
            f"cannot resume {Path(run_dir) / STORE_FILE} with different settings: "
            f"{'; '.join(changed)}"
        )


def check_runnable(
    settings: RunSettings, *, executor: str = "local", workers: int | None = None
) -> None:
    """Raise the error a run would meet when it starts, before anything is written.

    Checks the executor name and worker count, and reads the benchmark table, so that a bad
    ``executor`` or a missing data file neither leaves a half-made run directory behind nor
    surfaces only after progress output has begun.

    Raises:
        UnknownNameError: unknown executor (lists the valid ones).
        InvalidSettingError: a worker count the executor cannot use.
        DataFileError: the benchmark table is missing or unreadable.
    """
    settings = settings.resolved()
    make_executor(executor, workers=workers).close()
    bench = get_benchmark(settings.benchmark)
    bench.objectives(settings.tasks[0])  # loads (and caches) the table


def _open_store(run_dir: Path, settings: RunSettings, resume: bool) -> SQLiteStore:
    path = run_dir / STORE_FILE
    if resume:
        check_resumable(run_dir, settings)
        return SQLiteStore(path)
    if path.exists():
        raise RunStoreError(
            f"{path} already holds a run; pass --resume to continue it, or choose another --out"
        )
    store = SQLiteStore(path, create=True)
    store.save_settings(settings.to_dict())
    return store


def run_experiment(
    settings: RunSettings,
    run_dir: str | Path,
    *,
    resume: bool = False,
    executor: str = "local",
    workers: int | None = None,
    delay: float = 0.0,
    on_record: RecordHook | None = None,
) -> tuple[RunResult, TabularBenchmark]:
    """Run (or resume) the search ``settings`` describe, recording into ``run_dir``.

    A resumed run must have exactly the stored settings. Nothing already stored is changed.

    Args:
        settings: the run (resolved here).
        run_dir: the run directory; its store is ``run_dir/run.sqlite``.
        resume: continue the run stored in ``run_dir`` instead of starting one.
        executor: ``"local"`` or ``"process"``.
        workers: worker processes for parallel executors.
        delay: seconds to wait before each evaluation (simulates slow evaluations).
        on_record: hook called for every distinct evaluation.

    Returns:
        The run's result and the benchmark (for ranks and percentiles).
    """
    settings = settings.resolved()
    check_runnable(settings, executor=executor, workers=workers)
    bench = get_benchmark(settings.benchmark)
    evaluator: Evaluator = Latency(bench, delay) if delay > 0 else bench
    strategy = build_strategy(settings, evaluator)
    with (
        _open_store(Path(run_dir), settings, resume) as store,
        make_executor(executor, workers=workers) as pool,
    ):
        runner = Runner(
            strategy,
            evaluator,
            budget=settings.budget,
            store=store,
            executor=pool,
            on_record=on_record,
        )
        return runner.run(), bench
