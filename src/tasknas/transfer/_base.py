"""The ``TransferPolicy`` protocol: which architectures cross from one task to another."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: A population: (architecture, objective) pairs of one task, best first.
Population = Sequence[tuple[Any, float]]


class TransferPolicy:
    """Cross-task transfer in a multi-population evolutionary search.

    Two hooks, called by the engine once per generation and target task:

    - ``immigrants``: architectures from the *other* tasks' populations that join the target's
      mating pool and are evaluated on the target (KTNAS's transfer population ``TP``).
    - ``partner``: for one child, a mating partner taken from another task, or ``None``
      (EMT-NAS's assortative mating).

    ``feedback`` reports, after each generation, whether each immigrant helped (+1) or not
    (-1) (KTNAS's label rule). Policies are stateful only through what ``state_dict``
    returns; randomness comes from the engine's generator.
    """

    name: str = "base"

    def immigrants(
        self,
        target: str,
        sources: Mapping[str, Population],
        exclude: set[str],
        rng: np.random.Generator,
    ) -> list[Any]:
        """Architectures to transfer into ``target`` (none by default).

        Args:
            target: the target task.
            sources: the other tasks' current populations, by task.
            exclude: canonical strings of architectures already evaluated on the target
                (its population and every one selection dropped).
            rng: the engine's generator for ``target``.
        """
        return []

    def partner(
        self, target: str, sources: Mapping[str, Population], rng: np.random.Generator
    ) -> Any | None:
        """A foreign mating partner for one child of ``target`` (none by default)."""
        return None

    def feedback(self, target: str, labels: Mapping[Any, int], generation: int) -> None:
        """Labels (+1 / -1) of the immigrants of ``target`` in ``generation``, by architecture."""

    def state_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot."""
        return {}

    def load_state_dict(self, state: dict[str, Any], parse: Any) -> None:
        """Restore a snapshot; ``parse`` turns arch strings back into genotypes."""


def other_members(
    sources: Mapping[str, Population], exclude: set[str]
) -> list[tuple[Any, float, str]]:
    """Every (arch, objective, source task) of the source populations, once per architecture,
    leaving out excluded architectures."""
    seen: set[str] = set(exclude)
    out = []
    for task, population in sources.items():
        for arch, value in population:
            if str(arch) not in seen:
                seen.add(str(arch))
                out.append((arch, value, task))
    return out
