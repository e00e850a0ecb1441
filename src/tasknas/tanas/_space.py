"""The task-aware search space: cells and operations of the closest dictionary tasks."""

from __future__ import annotations

from collections.abc import Sequence

from tasknas.errors import InvalidSettingError
from tasknas.spaces import DartsGenotype, DartsSpace, get_space, ops_of
from tasknas.tanas._dictionary import CELL_SPACE, TaskDictionary

__all__ = ["task_aware_space"]


def task_aware_space(
    dictionary: TaskDictionary, closest: Sequence[str]
) -> tuple[DartsSpace, list[DartsGenotype]]:
    """The ``darts-tanas`` space restricted to the operations of the ``closest`` tasks' best
    cells, and those cells (without repeats, in the order of ``closest``) to start FUSE from.

    Raises:
        InvalidSettingError: ``closest`` is empty.
        UnknownNameError: a task is not in the dictionary.
    """
    if not closest:
        raise InvalidSettingError("the task-aware space needs at least one closest task")
    full = get_space(CELL_SPACE)
    assert isinstance(full, DartsSpace)
    cells = [full.parse(dictionary.entry(name).best_cell) for name in closest]
    cells = list(dict.fromkeys(cells))
    ops = set().union(*(ops_of(cell) for cell in cells))
    return full.with_ops(ops, name=f"task-aware[{','.join(closest)}]"), cells
