"""The runner: drives a strategy, an evaluator, an executor and a run store under a budget.

Budget convention: a task's budget counts *distinct* architectures evaluated on it. Asking
again for an architecture already evaluated on that task costs nothing: the stored result is
told again.

Resume is replay: the runner rebuilds the strategy from its seed and answers every trial
already in the store from the store, then evaluates the rest. Because tells happen in ask
order once a batch is complete, a resumed run ends with exactly the trials and result of the
same run left alone, whatever executor or worker count either used.

A ``GenerationEvaluator`` (weight sharing) gets each ask's new trials at once, in this
process, stored ones included (so that it replays their generation); the executor is then
not used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tasknas._logging import get_logger
from tasknas._validation import as_int
from tasknas.errors import InvalidSettingError
from tasknas.evaluator import AnyEvaluator, GenerationEvaluator
from tasknas.execution import Executor, LocalExecutor
from tasknas.replay import answer_generation, replayed
from tasknas.storage import InMemoryStore, RunStore, TrialRecord
from tasknas.strategies import Strategy
from tasknas.trial import Result, Trial

__all__ = [
    "MAX_BUDGET",
    "RunResult",
    "Runner",
    "TaskResult",
    "capped_budget",
    "capped_note",
    "check_budget",
    "ranked_records",
    "summarize",
]

logger = get_logger(__name__)

#: The largest budget a run counts to (a 64-bit integer, what the run store can hold).
MAX_BUDGET = 2**63 - 1

#: ``until(task, arch, result)``: True when ``task`` needs no more evaluations.
StopRule = Callable[[str, Any, Result], bool]
#: ``on_record(record, replayed)``: called for every distinct evaluation, in ``number`` order.
RecordHook = Callable[[TrialRecord, bool], None]
#: ``on_batch(index, records)``: called after each ask (a generation) with its new records.
BatchHook = Callable[[int, Sequence[TrialRecord]], None]
#: ``feasible(task, arch)``: ``None`` when ``arch`` may be evaluated on ``task``, else why not.
FeasibilityRule = Callable[[str, Any], "str | None"]


@dataclass(frozen=True)
class TaskResult:
    """The outcome of a run on one task."""

    task: str
    best_arch: str | None
    best: Result | None
    evaluations: int
    history: tuple[float, ...] = field(repr=False)

    @property
    def best_so_far(self) -> list[float]:
        """The best objective after each evaluation (for convergence plots)."""
        out, best = [], -math.inf
        for value in self.history:
            best = max(best, value)
            out.append(best)
        return out


@dataclass(frozen=True)
class RunResult:
    """The outcome of a run: per-task results and every record, by ``number``."""

    tasks: Mapping[str, TaskResult]
    records: tuple[TrialRecord, ...] = field(repr=False)
    stopped_idle: bool = False


def check_budget(budget: int | Mapping[str, int], tasks: Sequence[str]) -> dict[str, int]:
    """Per-task budgets from one number or a mapping; each must be a whole number from 1 to
    ``MAX_BUDGET``."""
    per_task = dict(budget) if isinstance(budget, Mapping) else dict.fromkeys(tasks, budget)
    for task in tasks:
        value = per_task.get(task)
        which = f" for task {task!r}" if isinstance(budget, Mapping) else ""
        if (as_int(value) or 0) <= 0:
            raise InvalidSettingError(
                f"budget must be a positive whole number of evaluations per task, got "
                f"{shown_number(value)}{which}"
            )
        if (as_int(value) or 0) > MAX_BUDGET:
            raise InvalidSettingError(
                f"budget {shown_number(value)}{which} is above the largest a run can count, "
                f"{MAX_BUDGET:,} evaluations per task"
            )
    return {task: int(per_task[task]) for task in tasks}


def capped_budget(budget: int, size: int | None) -> int:
    """``budget`` capped at a finite space's ``size`` (``None``: infinite): a larger budget
    could only evaluate the whole space and then be reported unfinished."""
    if size is not None and (as_int(budget) or 0) > size:
        return size
    return budget


def capped_note(budget: object, space_name: str, size: int) -> str:
    """The one line that tells the user a budget was capped (``capped_budget``)."""
    return (
        f"budget {shown_number(budget)} is above the {size:,} architectures of {space_name}; capped"
    )


def shown_number(value: object) -> str:
    """``repr(value)``, but a whole number of more than 24 digits as its first digits and its
    length (an absurd value stays a short message)."""
    text = repr(value)
    if isinstance(value, int) and len(text) > 24:
        return f"{text[:12]}… ({len(text.lstrip('-')):,} digits)"
    return text


class Runner:
    """Runs ``strategy`` until every task has used its budget (or met ``until``).

    Args:
        strategy: proposes trials (a fresh instance; the runner owns its progress).
        evaluator: scores trials.
        budget: distinct evaluations per task (one number, or one per task).
        store: where records go and where a resumed run finds them (default: in memory).
        executor: where evaluations run (default: in this process).
        until: optional rule that ends a task early (e.g. once its optimum is found).
        on_record: optional hook called for each distinct evaluation.
        on_batch: optional hook called after each ask with its index (from 1) and new records.
        max_idle_asks: consecutive asks that bring nothing new before the run stops (a
            strategy that only repeats itself would otherwise never end).
        feasible: optional constraint (e.g. ``tasknas.size.ParamLimit``): a trial it refuses
            is not evaluated, spends no budget and is not stored; the strategy is told a
            failed result whose error is the reason.
    """

    def __init__(
        self,
        strategy: Strategy,
        evaluator: AnyEvaluator,
        *,
        budget: int | Mapping[str, int],
        store: RunStore | None = None,
        executor: Executor | None = None,
        until: StopRule | None = None,
        on_record: RecordHook | None = None,
        on_batch: BatchHook | None = None,
        max_idle_asks: int = 10_000,
        feasible: FeasibilityRule | None = None,
    ) -> None:
        for task in strategy.tasks:
            evaluator.task(task)  # raises UnknownNameError listing the valid tasks
        self.strategy = strategy
        self.evaluator = evaluator
        self.budget = check_budget(budget, strategy.tasks)
        self.store = store if store is not None else InMemoryStore()
        self.executor = executor if executor is not None else LocalExecutor()
        self.until = until
        self.on_record = on_record
        self.on_batch = on_batch
        self.max_idle_asks = max_idle_asks
        self.feasible = feasible

    def run(self) -> RunResult:
        """Run to the end and return the per-task results."""
        tasks = self.strategy.tasks
        stored = {r.key: r for r in self.store.records()}
        taken = {r.number: r.key for r in stored.values()}
        known: dict[tuple[str, str], TrialRecord] = {}
        refused: dict[tuple[str, str], Result] = {}
        best = dict.fromkeys(tasks, -math.inf)
        counts = dict.fromkeys(tasks, 0)
        done: set[str] = set()
        number, idle, asks = 0, 0, 0
        while active := [t for t in tasks if t not in done and counts[t] < self.budget[t]]:
            trials = self.strategy.ask(active)
            if not trials:
                logger.info("strategy has nothing more to propose; stopping")
                break
            told: list[Trial] = []
            new: dict[tuple[str, str], tuple[int, Trial]] = {}
            for trial in trials:
                key = trial.key
                if key in refused:
                    told.append(trial)
                    continue
                if key not in known and key not in new:
                    if trial.task not in active or counts[trial.task] >= self.budget[trial.task]:
                        continue  # cancelled: the task has no budget left
                    rule = self.feasible
                    reason = None if rule is None else rule(trial.task, trial.arch)
                    if reason is not None:  # refused: no budget spent, nothing stored
                        refused[key] = Result.failure(reason)
                        told.append(trial)
                        continue
                    counts[trial.task] += 1
                    number += 1
                    new[key] = (number, trial)
                told.append(trial)
            records = self._answer(new, stored, taken)
            for record in records:
                known[record.key] = record
                if record.result.ok and record.result.objective > best[record.task]:
                    best[record.task] = record.result.objective
                    logger.info(
                        "%s: evaluation %d found %s = %.6g",
                        record.task,
                        counts[record.task],
                        record.arch,
                        record.result.objective,
                    )
                if self.on_record is not None:
                    self.on_record(record, record.key in stored)
                if self.until and self.until(record.task, new[record.key][1].arch, record.result):
                    done.add(record.task)
            for trial in told:
                answer = refused.get(trial.key)
                self.strategy.tell(trial, known[trial.key].result if answer is None else answer)
            asks += 1
            if self.on_batch is not None:
                self.on_batch(asks, records)
            idle = 0 if records else idle + 1
            if idle >= self.max_idle_asks:
                refusals = ""
                if refused:  # say why, where a limit turned the proposals away
                    example = next(iter(refused.values())).error
                    refusals = f"; {len(refused):,} proposals were refused, e.g. {example}"
                logger.warning(
                    "no new architecture in %d consecutive asks; stopping%s", idle, refusals
                )
                return summarize(known.values(), tasks, stopped_idle=True)
        return summarize(known.values(), tasks)

    def _answer(
        self,
        new: dict[tuple[str, str], tuple[int, Trial]],
        stored: dict[Any, TrialRecord],
        taken: dict[int, tuple[str, str]],
    ) -> list[TrialRecord]:
        """Records for the batch's new trials: replayed from the store or evaluated now."""
        if isinstance(self.evaluator, GenerationEvaluator):
            return answer_generation(self.evaluator, self.store, new, stored, taken)
        records, batch = [], []
        for key, (number, trial) in new.items():
            if replayed(key, number, stored, taken):
                records.append(stored[key])
            else:
                batch.append((number, trial))
        for completed in self.executor.run(self.evaluator, [trial for _, trial in batch]):
            number, trial = batch[completed.index]
            record = TrialRecord(
                number,
                trial.task,
                str(trial.arch),
                completed.result,
                completed.started_at,
                completed.finished_at,
            )
            self.store.add(record)
            records.append(record)
        return sorted(records, key=lambda r: r.number)


def ranked_records(records: Iterable[TrialRecord], task: str) -> list[tuple[int, TrialRecord]]:
    """The successful records of ``task``, best objective first (the earliest first on
    ties), each with its evaluation number within the task (1 .. the task's evaluations,
    counting failures too)."""
    own = [r for r in sorted(records, key=lambda r: r.number) if r.task == task]
    ranked = [(i, r) for i, r in enumerate(own, start=1) if r.result.ok]
    return sorted(ranked, key=lambda item: (-item[1].result.objective, item[0]))


def summarize(
    records: Iterable[TrialRecord], tasks: Sequence[str], *, stopped_idle: bool = False
) -> RunResult:
    """Per-task results of a set of records (the best is the earliest of the highest)."""
    ordered = tuple(sorted(records, key=lambda r: r.number))
    results = {}
    for task in tasks:
        own = [r for r in ordered if r.task == task]
        best = max((r for r in own if r.result.ok), key=lambda r: r.result.objective, default=None)
        results[task] = TaskResult(
            task=task,
            best_arch=None if best is None else best.arch,
            best=None if best is None else best.result,
            evaluations=len(own),
            history=tuple(r.result.objective for r in own),
        )
    return RunResult(tasks=results, records=ordered, stopped_idle=stopped_idle)
