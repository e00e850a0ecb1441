"""Named configurations of the multi-task evolution engine (KTNAS, its ablations, EMT-NAS).

Each factory is a ``StrategyFactory``: it takes ``(space, tasks, *, seed=None, **options)``
like a strategy class; the options are ``MultiTaskEvolution`` keyword arguments plus the
transfer policy's own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from tasknas.embedding import Arch2VecEmbedder, Embedder, Node2VecEmbedder, OneHotEmbedder
from tasknas.errors import UnknownNameError
from tasknas.spaces import SearchSpace
from tasknas.strategies._multitask import MultiTaskEvolution
from tasknas.transfer import (
    TRANSFER_POLICIES,
    RandomMating,
    TransferPolicy,
    TransferRank,
    UniformTransfer,
    make_transfer_policy,
)

#: The embedders ``ktnas`` builds by name.
EMBEDDERS: dict[str, Callable[[SearchSpace[Any]], Embedder]] = {
    "node2vec": lambda space: Node2VecEmbedder(space, seed=0),
    "arch2vec": Arch2VecEmbedder,
    "onehot": OneHotEmbedder,
}


def _embedder(space: SearchSpace[Any], embedder: Embedder | str | None) -> Embedder:
    """``embedder`` itself, or the one ``EMBEDDERS`` builds by name (default ``"node2vec"``)."""
    if embedder is None:
        embedder = "node2vec"
    if isinstance(embedder, str):
        if embedder not in EMBEDDERS:
            raise UnknownNameError("embedder", embedder, EMBEDDERS)
        return EMBEDDERS[embedder](space)
    return embedder


def _named_policy(
    space: SearchSpace[Any], name: str, options: dict[str, Any]
) -> tuple[TransferPolicy, dict[str, Any]]:
    """The policy ``TRANSFER_POLICIES`` registers as ``name``, built with the options its class
    takes (an ``embedder`` may be an ``EMBEDDERS`` name); the other options are returned."""
    accepted = set(inspect.signature(TRANSFER_POLICIES.get(name)).parameters)
    own = {key: value for key, value in options.items() if key in accepted}
    rest = {key: value for key, value in options.items() if key not in accepted}
    if "embedder" in accepted:
        own["embedder"] = _embedder(space, own.get("embedder"))
    return make_transfer_policy(name, **own), rest


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
    policy = TransferRank(
        embedder=_embedder(space, embedder), n=n, m=m, bootstrap_once=bootstrap_once
    )
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
    space: SearchSpace[Any],
    tasks: Sequence[str],
    *,
    seed: int | None = None,
    transfer: TransferPolicy | str | None = None,
    **options: Any,
) -> MultiTaskEvolution:
    """The same multi-population engine with no transfer between tasks.

    ``transfer`` picks a transfer policy: a ``TransferPolicy``, or a name of
    ``tasknas.transfer.TRANSFER_POLICIES`` (``"none"``, the default, ``"uniform"``,
    ``"elite"``, ``"random"``, ``"transfer_rank"``). A named policy takes its own options
    from ``options`` (``n``, ``rmp``, ``m``, ``embedder`` as an ``EMBEDDERS`` name, ...); the
    rest go to ``MultiTaskEvolution``. ``"random"`` acts only through crossover: give it a
    ``crossover_prob`` above 0 (``emtnas`` uses 1).

    Raises:
        UnknownNameError: ``transfer`` or an ``embedder`` is an unknown name.
    """
    if isinstance(transfer, str):
        transfer, options = _named_policy(space, transfer, options)
    return MultiTaskEvolution(space, tasks, transfer=transfer, seed=seed, **options)
