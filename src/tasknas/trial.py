"""Immutable trial records: what was asked (``Trial``) and what came back (``Result``)."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["Result", "Status", "Trial"]


class Status(enum.StrEnum):
    """Final state of an evaluation. A failure is a recorded state with a cost, not a crash."""

    COMPLETE = "complete"
    FAILED = "failed"


@dataclass(frozen=True)
class Trial:
    """One request: evaluate architecture ``arch`` on the task named ``task``.

    ``arch`` is a genotype of the strategy's search space (frozen and hashable); the pair
    ``(task, arch)`` is the trial's identity.
    """

    task: str
    arch: Any

    @property
    def key(self) -> tuple[str, str]:
        """``(task, canonical architecture string)``: the trial's identity in a run store."""
        return (self.task, str(self.arch))


def _frozen(metrics: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({str(k): float(v) for k, v in metrics.items()})


@dataclass(frozen=True)
class Result:
    """The outcome of one evaluation.

    Attributes:
        objective: the value strategies maximise (a loss enters negated); ``-inf`` on failure.
        metrics: every metric the evaluator reports, in the task's own units and sign.
        cost: seconds the evaluation took or, for tabular benchmarks, would have taken
            (``0.0`` where the benchmark records no training time).
        status: ``Status.COMPLETE`` or ``Status.FAILED``.
        error: the failure message, empty on success.
    """

    objective: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    cost: float = 0.0
    status: Status = Status.COMPLETE
    error: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", _frozen(self.metrics))
        object.__setattr__(self, "objective", float(self.objective))
        object.__setattr__(self, "status", Status(self.status))

    @property
    def ok(self) -> bool:
        """True when the evaluation completed with a finite objective."""
        return self.status is Status.COMPLETE and math.isfinite(self.objective)

    @classmethod
    def failure(cls, error: str, cost: float = 0.0) -> Result:
        """A failed evaluation that cost ``cost`` seconds."""
        return cls(objective=-math.inf, cost=cost, status=Status.FAILED, error=error)

    def __reduce__(self) -> tuple[Any, ...]:
        # MappingProxyType does not pickle; rebuild from a plain dict (process pools, Ray).
        return (Result, (self.objective, dict(self.metrics), self.cost, self.status, self.error))
