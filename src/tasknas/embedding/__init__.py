"""Architecture embeddings and similarity (KTNAS's architecture-to-graph-to-vector step)."""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.embedding._arch2vec import Arch2VecEmbedder, train_arch2vec
    from tasknas.embedding._base import Embedder
    from tasknas.embedding._node2vec import Node2VecEmbedder, OneHotEmbedder
    from tasknas.embedding._walks import node2vec_walks

__all__ = [
    "Arch2VecEmbedder",
    "Embedder",
    "Node2VecEmbedder",
    "OneHotEmbedder",
    "node2vec_walks",
    "train_arch2vec",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Arch2VecEmbedder": "tasknas.embedding._arch2vec",
        "train_arch2vec": "tasknas.embedding._arch2vec",
        "Embedder": "tasknas.embedding._base",
        "Node2VecEmbedder": "tasknas.embedding._node2vec",
        "OneHotEmbedder": "tasknas.embedding._node2vec",
        "node2vec_walks": "tasknas.embedding._walks",
    },
)
