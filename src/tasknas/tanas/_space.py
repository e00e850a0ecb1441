"""The task-aware search spaces: cells and operations of the closest dictionary tasks."""

from __future__ import annotations

from collections.abc import Sequence

from tasknas.errors import InvalidSettingError
from tasknas.spaces import DartsGenotype, DartsSpace, get_space, ops_of
from tasknas.tanas._dictionary import CELL_SPACE, TaskDictionary

__all__ = ["task_aware_edges_space", "task_aware_space"]


def _closest_cells(
    dictionary: TaskDictionary, closest: Sequence[str]
) -> tuple[DartsSpace, list[DartsGenotype]]:
    """The full cell space and the ``closest`` tasks' best cells (without repeats, in the
    order of ``closest``)."""
    if not closest:
        raise InvalidSettingError("the task-aware space needs at least one closest task")
    full = get_space(CELL_SPACE)
    assert isinstance(full, DartsSpace)
    cells = [full.parse(dictionary.entry(name).best_cell) for name in closest]
    return full, list(dict.fromkeys(cells))


def task_aware_space(
    dictionary: TaskDictionary, closest: Sequence[str]
) -> tuple[DartsSpace, list[DartsGenotype]]:
    """The ``darts-tanas`` space restricted to the operations of the ``closest`` tasks' best
    cells, and those cells (without repeats, in the order of ``closest``) to start FUSE from.

    Raises:
        InvalidSettingError: ``closest`` is empty.
        UnknownNameError: a task is not in the dictionary.
    """
    full, cells = _closest_cells(dictionary, closest)
    ops = set().union(*(ops_of(cell) for cell in cells))
    return full.with_ops(ops, name=f"task-aware[{','.join(closest)}]"), cells


def task_aware_edges_space(
    dictionary: TaskDictionary, closest: Sequence[str]
) -> tuple[DartsSpace, list[DartsGenotype]]:
    """The ``darts-tanas`` cells whose every edge takes an operation and an input that one of
    the ``closest`` tasks' best cells has on that edge (``DartsSpace.around``: the cells
    recombined edge by edge), and those cells to start FUSE from.

    A finer restriction than ``task_aware_space``, whose union of operations is the whole
    pool from k = 2 or 3 on; a deviation from the paper, which restricts by operations.
    With k = 1 (or k cells that agree everywhere) the space is a single cell.

    Raises:
        InvalidSettingError: ``closest`` is empty.
        UnknownNameError: a task is not in the dictionary.
    """
    full, cells = _closest_cells(dictionary, closest)
    return full.around(cells, name=f"task-aware-edges[{','.join(closest)}]"), cells
