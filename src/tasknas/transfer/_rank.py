"""KTNAS transfer rank (Zhang & Liu; journal Algorithm 2): 1-nearest-neighbour label voting.

Each architecture transferred before carries a label: +1 if one of its children reached the
top ``r`` of the target's next population, else -1. Every history item attaches to the source
candidate it is most similar to; a candidate's rank is the sum of the labels attached to it.
The top-``n`` ranks are transferred (whole rank groups first, the rest drawn at random from the
boundary group), and nothing is transferred in a generation where no rank is above 0.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tasknas.embedding import Embedder
from tasknas.errors import InvalidSettingError
from tasknas.transfer._base import TransferPolicy, other_members


def transfer_ranks(labels: Sequence[int], similarity: np.ndarray) -> np.ndarray:
    """Rank of each candidate: the sum of the labels of the history items attached to it.

    Args:
        labels: +1 / -1 per history item.
        similarity: ``(len(labels), candidates)`` similarities; item ``i`` attaches to
            ``argmax_j similarity[i, j]``.
    """
    similarity = np.asarray(similarity, dtype=float)
    ranks = np.zeros(similarity.shape[1])
    if len(labels):
        np.add.at(ranks, similarity.argmax(axis=1), np.asarray(labels, dtype=float))
    return ranks


def select_by_rank(ranks: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
    """Indices of the top-``n`` ranks; empty when no rank is above 0 (the negative-transfer
    guard).

    Candidates are grouped by rank, best first; whole groups are taken while they fit in
    ``n`` and the remainder is drawn at random from the next group.
    """
    ranks = np.asarray(ranks, dtype=float)
    if n <= 0 or not (ranks > 0).any():
        return []
    chosen: list[int] = []
    for value in sorted(set(ranks.tolist()), reverse=True):
        group = [int(i) for i in np.flatnonzero(ranks == value)]
        room = n - len(chosen)
        if len(group) <= room:
            chosen += group
        else:
            chosen += sorted(int(i) for i in rng.choice(group, size=room, replace=False))
        if len(chosen) == n:
            break
    return chosen


class TransferRank(TransferPolicy):
    """KTNAS's transfer-rank policy.

    Args:
        embedder: architecture similarity (node2vec in KTNAS; one-hot for the ablation).
        n: architectures transferred per generation and target.
        m: generations of negative labels kept (positives are kept for the whole run).
        bootstrap: with no labelled history yet (the first transfer), transfer ``n``
            uniformly drawn candidates so that labels can start to accumulate; the paper does
            not say how the first generation transfers. By default this happens again
            whenever the history is empty (every negative expired, no positive): a random
            transfer every ``m + 1`` generations while the guard finds nothing positive.
        bootstrap_once: bootstrap only at a target's first transfer; afterwards an empty
            history means every rank is 0 and the guard transfers nothing (Algorithm 2 read
            literally). Measured in ``docs/notes/ktnas-transfer.md``: fewer wasted
            evaluations on NB201, but transfer between identical tasks mostly stops when the
            first random immigrants fail.
    """

    name = "transfer_rank"

    def __init__(
        self,
        *,
        embedder: Embedder,
        n: int = 4,
        m: int = 5,
        bootstrap: bool = True,
        bootstrap_once: bool = False,
    ):
        if n < 0 or m < 1:
            raise InvalidSettingError(f"transfer rank needs n >= 0 and m >= 1, got n={n}, m={m}")
        self.embedder = embedder
        self.n = n
        self.m = m
        self.bootstrap = bootstrap
        self.bootstrap_once = bootstrap_once
        self._positive: dict[str, list[Any]] = {}
        self._negative: dict[str, deque[list[Any]]] = {}
        self._labelled: set[str] = set()  # targets that have had a transfer labelled

    def history(self, target: str) -> list[tuple[Any, int]]:
        """The labelled transfers into ``target`` that vote: all positives, recent negatives."""
        pos = [(a, 1) for a in self._positive.get(target, [])]
        neg = [(a, -1) for gen in self._negative.get(target, ()) for a in gen]
        return pos + neg

    def immigrants(self, target, sources, exclude, rng):  # type: ignore[no-untyped-def]
        pool = [a for a, _, _ in other_members(sources, exclude)]
        if not pool:
            return []
        history = self.history(target)
        if not history:
            if not self.bootstrap or (self.bootstrap_once and target in self._labelled):
                return []
            picks = rng.choice(len(pool), size=min(self.n, len(pool)), replace=False)
            return [pool[int(i)] for i in sorted(picks)]
        archs, labels = zip(*history, strict=True)
        ranks = transfer_ranks(labels, self.embedder.similarity_matrix(list(archs), pool))
        return [pool[i] for i in select_by_rank(ranks, self.n, rng)]

    def feedback(self, target: str, labels: Mapping[Any, int], generation: int) -> None:
        self._positive.setdefault(target, [])
        window = self._negative.setdefault(target, deque(maxlen=self.m))
        self._positive[target] += [a for a, label in labels.items() if label > 0]
        window.append([a for a, label in labels.items() if label <= 0])
        if labels:
            self._labelled.add(target)

    def state_dict(self) -> dict[str, Any]:
        return {
            "positive": {t: [str(a) for a in v] for t, v in self._positive.items()},
            "negative": {t: [[str(a) for a in g] for g in w] for t, w in self._negative.items()},
            "labelled": sorted(self._labelled),
        }

    def load_state_dict(self, state: dict[str, Any], parse: Any) -> None:
        self._positive = {t: [parse(a) for a in v] for t, v in state["positive"].items()}
        self._negative = {
            t: deque([[parse(a) for a in g] for g in w], maxlen=self.m)
            for t, w in state["negative"].items()
        }
        # Snapshots from before "labelled" was saved: a target with any label kept.
        self._labelled = set(
            state.get(
                "labelled",
                [t for t in self._negative if self._positive.get(t) or any(self._negative[t])],
            )
        )
