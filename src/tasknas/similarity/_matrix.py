"""``DistanceMatrix``: pairwise Fisher task distances between named tasks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from torch import nn

from tasknas._validation import positive_int
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.similarity._distance import fisher_distance
from tasknas.similarity._fisher import diagonal_fisher

if TYPE_CHECKING:
    from tasknas.tasks import TensorData

__all__ = ["DistanceMatrix", "distance_matrix"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class DistanceMatrix:
    """Task distances ``values[i, j]`` from base task ``names[i]`` to target ``names[j]``.

    ``values`` is stored as a read-only float64 copy. The matrix need not be symmetric.
    """

    names: tuple[str, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        names = tuple(self.names)
        values = np.array(self.values, dtype=np.float64)
        if len(set(names)) != len(names):
            raise InvalidSettingError(f"task names must be unique, got {names}")
        if values.shape != (len(names), len(names)):
            raise InvalidSettingError(
                f"values must have shape {(len(names), len(names))} for {len(names)} names, "
                f"got {values.shape}"
            )
        values.setflags(write=False)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "values", values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DistanceMatrix):
            return NotImplemented
        return self.names == other.names and np.array_equal(self.values, other.values)

    __hash__ = None  # type: ignore[assignment]

    def index(self, name: str) -> int:
        """The row and column of task ``name``."""
        if name not in self.names:
            raise UnknownNameError("task", name, self.names)
        return self.names.index(name)

    def distance(self, base: str, target: str) -> float:
        """The distance from task ``base`` to task ``target``."""
        return float(self.values[self.index(base), self.index(target)])

    def closest(
        self, target: str, k: int = 1, exclude_self: bool = True
    ) -> list[tuple[str, float]]:
        """The ``k`` base tasks nearest to ``target`` (smallest ``d[base, target]``), nearest first.

        Ties are broken by name; fewer than ``k`` pairs come back when there are fewer tasks.
        """
        positive_int("k", k)
        column = self.index(target)
        pairs = [
            (name, float(self.values[row, column]))
            for row, name in enumerate(self.names)
            if not (exclude_self and row == column)
        ]
        return sorted(pairs, key=lambda pair: (pair[1], pair[0]))[:k]

    def centred(self) -> DistanceMatrix:
        """Each base's row minus its mean distance to the other tasks (diagonal stays 0).

        A base network whose distances are all large (or all small) is then neither far
        from nor near to every target: what is left ranks the bases *for* a target by how
        much nearer it is to them than they are to the other tasks on average (the hub
        correction of cross-domain similarity local scaling). Measured on the default
        dictionary (``benchmarks/tanas_distance_why.py``): a base's mean distance follows
        its network's confidence (Spearman +0.88 over the 10 bases), and centring turns the
        targets closest to their own data set's bases from 6 of 10 into 8 of 10.

        Raises:
            InvalidSettingError: fewer than two tasks (a row has no other task).
        """
        n = len(self.names)
        if n < 2:
            raise InvalidSettingError(f"centring needs at least two tasks, got {n}")
        off = ~np.eye(n, dtype=bool)
        means = np.array([self.values[i, off[i]].mean() for i in range(n)])
        return DistanceMatrix(self.names, np.where(off, self.values - means[:, None], 0.0))

    def to_dict(self) -> dict[str, dict[str, float]]:
        """``{base: {target: distance}}``, e.g. for JSON."""
        return {
            base: {target: float(self.values[i, j]) for j, target in enumerate(self.names)}
            for i, base in enumerate(self.names)
        }

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Mapping[str, float]]) -> DistanceMatrix:
        """The matrix ``to_dict`` wrote."""
        names = tuple(mapping)
        try:
            values = [[float(mapping[base][target]) for target in names] for base in names]
        except KeyError as error:
            raise InvalidSettingError(f"distance mapping lacks the entry {error}") from error
        return cls(names, np.array(values))

    def plot(self, path: str | Path, *, title: str | None = None) -> Path:
        """Save a heatmap (rows: base tasks, columns: targets) to ``path``; returns the path."""
        from tasknas.similarity._plot import plot_heatmap

        return plot_heatmap(self.names, self.values, Path(path), title=title)


def distance_matrix(
    models: Mapping[str, nn.Module],
    data: Mapping[str, TensorData],
    *,
    batch_size: int = 64,
    max_samples: int | None = None,
    device: str = "cpu",
) -> DistanceMatrix:
    """Fisher task distances between all pairs of tasks, each with its trained network.

    Entry ``[b, t]`` is ``task_distance(models[b], models[t], data[t])``; the diagonal is 0.
    Each target's own Fisher is computed once per column, so each (network, data set) pair
    costs one Fisher diagonal: n² in all. The keywords go to ``diagonal_fisher``. Train the
    networks from one shared initialisation (see ``task_distance``).

    Raises:
        InvalidSettingError: ``models`` and ``data`` do not have the same task names, or the
            networks do not share one architecture.
    """
    names = tuple(models)
    if set(names) != set(data):
        raise InvalidSettingError(
            "models and data must name the same tasks; only in models: "
            f"{sorted(set(names) - set(data))}, only in data: {sorted(set(data) - set(names))}"
        )
    options = {"batch_size": batch_size, "max_samples": max_samples, "device": device}
    values = np.zeros((len(names), len(names)))
    for column, target in enumerate(names):
        f_target = diagonal_fisher(models[target], data[target], **options)
        for row, base in enumerate(names):
            if row != column:
                f_base = diagonal_fisher(models[base], data[target], **options)
                values[row, column] = fisher_distance(f_base, f_target)
        _log.info("task distances to %r done (%d/%d)", target, column + 1, len(names))
    return DistanceMatrix(names, values)
