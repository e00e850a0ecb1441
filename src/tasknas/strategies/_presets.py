"""Named configurations of the multi-task evolution engine (KTNAS, its ablations, EMT-NAS).

Each factory takes ``(space, tasks, *, seed=None, **options)`` like a strategy class; the
options are ``MultiTaskEvolution`` keyword arguments plus the transfer policy's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tasknas.embedding import Arch2VecEmbedder, Embedder, Node2VecEmbedder, OneHotEmbedder
from tasknas.errors import UnknownNameError
from tasknas.spaces import SearchSpace
from tasknas.strategies._multitask import MultiTaskEvolution
from tasknas.transfer import RandomMating, TransferRank, UniformTransfer

#: The embedders ``ktnas`` builds by name.
EMBEDDERS: dict[str, Callable[[SearchSpace[Any]], Embedder]] = {
    "node2vec": lambda space: Node2VecEmbedder(space, seed=0),
    "arch2vec": Arch2VecEmbedder,
    "onehot": OneHotEmbedder,
}


def ktnas(
    space: SearchSpace[Any],
    tasks: Sequence[str],
    *,
    seed: int | None = None,
    n: int = 4,
    m: int = 5,
    embedder: Embedder | str | None = None,
    bootstrap_once: bool = False,
    **options: Any,
) -> MultiTaskEvolution:
    """KTNAS: transfer rank over architecture embeddings picks the architectures that cross.

    ``embedder`` is an ``Embedder`` or one of the names ``"node2vec"`` (the default, as in the
    KTNAS code), ``"arch2vec"`` (pretrained graph-autoencoder vectors, as in the KTNAS journal;
    spaces with a shipped table only) and ``"onehot"`` (the discrete-encoding ablation). The
    node2vec embedder's seed is fixed (0), not the search's: an embedding is a property of
    the architecture, so searches with different seeds share the process-wide embedding
    cache (``tasknas compare`` embeds each architecture once). ``bootstrap_once``: the
    random bootstrap transfer only at a target's first transfer (``TransferRank``).

    Raises:
        UnknownNameError: ``embedder`` is a string outside ``EMBEDDERS``.
        InvalidSettingError: ``"arch2vec"`` for a space without a table.
    """
    if embedder is None:
        embedder = "node2vec"
    if isinstance(embedder, str):
        if embedder not in EMBEDDERS:
            raise UnknownNameError("embedder", embedder, EMBEDDERS)
        embedder = EMBEDDERS[embedder](space)
    policy = TransferRank(embedder=embedder, n=n, m=m, bootstrap_once=bootstrap_once)
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
