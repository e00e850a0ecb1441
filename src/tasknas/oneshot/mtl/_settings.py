"""``MTLSettings``: the knobs of an MTL-NAS search and its two baselines."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from tasknas._torch import DEVICES
from tasknas._validation import check_choice, check_int, non_negative, positive_int
from tasknas.errors import InvalidSettingError
from tasknas.nn._gates import GATE_MODES

__all__ = ["DEFAULT_N_TEST", "DEFAULT_N_TRAIN", "SEARCH_GATES", "SEARCH_STARTS", "MTLSettings"]

#: Training and test images of a default run (``tasknas mtl``, the benchmark): a few
#: minutes on two CPU cores.
DEFAULT_N_TRAIN, DEFAULT_N_TEST = 2000, 1000

#: Gate modes that can be trained through (``all``/``none`` have no architecture to learn).
SEARCH_GATES = tuple(m for m in GATE_MODES if m not in ("all", "none"))

#: Weights the search starts from: the pretrained single-task backbones (MTL-NAS) or the
#: trained all-edges baseline.
SEARCH_STARTS = ("pretrained", "all_edges")


@dataclass(frozen=True)
class MTLSettings:
    """Settings of ``mtl_search``.

    Attributes:
        blocks: output channels of each backbone stage, grouped by block (``VGGBackbone``).
        head_pool: side of the pooled grid each backbone's head sees.
        limit: depth limit of the candidate edges (source stage > target stage - limit).
        lam: weight λ of the mean gate entropy in the architecture loss.
        lam_ramp: fraction of the search over which λ ramps linearly up from 0 (MTL-NAS's
            optional ramp; 0 applies the full λ from the first step). Without it the entropy
            term hardens whatever sign the logits take in the first few steps, before the
            fusion weights (which start at zero) carry any signal.
        pretrain_epochs: epochs of training the single-task backbones before anything else;
            all three networks start from these weights (MTL-NAS starts from single-task
            networks too). 0 starts from random weights.
        epochs: epochs of each of the three networks after pretraining (single-task
            baseline, all-edges baseline, search).
        batch_size: mini-batch size of every step.
        lr, momentum, weight_decay: SGD on the network weights, the learning rate annealed
            by a cosine over ``epochs`` (and over ``pretrain_epochs``).
        alpha_lr: Adam learning rate of the edge logits (betas ``alpha_beta1``, 0.999).
        alpha_beta1: Adam's first-moment decay of the edge logits, in [0, 1) (0.5: MTL-NAS).
        alpha_init: the value every edge logit starts the search at (0: every gate 0.5,
            MTL-NAS's initialisation; a positive value starts the fusion edges open).
        alpha_warmup: fraction of the search (in [0, 1)) with weight steps only, before
            the first architecture step, so the fusion weights (which start at zero, where
            the task loss gives alpha no gradient) can learn first. 0: MTL-NAS.
        search_start: the weights the search starts from: ``all_edges`` (the default
            since 2026-12-04: the trained all-edges baseline, so the fusion weights are
            already useful when the first architecture step judges them) or
            ``pretrained`` (the pretrained single-task backbones with zero fusion weights,
            MTL-NAS as published). With ``all_edges`` the searched network has had
            ``epochs`` more weight training, so ``mtl_search`` trains each baseline
            ``epochs`` more as well and compares all three at ``2 * epochs``. At equal
            training the ``all_edges`` search is the better one (+1.0 [+0.62, +1.40]
            points over MultiMNIST and Omniglot, 10 paired seeds; BENCHMARKS.md).
        weight_gate: gates of the weight steps (default: relaxed Bernoulli samples).
        alpha_gate: gates of the architecture steps (default: sigmoid(alpha)).
        temperature_start, temperature_end: the relaxed-Bernoulli temperature is annealed
            from start to end over the search, ``end + (start - end) * (1 - t) ** 2``.
        device: ``cpu``, ``cuda``, ``mps`` or ``auto``.

    Raises:
        InvalidSettingError: a field out of range; UnknownNameError for a gate mode.
    """

    blocks: tuple[tuple[int, ...], ...] = ((8, 8), (16, 16), (32, 32))
    head_pool: int = 2
    limit: int = 3
    lam: float = 10.0
    lam_ramp: float = 0.5
    pretrain_epochs: int = 4
    epochs: int = 6
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    alpha_lr: float = 0.1
    alpha_init: float = 0.0
    alpha_warmup: float = 0.0
    alpha_beta1: float = 0.5
    search_start: str = "all_edges"
    weight_gate: str = "gumbel"
    alpha_gate: str = "sigmoid"
    temperature_start: float = 1.0
    temperature_end: float = 0.1
    device: str = "cpu"

    def __post_init__(self) -> None:
        blocks = tuple(tuple(block) for block in self.blocks)
        object.__setattr__(self, "blocks", blocks)
        for name in ("head_pool", "limit", "epochs", "batch_size"):
            positive_int(name, getattr(self, name))
        check_int("pretrain_epochs", self.pretrain_epochs, 0)  # 0: no pretraining
        for name in ("lr", "alpha_lr", "temperature_start", "temperature_end"):
            non_negative(name, getattr(self, name), strict=True)
        for name in ("lam", "momentum", "weight_decay"):
            non_negative(name, getattr(self, name))
        if not 0 <= non_negative("lam_ramp", self.lam_ramp) <= 1:
            raise InvalidSettingError(f"lam_ramp must be in [0, 1], got {self.lam_ramp!r}")
        real = isinstance(self.alpha_init, numbers.Real) and not isinstance(self.alpha_init, bool)
        if not real or not math.isfinite(self.alpha_init):
            raise InvalidSettingError(
                f"alpha_init must be a finite number, got {self.alpha_init!r}"
            )
        if not 0 <= non_negative("alpha_warmup", self.alpha_warmup) < 1:
            raise InvalidSettingError(f"alpha_warmup must be in [0, 1), got {self.alpha_warmup!r}")
        if not 0 <= non_negative("alpha_beta1", self.alpha_beta1) < 1:
            raise InvalidSettingError(f"alpha_beta1 must be in [0, 1), got {self.alpha_beta1!r}")
        check_choice("search start", self.search_start, SEARCH_STARTS)
        check_choice("weight gate", self.weight_gate, SEARCH_GATES)
        check_choice("alpha gate", self.alpha_gate, SEARCH_GATES)
        check_choice("device", self.device, DEVICES)
        if not blocks or any(
            not block or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in block)
            for block in blocks
        ):
            raise InvalidSettingError(
                f"blocks must be non-empty groups of integer widths >= 1, got {self.blocks!r}"
            )

    def temperature(self, progress: float) -> float:
        """The relaxed-Bernoulli temperature after ``progress`` (0..1) of the search."""
        start, end = self.temperature_start, self.temperature_end
        return end + (start - end) * (1.0 - progress) ** 2

    def entropy_weight(self, progress: float) -> float:
        """λ after ``progress`` (0..1) of the search (ramped over ``lam_ramp``)."""
        if self.lam_ramp == 0:
            return self.lam
        return self.lam * min(1.0, progress / self.lam_ramp)

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values."""
        return {f.name: asdict(self)[f.name] for f in fields(self)}
