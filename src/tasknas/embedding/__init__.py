"""Architecture embeddings and similarity (KTNAS's architecture-to-graph-to-vector step)."""

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
