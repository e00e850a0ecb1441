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

from tasknas._validation import check_seed
from tasknas.benchmarks import TRAINING_BENCHMARKS, make_benchmark
from tasknas.errors import InvalidSettingError, RunStoreError
from tasknas.evaluator import Evaluator, GenerationEvaluator, Latency
from tasknas.execution import make_executor
from tasknas.runner import BatchHook, RecordHook, Runner, RunResult, check_budget
from tasknas.storage import STORE_FILE, SQLiteStore
from tasknas.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    TRAINING_DEFAULT_STRATEGY,
    Strategy,
)

__all__ = [
    "DEFAULT_BUDGET",
    "RUNS_ENV",
    "RunSettings",
    "build_strategy",
    "check_resumable",
    "check_runnable",
    "default_run_dir",
    "load_settings",
    "open_benchmark",
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
    arguments of the strategy's constructor; ``benchmark_options`` those of a training
    benchmark (``tasknas.benchmarks.make_benchmark``; tabular benchmarks take none).
    """

    benchmark: str = "nb201"
    tasks: tuple[str, ...] = ()
    strategy: str = DEFAULT_STRATEGY
    budget: int = DEFAULT_BUDGET
    seed: int = 0
    strategy_options: Mapping[str, Any] = field(default_factory=dict)
    benchmark_options: Mapping[str, Any] = field(default_factory=dict)

    def resolved(self) -> RunSettings:
        """These settings with names checked and ``tasks`` filled in.

        Raises:
            UnknownNameError: unknown benchmark, task or strategy (lists the valid ones).
            InvalidSettingError: a budget below 1, a negative seed, or a bad benchmark option.
        """
        seed = check_seed(self.seed)
        bench = open_benchmark(self)
        # Each task by its canonical name (a training benchmark accepts other spellings).
        tasks = tuple(bench.task(t).name for t in self.tasks) or tuple(bench.tasks)
        if len(set(tasks)) != len(tasks):
            raise InvalidSettingError(f"a task is named twice in {', '.join(tasks)}")
        STRATEGIES.get(self.strategy)
        check_budget(self.budget, tasks)
        return dataclasses.replace(
            self,
            seed=seed,
            tasks=tasks,
            strategy_options=dict(self.strategy_options),
            benchmark_options=dict(self.benchmark_options),
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["tasks"] = list(self.tasks)
        data["strategy_options"] = dict(self.strategy_options)
        data["benchmark_options"] = dict(self.benchmark_options)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: (tuple(v) if k == "tasks" else v) for k, v in data.items() if k in names})


def default_strategy(benchmark: str) -> str:
    """The strategy a search on ``benchmark`` uses when none is named."""
    return TRAINING_DEFAULT_STRATEGY if benchmark in TRAINING_BENCHMARKS else DEFAULT_STRATEGY


def open_benchmark(settings: RunSettings) -> Evaluator:
    """The evaluator of the settings' benchmark (a training one gets tasks, options, seed)."""
    return make_benchmark(
        settings.benchmark,
        settings.tasks,
        budget=settings.budget if isinstance(settings.budget, int) else None,
        seed=settings.seed,
        options=settings.benchmark_options,
    )


def build_strategy(settings: RunSettings, evaluator: Evaluator) -> Strategy:
    """The strategy the settings name, on the evaluator's space and the settings' tasks."""
    factory = STRATEGIES.get(settings.strategy)
    try:
        return factory(
            evaluator.space, settings.tasks, seed=settings.seed, **settings.strategy_options
        )
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
    settings: RunSettings,
    *,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
) -> None:
    """Raise the error a run would meet when it starts, before anything is written.

    Checks the executor name, worker count and address (without starting workers), and reads
    the benchmark table (or a training benchmark's task data), so that a bad ``executor`` or a
    missing data file neither leaves a half-made run directory behind nor surfaces only after
    progress output has begun.

    Raises:
        UnknownNameError: unknown executor (lists the valid ones).
        InvalidSettingError: a worker count or address the executor cannot use.
        MissingDependencyError: the executor needs a package that is not installed.
        DataFileError: the benchmark table is missing or unreadable.
    """
    settings = settings.resolved()
    make_executor(executor, workers=workers, address=address).close()
    open_benchmark(settings).prepare()  # loads (and caches) the table or the task data


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
    address: str | None = None,
    delay: float = 0.0,
    on_record: RecordHook | None = None,
    on_batch: BatchHook | None = None,
) -> tuple[RunResult, Evaluator]:
    """Run (or resume) the search ``settings`` describe, recording into ``run_dir``.

    A resumed run must have exactly the stored settings. Nothing already stored is changed.

    Args:
        settings: the run (resolved here).
        run_dir: the run directory; its store is ``run_dir/run.sqlite``.
        resume: continue the run stored in ``run_dir`` instead of starting one.
        executor: ``"local"``, ``"process"`` or ``"ray"``.
        workers: evaluations at once for parallel executors.
        address: the Ray cluster for ``executor="ray"`` (default: a private local instance).
        delay: seconds to wait before each evaluation (simulates slow evaluations).
        on_record: hook called for every distinct evaluation.
        on_batch: hook called after each ask (a generation) with its new records.

    A weight-sharing (generation) evaluator runs in this process whatever ``executor`` is,
    and keeps its checkpoints in ``run_dir``.

    Returns:
        The run's result and the benchmark (also an ``Oracle`` when it is tabular).
    """
    settings = settings.resolved()
    check_runnable(settings, executor=executor, workers=workers, address=address)
    bench = open_benchmark(settings)
    evaluator: Evaluator = bench
    if isinstance(bench, GenerationEvaluator):
        if delay > 0:
            raise InvalidSettingError("a weight-sharing evaluator takes no delay; use delay=0")
        bench.attach(Path(run_dir))
    elif delay > 0:
        evaluator = Latency(bench, delay)
    strategy = build_strategy(settings, evaluator)
    with (
        _open_store(Path(run_dir), settings, resume) as store,
        make_executor(executor, workers=workers, address=address) as pool,
    ):
        runner = Runner(
            strategy,
            evaluator,
            budget=settings.budget,
            store=store,
            executor=pool,
            on_record=on_record,
            on_batch=on_batch,
        )
        return runner.run(), bench
