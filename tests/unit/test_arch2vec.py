"""arch2vec embeddings: the shipped tables, the model, and KTNAS's ``embedder`` option."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from tasknas.embedding import (
    Arch2VecEmbedder,
    Node2VecEmbedder,
    OneHotEmbedder,
    train_arch2vec,
)
from tasknas.embedding._arch2vec import Arch2VecFit, node_op_graph, vocabulary
from tasknas.errors import InvalidArchitectureError, InvalidSettingError, UnknownNameError
from tasknas.spaces import get_space
from tasknas.strategies import STRATEGIES

SPACES = ("nb201", "transnas-micro")


@pytest.mark.parametrize("name", SPACES)
def test_table_covers_every_cell_with_unit_vectors(name: str) -> None:
    space = get_space(name)
    cells = list(space.enumerate())
    embedder = Arch2VecEmbedder(space)
    vectors = embedder._rows(cells)
    assert vectors.shape == (space.size, 16)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-9)
    # the encoder separates most cells (a collapsed model would not); isomorphic cells share
    # a vector, so not all rows differ
    assert len(np.unique(vectors.round(4), axis=0)) > 0.85 * space.size
    assert embedder.embed(cells[7]).shape == (1, 16)


@pytest.mark.parametrize("name", SPACES)
def test_identical_cells_have_similarity_one(name: str) -> None:
    space, rng = get_space(name), np.random.default_rng(0)
    embedder = Arch2VecEmbedder(space)
    for _ in range(5):
        arch = space.sample(rng)
        assert embedder.similarity(arch, space.parse(str(arch))) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("name", SPACES)
def test_one_edge_neighbours_are_more_similar_than_random_pairs(name: str) -> None:
    space, rng = get_space(name), np.random.default_rng(1)
    embedder = Arch2VecEmbedder(space)
    archs = [space.sample(rng) for _ in range(300)]
    near = [embedder.similarity(a, space.mutate(a, rng)) for a in archs]
    far = [embedder.similarity(a, space.sample(rng)) for a in archs]
    assert np.mean(near) > np.mean(far) + 0.3
    # and the base-class matrix agrees with the fast one
    matrix = embedder.similarity_matrix(archs[:5], archs[5:9])
    slow = [[embedder.similarity(a, b) for b in archs[5:9]] for a in archs[:5]]
    np.testing.assert_allclose(matrix, slow, atol=1e-12)


def test_isomorphic_cells_share_a_vector() -> None:
    # one conv on an edge out of the input, every other edge none: the same graph up to which
    # edge carries the conv; a 1x1 instead of a 3x3 conv is a different graph
    space = get_space("nb201")
    embedder = Arch2VecEmbedder(space)
    first = space.parse("|none~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|")
    second = space.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    third = space.parse("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert embedder.similarity(first, second) == pytest.approx(1.0, abs=1e-6)
    assert embedder.similarity(first, third) < 0.999


def test_space_without_table_is_refused() -> None:
    with pytest.raises(InvalidSettingError, match=r"'darts-tanas'.*nb201, transnas-micro"):
        Arch2VecEmbedder(get_space("darts-tanas"))
    micro = get_space("transnas-micro").parse("64-41414-3_33_333")
    with pytest.raises(InvalidArchitectureError, match="not a cell of search space 'nb201'"):
        Arch2VecEmbedder(get_space("nb201")).embed(micro)


def test_node_op_graph_follows_the_cell() -> None:
    space = get_space("nb201")
    assert vocabulary(space)[:2] == ("input", "output")
    conv = space.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
        "+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    )
    adjacency, ops = node_op_graph(space, conv)
    assert ops.tolist() == [0, 5, 5, 5, 5, 5, 5, 1]
    assert (adjacency == np.triu(adjacency, 1)).all()
    # input -> 3 edges out of node 0; (0,1) -> (1,2), (1,3); (0,2), (1,2) -> (2,3); 3 -> output
    assert adjacency.sum() == 3 + 2 + 2 + 3
    none = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    adjacency, ops = node_op_graph(space, none)
    assert adjacency.sum() == 0 and ops.tolist() == [0, 2, 2, 2, 2, 2, 2, 1]


_TINY: dict[str, Any] = {"dimensions": 4, "hidden": 8, "layers": 2, "epochs": 2, "batch_size": 8}


def _tiny_fit(seed: int) -> Arch2VecFit:
    space = get_space("transnas-micro")
    return train_arch2vec(space, list(space.enumerate())[::200], seed=seed, **_TINY)


def test_tiny_training_runs_and_is_seeded() -> None:
    fit = _tiny_fit(3)
    assert fit.embeddings.shape == (21, 4) and fit.embeddings.dtype == np.float32
    assert len(fit.losses) == 2 and all(np.isfinite(fit.losses))
    assert fit.losses[1] < fit.losses[0]
    assert 0.0 <= fit.op_accuracy <= 1.0 and 0.0 <= fit.adjacency_accuracy <= 1.0
    np.testing.assert_array_equal(fit.embeddings, _tiny_fit(3).embeddings)
    assert not np.array_equal(fit.embeddings, _tiny_fit(4).embeddings)
    # a fresh process gives the same vectors
    code = (
        "from tasknas.embedding import train_arch2vec\n"
        "from tasknas.spaces import get_space\n"
        "space = get_space('transnas-micro')\n"
        f"fit = train_arch2vec(space, list(space.enumerate())[::200], seed=3, **{_TINY!r})\n"
        "print(fit.embeddings.tobytes().hex())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == fit.embeddings.tobytes().hex()


def test_training_settings_are_checked() -> None:
    with pytest.raises(InvalidSettingError, match="epochs"):
        train_arch2vec(get_space("nb201"), epochs=0)


def test_ktnas_embedder_names() -> None:
    space, tasks = get_space("nb201"), ["cifar10", "cifar100"]
    factory = STRATEGIES.get("ktnas")
    expected = {
        "node2vec": Node2VecEmbedder,
        "arch2vec": Arch2VecEmbedder,
        "onehot": OneHotEmbedder,
    }
    for name, cls in expected.items():
        assert type(factory(space, tasks, seed=0, embedder=name).transfer.embedder) is cls
    assert type(factory(space, tasks, seed=0).transfer.embedder) is Node2VecEmbedder
    onehot = STRATEGIES.get("ktnas-onehot")(space, tasks, seed=0)
    assert type(onehot.transfer.embedder) is OneHotEmbedder
    with pytest.raises(UnknownNameError, match=r"'cate'.*node2vec, arch2vec, onehot"):
        factory(space, tasks, seed=0, embedder="cate")
    with pytest.raises(InvalidSettingError, match="arch2vec"):
        factory(get_space("darts-tanas"), tasks, seed=0, embedder="arch2vec")
