"""Tasks: what an architecture is evaluated on."""

from tasknas.tasks._task import Direction, Task

__all__ = ["Direction", "Task"]
