"""Tabular benchmarks: evaluators that look results up in a table of trained architectures.

A benchmark is described by a ``TableSpec`` (which file, which space, which column holds each
task's metric); ``TabularBenchmark`` turns any spec into an ``Evaluator`` and ``Oracle``.
Adding a benchmark means writing one spec, never a new branch here.
"""

from __future__ import annotations

import csv
import gzip
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tasknas._logging import get_logger
from tasknas.errors import DataFileError, InvalidArchitectureError
from tasknas.evaluator import Evaluator, Oracle
from tasknas.spaces import SearchSpace, get_space
from tasknas.tasks import Task
from tasknas.trial import Result

__all__ = ["DATA_ENV", "Column", "TableSpec", "TabularBenchmark", "TaskSpec"]

logger = get_logger(__name__)

#: Environment variable naming a folder that replaces the bundled benchmark tables.
DATA_ENV = "TASKNAS_BENCHMARK_DIR"


@dataclass(frozen=True)
class Column:
    """A metric read from table column ``column`` and multiplied by ``scale``."""

    column: str
    scale: float = 1.0


@dataclass(frozen=True)
class TaskSpec:
    """One task of a table: the ``Task`` (its ``metric`` is the objective) and its columns.

    ``metrics`` maps every reported metric name, the objective metric included, to a column.
    ``params``: the column of each architecture's parameter count on the task (scaled to a
    count), when the table has one (``TabularBenchmark.params``).
    """

    task: Task
    metrics: Mapping[str, Column]
    params: Column | None = None

    def __post_init__(self) -> None:
        if self.task.metric not in self.metrics:
            raise ValueError(f"task {self.task.name!r}: objective metric has no column")


@dataclass(frozen=True)
class TableSpec:
    """A tabular benchmark: its name, space, data file, architecture column and tasks."""

    name: str
    space: str
    filename: str
    arch_column: str
    tasks: tuple[TaskSpec, ...]
    description: str = ""
    cost_column: str | None = None
    citation: str = field(default="", compare=False)


def _data_path(filename: str, data_dir: str | os.PathLike[str] | None) -> Path:
    if data_dir is None:
        data_dir = os.environ.get(DATA_ENV) or None
    if data_dir is not None:
        return Path(data_dir) / filename
    return Path(str(resources.files("tasknas.benchmarks") / "data" / filename))


