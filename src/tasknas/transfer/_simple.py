"""Transfer policies without learning: none, uniform immigrants, elite, EMT-NAS mating."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasknas.errors import InvalidSettingError
from tasknas.transfer._base import Population, TransferPolicy, other_members


def _check_n(n: int) -> int:
    if n < 0:
        raise InvalidSettingError(
            f"n (architectures transferred per generation) must be >= 0, got {n}"
        )
    return n


class NoTransfer(TransferPolicy):
    """Independent populations: nothing crosses between tasks."""

    name = "none"


class UniformTransfer(TransferPolicy):
    """``n`` immigrants drawn uniformly from the other tasks' populations (KTNAS ablation:
    transfer without transfer rank)."""

    name = "uniform"

    def __init__(self, *, n: int = 4) -> None:
        self.n = _check_n(n)

    def immigrants(self, target, sources, exclude, rng):  # type: ignore[no-untyped-def]
        pool = other_members(sources, exclude)
        if not pool:
            return []
        picks = rng.choice(len(pool), size=min(self.n, len(pool)), replace=False)
        return [pool[int(i)][0] for i in sorted(picks)]


class EliteTransfer(TransferPolicy):
    """The best ``n`` architectures of the other tasks' populations, taken in turn from each
    source so every source contributes."""

    name = "elite"

    def __init__(self, *, n: int = 4) -> None:
        self.n = _check_n(n)

    def immigrants(self, target, sources, exclude, rng):  # type: ignore[no-untyped-def]
        ranked = [
            [a for a, _ in sorted(pop, key=lambda m: -m[1]) if str(a) not in exclude]
            for pop in sources.values()
        ]
        out: list[Any] = []
        seen: set[str] = set()
        for depth in range(max((len(r) for r in ranked), default=0)):
            for members in ranked:
                if depth < len(members) and str(members[depth]) not in seen and len(out) < self.n:
                    seen.add(str(members[depth]))
                    out.append(members[depth])
        return out


class RandomMating(TransferPolicy):
    """EMT-NAS / MFEA assortative mating: each child's partner comes, with probability
    ``rmp`` (random mating probability), from a uniformly chosen member of another task's
    population; otherwise from the child's own task."""

    name = "random"

    def __init__(self, *, rmp: float = 0.3) -> None:
        if not 0.0 <= rmp <= 1.0:
            raise InvalidSettingError(f"rmp must be in [0, 1], got {rmp}")
        self.rmp = rmp

    def partner(
        self, target: str, sources: Mapping[str, Population], rng: np.random.Generator
    ) -> Any | None:
        if rng.random() >= self.rmp:
            return None
        pool = [a for pop in sources.values() for a, _ in pop]
        return pool[int(rng.integers(len(pool)))] if pool else None
