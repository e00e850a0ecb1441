"""node2vec random walks (Grover & Leskovec, KDD 2016) over a weighted directed graph.

The walk from ``u`` (having come from ``t``) to a successor ``x`` of ``u`` has unnormalised
probability ``w(u, x) * bias``, with bias ``1/p`` if ``x == t``, ``1`` if ``x`` is also a
successor of ``t``, and ``1/q`` otherwise. Edges of weight 0 are never walked. A walk stops
early at a node with no usable out-edge.
"""

from __future__ import annotations

from collections.abc import Hashable

import networkx as nx
import numpy as np

_Table = tuple[list[Hashable], np.ndarray]


def _transitions(
    graph: nx.DiGraph, prev: Hashable | None, node: Hashable, p: float, q: float, weight: str
) -> _Table:
    """Successors of ``node`` and their cumulative transition probabilities."""
    succ = [(x, float(d.get(weight, 1.0))) for x, d in graph.adj[node].items()]
    succ = [(x, w) for x, w in succ if w > 0]
    if not succ:
        return [], np.empty(0)
    probs = np.array([w for _, w in succ])
    if prev is not None:
        for i, (x, _) in enumerate(succ):
            if x == prev:
                probs[i] /= p
            elif not graph.has_edge(prev, x):
                probs[i] /= q
    cumulative = np.cumsum(probs / probs.sum())
    cumulative[-1] = 1.0
    return [x for x, _ in succ], cumulative


def node2vec_walks(
    graph: nx.DiGraph,
    *,
    walk_length: int = 80,
    walks_per_node: int = 10,
    p: float = 1.0,
    q: float = 1.0,
    weight: str = "weight",
    rng: np.random.Generator,
) -> list[list[str]]:
    """``walks_per_node`` biased walks of at most ``walk_length`` nodes from every node.

    Nodes are visited in sorted order each round; each walk is a list of node ids as strings
    (the "sentences" Word2Vec learns from). Transition tables are built once per
    ``(previous, current)`` node pair.
    """
    first_order = p == 1.0 and q == 1.0
    tables: dict[tuple[Hashable | None, Hashable], _Table] = {}

    def table(prev: Hashable | None, node: Hashable) -> _Table:
        key = (None if first_order else prev, node)
        if key not in tables:
            tables[key] = _transitions(graph, key[0], node, p, q, weight)
        return tables[key]

    nodes = sorted(graph.nodes)
    walks = []
    for _ in range(walks_per_node):
        for start in nodes:
            walk, prev, node = [start], None, start
            while len(walk) < walk_length:
                successors, cumulative = table(prev, node)
                if not successors:
                    break
                nxt = successors[int(np.searchsorted(cumulative, rng.random(), side="right"))]
                walk.append(nxt)
                prev, node = node, nxt
            walks.append([str(n) for n in walk])
    return walks
