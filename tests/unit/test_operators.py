"""Sizes, neighbours, mutation and crossover of the two cell spaces."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from tasknas.errors import UnknownNameError
from tasknas.spaces import EDGES, NB201Space, TransNASMicroSpace, get_space

NB201 = NB201Space()
TRANSNAS = TransNASMicroSpace()


@pytest.mark.parametrize(
    ("space", "size", "n_neighbours", "n_ops"),
    [(NB201, 15625, 24, 5), (TRANSNAS, 4096, 18, 4)],
    ids=["nb201", "transnas-micro"],
)
def test_sizes_and_neighbour_counts(space, size: int, n_neighbours: int, n_ops: int) -> None:
    assert space.size == size == n_ops ** len(EDGES)
    assert len(space.ops) == n_ops
    rng = np.random.default_rng(0)
    for _ in range(20):
        arch = space.sample(rng)
        neighbours = space.neighbours(arch)
        assert len(neighbours) == n_neighbours == len(EDGES) * (n_ops - 1)
        assert len(set(neighbours)) == n_neighbours


def test_neighbours_are_every_single_edge_change() -> None:
    arch = NB201.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    expected = set()
    for edge in range(len(EDGES)):
        for op in range(1, 5):
            ops = [0] * 6
            ops[edge] = op
            expected.add(tuple(ops))
    assert {n.ops for n in NB201.neighbours(arch)} == expected


def test_mutation_reaches_every_neighbour() -> None:
    rng = np.random.default_rng(1)
    arch = TRANSNAS.parse("64-41414-3_32_132")
    children = {TRANSNAS.mutate(arch, rng) for _ in range(2000)}
    assert children == set(TRANSNAS.neighbours(arch))


def test_mutation_is_roughly_uniform_over_edges() -> None:
    rng = np.random.default_rng(2)
    arch = NB201.sample(rng)
    counts = np.zeros(len(EDGES))
    for _ in range(3000):
        child = NB201.mutate(arch, rng)
        (edge,) = [e for e in range(len(EDGES)) if child.ops[e] != arch.ops[e]]
        counts[edge] += 1
    assert counts.min() > 0.6 * counts.mean()


def test_crossover_mixes_edges_from_both_parents() -> None:
    rng = np.random.default_rng(3)
    first = NB201.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    second = NB201.parse(
        "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+"
        "|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|"
    )
    children = [NB201.crossover(first, second, rng) for _ in range(400)]
    assert all(set(c.ops) <= {0, 4} for c in children)
    from_first = np.array([[op == 0 for op in c.ops] for c in children]).mean(axis=0)
    assert np.all((from_first > 0.35) & (from_first < 0.65)), from_first
    assert len(set(children)) > 30


def test_sampling_covers_every_op_on_every_edge() -> None:
    rng = np.random.default_rng(4)
    samples = np.array([TRANSNAS.sample(rng).ops for _ in range(500)])
    for edge in range(len(EDGES)):
        assert set(samples[:, edge]) == {0, 1, 2, 3}


def test_to_graph_layout() -> None:
    arch = NB201.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
        "|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    )
    graph = NB201.to_graph(arch)
    assert isinstance(graph, nx.DiGraph)
    assert sorted(graph.nodes) == [0, 1, 2, 3]
    assert sorted(graph.edges) == sorted(EDGES)
    assert graph.edges[2, 3]["op"] == "nor_conv_1x1"
    assert graph.edges[0, 3]["op"] == "skip_connect"
    assert graph.graph["space"] == "nb201"


def test_encode_layout() -> None:
    arch = TRANSNAS.parse("64-41414-3_32_132")
    vector = TRANSNAS.encode(arch)
    assert vector.shape == (24,)
    assert vector.reshape(6, 4).argmax(axis=1).tolist() == [3, 3, 2, 1, 3, 2]
    assert vector.reshape(6, 4).sum(axis=1).tolist() == [1.0] * 6


def test_enumerate_order_starts_with_all_none() -> None:
    first = next(NB201.enumerate())
    assert str(first) == "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def test_get_space_returns_fresh_instances() -> None:
    assert isinstance(get_space("nb201"), NB201Space)
    assert isinstance(get_space("transnas-micro"), TransNASMicroSpace)
    with pytest.raises(UnknownNameError):
        get_space("darts")
