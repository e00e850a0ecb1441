"""``RoundRecord`` and ``SearchResult``: what a FUSE or random search found and what it cost;
``BaselineRecord``: a hand-designed network retrained beside the winner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BaselineRecord", "RoundRecord", "SearchResult"]


@dataclass(frozen=True)
class RoundRecord:
    """One round: its candidates (canonical strings), their weights and the winner.

    For FUSE ``weights`` are the softmax of the mixture logits at the end of the round; for
    random search they are the candidates' validation accuracies (BatchNorm statistics
    recomputed on the training split first).
    """

    candidates: tuple[str, ...]
    weights: tuple[float, ...]
    winner: str

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready plain values."""
        return {
            "candidates": list(self.candidates),
            "weights": list(self.weights),
            "winner": self.winner,
        }


@dataclass(frozen=True)
class SearchResult:
    """The outcome of ``fuse_search`` or ``random_search``.

    Attributes:
        arch: canonical genotype string of the winner.
        test_error: % error on the task's test split after retraining the winner.
        params: trainable parameters of the retrained network.
        val_accuracy: validation accuracy (fraction) of the retrained network.
        rounds: one record per round (FUSE) or per batch of candidates (random search).
        candidate_epochs: search compute, in epochs of one candidate on the train split.
        seconds: wall time of the whole call, retraining included.
        method: ``"fuse"`` or ``"random"``.
        network: the retrained winner (on the CPU); not in ``to_dict``.
    """

    arch: str
    test_error: float
    params: int
    val_accuracy: float
    rounds: tuple[RoundRecord, ...]
    candidate_epochs: int
    seconds: float
    method: str
    network: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready plain values."""
        return {
            "arch": self.arch,
            "test_error": self.test_error,
            "params": self.params,
            "val_accuracy": self.val_accuracy,
            "rounds": [record.to_dict() for record in self.rounds],
            "candidate_epochs": self.candidate_epochs,
            "seconds": self.seconds,
            "method": self.method,
        }


@dataclass(frozen=True)
class BaselineRecord:
    """A hand-designed baseline (``tasknas.nn.BASELINES``) retrained like FUSE's winner.

    Attributes:
        name: the baseline's name.
        test_error: % error on the task's test split.
        params: trainable parameters.
        val_accuracy: validation accuracy (fraction).
        seconds: wall time of the retraining and scoring.
    """

    name: str
    test_error: float
    params: int
    val_accuracy: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready plain values."""
        return {
            "name": self.name,
            "test_error": self.test_error,
            "params": self.params,
            "val_accuracy": self.val_accuracy,
            "seconds": self.seconds,
        }
