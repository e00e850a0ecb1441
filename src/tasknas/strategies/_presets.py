"""Named configurations of the multi-task evolution engine (KTNAS, its ablations, EMT-NAS).

Each factory takes ``(space, tasks, *, seed=None, **options)`` like a strategy class; the
options are ``MultiTaskEvolution`` keyword arguments plus the transfer policy's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasknas.embedding import Embedder, Node2VecEmbedder, OneHotEmbedder
from tasknas.spaces import SearchSpace
from tasknas.strategies._multitask import MultiTaskEvolution
from tasknas.transfer import RandomMating, TransferRank, UniformTransfer


def ktnas(
    space: SearchSpace[Any],
    tasks: Sequence[str],
    *,
    seed: int | None = None,
    n: int = 4,
    m: int = 5,
    embedder: Embedder | None = None,
    **options: Any,
) -> MultiTaskEvolution:
    """KTNAS: transfer rank over node2vec embeddings picks the architectures that cross.

    The default embedder's seed is fixed (0), not the search's: an embedding is a property of
    the architecture, so searches with different seeds share the process-wide embedding
    cache (``tasknas compare`` embeds each architecture once).
    """
    embedder = embedder if embedder is not None else Node2VecEmbedder(space, seed=0)
    policy = TransferRank(embedder=embedder, n=n, m=m)
    return MultiTaskEvolution(space, tasks, transfer=policy, seed=seed, **options)


def ktnas_onehot(
    space: SearchSpace[Any], tasks: Sequence[str], *, seed: int | None = None, **options: Any
) -> MultiTaskEvolution:
    """KTNAS with one-hot encodings instead of node2vec (the discrete-encoding ablation)."""
    return ktnas(space, tasks, seed=seed, embedder=OneHotEmbedder(space), **options)


def ktnas_random(
    space: SearchSpace[Any],
    tasks: Sequence[str],
    *,
    seed: int | None = None,
    n: int = 4,
    **options: Any,
) -> MultiTaskEvolution:
    """KTNAS without transfer rank: n immigrants drawn at random each generation."""
    return MultiTaskEvolution(space, tasks, transfer=UniformTransfer(n=n), seed=seed, **options)


def emtnas(
    space: SearchSpace[Any],
    tasks: Sequence[str],
    *,
    seed: int | None = None,
    rmp: float = 0.3,
    crossover_prob: float = 1.0,
    **options: Any,
) -> MultiTaskEvolution:
    """EMT-NAS: random cross-task mating (MFEA, random mating probability 0.3)."""
    return MultiTaskEvolution(
        space,
        tasks,
        transfer=RandomMating(rmp=rmp),
        crossover_prob=crossover_prob,
        seed=seed,
        **options,
    )


def evolution(
    space: SearchSpace[Any], tasks: Sequence[str], *, seed: int | None = None, **options: Any
) -> MultiTaskEvolution:
    """The same multi-population engine with no transfer between tasks."""
    return MultiTaskEvolution(space, tasks, seed=seed, **options)
