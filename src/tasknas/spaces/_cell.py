"""Cells with one operation on each edge of a fixed DAG, and the space of such cells.

NAS-Bench-201 and the TransNAS-Bench-101 micro space share this structure: 4 nodes, the 6
edges ``i -> j`` (``i < j``), one operation per edge. They differ only in their operations
and in how a cell is written, which each genotype class defines.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, Self, TypeVar

import numpy as np

from tasknas.errors import InvalidArchitectureError
from tasknas.spaces._base import SearchSpace

if TYPE_CHECKING:
    import networkx as nx

#: Edges ``(source, target)`` in the order both benchmarks write them.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


@dataclass(frozen=True, slots=True)
class EdgeCell:
    """A cell genotype: ``ops[e]`` is the index into ``OPS`` of the operation on ``EDGES[e]``.

    Subclasses set ``OPS`` and implement ``format_ops`` (the canonical string, which
    ``str()`` returns, cached) and ``parse``.
    """

    ops: tuple[int, ...]
    OPS: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        ops = tuple(int(o) for o in self.ops)
        if len(ops) != len(EDGES) or not all(0 <= o < len(self.OPS) for o in ops):
            raise InvalidArchitectureError(
                f"{type(self).__name__} needs {len(EDGES)} operation indices in "
                f"[0, {len(self.OPS) - 1}], got {self.ops!r}"
            )
        object.__setattr__(self, "ops", ops)

    def __str__(self) -> str:
        return _canonical(type(self), self.ops)

    @classmethod
    def format_ops(cls, ops: tuple[int, ...]) -> str:  # pragma: no cover - subclasses override
        raise NotImplementedError

    @property
    def op_names(self) -> tuple[str, ...]:
        """The operation name on each edge."""
        return tuple(self.OPS[o] for o in self.ops)

    def pruned(self) -> Self:
        """The same network with ``none`` on every edge whose result can never reach the
        output (its target node has no path of non-``none`` edges to the last node).

        Such an edge is never used, so a cell and its pruned form compute the same function:
        in a benchmark table they differ only by the noise of their training runs. Cells
        without a ``none`` operation are returned unchanged.
        """
        if "none" not in self.OPS:
            return self
        none = self.OPS.index("none")
        output = len(EDGES) // 2
        reaches = {output}
        for (src, dst), op in reversed(tuple(zip(EDGES, self.ops, strict=True))):
            if op != none and dst in reaches:
                reaches.add(src)
        ops = tuple(
            op if dst in reaches else none for (_, dst), op in zip(EDGES, self.ops, strict=True)
        )
        return self if ops == self.ops else type(self)(ops)

    @classmethod
    def from_names(cls, names: tuple[str, ...] | list[str]) -> EdgeCell:
        """The cell with operation ``names[e]`` on edge ``e``."""
        return cls(tuple(cls.op_index(name, edge) for edge, name in enumerate(names)))

    @classmethod
    def op_index(cls, name: str, edge: int) -> int:
        """Index of operation ``name``; raises naming the edge and the valid operations."""
        try:
            return cls.OPS.index(name)
        except ValueError:
            src, dst = EDGES[edge] if edge < len(EDGES) else (-1, -1)
            raise InvalidArchitectureError(
                f"unknown operation {name!r} on edge {edge} (node {dst} <- node {src}); "
                f"valid operations: {', '.join(cls.OPS)}"
            ) from None

    @classmethod
    def parse(cls, text: str) -> EdgeCell:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@functools.cache
def _canonical(cls: type[EdgeCell], ops: tuple[int, ...]) -> str:
    # Strings are built once per cell: runs format the same cells many times.
    return cls.format_ops(ops)


C = TypeVar("C", bound=EdgeCell)


class CellSpace(SearchSpace[C], Generic[C]):
    """All cells of one ``EdgeCell`` genotype class; subclasses set ``name`` and ``genotype``."""

    genotype: ClassVar[type[EdgeCell]]

    @property
    def ops(self) -> tuple[str, ...]:
        """The operation names."""
        return self.genotype.OPS

    @property
    def size(self) -> int:
        return len(self.ops) ** len(EDGES)

    def _make(self, ops: tuple[int, ...]) -> C:
        return self.genotype(ops)  # type: ignore[return-value]

    def sample(self, rng: np.random.Generator) -> C:
        return self._make(tuple(int(o) for o in rng.integers(len(self.ops), size=len(EDGES))))

    def mutate(self, arch: C, rng: np.random.Generator) -> C:
        edge = int(rng.integers(len(EDGES)))
        new_op = int(rng.integers(len(self.ops) - 1))
        new_op += new_op >= arch.ops[edge]  # skip the current op: the child always differs
        ops = list(arch.ops)
        ops[edge] = new_op
        return self._make(tuple(ops))

    def crossover(self, first: C, second: C, rng: np.random.Generator) -> C:
        take_first = rng.random(len(EDGES)) < 0.5
        return self._make(
            tuple(a if t else b for a, b, t in zip(first.ops, second.ops, take_first, strict=True))
        )

    def neighbours(self, arch: C) -> list[C]:
        out = []
        for edge, current in enumerate(arch.ops):
            for op in range(len(self.ops)):
                if op != current:
                    out.append(self._make((*arch.ops[:edge], op, *arch.ops[edge + 1 :])))
        return out

    def contains(self, arch: object) -> bool:
        return type(arch) is self.genotype

    def parse(self, text: str) -> C:
        return self.genotype.parse(text)  # type: ignore[return-value]

    def enumerate(self) -> Iterator[C]:
        for ops in itertools.product(range(len(self.ops)), repeat=len(EDGES)):
            yield self._make(ops)

    def to_graph(self, arch: C) -> nx.DiGraph:
        import networkx as nx  # only when a graph is asked for

        graph = nx.DiGraph(space=self.name)
        graph.add_nodes_from(range(len(EDGES) // 2 + 1))
        for (src, dst), op in zip(EDGES, arch.ops, strict=True):
            graph.add_edge(src, dst, op=self.ops[op], op_index=op)
        return graph

    def prune(self, arch: C) -> C:
        return arch.pruned()

    def pruned_groups(self) -> list[list[int]]:
        """Rows of ``enumerate()`` grouped by pruned form: every group of two or more cells
        that compute one network (the form with ``none`` on every edge, whose output is
        always zero, left out). In a benchmark table such a group's entries differ only by
        the noise of their training runs."""
        by_form: dict[tuple[int, ...], list[int]] = {}
        for row, arch in enumerate(self.enumerate()):
            by_form.setdefault(arch.pruned().ops, []).append(row)
        dead = self.genotype.from_names(["none"] * len(EDGES)).ops if "none" in self.ops else None
        return [rows for form, rows in by_form.items() if len(rows) >= 2 and form != dead]

    def encode(self, arch: C) -> np.ndarray:
        vector = np.zeros((len(EDGES), len(self.ops)), dtype=np.float64)
        vector[np.arange(len(EDGES)), arch.ops] = 1.0
        return vector.ravel()
