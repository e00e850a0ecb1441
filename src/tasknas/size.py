"""Network size: parameter counts from any benchmark that knows them, the ``--max-params``
limit, and each task's Pareto front of (objective, parameters).

A tabular benchmark knows a parameter count when its table has one per task
(``TabularBenchmark.params``: NAS-Bench-201; TransNAS-Bench-101 micro has none). The ``train``
benchmark builds the architecture's stand-alone network for the task and counts its trainable
parameters (what its results report as ``params``), without training it.

The limit is a hard constraint applied by the runner *before* evaluation: an architecture
above it is not evaluated, spends no budget and is not stored; the strategy is told a failed
result (``INFEASIBLE``), so it learns to avoid it like any failure. No reported best can
therefore be above the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from tasknas._logging import get_logger
from tasknas.errors import InvalidSettingError
from tasknas.evaluator import Latency
from tasknas.pareto import pareto_front
from tasknas.storage import TrialRecord
from tasknas.trial import Result

__all__ = [
    "INFEASIBLE",
    "ParamCounter",
    "ParamLimit",
    "check_max_params",
    "param_counter",
    "pareto_fronts",
    "pareto_rows",
]

logger = get_logger(__name__)

#: The start of the error of a result the runner answers for an architecture above the limit.
INFEASIBLE = "infeasible"

#: ``count(arch, task)``: the parameter count of ``arch``'s network on ``task``.
ParamCounter = Callable[[Any, str], float]


def param_counter(evaluator: Any) -> ParamCounter | None:
    """How ``evaluator`` counts parameters, or ``None`` when it cannot."""
    while isinstance(evaluator, Latency):
        evaluator = evaluator.inner
    knows = getattr(evaluator, "knows_params", None)
    if knows is not None:  # a tabular benchmark
        if not knows:
            return None

        def table(arch: Any, task: str) -> float:
            return float(evaluator.params(arch, task))

        return table
    network = getattr(evaluator, "network", None)
    if network is None:
        return None
    cache: dict[tuple[str, str], float] = {}

    def built(arch: Any, task: str) -> float:
        key = (task, str(arch))
        if key not in cache:
            from tasknas.nn import count_parameters

            cache[key] = float(count_parameters(network(arch, task, seed=0)))
        return cache[key]

    return built


def check_max_params(max_params: object, evaluator: Any, benchmark: str) -> int | None:
    """``max_params`` as a whole number >= 1 (``None``: no limit).

    Raises:
        InvalidSettingError: a value below 1 or not whole, or a benchmark that counts no
            parameters.
    """
    if max_params is None:
        return None
    if isinstance(max_params, bool) or not isinstance(max_params, int | float):
        raise InvalidSettingError(f"max_params must be a whole number >= 1, got {max_params!r}")
    if not float(max_params).is_integer() or max_params < 1:
        raise InvalidSettingError(f"--max-params must be a whole number >= 1, got {max_params!r}")
    if param_counter(evaluator) is None:
        raise InvalidSettingError(
            f"benchmark {benchmark!r} records no parameter counts, so --max-params cannot "
            "apply; use nb201 or train"
        )
    return int(max_params)


class ParamLimit:
    """The runner's feasibility rule of ``--max-params``: ``limit(task, arch)`` is ``None``
    for an architecture within ``max_params`` parameters, else the one-line reason."""

    def __init__(self, counter: ParamCounter, max_params: int) -> None:
        self.counter = counter
        self.max_params = int(max_params)

    def __call__(self, task: str, arch: Any) -> str | None:
        params = self.counter(arch, task)
        if params <= self.max_params:
            return None
        return f"{INFEASIBLE}: {params:,.0f} parameters > --max-params {self.max_params:,}"

    def answer(self, reason: str) -> Result:
        """The failed result strategies are told for an infeasible architecture."""
        return Result.failure(reason)

    def check_some_fit(self, evaluator: Any, tasks: Sequence[str]) -> None:
        """Refuse a limit that no architecture of the benchmark's table fits on one of
        ``tasks`` (a finite space with a table; other spaces are not enumerated): such a run
        could evaluate nothing and would only spin until its idle-ask stop.

        Raises:
            InvalidSettingError: naming the task and the smallest architecture's size.
        """
        table = getattr(evaluator, "params_table", None)
        if table is None:
            return
        for task in tasks:
            values = table(task)
            if values is not None and float(np.min(values)) > self.max_params:
                raise InvalidSettingError(
                    f"no architecture of {evaluator.space.name} fits --max-params "
                    f"{self.max_params:,} on {task}: the smallest has "
                    f"{float(np.min(values)):,.0f} parameters"
                )


def record_params(record: TrialRecord, counter: ParamCounter | None, space: Any) -> float | None:
    """The parameter count of a record: its ``params`` metric, else the counter's."""
    value = record.result.metrics.get("params")
    if value is not None:
        return float(value)
    if counter is None:
        return None
    return counter(space.parse(record.arch), record.task)


def pareto_rows(
    records: Iterable[TrialRecord], task: str, evaluator: Any
) -> list[dict[str, Any]] | None:
    """The non-dominated evaluated architectures of ``task``: (objective up, parameters
    down), as ``{"arch", "value", "params"}`` rows sorted by parameters (``value`` in the
    task's metric, a loss as a loss). ``None`` when the benchmark counts no parameters."""
    counter = param_counter(evaluator)
    spec = evaluator.task(task)
    archs, points, values = [], [], []
    for record in records:
        if record.task != task or not record.result.ok:
            continue
        params = record_params(record, counter, evaluator.space)
        if params is None:
            if counter is None:
                return None
            continue
        archs.append(record.arch)
        points.append((record.result.objective, -params))
        values.append(record.result.metrics.get(spec.metric, spec.value(record.result.objective)))
    if counter is None and not archs:
        return None
    front = sorted(
        pareto_front(np.array(points).reshape(-1, 2)),
        key=lambda i: (-points[i][1], -points[i][0], i),
    )
    return [
        {"arch": archs[i], "value": float(values[i]), "params": round(-points[i][1])} for i in front
    ]


def pareto_fronts(
    records: Iterable[TrialRecord], tasks: Sequence[str], evaluator: Any
) -> dict[str, list[dict[str, Any]]] | None:
    """``pareto_rows`` of every task, or ``None`` when the benchmark counts no parameters."""
    if param_counter(evaluator) is None:
        return None
    records = list(records)
    out = {}
    for task in tasks:
        rows = pareto_rows(records, task, evaluator)
        out[task] = rows if rows is not None else []
    return out
