"""``FuseSettings``: the knobs of a FUSE search, its random-search baseline and retraining."""

from __future__ import annotations

from dataclasses import dataclass, fields

from tasknas._torch import DEVICES
from tasknas._validation import (
    check_choice,
    check_flag,
    check_int,
    check_stem_stride,
    non_negative,
    optional_positive_int,
)
from tasknas.errors import InvalidSettingError

__all__ = ["FuseSettings"]

#: Smallest valid value of each integer field (FUSE needs two candidates to compare; a shift
#: of 0 is no augmentation).
_MINIMUM = {"candidates": 2, "final_shift": 0, "warmup_epochs": 0}
_RATES = ("lr", "alpha_lr")
#: Integer fields that may also be ``None`` (``final_patience``: no early stopping).
_OPTIONAL = ("final_patience",)
_FLAGS = ("final_mirror",)
#: ``EarlyStopping``'s tie rules (kept here too: this module must not import torch).
_TIES = ("first", "last")


@dataclass(frozen=True)
class FuseSettings:
    """Settings of ``fuse_search``, ``random_search`` and ``retrain``.

    Attributes:
        candidates: networks mixed per FUSE round (C).
        rounds: outer stages; the arg-max survives, C-1 new candidates join.
        stages: inner alternations per round (weight step, then alpha step).
        weight_epochs: epochs of each weight step, on the train split.
        alpha_epochs: epochs of each alpha step, on the validation split.
        warmup_epochs: epochs of weight steps (mixture logits frozen) at the start of each
            round, before the first alpha step, so that the logits compare candidates that
            have learned something rather than the fastest starters. 0 (the default): no
            warm-up, as published. Counted in ``candidate_epochs``, so random search gets
            them too.
        lr: Adam learning rate of the network weights (search and retraining).
        alpha_lr: Adam learning rate of the mixture logits. Adam moves each logit by at most
            about ``alpha_lr`` per step whatever the gradient's scale; with 0.05 the default
            settings (2 stages x 1 epoch, 300 validation images in batches of 64: 10 steps)
            let the logits move by up to 0.5, enough to separate the candidates without one
            noisy batch deciding the round.
        batch_size: mini-batch size of every fit.
        channels, layers: width and depth of the ``DartsNetwork`` candidates during search.
        final_epochs: epochs of retraining the winner from scratch (train split); the most
            epochs when ``final_patience`` is set.
        final_channels: width of the retrained network (depth stays ``layers``).
        final_patience: early stopping of the retraining: it is validated after every epoch
            and stops when the validation accuracy has not improved for this many epochs,
            keeping the best epoch's weights (as ``tasknas final`` does). ``None``: no
            early stopping, the last epoch's weights are scored (the published FUSE).
        final_ties: which of the epochs tied at the best validation accuracy early stopping
            keeps: ``"first"`` (the default) or ``"last"`` (later weights, trained at a lower
            cosine rate; ``tasknas final``'s rule, ``EarlyStopping(ties=...)``).
        final_shift: random ±``final_shift`` pixel shifts of the retraining images
            (``RandomShift``); 0: no augmentation. The search itself never augments.
        final_mirror: also mirror each retraining image left to right with probability one
            half, on a task whose labels survive that (``tasknas.tasks.mirror_invariant``;
            elsewhere it changes nothing). Off by default.
        final_stem_stride: stride of the retrained network's stem: 2 (the default, as in the
            search) halves a 28×28 image before the first cell, 1 keeps its resolution
            (``DartsNetwork(stem_stride=...)``; about 4× the CPU time). The search's
            candidates and the hand-designed baselines are unchanged.
        device: ``cpu``, ``cuda``, ``mps`` or ``auto``.

    Raises:
        InvalidSettingError: a field is out of range; the message names it and its value.
    """

    candidates: int = 3
    rounds: int = 4
    stages: int = 2
    weight_epochs: int = 1
    alpha_epochs: int = 1
    warmup_epochs: int = 0
    lr: float = 1e-3
    alpha_lr: float = 0.05
    batch_size: int = 64
    channels: int = 8
    layers: int = 3
    final_epochs: int = 10
    final_channels: int = 16
    final_patience: int | None = None
    final_ties: str = "first"
    final_shift: int = 0
    final_mirror: bool = False
    final_stem_stride: int = 2
    device: str = "cpu"

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "device":
                if value not in DEVICES:
                    raise InvalidSettingError(
                        f"unknown device {value!r}; valid choices: {', '.join(DEVICES)}"
                    )
            elif field.name == "final_ties":
                check_choice("final_ties", value, _TIES)
            elif field.name == "final_stem_stride":
                check_stem_stride(field.name, value)
            elif field.name in _FLAGS:
                check_flag(field.name, value)
            elif field.name in _OPTIONAL:
                optional_positive_int(field.name, value)
            elif field.name in _RATES:
                non_negative(field.name, value, strict=True)
            else:
                check_int(field.name, value, _MINIMUM.get(field.name, 1))

    @property
    def epochs_per_round(self) -> int:
        """Weight epochs of each candidate in one round: warm-up plus stages x weight_epochs."""
        return self.warmup_epochs + self.stages * self.weight_epochs

    @property
    def candidate_epochs(self) -> int:
        """Candidate-epochs of a FUSE search: rounds x candidates x (warmup_epochs + stages x
        weight_epochs)."""
        return self.rounds * self.candidates * self.epochs_per_round
