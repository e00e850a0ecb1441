"""node2vec architecture embeddings (KTNAS): biased walks on the cell graph + Word2Vec."""

from __future__ import annotations

import zlib
from collections import OrderedDict
from typing import Any

import numpy as np

from tasknas._seeds import seed_rng, word2vec_seed
from tasknas._validation import check_seed
from tasknas.embedding._base import Embedder
from tasknas.embedding._walks import node2vec_walks
from tasknas.errors import InvalidSettingError
from tasknas.spaces import SearchSpace

#: Embeddings shared by every embedder in the process, keyed by space, settings and
#: architecture: searches with different seeds (``tasknas compare``) embed each architecture
#: once. Bounded; the oldest entries go first.
_SHARED: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
_SHARED_SIZE = 2048


def _stable_hash(text: str) -> int:
    # gensim seeds each word vector with hashfxn(word + str(seed)); the built-in hash() of a
    # string changes between processes, which would make embeddings irreproducible.
    return zlib.crc32(text.encode("utf-8"))


class Node2VecEmbedder(Embedder):
    """Embeds the nodes of an architecture's graph with node2vec and compares node-wise.

    The graph is ``space.to_graph(arch)`` with edge weight = the edge's ``weight`` attribute
    where the space sets one, else the operation's index (as in the KTNAS code: on NAS-Bench-201
    index 0, ``none``, is never walked). Node ids are fixed by the space, so node
    ``k`` of one architecture is compared with node ``k`` of another. Each of ``repeats``
    re-embeddings uses its own walks and Word2Vec seed; similarity averages over nodes and
    repeats. The walk and Word2Vec seeds do not depend on the architecture, so identical
    architectures have identical embeddings (similarity 1).

    Args:
        space: the search space (for ``to_graph``).
        dimensions: vector size.
        walk_length: maximum nodes per walk.
        walks_per_node: walks started from every node.
        window: Word2Vec context window.
        p: return parameter.
        q: in-out parameter.
        epochs: Word2Vec epochs.
        repeats: independent re-embeddings averaged in the similarity.
        seed: seed of walks and Word2Vec.
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        dimensions: int = 128,
        walk_length: int = 80,
        walks_per_node: int = 10,
        window: int = 10,
        p: float = 1.0,
        q: float = 1.0,
        epochs: int = 1,
        repeats: int = 10,
        seed: int = 0,
    ) -> None:
        for name, value in (
            ("dimensions", dimensions),
            ("walk_length", walk_length),
            ("walks_per_node", walks_per_node),
            ("window", window),
            ("epochs", epochs),
            ("repeats", repeats),
        ):
            if value < 1:
                raise InvalidSettingError(f"{name} must be >= 1, got {value}")
        if p <= 0 or q <= 0:
            raise InvalidSettingError(f"p and q must be > 0, got p={p}, q={q}")
        self.space = space
        self.dimensions = dimensions
        self.walk_length = walk_length
        self.walks_per_node = walks_per_node
        self.window = window
        self.p = p
        self.q = q
        self.epochs = epochs
        self.repeats = repeats
        self.seed = check_seed(seed)
        self._key = (
            type(space).__name__,
            space.name,
            tuple(getattr(space, "ops", ())),
            dimensions,
            walk_length,
            walks_per_node,
            window,
            p,
            q,
            epochs,
            repeats,
            seed,
        )

    def _graph(self, arch: Any) -> Any:
        graph = self.space.to_graph(arch)
        for _, _, data in graph.edges(data=True):
            data["weight"] = float(data.get("weight", data["op_index"]))
        return graph

    def _embed_once(self, graph: Any, repeat: int) -> np.ndarray:
        from gensim.models import Word2Vec

        rng = seed_rng(self.seed, repeat)
        walks = node2vec_walks(
            graph,
            walk_length=self.walk_length,
            walks_per_node=self.walks_per_node,
            p=self.p,
            q=self.q,
            rng=rng,
        )
        model = Word2Vec(
            walks,
            vector_size=self.dimensions,
            window=self.window,
            min_count=0,
            sg=1,
            workers=1,
            epochs=self.epochs,
            seed=word2vec_seed(self.seed, repeat),
            hashfxn=_stable_hash,
        )
        nodes = sorted(graph.nodes)
        vectors = np.stack([model.wv[str(n)] for n in nodes]).astype(np.float64)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def embed(self, arch: Any) -> np.ndarray:
        """Normalised node vectors, shape ``(repeats, nodes, dimensions)`` (cached)."""
        key = (*self._key, str(arch))
        if key in _SHARED:
            _SHARED.move_to_end(key)
            return _SHARED[key]
        graph = self._graph(arch)
        vectors = np.stack([self._embed_once(graph, r) for r in range(self.repeats)])
        vectors.setflags(write=False)
        _SHARED[key] = vectors
        if len(_SHARED) > _SHARED_SIZE:
            _SHARED.popitem(last=False)
        return vectors


class OneHotEmbedder(Embedder):
    """The space's one-hot encoding as a single vector (the discrete baseline)."""

    def __init__(self, space: SearchSpace[Any]) -> None:
        self.space = space

    def embed(self, arch: Any) -> np.ndarray:
        vector = np.asarray(self.space.encode(arch), dtype=np.float64)
        return (vector / max(float(np.linalg.norm(vector)), 1e-12))[None, :]
