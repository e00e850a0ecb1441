"""Architecture embeddings: node2vec walks and similarity."""

from __future__ import annotations

import itertools
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from tasknas.embedding import Node2VecEmbedder, OneHotEmbedder, node2vec_walks
from tasknas.errors import InvalidSettingError
from tasknas.spaces import get_space


@pytest.fixture(scope="module")
def embedder() -> Node2VecEmbedder:
    return Node2VecEmbedder(get_space("nb201"), repeats=3)


def test_walks_follow_positive_weight_edges_only() -> None:
    graph = nx.DiGraph()
    graph.add_edge(0, 1, weight=1.0)
    graph.add_edge(0, 2, weight=0.0)
    graph.add_edge(1, 3, weight=2.0)
    walks = node2vec_walks(graph, walk_length=10, walks_per_node=5, rng=np.random.default_rng(0))
    assert len(walks) == 4 * 5
    for walk in walks:
        assert "2" not in walk[1:]  # never entered through the weight-0 edge
        for a, b in itertools.pairwise(walk):
            assert graph.has_edge(int(a), int(b))
    assert ["0", "1", "3"] in walks


def test_walk_probabilities_follow_weights() -> None:
    graph = nx.DiGraph()
    graph.add_edge(0, 1, weight=1.0)
    graph.add_edge(0, 2, weight=3.0)
    walks = node2vec_walks(graph, walk_length=2, walks_per_node=2000, rng=np.random.default_rng(1))
    firsts = [w[1] for w in walks if w[0] == "0"]
    share = firsts.count("2") / len(firsts)
    assert 0.71 < share < 0.79


def test_identical_cells_have_similarity_one(embedder: Node2VecEmbedder) -> None:
    rng = np.random.default_rng(0)
    space = embedder.space
    for _ in range(3):
        arch = space.sample(rng)
        twin = space.parse(str(arch))
        assert embedder.similarity(arch, twin) == pytest.approx(1.0, abs=1e-9)


def test_similarity_falls_with_edit_distance_on_average(embedder: Node2VecEmbedder) -> None:
    space, rng = embedder.space, np.random.default_rng(1)
    near, far = [], []
    for _ in range(30):
        arch = space.sample(rng)
        near.append(embedder.similarity(arch, space.mutate(arch, rng)))  # distance 1
        shifted = tuple((o + 1 + int(rng.integers(4))) % 5 for o in arch.ops)  # distance 6
        far.append(embedder.similarity(arch, type(arch)(shifted)))
    assert np.mean(near) > np.mean(far) + 0.05


def test_embeddings_are_cached_and_deterministic(embedder: Node2VecEmbedder) -> None:
    arch = embedder.space.sample(np.random.default_rng(2))
    first = embedder.embed(arch)
    assert embedder.embed(arch) is first
    again = Node2VecEmbedder(embedder.space, repeats=3).embed(arch)
    np.testing.assert_allclose(first, again)
    assert first.shape == (3, 4, 128)


def test_embeddings_are_reproducible_in_a_fresh_process(embedder: Node2VecEmbedder) -> None:
    arch = embedder.space.sample(np.random.default_rng(3))
    code = (
        "import sys; from tasknas.embedding import Node2VecEmbedder; "
        "from tasknas.spaces import get_space; s = get_space('nb201'); "
        f"e = Node2VecEmbedder(s, repeats=3).embed(s.parse({str(arch)!r})); "
        "sys.stdout.write(repr(float(e.sum())))"
    )
    env_values = []
    for hash_seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        )
        env_values.append(float(out.stdout))
    assert env_values[0] == pytest.approx(env_values[1], abs=1e-9)
    assert env_values[0] == pytest.approx(float(embedder.embed(arch).sum()), abs=1e-6)


def test_one_hot_similarity() -> None:
    space = get_space("transnas-micro")
    onehot = OneHotEmbedder(space)
    a = space.parse("64-41414-3_33_333")
    b = space.parse("64-41414-3_33_332")
    assert onehot.similarity(a, a) == pytest.approx(1.0)
    assert onehot.similarity(a, b) == pytest.approx(5 / 6)
    matrix = onehot.similarity_matrix([a, b], [a])
    assert matrix.shape == (2, 1)


def test_bad_settings() -> None:
    with pytest.raises(InvalidSettingError, match="repeats"):
        Node2VecEmbedder(get_space("nb201"), repeats=0)
    with pytest.raises(InvalidSettingError, match="p and q"):
        Node2VecEmbedder(get_space("nb201"), q=0)
