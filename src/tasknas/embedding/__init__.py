"""Architecture embeddings and similarity (KTNAS's architecture-to-graph-to-vector step)."""

from tasknas.embedding._base import Embedder
from tasknas.embedding._node2vec import Node2VecEmbedder, OneHotEmbedder
from tasknas.embedding._walks import node2vec_walks

__all__ = ["Embedder", "Node2VecEmbedder", "OneHotEmbedder", "node2vec_walks"]
