"""The Ray executor on one local Ray instance (2 CPUs) shared by every test here: the
``Executor`` contract, searches identical to in-process ones even when workers are killed
mid-trial, failures without retries, and ``tasknas search --executor ray`` (with ``--resume``
after the search process is killed)."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from run_rows import count_rows, store_rows
from tasknas.benchmarks import get_benchmark
from tasknas.cli import app
from tasknas.evaluator import Evaluator
from tasknas.execution import Executor, LocalExecutor, RayExecutor
from tasknas.runner import Runner, RunResult
from tasknas.storage import SQLiteStore
from tasknas.strategies import STRATEGIES
from tasknas.tasks import Task
from tasknas.testing import ExecutorContract, FakeEvaluator, KillsWorkerOnce
from tasknas.trial import Result, Status, Trial

ray = pytest.importorskip("ray")

TASKS = ("cifar10", "cifar100")
BUDGET = 16
#: ``tasknas search`` flags of the CLI runs (the process that is killed needs some delay).
CLI_ARGS = ("--tasks", ",".join(TASKS), "--budget", "20", "--seed", "3", "--json")


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    """One local Ray instance for the module (executors find it initialised and keep it)."""
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    # the evaluators defined here reach the workers by value (this file is not importable there)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    with RayExecutor(workers=2) as executor:
        yield executor


class TestRayExecutor(ExecutorContract):
    survives_worker_death = True

    @pytest.fixture
    def executor(self, ray_executor: RayExecutor) -> Executor:
        return ray_executor


class CountsAttempts(Evaluator):
    """Wraps an evaluator; appends a line to a file per evaluation (across processes)."""

    def __init__(self, inner: Evaluator, log: Path) -> None:
        self.inner = inner
        self.log = log

    @property
    def space(self) -> Any:
        return self.inner.space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self.inner.tasks

    def evaluate(self, arch: Any, task: str) -> Result:
        with self.log.open("a", encoding="utf-8") as file:
            file.write(f"{task}/{arch}\n")
        return self.inner.evaluate(arch, task)


def _search(
    executor: Executor, evaluator: Evaluator, store: SQLiteStore | None = None
) -> RunResult:
    bench = get_benchmark("nb201")
    strategy = STRATEGIES.get("ktnas")(bench.space, TASKS, seed=5)
    return Runner(strategy, evaluator, budget=BUDGET, store=store, executor=executor).run()


def _rows(records: Any) -> list[tuple[Any, ...]]:
    return [(r.number, r.task, r.arch, r.result) for r in records]


@pytest.fixture(scope="module")
def local_rows() -> list[tuple[Any, ...]]:
    """The reference: the same search evaluated in this process."""
    return _rows(_search(LocalExecutor(), get_benchmark("nb201")).records)


def test_ray_search_equals_the_in_process_one(ray_executor, local_rows) -> None:
    assert _rows(_search(ray_executor, get_benchmark("nb201")).records) == local_rows
    assert len(local_rows) == BUDGET * len(TASKS)


def _first_trials(n: int) -> list[Trial]:
    return [Trial("t1", arch) for arch in itertools.islice(FakeEvaluator().space.enumerate(), n)]


def test_model_exceptions_are_failed_results_without_retry(ray_executor, tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    evaluator = CountsAttempts(FakeEvaluator(fail_all=True), log)
    trials = _first_trials(6)
    completed = list(ray_executor.run(evaluator, trials))
    assert len(completed) == 6
    assert all(c.result.error.startswith("RuntimeError: boom") for c in completed)
    assert sorted(log.read_text(encoding="utf-8").splitlines()) == sorted(
        f"t1/{t.arch}" for t in trials
    )


def test_the_evaluator_is_put_in_the_object_store_once(monkeypatch) -> None:
    puts: list[Any] = []
    put = ray.put
    monkeypatch.setattr(ray, "put", lambda value: puts.append(value) or put(value))
    first, second = FakeEvaluator(), FakeEvaluator()
    trials = _first_trials(5)
    with RayExecutor(workers=2) as executor:
        for evaluator in (first, first, second):
            assert len(list(executor.run(evaluator, trials))) == 5
    assert puts == [first, second]


def test_an_abandoned_batch_cancels_nothing(ray_executor, monkeypatch) -> None:
    """The trials in flight run out: ``ray.cancel`` on a task whose reply is arriving aborts
    this process in Ray 2.60 (benchmarks/ray_cancel_race.py)."""
    cancelled: list[Any] = []
    monkeypatch.setattr(ray, "cancel", lambda ref, **kwargs: cancelled.append(ref))
    evaluator = FakeEvaluator()
    trials = _first_trials(24)
    batch = ray_executor.run(evaluator, trials)
    first = next(batch)
    batch.close()
    assert cancelled == []
    again = sorted(ray_executor.run(evaluator, trials), key=lambda c: c.index)
    assert [c.index for c in again] == list(range(24))
    assert again[first.index].result == first.result


def test_close_leaves_a_ray_session_it_did_not_start() -> None:
    executor = RayExecutor(workers=1)
    assert len(list(executor.run(FakeEvaluator(), _first_trials(1)))) == 1
    executor.close()
    assert ray.is_initialized()


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Any]:
    """``cli(*args)``: ``tasknas ARGS`` in this process (so on this module's Ray instance)."""
    logger = logging.getLogger("tasknas")
    handlers, level = list(logger.handlers), logger.level
    env = {"TASKNAS_RUNS_DIR": str(tmp_path / "runs"), "NO_COLOR": "1", "TERM": "dumb"}

    def invoke(*args: str) -> Any:
        result = CliRunner(env=env).invoke(app, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    yield invoke
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture
def local_cli_run(cli, tmp_path: Path) -> tuple[Any, list[tuple[Any, ...]]]:
    outcome = cli("search", "--out", str(tmp_path / "local"), *CLI_ARGS)
    assert outcome.exit_code == 0, outcome.stderr
    return outcome, store_rows(tmp_path / "local")


def test_cli_search_with_ray_equals_the_local_one(cli, local_cli_run, tmp_path: Path) -> None:
    local, rows = local_cli_run
    run_dir = tmp_path / "ray"
    outcome = cli("search", "--out", str(run_dir), *CLI_ARGS, "--executor", "ray", "--workers", "2")
    assert outcome.exit_code == 0, outcome.stderr
    assert store_rows(run_dir) == rows
    assert json.loads(outcome.stdout)["tasks"] == json.loads(local.stdout)["tasks"]


# -- workers killed mid-trial (last: the workers they kill restart slowly) ------------------


def test_killed_workers_lose_nothing_and_record_nothing_twice(
    ray_executor, local_rows, tmp_path: Path
) -> None:
    (tmp_path / "kills").mkdir()
    evaluator = KillsWorkerOnce(get_benchmark("nb201"), tmp_path / "kills", every=10)
    with SQLiteStore(tmp_path / "run.sqlite", create=True) as store:
        result = _search(ray_executor, evaluator, store)
        stored = store.records()
    assert evaluator.kills() >= 2, "some workers must have been killed mid-trial"
    assert _rows(result.records) == local_rows
    assert _rows(stored) == local_rows  # every trial once, numbers 1..N, results as local
    db = sqlite3.connect(tmp_path / "run.sqlite")
    try:
        (count,) = db.execute("SELECT COUNT(*) FROM trials").fetchone()
    finally:
        db.close()
    assert count == len(local_rows)


def _some_trials(evaluator: KillsWorkerOnce, doomed: int, spared: int) -> list[Trial]:
    rng = np.random.default_rng(0)
    picked: dict[bool, list[Trial]] = {True: [], False: []}
    while len(picked[True]) < doomed or len(picked[False]) < spared:
        trial = Trial("t1", evaluator.space.sample(rng))
        picked[evaluator.doomed(trial.arch, trial.task)].append(trial)
    return picked[True][:doomed] + picked[False][:spared]


def test_a_worker_dying_on_every_attempt_is_a_failed_result(tmp_path: Path) -> None:
    evaluator = KillsWorkerOnce(FakeEvaluator(), tmp_path, every=4, always=True)
    trials = _some_trials(evaluator, doomed=1, spared=3)
    with RayExecutor(workers=2, max_retries=1) as executor:
        completed = sorted(executor.run(evaluator, trials), key=lambda c: c.index)
    assert [c.index for c in completed] == [0, 1, 2, 3]
    lost = completed[0].result
    assert lost.status is Status.FAILED
    assert lost.error == "WorkerCrashedError: the worker died on all 2 attempts"
    assert evaluator.kills() == 2  # the first attempt and one retry
    for item in completed[1:]:
        trial = trials[item.index]
        assert item.result == FakeEvaluator().evaluate(trial.arch, trial.task)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and sessions are POSIX")
def test_resume_after_the_ray_search_process_is_killed(cli, local_cli_run, tmp_path: Path) -> None:
    _, rows = local_cli_run
    run_dir = tmp_path / "killed"
    store = run_dir / "run.sqlite"
    command = [sys.executable, "-c", "import sys; from tasknas.cli import main; sys.exit(main())"]
    args = ["search", "--out", str(run_dir), *CLI_ARGS, "--executor", "ray", "--workers", "2"]
    env = {**os.environ, "TASKNAS_RUNS_DIR": str(tmp_path / "runs"), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [*command, *args, "--delay", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: Ray's processes go with it
    )
    deadline = time.monotonic() + 240  # starting Ray takes a while on a busy machine
    try:
        while (left := count_rows(store)) < 10:
            if proc.poll() is not None:
                pytest.fail(f"search ended (rc {proc.returncode}): {proc.communicate()[1]}")
            if time.monotonic() > deadline:
                pytest.fail("the ray search recorded no 10 trials in time")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    left = count_rows(store)
    assert 10 <= left < len(rows)
    assert set(store_rows(run_dir)) <= set(rows)  # what was stored is final and correct

    resumed = cli("search", "--out", str(run_dir), "--resume", "--executor", "ray", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    assert store_rows(run_dir) == rows
