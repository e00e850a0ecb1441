"""The ``SearchSpace`` protocol: what can be built."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

import numpy as np

if TYPE_CHECKING:
    import networkx as nx

A = TypeVar("A", bound=Hashable)


class SearchSpace(ABC, Generic[A]):
    """A set of architectures (genotypes) and the operators a search uses on them.

    Genotypes are frozen, hashable values; ``format(arch)`` (also ``str(arch)``) is their
    canonical string and ``parse`` its exact inverse. Every stochastic method takes the
    caller's ``numpy.random.Generator``; a space holds no random state of its own.
    """

    name: ClassVar[str]

    @property
    @abstractmethod
    def size(self) -> int | None:
        """Number of architectures, or ``None`` when the space is too large to count."""

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> A:
        """A uniformly random architecture."""

    @abstractmethod
    def mutate(self, arch: A, rng: np.random.Generator) -> A:
        """A random neighbour of ``arch`` (differs from it)."""

    @abstractmethod
    def crossover(self, first: A, second: A, rng: np.random.Generator) -> A:
        """A child that takes each gene from one of the two parents."""

    @abstractmethod
    def neighbours(self, arch: A) -> list[A]:
        """Every architecture one mutation away from ``arch``."""

    @abstractmethod
    def contains(self, arch: object) -> bool:
        """Whether ``arch`` is a genotype of this space."""

    @abstractmethod
    def parse(self, text: str) -> A:
        """The genotype written ``text``.

        Raises:
            InvalidArchitectureError: ``text`` is malformed; the message says what and where.
        """

    def format(self, arch: A) -> str:
        """The canonical string of ``arch``."""
        return str(arch)

    @abstractmethod
    def enumerate(self) -> Iterator[A]:
        """Every architecture, in a fixed order (finite spaces only)."""

    @abstractmethod
    def to_graph(self, arch: A) -> nx.DiGraph:
        """The architecture as a directed graph with fixed node ids (edge attribute ``op``)."""

    @abstractmethod
    def encode(self, arch: A) -> np.ndarray:
        """A fixed-length one-hot feature vector of ``arch``."""

    def prune(self, arch: A) -> A:
        """The same network as ``arch`` with every part that can never affect its output
        removed (``arch`` itself in spaces without such parts). Two architectures with one
        pruned form compute the same function."""
        return arch
