"""arch2vec architecture embeddings (Yan et al., NeurIPS 2020; KTNAS journal §II-C, Table IX).

A variational graph-isomorphism autoencoder learns, without any accuracy label, to encode each
cell of a space into a small latent vector and to decode the cell back from it. It is trained
once on every cell of the space (``benchmarks/make_arch2vec_table.py``) and the encoder's
output for every cell is shipped as package data; ``Arch2VecEmbedder`` only reads that table,
so searches need neither torch nor training.

The cell as the encoder sees it (node-operation form): an edge-operation cell of 4 nodes and 6
edges (NAS-Bench-201, TransNAS-Bench-101 micro) becomes a DAG of 8 nodes, ``input``, one node
per edge carrying that edge's operation (in the space's edge order, a topological order), and
``output``. Edge node ``(i, j)`` feeds every edge node ``(j, k)``; the input feeds the edges
leaving cell node 0, the edges entering the last cell node feed the output. A ``none`` edge
outputs zeros, so its node keeps its operation but has no connections: cells whose data flow
differs have different adjacency matrices.

Model: node features = one-hot operations; ``layers`` GIN layers (sum over in- and
out-neighbours and self, then a 2-layer MLP); per-node mean and log-variance heads; the graph
embedding is the mean over nodes of the node means. The decoder reconstructs the adjacency
(inner products of node latents + sigmoid, strict upper triangle) and the operations (linear +
softmax). Loss = binary cross-entropy (adjacency) + cross-entropy (operations) + ``kl_weight``
× the KL divergence to the standard normal per node (summed over latent dimensions) divided by
the number of nodes; a small weight, as in arch2vec, keeps reconstruction near exact.

An inner-product decoder cannot reconstruct every adjacency: two nodes with the same latent
(e.g. two unconnected ``none`` nodes) get a positive score for the edge between them, which
limits the adjacency accuracy (shipped tables: 97.6 % of upper-triangle entries on NB201,
96.1 % on TransNAS micro; operations 99.6 % / 99.1 %).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from tasknas._logging import get_logger
from tasknas.embedding._base import Embedder
from tasknas.errors import DataFileError, InvalidArchitectureError, InvalidSettingError
from tasknas.spaces import SearchSpace

_log = get_logger(__name__)

#: Shipped embedding tables (``tasknas/embedding/data``), by space name.
TABLES: dict[str, str] = {
    "nb201": "nb201_arch2vec.npz",
    "transnas-micro": "tnb101_micro_arch2vec.npz",
}


def node_op_graph(space: SearchSpace[Any], arch: Any) -> tuple[np.ndarray, np.ndarray]:
    """The cell as a node-operation DAG: ``(adjacency, operations)``.

    ``adjacency[u, v] = 1`` for an edge ``u -> v`` (``u < v``: upper triangular);
    ``operations[u]`` indexes ``vocabulary(space)`` (0 ``input``, 1 ``output``, then the
    space's operations). Nodes: input, one per cell edge (sorted by target, then source), output.
    """
    graph = space.to_graph(arch)
    edges = sorted(graph.edges(data=True), key=lambda e: (e[1], e[0]))
    sink = max(graph.nodes)
    size = len(edges) + 2
    ops = np.empty(size, dtype=np.int64)
    ops[0], ops[-1] = 0, 1
    live = []
    for k, (_, _, data) in enumerate(edges, start=1):
        ops[k] = 2 + int(data["op_index"])
        live.append(data["op"] != "none")
    adjacency = np.zeros((size, size), dtype=np.float32)
    for k, (src, dst, _) in enumerate(edges, start=1):
        if not live[k - 1]:
            continue
        if src == 0:
            adjacency[0, k] = 1
        if dst == sink:
            adjacency[k, size - 1] = 1
        for m, (src2, _, _) in enumerate(edges, start=1):
            if src2 == dst and live[m - 1]:
                adjacency[k, m] = 1
    return adjacency, ops


def vocabulary(space: SearchSpace[Any]) -> tuple[str, ...]:
    """Node operation names: ``input``, ``output``, then the space's edge operations."""
    return ("input", "output", *getattr(space, "ops", ()))


def _build_model(num_ops: int, hidden: int, dimensions: int, layers: int) -> Any:
    import torch
    from torch import nn

    class GIN(nn.Module):
        def __init__(self, width_in: int) -> None:
            super().__init__()
            self.mlp = nn.Sequential(
                nn.Linear(width_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
            )

        def forward(self, h: torch.Tensor, propagate: torch.Tensor) -> torch.Tensor:
            return self.mlp(propagate @ h)

    class VGAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList(GIN(num_ops if i == 0 else hidden) for i in range(layers))
            self.mean = nn.Linear(hidden, dimensions)
            self.logvar = nn.Linear(hidden, dimensions)
            self.ops = nn.Linear(dimensions, num_ops)

        def encode(
            self, adjacency: torch.Tensor, ops: torch.Tensor
        ) -> tuple[torch.Tensor, torch.Tensor]:
            eye = torch.eye(adjacency.shape[-1], dtype=adjacency.dtype)
            propagate = adjacency + adjacency.transpose(-1, -2) + eye
            h = nn.functional.one_hot(ops, num_ops).to(adjacency.dtype)
            for layer in self.layers:
                h = layer(h, propagate)
            return self.mean(h), self.logvar(h)

        def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            """Adjacency logits and operation logits."""
            return z @ z.transpose(-1, -2), self.ops(z)

    return VGAE()


@dataclass(frozen=True)
class Arch2VecFit:
    """A trained arch2vec encoder's output.

    Attributes:
        embeddings: ``(cells, dimensions)`` float32, the mean over nodes of the node means.
        op_accuracy: share of nodes whose operation is decoded right from the means.
        adjacency_accuracy: share of upper-triangle adjacency entries decoded right.
        cell_accuracy: share of cells decoded entirely right (operations and adjacency).
        losses: mean training loss of each epoch.
        seconds: training time.
    """

    embeddings: np.ndarray
    op_accuracy: float
    adjacency_accuracy: float
    cell_accuracy: float
    losses: tuple[float, ...]
    seconds: float


def train_arch2vec(
    space: SearchSpace[Any],
    archs: Sequence[Any] | None = None,
    *,
    dimensions: int = 16,
    hidden: int = 128,
    layers: int = 4,
    epochs: int = 30,
    batch_size: int = 32,
    lr: float = 2e-3,
    kl_weight: float = 0.005,
    seed: int = 0,
) -> Arch2VecFit:
    """Train the autoencoder on ``archs`` (default: every cell of ``space``) and embed them.

    Unsupervised: only the cells' graphs are used. Deterministic given the arguments (weights
    initialised, batches shuffled and latents sampled from generators seeded by ``seed``), on
    the CPU.

    Raises:
        InvalidSettingError: a size or count below 1, or ``lr <= 0``.
    """
    import torch

    from tasknas._torch import seeded

    for name, value in (
        ("dimensions", dimensions),
        ("hidden", hidden),
        ("layers", layers),
        ("epochs", epochs),
        ("batch_size", batch_size),
    ):
        if value < 1:
            raise InvalidSettingError(f"{name} must be >= 1, got {value}")
    if lr <= 0 or kl_weight < 0:
        raise InvalidSettingError(f"need lr > 0 and kl_weight >= 0, got {lr}, {kl_weight}")
    cells = list(space.enumerate()) if archs is None else list(archs)
    if not cells:
        raise InvalidSettingError("train_arch2vec needs at least one architecture")
    graphs = [node_op_graph(space, a) for a in cells]
    adjacency = torch.from_numpy(np.stack([g[0] for g in graphs]))
    ops = torch.from_numpy(np.stack([g[1] for g in graphs]))
    num_ops = len(vocabulary(space))
    nodes = adjacency.shape[-1]
    upper = torch.triu(torch.ones(nodes, nodes, dtype=torch.bool), diagonal=1)

    with seeded(seed):
        model = _build_model(num_ops, hidden, dimensions, layers)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    losses = []
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(cells), generator=generator)
        total = 0.0
        for begin in range(0, len(cells), batch_size):
            index = order[begin : begin + batch_size]
            adj, op = adjacency[index], ops[index]
            mean, logvar = model.encode(adj, op)
            noise = torch.randn(mean.shape, generator=generator)
            z = mean + noise * torch.exp(0.5 * logvar)
            adj_logits, op_logits = model.decode(z)
            loss_adj = torch.nn.functional.binary_cross_entropy_with_logits(
                adj_logits[:, upper], adj[:, upper]
            )
            loss_ops = torch.nn.functional.cross_entropy(
                op_logits.reshape(-1, num_ops), op.reshape(-1)
            )
            kl = -0.5 * torch.mean(torch.sum(1 + logvar - mean**2 - logvar.exp(), dim=-1))
            loss = loss_adj + loss_ops + kl_weight * kl / nodes
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(index)
        losses.append(total / len(cells))
        _log.info("arch2vec epoch %d: loss %.4f", epoch + 1, losses[-1])
    seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        mean, _ = model.encode(adjacency, ops)
        adj_logits, op_logits = model.decode(mean)
    op_right = op_logits.argmax(-1) == ops
    adj_right = ((adj_logits > 0).float() == adjacency) | ~upper
    return Arch2VecFit(
        embeddings=mean.mean(dim=1).numpy().astype(np.float32),
        op_accuracy=float(op_right.float().mean()),
        adjacency_accuracy=float(adj_right[:, upper].float().mean()),
        cell_accuracy=float((op_right.all(-1) & adj_right.flatten(1).all(-1)).float().mean()),
        losses=tuple(losses),
        seconds=seconds,
    )


@cache
def _table(space_name: str) -> tuple[dict[str, int], np.ndarray]:
    """Row of each canonical string and the L2-normalised, centred embeddings of a space."""
    from tasknas.spaces import get_space

    space = get_space(space_name)
    path = resources.files("tasknas.embedding") / "data" / TABLES[space_name]
    try:
        with path.open("rb") as handle, np.load(handle) as data:
            vectors = np.asarray(data["embeddings"], dtype=np.float64)
            ops = tuple(str(o) for o in data["ops"])
    except (OSError, KeyError, ValueError) as err:
        raise DataFileError(f"cannot read the arch2vec table {path}: {err}") from err
    rows = {space.format(a): i for i, a in enumerate(space.enumerate())}
    if len(rows) != len(vectors) or ops != tuple(space.ops):  # type: ignore[attr-defined]
        raise DataFileError(
            f"arch2vec table {path} does not match space {space_name!r}: {len(vectors)} rows "
            f"for {len(rows)} cells, operations {ops}"
        )
    # Centred on the space's mean: raw arch2vec vectors share a large common component, and
    # cosines of uncentred vectors are all close to 1.
    vectors -= vectors.mean(axis=0)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    vectors.setflags(write=False)
    return rows, vectors


class Arch2VecEmbedder(Embedder):
    """Pretrained arch2vec embeddings of every cell of a space (read from package data).

    The vectors are those of ``train_arch2vec`` with the settings recorded in
    ``tasknas/embedding/data/PROVENANCE.md``, centred on the mean over the space and
    L2-normalised, so ``similarity`` is the cosine of the centred vectors (1 for identical
    architectures, about 0 on average for unrelated ones). The table is read on first use and
    shared by every embedder of the same space in the process.

    Raises:
        InvalidSettingError: there is no table for ``space`` (the valid spaces are listed).
    """

    def __init__(self, space: SearchSpace[Any]) -> None:
        if space.name not in TABLES:
            raise InvalidSettingError(
                f"no arch2vec table for search space {space.name!r}; "
                f"spaces with tables: {', '.join(TABLES)}"
            )
        self.space = space

    def _rows(self, archs: Sequence[Any]) -> np.ndarray:
        rows, vectors = _table(self.space.name)
        try:
            return vectors[[rows[self.space.format(a)] for a in archs]]
        except KeyError as err:
            raise InvalidArchitectureError(
                f"{err.args[0]!r} is not a cell of search space {self.space.name!r}"
            ) from None

    def embed(self, arch: Any) -> np.ndarray:
        """The normalised vector, shape ``(1, dimensions)``."""
        return self._rows([arch])

    def similarity_matrix(self, first: Sequence[Any], second: Sequence[Any]) -> np.ndarray:
        if not first or not second:
            return np.zeros((len(first), len(second)))
        return self._rows(first) @ self._rows(second).T
