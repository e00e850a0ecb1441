"""Runs described by name: ``RunSettings`` -> components -> a run directory with its store.

This is the layer the CLI calls; library users may call ``run_experiment`` directly or build
``Runner`` from objects for full control.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasknas._logging import get_logger
from tasknas._validation import (
    as_int,
    check_delay,
    check_distinct_tasks,
    check_output_dir,
    check_seed,
)
from tasknas.benchmarks import TRAINING_BENCHMARKS, make_benchmark
from tasknas.errors import InvalidSettingError, RunStoreError
from tasknas.evaluator import AnyEvaluator, GenerationEvaluator, Latency
from tasknas.execution import make_executor
from tasknas.runner import (
    MAX_BUDGET,
    BatchHook,
    RecordHook,
    Runner,
    RunResult,
    capped_budget,
    capped_note,
    check_budget,
)
from tasknas.size import ParamLimit, check_max_params, param_counter
from tasknas.storage import STORE_FILE, RunStore, SQLiteStore, TrialRecord
from tasknas.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    TRAINING_DEFAULT_STRATEGY,
    Strategy,
)

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_OBJECTIVES",
    "MULTI_OBJECTIVE_STRATEGIES",
    "OBJECTIVE_CHOICES",
    "RUNS_ENV",
    "PreparedRun",
    "RunSettings",
    "build_strategy",
    "check_objectives",
    "check_resumable",
    "check_runnable",
    "claim_run_dir",
    "default_run_dir",
    "load_settings",
    "open_benchmark",
    "param_limit",
    "prepare_run",
    "run_experiment",
]

logger = get_logger(__name__)

#: Distinct evaluations per task when none is given: a search that finishes in seconds.
DEFAULT_BUDGET = 100
#: Environment variable naming the folder that holds run directories (default ``./runs``).
RUNS_ENV = "TASKNAS_RUNS_DIR"
#: The objectives of a search: the task's metric alone.
DEFAULT_OBJECTIVES: tuple[str, ...] = ("accuracy",)
#: What ``--objectives`` accepts.
OBJECTIVE_CHOICES: tuple[tuple[str, ...], ...] = (DEFAULT_OBJECTIVES, ("accuracy", "params"))
#: The strategies with a multi-objective mode: the multi-task evolution engine's presets.
MULTI_OBJECTIVE_STRATEGIES = ("evo", "emtnas", "ktnas", "ktnas-random", "ktnas-onehot")


@dataclass(frozen=True)
class RunSettings:
    """What defines a run; saved in its store so ``--resume`` rebuilds the same search.

    ``tasks`` empty means every task of the benchmark. ``strategy_options`` are keyword
    arguments of the strategy's constructor; ``benchmark_options`` those of a training
    benchmark (``tasknas.benchmarks.make_benchmark``; tabular benchmarks take none).
    ``budget`` counts distinct architectures per task: resolving caps it at the size of a
    finite search space (a larger one would only evaluate the whole space and then be
    reported unfinished); it is at most ``tasknas.runner.MAX_BUDGET``.

    ``max_params``: the most parameters an evaluated architecture may have (``--max-params``,
    a hard constraint: ``tasknas.size``); ``objectives``: ``("accuracy",)`` or
    ``("accuracy", "params")``, the multi-objective mode of the multi-task evolution engine
    (NSGA-II survivor selection). Both are stored only when set, so a run without them
    stores exactly what it did before they existed.
    """

    benchmark: str = "nb201"
    tasks: tuple[str, ...] = ()
    strategy: str = DEFAULT_STRATEGY
    budget: int = DEFAULT_BUDGET
    seed: int = 0
    strategy_options: Mapping[str, Any] = field(default_factory=dict)
    benchmark_options: Mapping[str, Any] = field(default_factory=dict)
    max_params: int | None = None
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES

    def resolved(self) -> RunSettings:
        """These settings with names checked and ``tasks`` filled in.

        Raises:
            UnknownNameError: unknown benchmark, task or strategy (lists the valid ones).
            InvalidSettingError: a budget below 1 (or above ``MAX_BUDGET`` on a space larger
                than that), a negative seed, or a bad benchmark option.
        """
        check_seed(self.seed)
        return self.resolved_with(open_benchmark(self))

    def resolved_with(self, bench: AnyEvaluator) -> RunSettings:
        """``resolved()`` with the benchmark already opened from these settings (no second
        opening): tasks by their canonical names, every name and value checked, the budget
        capped at the space's size."""
        seed = check_seed(self.seed)
        # Each task by its canonical name (a training benchmark accepts other spellings).
        tasks = check_distinct_tasks([bench.task(t).name for t in self.tasks] or bench.tasks)
        STRATEGIES.get(self.strategy)
        max_params = check_max_params(self.max_params, bench, self.benchmark)
        objectives = check_objectives(self.objectives, self.strategy, bench, self.benchmark)
        budget = capped_budget(self.budget, bench.space.size)
        check_budget(self.budget if (as_int(budget) or 0) > MAX_BUDGET else budget, tasks)
        return dataclasses.replace(
            self,
            seed=seed,
            tasks=tasks,
            budget=budget,
            strategy_options=dict(self.strategy_options),
            benchmark_options=dict(self.benchmark_options),
            max_params=max_params,
            objectives=objectives,
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["tasks"] = list(self.tasks)
        data["strategy_options"] = dict(self.strategy_options)
        data["benchmark_options"] = dict(self.benchmark_options)
        # the size settings only when set: a run without them stores what it always did
        if self.max_params is None:
            del data["max_params"]
        if tuple(self.objectives) == DEFAULT_OBJECTIVES:
            del data["objectives"]
        else:
            data["objectives"] = list(self.objectives)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(
            **{
                k: (tuple(v) if k in ("tasks", "objectives") else v)
                for k, v in data.items()
                if k in names
            }
        )


def check_objectives(
    objectives: object, strategy: str, bench: AnyEvaluator, benchmark: str
) -> tuple[str, ...]:
    """``objectives`` as a tuple of names, checked against the strategy and benchmark.

    Raises:
        InvalidSettingError: not one of ``OBJECTIVE_CHOICES``; ``params`` with a strategy
            outside ``MULTI_OBJECTIVE_STRATEGIES`` or a benchmark that counts no parameters.
    """
    names = (objectives,) if isinstance(objectives, str) else tuple(objectives)  # type: ignore[arg-type]
    if names not in OBJECTIVE_CHOICES:
        raise InvalidSettingError(
            f"objectives must be one of {', '.join(','.join(c) for c in OBJECTIVE_CHOICES)}; "
            f"got {','.join(map(str, names))}"
        )
    if "params" in names:
        if strategy not in MULTI_OBJECTIVE_STRATEGIES:
            raise InvalidSettingError(
                f"--objectives {','.join(names)} needs a multi-task evolution strategy "
                f"({', '.join(MULTI_OBJECTIVE_STRATEGIES)}), got {strategy!r}"
            )
        if param_counter(bench) is None:
            raise InvalidSettingError(
                f"benchmark {benchmark!r} records no parameter counts, so --objectives "
                f"{','.join(names)} cannot apply; use nb201 or train"
            )
    return names


def param_limit(settings: RunSettings, bench: AnyEvaluator) -> ParamLimit | None:
    """The runner's ``--max-params`` rule for these (resolved) settings, or ``None``."""
    if settings.max_params is None:
        return None
    counter = param_counter(bench)
    if counter is None:  # resolving refuses this; kept for settings never resolved
        raise InvalidSettingError(f"benchmark {settings.benchmark!r} records no parameter counts")
    return ParamLimit(counter, settings.max_params)


def default_strategy(benchmark: str) -> str:
    """The strategy a search on ``benchmark`` uses when none is named."""
    return TRAINING_DEFAULT_STRATEGY if benchmark in TRAINING_BENCHMARKS else DEFAULT_STRATEGY


def open_benchmark(settings: RunSettings) -> AnyEvaluator:
    """The evaluator of the settings' benchmark (a training one gets tasks, options, seed)."""
    return make_benchmark(
        settings.benchmark,
        settings.tasks,
        budget=settings.budget if isinstance(settings.budget, int) else None,
        seed=settings.seed,
        options=settings.benchmark_options,
    )


def build_strategy(settings: RunSettings, evaluator: AnyEvaluator) -> Strategy:
    """The strategy the settings name, on the evaluator's space and the settings' tasks."""
    factory = STRATEGIES.get(settings.strategy)
    options = dict(settings.strategy_options)
    if "params" in settings.objectives:
        options["size"] = param_counter(evaluator)
    try:
        return factory(evaluator.space, settings.tasks, seed=settings.seed, **options)
    except TypeError as exc:
        raise InvalidSettingError(f"bad option for strategy {settings.strategy!r}: {exc}") from exc


def default_run_dir(settings: RunSettings) -> Path:
    """``$TASKNAS_RUNS_DIR`` (or ``./runs``) / ``<benchmark>-<strategy>-seed<S>-<time>``, or
    the first of that name with ``-2``, ``-3``, ... that does not exist yet (a run with the
    same settings started in the same second). ``claim_run_dir`` makes it."""
    root = Path(os.environ.get(RUNS_ENV) or "runs")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    wanted = root / f"{settings.benchmark}-{settings.strategy}-seed{settings.seed}-{stamp}"
    return next(path for path in _numbered(wanted) if not path.exists())


def _numbered(path: Path) -> Iterator[Path]:
    """``path``, then ``path-2``, ``path-3``, ..."""
    yield path
    for number in itertools.count(2):
        yield path.with_name(f"{path.name}-{number}")


def claim_run_dir(path: str | Path) -> Path:
    """Make the folder ``path``, or else the first of ``path-2``, ``path-3``, ... that does
    not exist yet, and return the one made: a folder no other run has.

    ``mkdir`` either makes a folder or fails, so two runs that start in the same second with
    the same settings (one ``default_run_dir``) get two folders.

    Raises:
        RunStoreError: the folder cannot be made (a read-only disk, ...).
    """
    for candidate in _numbered(Path(path)):
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            reason = exc.strerror or exc
            raise RunStoreError(f"cannot create run folder {candidate}: {reason}") from None
        return candidate
    raise AssertionError("unreachable: _numbered never ends")


def load_settings(run_dir: str | Path) -> RunSettings:
    """The settings saved in the run store of ``run_dir``."""
    with SQLiteStore(Path(run_dir) / STORE_FILE) as store:
        saved = store.settings()
    if saved is None:
        raise RunStoreError(f"run store {Path(run_dir) / STORE_FILE} holds no run settings")
    return RunSettings.from_dict(saved)


def _differences(saved: RunSettings, given: RunSettings) -> list[str]:
    return [
        f"{f.name} (stored {getattr(saved, f.name)!r}, given {getattr(given, f.name)!r})"
        for f in dataclasses.fields(RunSettings)
        if getattr(saved, f.name) != getattr(given, f.name)
    ]


def _check_store(
    run_dir: Path, settings: RunSettings, resume: bool, bench: AnyEvaluator
) -> int | None:
    """The one check of a run directory's store: fresh for a new run, holding exactly
    ``settings`` (resolved) for a resumed one, but for a larger budget, which extends it.

    Returns:
        The stored budget when ``settings`` extend the stored run, else ``None``.
    """
    path = run_dir / STORE_FILE
    if not resume:
        if path.exists():
            raise _taken(path)
        return None
    saved = load_settings(run_dir)
    if saved.benchmark == settings.benchmark:
        saved = saved.resolved_with(bench)  # the same benchmark: no second opening
    else:
        saved = saved.resolved()
    stored_budget, extends = saved.budget, saved.budget < settings.budget
    if settings.budget < stored_budget:
        raise RunStoreError(
            f"cannot resume {path}: cannot lower the budget from {stored_budget} to "
            f"{settings.budget}; "
            "leave --budget out to continue it, or start a new run with another --out"
        )
    changed = _differences(dataclasses.replace(saved, budget=settings.budget), settings)
    if changed:
        raise RunStoreError(f"cannot resume {path} with different settings: {'; '.join(changed)}")
    if extends and getattr(bench, "budget", None) is not None:
        raise RunStoreError(
            f"cannot extend {path} from budget {stored_budget} to {settings.budget}: its "
            "evaluator anneals its learning rate over the budget, so the run would not be the "
            f"one started with {settings.budget}; start a new run with another --out"
        )
    return stored_budget if extends else None


class _ExtendingStore(RunStore):
    """The store of a run extended to a larger budget: the stored settings take the new
    budget just before the first new trial is added (or when the run ends), so a replay that
    does not reach the stored trials (refused by ``replay.replayed``) changes nothing."""

    def __init__(self, store: RunStore, settings: RunSettings) -> None:
        self.inner = store
        self.new_settings = settings
        self.updated = False

    def settings(self) -> dict[str, Any] | None:
        return self.inner.settings()

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        self.inner.save_settings(settings)

    def update_settings(self, settings: Mapping[str, Any]) -> None:
        self.inner.update_settings(settings)

    def extend(self) -> None:
        """Store the extended budget (once)."""
        if not self.updated:
            self.inner.update_settings(self.new_settings.to_dict())
            self.updated = True

    def add(self, record: TrialRecord) -> bool:
        self.extend()
        return self.inner.add(record)

    def records(self) -> list[TrialRecord]:
        return self.inner.records()


@dataclass
class PreparedRun:
    """A run checked and ready: made by ``prepare_run``, executed by ``run``.

    Attributes:
        settings: the resolved settings (canonical task names, defaults filled in).
        run_dir: the run directory (its store is ``run_dir/run.sqlite``).
        resume: whether ``run`` continues the stored run.
        benchmark: the benchmark, opened once, its table or task data loaded.
        extends: the stored budget when ``run`` extends the stored run to
            ``settings.budget`` (a replay of the stored trials, then more), else ``None``.
    """

    settings: RunSettings
    run_dir: Path
    resume: bool
    benchmark: AnyEvaluator
    executor: str = "local"
    workers: int | None = None
    address: str | None = None
    threads: int | None = None
    delay: float = 0.0
    extends: int | None = None

    @property
    def ask_name(self) -> str:
        """What one ask of the run's strategy is called (``Strategy.ask_name``: "ask", or
        "generation" for a generational strategy), e.g. for a progress line."""
        return build_strategy(self.settings, self.benchmark).ask_name

    def run(
        self, *, on_record: RecordHook | None = None, on_batch: BatchHook | None = None
    ) -> RunResult:
        """Run (or resume) the search, recording into the run directory's store.

        Args:
            on_record: hook called for every distinct evaluation.
            on_batch: hook called after each ask (a generation) with its new records.
        """
        settings, bench = self.settings, self.benchmark
        evaluator: AnyEvaluator = bench
        if isinstance(bench, GenerationEvaluator):
            bench.attach(self.run_dir)
        elif self.delay > 0:
            evaluator = Latency(bench, self.delay)
        strategy = build_strategy(settings, evaluator)
        path = self.run_dir / STORE_FILE
        store = SQLiteStore(path) if self.resume else _new_store(path, settings)
        extending = None if self.extends is None else _ExtendingStore(store, settings)
        with (
            store,
            make_executor(
                self.executor, workers=self.workers, address=self.address, threads=self.threads
            ) as pool,
        ):
            runner = Runner(
                strategy,
                evaluator,
                budget=settings.budget,
                store=store if extending is None else extending,
                executor=pool,
                on_record=on_record,
                on_batch=on_batch,
                feasible=param_limit(settings, bench),
            )
            try:
                result = runner.run()
            except RunStoreError:
                if extending is None or extending.updated:
                    raise
                raise RunStoreError(
                    f"cannot extend {path} from budget {self.extends} to {settings.budget} "
                    f"exactly: a search started with {settings.budget} proposes other trials "
                    f"before it has made the stored ones (a task used up budget "
                    f"{self.extends} before the others, or its last ask was cut short); the "
                    f"store is unchanged; start a new run with --budget {settings.budget}"
                ) from None
            if extending is not None:
                extending.extend()
                logger.info("extended %s to budget %d", path, settings.budget)
            return result


def _taken(path: Path) -> RunStoreError:
    return RunStoreError(
        f"{path} already holds a run; pass --resume to continue it, or choose another --out"
    )


def _new_store(path: Path, settings: RunSettings) -> SQLiteStore:
    """A new store holding ``settings``.

    The file is made first, and only if it does not exist: a run started at the same time
    with the same ``--out`` (after both were checked) makes this one fail with the error of
    a taken folder, and its store is left as it is. When the settings cannot be written (a
    full disk), the half-made file is removed, so the same ``--out`` can be used again.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=False)
    except FileExistsError:
        raise _taken(path) from None
    except OSError as exc:
        raise RunStoreError(f"cannot create run store {path}: {exc.strerror or exc}") from None
    try:
        store = SQLiteStore(path, create=True)
        try:
            store.save_settings(settings.to_dict())
        except BaseException:
            store.close()
            raise
    except RunStoreError:
        for made in (path, path.with_name(path.name + "-journal")):
            made.unlink(missing_ok=True)
        raise
    return store


def prepare_run(
    settings: RunSettings,
    run_dir: str | Path,
    *,
    resume: bool = False,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    threads: int | None = None,
    delay: float = 0.0,
) -> PreparedRun:
    """Check everything a run needs, before anything is written: names and values, the
    benchmark (opened once, its table or task data loaded), the run directory's store (fresh,
    or holding exactly these settings when resuming) and the executor (without starting
    workers). A bad setting, a missing data file or a bad executor fails here, so it neither
    leaves a half-made run directory behind nor surfaces after progress output has begun.

    Args:
        settings: the run.
        run_dir: the run directory; its store is ``run_dir/run.sqlite``.
        resume: continue the run stored in ``run_dir`` instead of starting one.
        executor: ``"local"``, ``"process"`` or ``"ray"``.
        workers: evaluations at once for parallel executors.
        address: the Ray cluster for ``executor="ray"`` (default: a private local instance).
        threads: torch threads of every evaluation (``None``: this process's count).
        delay: seconds to wait before each evaluation (simulates slow evaluations).

    Raises:
        UnknownNameError: unknown benchmark, task, strategy or executor (lists the valid ones).
        InvalidSettingError: a bad value, worker count, or an address that does not answer.
        RunStoreError: a new run over a stored one, a resume with different settings, or
            with a budget below the stored one (a larger budget extends the run).
        MissingDependencyError: the executor needs a package that is not installed.
        DataFileError: the benchmark table or task data is missing or unreadable.
    """
    check_seed(settings.seed)
    bench = open_benchmark(settings)
    asked = settings
    settings = settings.resolved_with(bench)
    if settings.budget != asked.budget:
        logger.info(capped_note(asked.budget, bench.space.name, settings.budget))
        if settings.benchmark in TRAINING_BENCHMARKS:
            bench = open_benchmark(settings)  # a training benchmark is built for its budget
    delay = check_delay(delay)
    if isinstance(bench, GenerationEvaluator) and delay > 0:
        raise InvalidSettingError("a weight-sharing evaluator takes no delay; use delay=0")
    run_dir = check_output_dir(run_dir)
    extends = _check_store(run_dir, settings, resume, bench)
    with make_executor(executor, workers=workers, address=address, threads=threads) as pool:
        pool.check()  # a cluster address that does not answer fails here, in bounded time
    bench.prepare()  # loads (and caches) the table or the task data
    limit = param_limit(settings, bench)
    if limit is not None:
        limit.check_some_fit(bench, settings.tasks)
    return PreparedRun(
        settings, run_dir, resume, bench, executor, workers, address, threads, delay, extends
    )


def check_resumable(run_dir: str | Path, settings: RunSettings) -> None:
    """Raise ``RunStoreError`` unless ``run_dir`` holds a run with exactly ``settings``.

    Kept for library users; ``prepare_run`` makes this check itself.
    """
    settings = settings.resolved()
    _check_store(Path(run_dir), settings, True, open_benchmark(settings))


def check_runnable(
    settings: RunSettings,
    *,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
) -> None:
    """Raise the error a run would meet when it starts (kept for library users;
    ``prepare_run`` makes these checks itself)."""
    settings = settings.resolved()
    with make_executor(executor, workers=workers, address=address) as pool:
        pool.check()
    open_benchmark(settings).prepare()


def run_experiment(
    settings: RunSettings,
    run_dir: str | Path,
    *,
    resume: bool = False,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    threads: int | None = None,
    delay: float = 0.0,
    on_record: RecordHook | None = None,
    on_batch: BatchHook | None = None,
) -> tuple[RunResult, AnyEvaluator]:
    """Run (or resume) the search ``settings`` describe, recording into ``run_dir``:
    ``prepare_run`` then ``PreparedRun.run``.

    A resumed run must have exactly the stored settings, but for a larger budget, which
    extends it: the stored trials are replayed, so the run ends as one started with the larger
    budget. Nothing already stored is changed (but the stored budget, when extended).
    A weight-sharing (generation) evaluator runs in this process whatever ``executor`` is,
    and keeps its checkpoints in ``run_dir``.

    Returns:
        The run's result and the benchmark (also an ``Oracle`` when it is tabular).
    """
    prepared = prepare_run(
        settings,
        run_dir,
        resume=resume,
        executor=executor,
        workers=workers,
        address=address,
        threads=threads,
        delay=delay,
    )
    return prepared.run(on_record=on_record, on_batch=on_batch), prepared.benchmark
