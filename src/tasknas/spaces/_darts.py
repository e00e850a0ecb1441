"""DARTS-like cells: each intermediate node sums two (operation, input) pairs.

A cell has two inputs, the outputs of the two previous cells (input ids 0 and 1), and
``nodes`` intermediate nodes; node ``j`` (``j = 0 .. nodes-1``, input id ``j + 2``) picks two
inputs from ``0 .. j+1`` (the same input may be picked twice) and one operation per input.
The cell's output concatenates every intermediate node. A space either has a separate
reduction cell (EMT-NAS) or reuses the normal cell's structure at reduction positions (TA-NAS).

Canonical string: ``normal=OP~IN,OP~IN|OP~IN,OP~IN|...`` (one ``|``-separated group per node),
followed by ``;reduce=...`` when the space has a separate reduction cell, e.g.
``normal=sep_conv_3x3~0,skip_connect~1|max_pool_3x3~2,dil_conv_5x5~0|...``.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from tasknas._validation import check_length
from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.spaces._base import SearchSpace

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EMTNAS_CONV_OPS",
    "EMTNAS_OPS",
    "TANAS_OPS",
    "DartsCell",
    "DartsEMTNASConvSpace",
    "DartsEMTNASSpace",
    "DartsGenotype",
    "DartsSpace",
    "DartsTANASSpace",
    "ops_of",
]

#: TA-NAS operation pool (DARTS-like; none/avg_pool/sep_conv_7x7 are not in it).
TANAS_OPS: tuple[str, ...] = (
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
    "max_pool_3x3",
    "skip_connect",
    "conv_7x1_1x7",
)
#: EMT-NAS operation pool: depthwise-separable (Dw) and dilated (Dc) convs, identity, pools.
EMTNAS_OPS: tuple[str, ...] = (
    "dw_conv_3x3",
    "dw_conv_5x5",
    "dw_conv_7x7",
    "dil_conv_3x3",
    "dil_conv_5x5",
    "dil_conv_7x7",
    "skip_connect",
    "max_pool_3x3",
    "avg_pool_3x3",
)
#: EMT-NAS's pool and a dense 3x3 convolution (ReLU, conv, BN: the operation of a ResNet's
#: basic block, which the depthwise-separable pool does not contain).
EMTNAS_CONV_OPS: tuple[str, ...] = (*EMTNAS_OPS, "nor_conv_3x3")

#: The two input slots of a node.
SLOTS = 2
CELL_KINDS = ("normal", "reduce")

Pair = tuple[str, int]
Node = tuple[Pair, Pair]
#: A gene position: (cell, node, slot, "op" or "input").
Gene = tuple[str, int, int, str]
#: ``(cell, node, slot)``: one edge of a cell.
Position = tuple[str, int, int]

_INPUT = re.compile(r"0|[1-9][0-9]*")


def _check_pair(where: str, node: int, slot: int, pair: object) -> Pair:
    """``pair`` as ``(op, input)``; raises saying which node and slot is wrong."""
    if not (isinstance(pair, tuple | list) and len(pair) == 2):
        raise InvalidArchitectureError(
            f"{where}node {node} slot {slot}: expected an (op, input) pair, got {pair!r}"
        )
    op, source = pair
    if (
        not isinstance(op, str)
        or isinstance(source, bool)
        or not isinstance(source, int | np.integer)
    ):
        raise InvalidArchitectureError(
            f"{where}node {node} slot {slot}: expected (str, int), got {pair!r}"
        )
    if not 0 <= source <= node + 1:
        raise InvalidArchitectureError(
            f"{where}node {node} input {source} out of range 0..{node + 1}"
        )
    return op, int(source)


@dataclass(frozen=True, slots=True)
class DartsCell:
    """One cell: ``nodes[j] = ((op, input), (op, input))`` for intermediate node ``j``.

    Inputs 0 and 1 are the previous cells' outputs, input ``k >= 2`` is node ``k - 2``.
    Operation names are checked against a space's pool by ``DartsSpace.contains``.
    """

    nodes: tuple[Node, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.nodes, tuple | list) or not self.nodes:
            raise InvalidArchitectureError(f"a cell needs one or more nodes, got {self.nodes!r}")
        nodes = []
        for j, node in enumerate(self.nodes):
            if not (isinstance(node, tuple | list) and len(node) == SLOTS):
                raise InvalidArchitectureError(
                    f"node {j}: expected {SLOTS} (op, input) pairs, got {node!r}"
                )
            nodes.append(tuple(_check_pair("", j, s, pair) for s, pair in enumerate(node)))
        object.__setattr__(self, "nodes", tuple(nodes))

    def __str__(self) -> str:
        return _format_cell(self.nodes)

    @property
    def ops(self) -> tuple[str, ...]:
        """Every operation, node by node and slot by slot."""
        return tuple(op for node in self.nodes for op, _ in node)


@dataclass(frozen=True, slots=True)
class DartsGenotype:
    """A normal cell and, in spaces with a separate one, a reduction cell (else ``None``)."""

    normal: DartsCell
    reduce: DartsCell | None = None

    def __post_init__(self) -> None:
        for kind in CELL_KINDS:
            cell = getattr(self, kind)
            if not (isinstance(cell, DartsCell) or (kind == "reduce" and cell is None)):
                raise InvalidArchitectureError(f"{kind} must be a DartsCell, got {cell!r}")

    def __str__(self) -> str:
        return ";".join(f"{kind}={cell}" for kind, cell in self.cells)

    @property
    def cells(self) -> tuple[tuple[str, DartsCell], ...]:
        """``(kind, cell)`` for the normal cell and, if present, the reduction cell."""
        if self.reduce is None:
            return (("normal", self.normal),)
        return (("normal", self.normal), ("reduce", self.reduce))


@functools.lru_cache(maxsize=1 << 16)
def _format_cell(nodes: tuple[Node, ...]) -> str:
    # Cached: searches format the same cells many times.
    return "|".join(",".join(f"{op}~{source}" for op, source in node) for node in nodes)


def ops_of(genotype: DartsGenotype) -> set[str]:
    """The operations used anywhere in ``genotype`` (for building a task-aware space)."""
    return {op for _, cell in genotype.cells for op in cell.ops}


class DartsSpace(SearchSpace[DartsGenotype]):
    """All DARTS-like genotypes over an operation pool, node count and cell layout.

    Args:
        ops: the operation names (order fixes ``op_index`` and the encoding).
        nodes: intermediate nodes per cell.
        reduction: whether a separate reduction cell is searched.
        name: the space's name.

    Genes are, per cell, node and slot, the operation and the input; ``mutate`` changes one
    gene (uniformly among those with a choice), ``crossover`` takes every node from one parent.
    """

    name: ClassVar[str] = "darts"

    def __init__(
        self,
        ops: Sequence[str],
        *,
        nodes: int,
        reduction: bool,
        name: str = "darts",
        edges: Mapping[Position, tuple[Iterable[str], Iterable[int]]] | None = None,
    ) -> None:
        ops = tuple(ops)
        if not ops or len(set(ops)) != len(ops) or not all(isinstance(o, str) for o in ops):
            raise InvalidSettingError(f"ops must be distinct names, at least one: {ops!r}")
        if not isinstance(nodes, int) or nodes < 1:
            raise InvalidSettingError(f"nodes must be a positive integer, got {nodes!r}")
        self.ops = ops
        self.nodes = nodes
        self.reduction = bool(reduction)
        self.name = name  # type: ignore[misc]  # per-instance: restricted spaces are named too
        self._op_index = {op: i for i, op in enumerate(ops)}
        self._edges = None if edges is None else self._check_edges(edges)
        # Encoding layout: per (cell, node, slot) an op block then an input block.
        widths = [len(ops) + j + 2 for _, j, _ in self._positions()]
        self._offsets = tuple(int(o) for o in np.cumsum([0, *widths[:-1]]))
        self._width = sum(widths)

    def __repr__(self) -> str:
        edges = "" if self._edges is None else f", edges={self._edges!r}"
        return (
            f"{type(self).__name__}(ops={self.ops!r}, nodes={self.nodes}, "
            f"reduction={self.reduction}, name={self.name!r}{edges})"
        )

    def _check_edges(
        self, edges: Mapping[Position, tuple[Iterable[str], Iterable[int]]]
    ) -> dict[Position, tuple[tuple[str, ...], tuple[int, ...]]]:
        positions = list(self._positions())
        if set(edges) != set(positions):
            raise InvalidSettingError(
                f"edges must give choices for every (cell, node, slot) of the space: "
                f"expected {positions}, got {sorted(edges)}"
            )
        out = {}
        for position in positions:
            ops, inputs = set(edges[position][0]), tuple(sorted(set(edges[position][1])))
            _, j, _ = position
            if not ops or any(op not in self._op_index for op in ops):
                raise InvalidSettingError(
                    f"edge {position}: operations {sorted(ops)} must be a non-empty subset of "
                    f"{', '.join(self.ops)}"
                )
            if not inputs or any(not 0 <= i <= j + 1 for i in inputs):
                raise InvalidSettingError(
                    f"edge {position}: inputs {list(inputs)} must be a non-empty subset of "
                    f"0..{j + 1}"
                )
            out[position] = (tuple(op for op in self.ops if op in ops), inputs)
        return out

    # -- derived spaces ------------------------------------------------------------------

    def with_ops(self, ops: Iterable[str], *, name: str | None = None) -> DartsSpace:
        """The same cell layout restricted to ``ops`` (a subset of this space's ops).

        The ops keep this space's order. Raises ``InvalidArchitectureError`` for an unknown
        op or an empty selection.
        """
        if self._edges is not None:
            raise InvalidSettingError(f"space {self.name!r} restricts each edge; use around()")
        wanted = set(ops)
        unknown = sorted(wanted - set(self.ops))
        if unknown:
            raise InvalidArchitectureError(
                f"operations {unknown} are not in space {self.name!r}; "
                f"valid operations: {', '.join(self.ops)}"
            )
        if not wanted:
            raise InvalidArchitectureError("a restricted space needs at least one operation")
        kept = tuple(op for op in self.ops if op in wanted)
        return self._derived(kept, name or f"{self.name}[{','.join(kept)}]")

    def _derived(
        self,
        ops: Iterable[str],
        name: str,
        edges: Mapping[Position, tuple[Iterable[str], Iterable[int]]] | None = None,
    ) -> DartsSpace:
        """This cell layout over ``ops`` (kept in this space's order)."""
        wanted = set(ops)
        kept = tuple(op for op in self.ops if op in wanted)
        return DartsSpace(kept, nodes=self.nodes, reduction=self.reduction, name=name, edges=edges)

    def around(self, cells: Sequence[DartsGenotype], *, name: str | None = None) -> DartsSpace:
        """The genotypes whose every edge uses an operation and an input that one of
        ``cells`` uses on that edge (per cell, node and slot; a finer restriction than
        ``with_ops``): recombinations of the cells, edge by edge.

        Raises ``InvalidArchitectureError`` for a cell not in this space and
        ``InvalidSettingError`` for no cells.
        """
        if not cells:
            raise InvalidSettingError("around() needs at least one cell")
        for cell in cells:
            self._require(cell)
        per_gene = [self.genes(cell) for cell in cells]
        edges = {
            (kind, j, slot): (
                {genes[(kind, j, slot, "op")] for genes in per_gene},
                {genes[(kind, j, slot, "input")] for genes in per_gene},
            )
            for kind, j, slot in self._positions()
        }
        used = set().union(*(ops for ops, _ in edges.values()))
        return self._derived(used, name or f"{self.name}[around {len(cells)} cells]", edges=edges)

    # -- gene layout ---------------------------------------------------------------------

    @property
    def kinds(self) -> tuple[str, ...]:
        """The searched cells: ``("normal",)`` or ``("normal", "reduce")``."""
        return CELL_KINDS if self.reduction else CELL_KINDS[:1]

    def _positions(self) -> Iterator[tuple[str, int, int]]:
        for kind in self.kinds:
            for j in range(self.nodes):
                for slot in range(SLOTS):
                    yield kind, j, slot

    def genes(self, arch: DartsGenotype) -> dict[Gene, str | int]:
        """Every gene: ``(cell, node, slot, "op"|"input") -> value``, in a fixed order."""
        out: dict[Gene, str | int] = {}
        for kind, cell in arch.cells:
            for j, node in enumerate(cell.nodes):
                for slot, (op, source) in enumerate(node):
                    out[(kind, j, slot, "op")] = op
                    out[(kind, j, slot, "input")] = source
        return out

    def choices(self, gene: Gene) -> tuple[str, ...] | tuple[int, ...] | range:
        """The values ``gene`` (a key of ``genes``) may take in this space."""
        kind, j, slot, part = gene
        if self._edges is not None:
            ops, inputs = self._edges[(kind, j, slot)]
            return ops if part == "op" else inputs
        return self.ops if part == "op" else range(j + 2)

    def _build(self, values: dict[Gene, str | int]) -> DartsGenotype:
        cells = {
            kind: DartsCell(
                tuple(
                    tuple(
                        (values[(kind, j, s, "op")], values[(kind, j, s, "input")])
                        for s in range(SLOTS)
                    )
                    for j in range(self.nodes)
                )  # type: ignore[arg-type]
            )
            for kind in self.kinds
        }
        return DartsGenotype(cells["normal"], cells.get("reduce"))

    # -- SearchSpace ---------------------------------------------------------------------

    @property
    def size(self) -> int:
        if self._edges is not None:
            return math.prod(len(ops) * len(inputs) for ops, inputs in self._edges.values())
        per_cell = 1
        for j in range(self.nodes):
            per_cell *= (len(self.ops) * (j + 2)) ** SLOTS
        return per_cell ** len(self.kinds)

    def sample(self, rng: np.random.Generator) -> DartsGenotype:
        values: dict[Gene, str | int] = {}
        for kind, j, slot in self._positions():
            for part in ("op", "input"):
                choices = self.choices((kind, j, slot, part))
                values[(kind, j, slot, part)] = choices[int(rng.integers(len(choices)))]
        return self._build(values)

    def mutate(self, arch: DartsGenotype, rng: np.random.Generator) -> DartsGenotype:
        self._require(arch)
        values = self.genes(arch)
        mutable = [g for g in values if len(self.choices(g)) > 1]
        if not mutable:
            raise InvalidSettingError(f"space {self.name!r} has one genotype; nothing to mutate")
        gene = mutable[int(rng.integers(len(mutable)))]
        others = [v for v in self.choices(gene) if v != values[gene]]
        values[gene] = others[int(rng.integers(len(others)))]
        return self._build(values)

    def crossover(
        self, first: DartsGenotype, second: DartsGenotype, rng: np.random.Generator
    ) -> DartsGenotype:
        self._require(first)
        self._require(second)
        take_first = rng.random((len(self.kinds), self.nodes)) < 0.5
        cells = [
            DartsCell(
                tuple(
                    a if t else b
                    for a, b, t in zip(cell_a.nodes, cell_b.nodes, take_first[k], strict=True)
                )
            )
            for k, ((_, cell_a), (_, cell_b)) in enumerate(
                zip(first.cells, second.cells, strict=True)
            )
        ]
        return DartsGenotype(*cells)

    def neighbours(self, arch: DartsGenotype) -> list[DartsGenotype]:
        self._require(arch)
        values = self.genes(arch)
        out = []
        for gene, current in values.items():
            for value in self.choices(gene):
                if value != current:
                    out.append(self._build({**values, gene: value}))
        return out

    def contains(self, arch: object) -> bool:
        if type(arch) is not DartsGenotype or (arch.reduce is not None) != self.reduction:
            return False
        index = self._op_index
        if not all(
            len(cell.nodes) == self.nodes
            and all(a[0] in index and b[0] in index for a, b in cell.nodes)
            for _, cell in arch.cells
        ):
            return False
        if self._edges is None:
            return True
        return all(value in self.choices(gene) for gene, value in self.genes(arch).items())

    def _require(self, arch: object) -> None:
        if not self.contains(arch):
            raise InvalidArchitectureError(f"{arch!r} is not a genotype of space {self.name!r}")

    def enumerate(self) -> Iterator[DartsGenotype]:
        genes = [(kind, j, s, part) for kind, j, s in self._positions() for part in ("op", "input")]
        for combo in itertools.product(*(self.choices(g) for g in genes)):
            yield self._build(dict(zip(genes, combo, strict=True)))

    def to_graph(self, arch: DartsGenotype) -> nx.DiGraph:
        """Cell graph(s) with node ids ``c_{k-2}``, ``c_{k-1}``, ``n0``.., ``out``.

        One edge ``input -> node`` per slot with attributes ``op`` and ``op_index`` (when both
        slots of a node read the same input they share one edge: ``op`` is slot 0's and
        ``ops`` lists both), and ``node -> out`` edges with ``op="concat"`` and
        ``op_index=len(ops)``. Every edge has ``weight = op_index + 1`` (the node2vec walk
        weight: no operation here means "no edge", unlike NB201's ``none``). With a separate
        reduction cell the two cells are disjoint subgraphs whose ids are prefixed ``normal/``
        and ``reduce/``.
        """
        self._require(arch)
        import networkx as nx  # only when a graph is asked for

        graph = nx.DiGraph(space=self.name)
        for kind, cell in arch.cells:
            prefix = f"{kind}/" if self.reduction else ""
            ids = [f"{prefix}c_{{k-2}}", f"{prefix}c_{{k-1}}"]
            ids += [f"{prefix}n{j}" for j in range(self.nodes)]
            out = f"{prefix}out"
            graph.add_nodes_from([*ids, out], cell=kind)
            for j, node in enumerate(cell.nodes):
                for op, source in node:
                    edge = (ids[source], ids[j + 2])
                    if graph.has_edge(*edge):
                        graph.edges[edge]["ops"] += (op,)
                    else:
                        index = self._op_index[op]
                        graph.add_edge(*edge, op=op, op_index=index, weight=index + 1, ops=(op,))
                graph.add_edge(
                    ids[j + 2],
                    out,
                    op="concat",
                    op_index=len(self.ops),
                    weight=len(self.ops) + 1,
                    ops=(),
                )
        return graph

    def encode(self, arch: DartsGenotype) -> np.ndarray:
        """One-hot blocks per gene: the op (``len(ops)``) then the input (``node + 2``)."""
        self._require(arch)
        n_ops, ones = len(self.ops), []
        offsets = iter(self._offsets)
        for _, cell in arch.cells:
            for node in cell.nodes:
                for op, source in node:
                    offset = next(offsets)
                    ones += (offset + self._op_index[op], offset + n_ops + source)
        vector = np.zeros(self._width, dtype=np.float64)
        vector[ones] = 1.0
        return vector

    # -- strings -------------------------------------------------------------------------

    def parse(self, text: str) -> DartsGenotype:
        """Parse the canonical string; the error names the cell, node and slot at fault."""
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"expected a DARTS genotype string, got {text!r}")
        check_length("DARTS genotype string", text, error=InvalidArchitectureError)
        text = text.strip()
        parts = text.split(";")
        if len(parts) != len(self.kinds):
            expected = ";".join(f"{kind}=..." for kind in self.kinds)
            raise InvalidArchitectureError(
                f"malformed genotype {text!r} for space {self.name!r}: expected {len(self.kinds)} "
                f"cell(s) written {expected!r}, found {len(parts)} ';'-separated part(s)"
            )
        cells = [
            self._parse_cell(text, kind, part) for kind, part in zip(self.kinds, parts, strict=True)
        ]
        arch = DartsGenotype(*cells)
        if self._edges is not None:
            self._require(arch)
        return arch

    def _parse_cell(self, text: str, kind: str, part: str) -> DartsCell:
        label, sep, body = part.partition("=")
        if not sep or label != kind:
            raise InvalidArchitectureError(
                f"malformed genotype {text!r}: cell {part!r} must start with '{kind}='"
            )
        groups = body.split("|")
        if len(groups) != self.nodes:
            raise InvalidArchitectureError(
                f"malformed genotype {text!r}: {kind} cell needs {self.nodes} '|'-separated "
                f"nodes, found {len(groups)}"
            )
        nodes = []
        for j, group in enumerate(groups):
            entries = group.split(",")
            if len(entries) != SLOTS:
                raise InvalidArchitectureError(
                    f"malformed genotype {text!r}: {kind}: node {j} needs {SLOTS} 'OP~INPUT' "
                    f"entries separated by ',', found {group!r}"
                )
            nodes.append(
                tuple(self._parse_entry(text, kind, j, s, e) for s, e in enumerate(entries))
            )
        return DartsCell(tuple(nodes))  # type: ignore[arg-type]

    def _parse_entry(self, text: str, kind: str, node: int, slot: int, entry: str) -> Pair:
        where = f"malformed genotype {text!r}: {kind}: node {node} slot {slot}"
        op, sep, source = entry.partition("~")
        if not sep or not _INPUT.fullmatch(source):
            raise InvalidArchitectureError(
                f"{where}: entry {entry!r} should be 'OP~INPUT' with INPUT in 0..{node + 1}"
            )
        if op not in self._op_index:
            raise InvalidArchitectureError(
                f"{where}: unknown operation {op!r}; valid operations: {', '.join(self.ops)}"
            )
        return _check_pair(f"malformed genotype {text!r}: {kind}: ", node, slot, (op, int(source)))


class DartsTANASSpace(DartsSpace):
    """TA-NAS: the DARTS-like op pool, 3 nodes, reduction positions reuse the normal cell."""

    name: ClassVar[str] = "darts-tanas"

    def __init__(self) -> None:
        super().__init__(TANAS_OPS, nodes=3, reduction=False, name="darts-tanas")


class DartsEMTNASSpace(DartsSpace):
    """EMT-NAS: 9 ops (Dw, Dc, identity, pools), 5 nodes, separate normal and reduction cells."""

    name: ClassVar[str] = "darts-emtnas"

    def __init__(self) -> None:
        super().__init__(EMTNAS_OPS, nodes=5, reduction=True, name="darts-emtnas")


class DartsEMTNASConvSpace(DartsSpace):
    """EMT-NAS's space with a dense 3x3 convolution added to its 9 operations (10 in all)."""

    name: ClassVar[str] = "darts-emtnas-conv"

    def __init__(self) -> None:
        super().__init__(EMTNAS_CONV_OPS, nodes=5, reduction=True, name="darts-emtnas-conv")
