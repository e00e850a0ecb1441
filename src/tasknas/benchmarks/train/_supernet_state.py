"""One task's weight-sharing state: its supernet, optimiser, epoch plans and checkpoints.

An ``EpochPlan`` says what one generation's epoch trains: the generation's individuals, the
parents that may be sampled instead, and the learning rate. Plans are chained by a digest
(of the settings, the task and every plan so far), so a checkpoint written after training a
plan is loaded on resume only when the replayed run reached exactly the same point.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from tasknas.training import Callback

__all__ = ["EpochPlan", "Sampler", "TaskSupernet", "plan_lr"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EpochPlan:
    """One generation's epoch: ``individuals`` and ``parents`` (genotypes) and its ``lr``."""

    generation: int
    individuals: tuple[Any, ...]
    parents: tuple[Any, ...]
    lr: float

    def digest(self, previous: str) -> str:
        """The chain digest after this plan, following ``previous``."""
        text = "|".join(
            [
                previous,
                str(self.generation),
                ";".join(map(str, self.individuals)),
                ";".join(map(str, self.parents)),
                repr(self.lr),
            ]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Sampler(Callback):
    """Selects the genotype each minibatch trains (EMT-NAS weight-sharing protocol).

    Before every minibatch: with probability ``parent_prob`` (when the plan has parents) a
    parent, else one of the generation's individuals, each uniformly.
    """

    def __init__(
        self, supernet: nn.Module, plan: EpochPlan, parent_prob: float, rng: np.random.Generator
    ) -> None:
        self.supernet = supernet
        self.plan = plan
        self.parent_prob = parent_prob
        self.rng = rng
        self.counts: dict[str, int] = {}

    def _select(self) -> None:
        use_parent = bool(self.plan.parents) and self.rng.random() < self.parent_prob
        pool = self.plan.parents if use_parent else self.plan.individuals
        arch = pool[int(self.rng.integers(len(pool)))]
        self.supernet.select(arch)  # type: ignore[operator]
        self.counts[str(arch)] = self.counts.get(str(arch), 0) + 1

    def on_fit_start(self, trainer: Any, model: nn.Module) -> None:
        self._select()

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        self._select()


@dataclass
class TaskSupernet:
    """The state of one task: network, optimiser and what has been trained and scored.

    ``digest`` chains every trained plan; ``backlog`` holds plans of replayed generations,
    trained only when a later generation needs scores (or skipped via a checkpoint).
    """

    network: nn.Module
    optimizer: torch.optim.Optimizer
    digest: str
    generation: int = 0
    evaluated: int = 0
    first: int = 0
    fitness: dict[str, tuple[float, Any]] = field(default_factory=dict)
    backlog: list[EpochPlan] = field(default_factory=list)

    def parents(self, count: int) -> tuple[Any, ...]:
        """The ``count`` fittest genotypes scored so far (earliest first on ties)."""
        ranked = sorted(self.fitness.values(), key=lambda item: -item[0])
        return tuple(arch for _, arch in ranked[:count])

    def record(self, arch: Any, objective: float) -> None:
        """Remember a scored genotype (failures are not parents)."""
        self.evaluated += 1
        if np.isfinite(objective):
            self.fitness.setdefault(str(arch), (objective, arch))

    def skip_to_checkpoint(self, path: Path | None, device: torch.device) -> list[EpochPlan]:
        """The backlog still to train, after loading ``path`` if it matches a point of it.

        A checkpoint that cannot be loaded (not a checkpoint, truncated, refused by
        ``weights_only``, or a state that does not fit this supernet) is ignored with a
        warning and its epochs are trained again, as if it had never been written.
        """
        plans, self.backlog = self.backlog, []
        chain, digest = [], self.digest
        for plan in plans:
            digest = plan.digest(digest)
            chain.append(digest)
        if path is None or not path.is_file() or not chain:
            return plans
        try:
            saved = torch.load(path, map_location=device, weights_only=True)
        except Exception as exc:  # any unreadable file is only a missed shortcut
            _log.warning("ignoring unreadable checkpoint %s (%s); retraining", path, _brief(exc))
            return plans
        point = saved.get("digest") if isinstance(saved, dict) else None
        if not isinstance(point, str):
            _log.warning("ignoring %s: not a supernet checkpoint; retraining", path)
            return plans
        if point not in chain:
            _log.info("checkpoint %s does not match the replayed run; retraining", path)
            return plans
        try:
            self._load(saved)
        except Exception as exc:
            _log.warning(
                "ignoring checkpoint %s that does not fit (%s); retraining", path, _brief(exc)
            )
            return plans
        done = chain.index(point) + 1
        self.digest = point
        _log.info("loaded checkpoint %s (%d replayed epochs skipped)", path, done)
        return plans[done:]

    def _load(self, saved: dict[str, Any]) -> None:
        """Load a checkpoint's network and optimiser states, or change nothing and raise."""
        network = copy.deepcopy(self.network.state_dict())
        optimizer = copy.deepcopy(self.optimizer.state_dict())
        try:
            self.network.load_state_dict(saved["network"])
            self.optimizer.load_state_dict(saved["optimizer"])
            for group in self.optimizer.param_groups:
                for param in group["params"]:
                    for name, value in self.optimizer.state.get(param, {}).items():
                        if torch.is_tensor(value) and value.dim() and value.shape != param.shape:
                            raise ValueError(
                                f"optimizer state {name!r} has shape {tuple(value.shape)}, "
                                f"its parameter {tuple(param.shape)}"
                            )
        except Exception:
            self.network.load_state_dict(network)
            self.optimizer.load_state_dict(optimizer)
            raise

    def save(self, path: Path) -> None:
        """Write a checkpoint of the trained state (atomically)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        state = {
            "digest": self.digest,
            "network": self.network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }
        torch.save(state, tmp)
        os.replace(tmp, path)


def _brief(exc: BaseException) -> str:
    """``Type: message``, on one line and at most 200 characters."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:197] + "..."


def plan_lr(lr: float, done: int, first: int, budget: int | None) -> float:
    """The learning rate of a generation: ``lr``, annealed (cosine) over the budget.

    The first generation (``first`` evaluations, the initial population) trains at ``lr``;
    later ones follow a cosine from ``lr`` towards 0 over the rest of the ``budget``, by the
    share of it used (``done`` evaluations so far). ``budget`` None: always ``lr``.
    """
    if budget is None or done <= first or budget <= first:
        return lr
    progress = min(1.0, (done - first) / (budget - first))
    return float(lr * 0.5 * (1.0 + np.cos(np.pi * progress)))
