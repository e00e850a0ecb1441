"""The ``Executor`` contract and the picklable fake evaluators it runs (see ``tasknas.testing``).

The evaluators live in an installed module, not in a test file, so that worker processes
(process pools, Ray workers) can import them.
"""

from __future__ import annotations

import os
import signal
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from tasknas._seeds import seed_rng
from tasknas.errors import UnknownNameError
from tasknas.evaluator import Evaluator
from tasknas.execution import Completed, Executor
from tasknas.spaces import NB201Space, SearchSpace
from tasknas.tasks import Task
from tasknas.trial import Result, Status, Trial

__all__ = ["ExecutorContract", "FakeEvaluator", "KillsWorkerOnce"]


class FakeEvaluator(Evaluator):
    """NB201 architectures scored by a checksum: deterministic, instant and picklable.

    About one trial in eleven raises ``RuntimeError`` (a crashing model); with ``fail_all``
    every trial does.
    """

    def __init__(self, tasks: Sequence[str] = ("t1", "t2"), *, fail_all: bool = False) -> None:
        self._space = NB201Space()
        self._tasks = {name: Task(name, "score", "max") for name in tasks}
        self.fail_all = fail_all

    @property
    def space(self) -> SearchSpace[Any]:
        return self._space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def evaluate(self, arch: Any, task: str) -> Result:
        self.task(task)
        digest = zlib.crc32(f"{task}/{arch}".encode())
        if self.fail_all or digest % 11 == 0:
            raise RuntimeError(f"boom on {arch}")
        value = (digest % 100_000) / 1000.0
        return Result(objective=value, metrics={"score": value}, cost=1.0)


class KillsWorkerOnce(Evaluator):
    """Wraps an evaluator; kills its own process (SIGKILL) the first time it sees a trial.

    Only trials whose checksum is divisible by ``every`` are killed, each once: a marker file
    in ``marker_dir`` records the attempt. With ``always`` the chosen trials kill their
    process on every attempt. For testing executors that survive worker deaths.
    """

    def __init__(
        self,
        inner: Evaluator,
        marker_dir: str | os.PathLike[str],
        *,
        every: int = 1,
        always: bool = False,
    ) -> None:
        self.inner = inner
        self.marker_dir = Path(marker_dir)
        self.every = every
        self.always = always

    @property
    def space(self) -> SearchSpace[Any]:
        return self.inner.space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self.inner.tasks

    def doomed(self, arch: Any, task: str) -> bool:
        """Whether evaluating ``arch`` on ``task`` kills the process (at least once)."""
        return zlib.crc32(f"{task}/{arch}".encode()) % self.every == 0

    def evaluate(self, arch: Any, task: str) -> Result:
        if self.doomed(arch, task):
            marker = self.marker_dir / f"{zlib.crc32(f'{task}/{arch}'.encode()):08x}"
            if self.always or not marker.exists():
                with marker.open("a", encoding="utf-8") as file:
                    file.write(f"{os.getpid()}\n")
                os.kill(os.getpid(), signal.SIGKILL)
        return self.inner.evaluate(arch, task)

    def kills(self) -> int:
        """Processes killed so far (one line per kill in the marker files)."""
        return sum(
            len(path.read_text(encoding="utf-8").splitlines()) for path in self.marker_dir.iterdir()
        )


def _trials(evaluator: Evaluator, n: int, seed: int = 0) -> list[Trial]:
    rng = seed_rng(seed)
    tasks = list(evaluator.tasks)
    trials: dict[tuple[str, str], Trial] = {}
    while len(trials) < n:
        trial = Trial(tasks[len(trials) % len(tasks)], evaluator.space.sample(rng))
        trials.setdefault(trial.key, trial)
    return list(trials.values())


def _outcome(result: Result) -> tuple[Any, ...]:
    """What must not depend on the executor (a failure's cost is its wall time)."""
    error = None if result.error is None else result.error.split(":")[0]
    return result.status, result.objective, dict(result.metrics), error


