"""The ``Task``: a first-class, frozen description of what is optimised."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Direction(enum.StrEnum):
    """Whether larger or smaller values of a task's metric are better."""

    MAXIMIZE = "max"
    MINIMIZE = "min"


@dataclass(frozen=True)
class Task:
    """A task: its name, the metric that judges an architecture on it, and its direction.

    ``test_metric`` names the held-out metric reported beside the search metric, if any.
    Strategies maximise an *objective*; ``objective(value)`` turns the metric into one
    (a loss is negated) and ``value(objective)`` turns it back.
    """

    name: str
    metric: str
    direction: Direction = Direction.MAXIMIZE
    description: str = ""
    test_metric: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))

    def objective(self, value: float) -> float:
        """The metric value as an objective to maximise."""
        return value if self.direction is Direction.MAXIMIZE else -value

    def value(self, objective: float) -> float:
        """The metric value an objective stands for (inverse of ``objective``)."""
        return self.objective(objective)

    def __str__(self) -> str:
        return self.name
