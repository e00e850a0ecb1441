"""The ``Embedder`` protocol: architecture similarity from vector embeddings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np


class Embedder(ABC):
    """Turns architectures into vectors and compares them.

    ``similarity`` is a cosine-type score, 1 for identical architectures. Embeddings are
    deterministic given the embedder's arguments and cached per architecture.
    """

    @abstractmethod
    def embed(self, arch: Any) -> np.ndarray:
        """The architecture's embedding, L2-normalised along the last axis."""

    def similarity_matrix(self, first: Sequence[Any], second: Sequence[Any]) -> np.ndarray:
        """``out[i, j]`` = similarity of ``first[i]`` and ``second[j]``."""
        if not first or not second:
            return np.zeros((len(first), len(second)))
        a = np.stack([self.embed(x) for x in first])
        b = np.stack([self.embed(y) for y in second])
        a = a.reshape(len(first), -1, a.shape[-1])
        b = b.reshape(len(second), -1, b.shape[-1])
        return np.einsum("ird,jrd->ij", a, b) / a.shape[1]

    def similarity(self, first: Any, second: Any) -> float:
        """Mean cosine over the embedding's rows (nodes, repeats)."""
        return float(self.similarity_matrix([first], [second])[0, 0])