def _expected(evaluator: Evaluator, trial: Trial) -> tuple[Any, ...]:
    try:
        return _outcome(evaluator.evaluate(trial.arch, trial.task))
    except RuntimeError:
        return Status.FAILED, -np.inf, {}, "RuntimeError"


class ExecutorContract:
    """Checks of the ``Executor`` protocol.

    Override the ``executor`` fixture; it may return one executor shared by all checks (from a
    wider-scoped fixture), as the checks close it and run it again. Set
    ``survives_worker_death`` for executors that rerun a trial whose worker process dies, to
    run that check too.
    """

    #: Trials in each batch.
    n_trials: ClassVar[int] = 24
    #: Whether a trial whose worker is killed is run again (and still yielded once).
    survives_worker_death: ClassVar[bool] = False

    @pytest.fixture
    def executor(self) -> Iterator[Executor]:
        raise NotImplementedError("override the `executor` fixture with the executor under test")

    def _run(
        self, executor: Executor, evaluator: Evaluator, trials: list[Trial]
    ) -> list[Completed]:
        completed = list(executor.run(evaluator, trials))
        for item in completed:
            assert isinstance(item, Completed)
        assert sorted(c.index for c in completed) == list(range(len(trials))), (
            "run() must yield exactly one Completed per trial"
        )
        return completed

    def test_each_trial_once_with_its_result(self, executor: Executor) -> None:
        evaluator = FakeEvaluator()
        trials = _trials(evaluator, self.n_trials)
        before = time.time()
        completed = self._run(executor, evaluator, trials)
        for item in completed:
            assert _outcome(item.result) == _expected(evaluator, trials[item.index])
            assert before - 1 <= item.started_at <= item.finished_at <= time.time() + 1

    def test_model_exceptions_are_failed_results(self, executor: Executor) -> None:
        evaluator = FakeEvaluator(fail_all=True)
        for item in self._run(executor, evaluator, _trials(evaluator, 4)):
            assert item.result.status is Status.FAILED and not item.result.ok
            assert item.result.error is not None and item.result.error.startswith("RuntimeError")

    def test_a_tasknas_error_propagates(self, executor: Executor) -> None:
        evaluator = FakeEvaluator()
        trial = Trial("no-such-task", evaluator.space.sample(seed_rng(0)))
        with pytest.raises(UnknownNameError) as info:
            list(executor.run(evaluator, [trial]))
        assert info.value.name == "no-such-task"
        assert info.value.choices == tuple(evaluator.tasks)

    def test_empty_batch(self, executor: Executor) -> None:
        assert list(executor.run(FakeEvaluator(), [])) == []

    def test_batches_after_an_abandoned_one(self, executor: Executor) -> None:
        evaluator = FakeEvaluator()
        trials = _trials(evaluator, self.n_trials, seed=1)
        batch = executor.run(evaluator, trials)
        next(batch)
        batch.close()  # the caller stops listening: the rest is cancelled or discarded
        for seed in (2, 3):
            self._run(executor, evaluator, _trials(evaluator, self.n_trials // 2, seed=seed))

    def test_close_twice_then_run_again(self, executor: Executor) -> None:
        evaluator = FakeEvaluator()
        executor.close()
        executor.close()
        self._run(executor, evaluator, _trials(evaluator, 4))
        with executor as same:
            assert same is executor

    def test_worker_death_reruns_the_trial(self, executor: Executor, tmp_path: Path) -> None:
        if not self.survives_worker_death:
            pytest.skip("this executor does not claim to survive worker deaths")
        inner = FakeEvaluator()
        evaluator = KillsWorkerOnce(inner, tmp_path, every=5)
        trials = _trials(inner, 8, seed=4)  # one of them kills its worker
        doomed = sum(evaluator.doomed(t.arch, t.task) for t in trials)
        assert doomed, "pick trials so that some worker is killed"
        for item in self._run(executor, evaluator, trials):
            assert _outcome(item.result) == _expected(inner, trials[item.index])
        assert evaluator.kills() == doomed
