"""Candidate architectures: checking the space, the initial ones, sampling new ones, networks."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

import numpy as np
from torch import nn

from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.nn import OPS
from tasknas.spaces import DartsGenotype, DartsSpace
from tasknas.training._retrain import network_for_task

if TYPE_CHECKING:
    from tasknas.tasks import ImageTask

__all__ = ["as_genotype", "build_network", "check_space", "initial_archs", "sample_new"]

_log = logging.getLogger(__name__)

#: Draws allowed per architecture wanted before ``sample_new`` gives up.
_TRIES = 200


def check_space(space: object) -> DartsSpace:
    """``space`` if it is a ``DartsSpace`` (its genotypes build ``DartsNetwork``s)."""
    if not isinstance(space, DartsSpace):
        raise InvalidSettingError(
            f"FUSE and random search need a DARTS-like cell space (DartsSpace, e.g. "
            f"'darts-tanas'), got {space!r}"
        )
    return space


def initial_archs(
    space: DartsSpace, initial: Iterable[DartsGenotype | str] | str, limit: int
) -> list[DartsGenotype]:
    """The distinct ``initial`` architectures (genotypes or strings), at most ``limit``.

    Raises:
        InvalidArchitectureError: one is malformed or not in ``space``.
    """
    items = (initial,) if isinstance(initial, str) else tuple(initial)
    archs: dict[str, DartsGenotype] = {}
    for item in items:
        arch = space.parse(item) if isinstance(item, str) else item
        if not space.contains(arch):
            raise InvalidArchitectureError(
                f"initial architecture {item!r} is not in space {space.name!r} "
                f"(operations: {', '.join(space.ops)}; {space.nodes} nodes)"
            )
        archs.setdefault(space.format(arch), arch)
    if len(archs) > limit:
        _log.info("using the first %d of %d initial architectures", limit, len(archs))
    return list(archs.values())[:limit]


def sample_new(
    space: DartsSpace,
    rng: np.random.Generator,
    count: int,
    *,
    exclude: Collection[str] = (),
    avoid: Collection[str] = (),
) -> list[DartsGenotype]:
    """``count`` distinct samples of ``space`` whose strings are not in ``exclude``.

    Strings in ``avoid`` (e.g. earlier rounds' losers) are skipped during the first half
    of the draws, so they come back only when the space has too few other architectures.

    Raises:
        InvalidSettingError: the space has too few architectures left.
    """
    chosen: list[DartsGenotype] = []
    taken = set(exclude)
    tries = _TRIES * max(count, 1)
    for attempt in range(tries):
        if len(chosen) == count:
            break
        arch = space.sample(rng)
        key = space.format(arch)
        if key in taken or (key in avoid and attempt < tries // 2):
            continue
        chosen.append(arch)
        taken.add(key)
    if len(chosen) < count:
        raise InvalidSettingError(
            f"could not sample {count} new distinct architectures from space {space.name!r} "
            f"(size {space.size}, {len(set(exclude))} excluded); use fewer candidates or rounds"
        )
    return chosen


def as_genotype(arch: DartsGenotype | str) -> DartsGenotype:
    """``arch`` itself, or the genotype its canonical string describes (any known ops)."""
    if isinstance(arch, DartsGenotype):
        return arch
    if not isinstance(arch, str):
        raise InvalidArchitectureError(f"expected a DartsGenotype or its string, got {arch!r}")
    cells = arch.strip().split(";")
    space = DartsSpace(tuple(OPS), nodes=cells[0].count("|") + 1, reduction=len(cells) > 1)
    return space.parse(arch)


def build_network(
    arch: DartsGenotype, task: ImageTask, *, channels: int, layers: int, seed: int
) -> nn.Module:
    """The ``DartsNetwork`` of ``arch`` for ``task``, initialised under ``seeded(seed)``."""
    return network_for_task(arch, task, channels=channels, layers=layers, seed=seed)