@cache
def _load_table(path: Path, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read the needed columns of a (gzipped) CSV table; cached per process."""
    if not path.is_file():
        raise DataFileError(
            f"benchmark table {path} not found; reinstall tasknas, or point {DATA_ENV} at a "
            f"folder holding {path.name}"
        )
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            missing = [c for c in columns if c not in header]
            if missing:
                raise DataFileError(
                    f"benchmark table {path} lacks column(s) {', '.join(missing)}; "
                    "the file is not the one tasknas ships"
                )
            positions = [header.index(c) for c in columns]
            rows = [[row[p] for p in positions] for row in reader]
    except (
        OSError,
        EOFError,
        StopIteration,
        csv.Error,
        IndexError,
        UnicodeDecodeError,
        zlib.error,
    ) as exc:
        raise DataFileError(f"benchmark table {path} is unreadable or corrupted: {exc}") from exc
    table: dict[str, np.ndarray] = {}
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        if i == 0:
            table[name] = np.array(values, dtype=object)
            continue
        try:
            table[name] = np.array(values, dtype=np.float64)
        except ValueError as exc:
            raise DataFileError(f"benchmark table {path}: column {name}: {exc}") from exc
    logger.debug("loaded %d rows from %s", len(rows), path)
    return table


class TabularBenchmark(Evaluator, Oracle):
    """An evaluator and oracle over a ``TableSpec``.

    The table is read lazily on first use and shared within a process, so the object is cheap
    to create and to pickle. Result costs are the table's recorded training seconds when the
    spec names a cost column, else ``0.0``.

    Args:
        spec: the benchmark description.
        data_dir: a folder holding ``spec.filename`` instead of the bundled copy (default:
            the ``TASKNAS_BENCHMARK_DIR`` environment variable, then the bundled data).
    """

    def __init__(self, spec: TableSpec, *, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.spec = spec
        self.data_dir = data_dir
        self._space = get_space(spec.space)
        self._tasks = {ts.task.name: ts.task for ts in spec.tasks}
        self._task_specs = {ts.task.name: ts for ts in spec.tasks}

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec, "data_dir": self.data_dir}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["spec"], data_dir=state["data_dir"])  # type: ignore[misc]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def space(self) -> SearchSpace[Any]:
        return self._space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    @property
    def path(self) -> Path:
        """The table file this benchmark reads."""
        return _data_path(self.spec.filename, self.data_dir)

    def prepare(self) -> None:
        """Read (and check) the table now; raises ``DataFileError`` if it is unusable."""
        self._table  # noqa: B018 - loads and checks the table

    @cached_property
    def _table(self) -> dict[str, np.ndarray]:
        columns = [self.spec.arch_column]
        for ts in self.spec.tasks:
            columns += [c.column for c in ts.metrics.values()]
            if ts.params is not None:
                columns.append(ts.params.column)
        if self.spec.cost_column:
            columns.append(self.spec.cost_column)
        table = _load_table(self.path, tuple(dict.fromkeys(columns)))
        n_rows = len(table[self.spec.arch_column])
        if n_rows != self._space.size:
            raise DataFileError(
                f"benchmark table {self.path} has {n_rows} rows; the {self._space.name!r} "
                f"space has {self._space.size} architectures"
            )
        return table

    @cached_property
    def _row(self) -> dict[str, int]:
        arch_strings = self._table[self.spec.arch_column]
        rows = {str(s): i for i, s in enumerate(arch_strings)}
        first = self._space.parse(str(arch_strings[0]))
        if str(first) != arch_strings[0]:
            raise DataFileError(
                f"benchmark table {self.path}: {arch_strings[0]!r} is not canonical"
            )
        return rows

    @cached_property
    def _objectives(self) -> dict[str, np.ndarray]:
        out = {}
        for name, ts in self._task_specs.items():
            col = ts.metrics[ts.task.metric]
            values = self._table[col.column] * col.scale
            out[name] = values if ts.task.direction.value == "max" else -values
        return out

    @cached_property
    def _sorted(self) -> dict[str, np.ndarray]:
        return {name: np.sort(values) for name, values in self._objectives.items()}

    def row(self, arch: Any) -> int:
        """The table row of ``arch``."""
        self.check_arch(arch)
        try:
            return self._row[str(arch)]
        except KeyError:
            raise InvalidArchitectureError(
                f"{arch} is not in benchmark table {self.path}"
            ) from None

    def evaluate(self, arch: Any, task: str) -> Result:
        ts = self._task_specs[self.task(task).name]
        i = self.row(arch)
        metrics = {m: float(self._table[c.column][i] * c.scale) for m, c in ts.metrics.items()}
        cost = float(self._table[self.spec.cost_column][i]) if self.spec.cost_column else 0.0
        return Result(objective=float(self._objectives[task][i]), metrics=metrics, cost=cost)

    def objectives(self, task: str) -> np.ndarray:
        """The objective of every architecture on ``task``, one per table row (read-only)."""
        values = self._objectives[self.task(task).name]
        values.setflags(write=False)
        return values

    @property
    def knows_params(self) -> bool:
        """True when the table has a parameter count for every task (``params``)."""
        return all(ts.params is not None for ts in self.spec.tasks)

    def params_table(self, task: str) -> np.ndarray | None:
        """The parameter count of every architecture on ``task``, one per table row
        (read-only), or ``None`` when the table has none."""
        column = self._task_specs[self.task(task).name].params
        if column is None:
            return None
        values = np.rint(self._table[column.column] * column.scale)
        values.setflags(write=False)
        return values

    def params(self, arch: Any, task: str) -> float | None:
        """The parameter count of ``arch``'s network on ``task`` (``None``: not in the table)."""
        values = self.params_table(task)
        return None if values is None else float(values[self.row(arch)])

    def arch_at(self, row: int) -> Any:
        """The architecture in table row ``row``."""
        return self._space.parse(str(self._table[self.spec.arch_column][row]))

    def best(self, task: str) -> Any:
        return self.arch_at(int(np.argmax(self.objectives(task))))

    def best_objective(self, task: str) -> float:
        return float(self._sorted[self.task(task).name][-1])

    def _n_better(self, arch: Any, task: str) -> int:
        ordered = self._sorted[self.task(task).name]
        value = self._objectives[task][self.row(arch)]
        return int(len(ordered) - np.searchsorted(ordered, value, side="right"))

    def rank(self, arch: Any, task: str) -> int:
        return 1 + self._n_better(arch, task)

    def percentile(self, arch: Any, task: str) -> float:
        return 100.0 * self._n_better(arch, task) / len(self._sorted[self.task(task).name])
