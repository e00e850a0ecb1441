"""Every embedder the strategies build by name gives fixed-length, finite, reproducible vectors
on both cell spaces."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import tasknas.embedding._node2vec as node2vec_module
from tasknas.embedding import Embedder
from tasknas.spaces import SearchSpace, get_space
from tasknas.strategies._presets import EMBEDDERS

SPACE_NAMES = ("nb201", "transnas-micro")
PAIRS = [(name, space) for name in EMBEDDERS for space in SPACE_NAMES]
BATCH = 6


@pytest.fixture(params=PAIRS, ids=["-".join(p) for p in PAIRS])
def pair(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param


@pytest.fixture
def space(pair: tuple[str, str]) -> SearchSpace[Any]:
    return get_space(pair[1])


@pytest.fixture
def embedder(pair: tuple[str, str], space: SearchSpace[Any]) -> Embedder:
    return EMBEDDERS[pair[0]](space)


@pytest.fixture
def archs(space: SearchSpace[Any]) -> list[Any]:
    """``BATCH`` distinct architectures."""
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {}
    while len(out) < BATCH:
        arch = space.sample(rng)
        out.setdefault(str(arch), arch)
    return list(out.values())


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty process-wide node2vec cache, so every vector is computed in the test."""
    monkeypatch.setattr(node2vec_module, "_SHARED", OrderedDict())


def vectors(embedder: Embedder, archs: list[Any]) -> list[np.ndarray]:
    return [np.asarray(embedder.embed(arch), dtype=float) for arch in archs]


@pytest.mark.usefixtures("fresh_cache")
class TestRegisteredEmbedders:
    def test_fixed_length_finite_normalised(self, embedder: Embedder, archs: list[Any]) -> None:
        batch = vectors(embedder, archs)
        assert len({v.shape for v in batch}) == 1, "vectors of different shapes"
        assert batch[0].size > 0
        for v in batch:
            assert np.isfinite(v).all()
            np.testing.assert_allclose(np.linalg.norm(v, axis=-1), 1.0, atol=1e-6)
        flat = np.stack([v.ravel() for v in batch])
        assert len({row.tobytes() for row in flat}) > 1, "every architecture has the same vector"

    def test_identical_architectures_identical_vectors(
        self,
        embedder: Embedder,
        space: SearchSpace[Any],
        archs: list[Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        copies = [space.parse(str(arch)) for arch in archs]
        first = vectors(embedder, archs)
        monkeypatch.setattr(node2vec_module, "_SHARED", OrderedDict())  # recompute, not reuse
        for a, b in zip(first, vectors(embedder, copies), strict=True):
            np.testing.assert_array_equal(a, b)
        similarity = embedder.similarity_matrix(archs, copies)
        assert similarity.shape == (BATCH, BATCH)
        np.testing.assert_allclose(np.diag(similarity), 1.0, atol=1e-6)

    def test_deterministic_in_a_fresh_embedder(
        self,
        pair: tuple[str, str],
        embedder: Embedder,
        space: SearchSpace[Any],
        archs: list[Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        first = vectors(embedder, archs)
        monkeypatch.setattr(node2vec_module, "_SHARED", OrderedDict())  # recompute, not reuse
        again = vectors(EMBEDDERS[pair[0]](get_space(pair[1])), archs)
        for a, b in zip(first, again, strict=True):
            np.testing.assert_array_equal(a, b)


def test_node2vec_vectors_depend_on_the_seed(fresh_cache: None) -> None:
    """The seed is really used: the table's fixed seed is what makes node2vec reproducible."""
    from tasknas.embedding import Node2VecEmbedder

    space = get_space("nb201")
    arch = space.sample(np.random.default_rng(0))
    options = {"repeats": 1, "walks_per_node": 2}
    same = Node2VecEmbedder(space, seed=0, **options).embed(arch)
    other = Node2VecEmbedder(space, seed=1, **options).embed(arch)
    assert not np.array_equal(same, other)


def test_table_names() -> None:
    assert {"node2vec", "arch2vec", "onehot"} <= set(EMBEDDERS)
