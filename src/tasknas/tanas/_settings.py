"""``TANASSettings``: every knob of the TA-NAS pipeline (dictionary, distances, FUSE)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tasknas._torch import DEVICES
from tasknas._validation import check_flag, check_int, check_seed, optional_positive_int
from tasknas.errors import InvalidSettingError
from tasknas.oneshot import FuseSettings

__all__ = [
    "DEFAULT_BASE_TASKS",
    "EPSNET_FIELDS",
    "FINAL_EPOCHS",
    "FINAL_PATIENCE",
    "FINAL_SHIFT",
    "QUICK_FINAL_EPOCHS",
    "SEARCH_SPACE_NAMES",
    "TANASSettings",
    "check_seed",
    "quick_retraining",
]

#: The paper's dictionary: "is it digit d" on MNIST and "is it class c" on Fashion-MNIST
#: (``tasknas dictionary build`` without ``--tasks``).
DEFAULT_BASE_TASKS: tuple[str, ...] = (
    *(f"mnist:{digit}" for digit in range(5)),
    "fashion_mnist:T-shirt/top",
    "fashion_mnist:Trouser",
    "fashion_mnist:Pullover",
    "fashion_mnist:Dress",
    "fashion_mnist:Coat",
)
#: Names of the spaces FUSE can search on a target (``tasknas.tanas.SEARCH_SPACES``).
SEARCH_SPACE_NAMES = ("task-aware", "standard", "task-aware-edges")

#: Fields that shape the ε-approximation networks and their data. A target's network is only
#: comparable with the dictionary's when all of these agree (see ``TANASSettings.epsnet``).
EPSNET_FIELDS = (
    "n_train",
    "n_val",
    "n_test",
    "data_seed",
    "init_seed",
    "cnn_epochs",
    "cnn_channels",
    "cnn_hidden",
    "cnn_pool",
    "cnn_lr",
    "batch_size",
)
_FUSE_FIELDS = ("dictionary_fuse", "target_fuse")
#: Retraining epochs of the published FUSE recipe (``quick_retraining``, ``tasknas fuse
#: --quick``).
QUICK_FINAL_EPOCHS = 10
#: Split sizes of the target's retraining and the search's split each defaults to in a
#: dictionary saved before the field existed (its winner was retrained on the search's
#: training images and scored on its test images).
_RETRAIN_SPLITS = {"final_n_train": "n_train", "final_n_test": "n_test"}
_COUNTS = (*(f for f in EPSNET_FIELDS if f != "cnn_lr"), "fisher_samples", "k")


def _dictionary_fuse() -> FuseSettings:
    return FuseSettings(rounds=2, final_epochs=3)


#: Retraining of the target's winner (and random search's, and the baselines'): up to 20
#: epochs, early stopping after 5 without a better validation accuracy (best epoch kept, the
#: later of tied epochs: ``final_ties="last"``, as ``tasknas final``; on the cat it lowered
#: the error of four networks by 0.32 points on average over 10 paired seeds), ±2 px
#: shifts; with ``final_n_train=None`` on every training image. The ``tasknas final``
#: recipe (30 epochs, patience 10) shortened to keep the retraining near 5 CPU minutes;
#: on ``quickdraw4:cat`` it took the FUSE winners of seeds 0-2 from 8.2 / 16.4 / 5.4 % to
#: 2.5 / 4.0 / 3.2 % test error (``benchmarks/fuse_ranking.py``; BENCHMARKS.md, TA-NAS).
#: The published FUSE retraining is ``quick_retraining``.
FINAL_EPOCHS, FINAL_PATIENCE, FINAL_SHIFT = 20, 5, 2


def _target_fuse() -> FuseSettings:
    return FuseSettings(
        final_epochs=FINAL_EPOCHS,
        final_patience=FINAL_PATIENCE,
        final_ties="last",
        final_shift=FINAL_SHIFT,
    )


@dataclass(frozen=True)
class TANASSettings:
    """Settings of the TA-NAS pipeline.

    Attributes:
        n_train, n_val, n_test: caps on each split of every task (see ``load_image_task``).
        data_seed: seed of the task splits.
        init_seed: seed of the ε-networks' shared initial weights. Fisher distances are only
            meaningful between networks trained from the same initialisation.
        cnn_epochs: training epochs of each ε-network (``SmallCNN``).
        cnn_channels, cnn_hidden, cnn_pool: the ``SmallCNN`` shape.
        cnn_lr: Adam learning rate of the ε-networks.
        batch_size: mini-batch size of the ε-networks and of the Fisher computation.
        fisher_samples: target validation images the Fisher diagonals are measured on.
        final_n_train: training images of the target's retraining (FUSE's and random
            search's winners, the ``--baselines``); ``None``: every training image the task
            has (4,080 for ``quickdraw4:cat``). The search itself and the ε-networks use
            ``n_train``; the validation split is the same (``n_val``; see
            ``final_all_val``). A deviation from the paper's FUSE, which retrains on its
            search data: on ``n_train`` = 1,000 images the retrained cells overfit
            (BENCHMARKS.md, TA-NAS).
            Dictionaries saved before this field existed read back as ``n_train`` (their
            old retraining).
        final_n_test: test images the retrained target networks are scored on; ``None``:
            the target's whole test split (1,200 images for ``quickdraw4:cat``), as ``tasknas
            final`` scores. The search, the ε-networks and the dictionary's tasks keep
            ``n_test``; the training and validation splits do not depend on it. Dictionaries
            saved before this field existed read back as ``n_test`` (their old scoring).
        final_all_val: early stopping of the target's retraining on every validation image
            of the target (720 for ``quickdraw4:cat``) instead of the search's ``n_val``.
        k: how many closest dictionary tasks build the task-aware space.
        centre: rank the dictionary tasks by centred distances (``target_distances(...,
            centre=True)``: each base task's mean distance to the other dictionary tasks
            subtracted) when choosing the ``k`` closest. A deviation from the paper, which
            ranks by the raw distance; on the default dictionary raw distances put the least
            confident base networks nearest to every target (BENCHMARKS.md, TA-NAS).
        dictionary_fuse: FUSE settings of the best-cell search of each base task.
        target_fuse: FUSE settings of the search on the target task and of the retraining
            of its winner (default: FUSE's search settings, the retraining of
            ``FINAL_EPOCHS``, ``FINAL_PATIENCE`` (the later of tied epochs kept) and
            ``FINAL_SHIFT``).
        device: where everything runs; overrides the ``device`` of both FUSE settings.

    Raises:
        InvalidSettingError: a field is out of range; the message names it and its value.
    """

    n_train: int = 1000
    n_val: int = 300
    n_test: int = 1000
    data_seed: int = 0
    init_seed: int = 0
    cnn_epochs: int = 3
    cnn_channels: int = 32
    cnn_hidden: int = 256
    cnn_pool: int = 2
    cnn_lr: float = 1e-3
    batch_size: int = 64
    fisher_samples: int = 300
    k: int = 3
    centre: bool = False
    final_n_train: int | None = None
    final_n_test: int | None = None
    final_all_val: bool = False
    dictionary_fuse: FuseSettings = field(default_factory=_dictionary_fuse)
    target_fuse: FuseSettings = field(default_factory=_target_fuse)
    device: str = "cpu"

    def __post_init__(self) -> None:
        for name in _COUNTS:
            check_int(name, getattr(self, name), 0 if name.endswith("seed") else 1)
        optional_positive_int("final_n_train", self.final_n_train)
        optional_positive_int("final_n_test", self.final_n_test)
        for name in ("centre", "final_all_val"):
            check_flag(name, getattr(self, name))
        if not (isinstance(self.cnn_lr, int | float) and self.cnn_lr > 0):
            raise InvalidSettingError(f"cnn_lr must be a number > 0, got {self.cnn_lr!r}")
        if self.device not in DEVICES:
            raise InvalidSettingError(
                f"unknown device {self.device!r}; valid choices: {', '.join(DEVICES)}"
            )
        for name in _FUSE_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, FuseSettings):
                raise InvalidSettingError(f"{name} must be FuseSettings, got {value!r}")
            # One device for the whole pipeline.
            object.__setattr__(self, name, dataclasses.replace(value, device=self.device))

    def epsnet(self) -> dict[str, Any]:
        """The fields that shape the ε-networks (``EPSNET_FIELDS``) and their values."""
        return {name: getattr(self, name) for name in EPSNET_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the FUSE settings as nested dicts)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TANASSettings:
        """The settings ``to_dict`` wrote; unknown keys raise ``InvalidSettingError``."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidSettingError(
                f"unknown TA-NAS settings {unknown}; valid choices: {', '.join(sorted(known))}"
            )
        values = dict(data)
        for final, search in _RETRAIN_SPLITS.items():
            if search in values and final not in values:
                values[final] = values[search]
        for name in _FUSE_FIELDS:
            if isinstance(values.get(name), Mapping):
                values[name] = FuseSettings(**values[name])
        return cls(**values)


def quick_retraining(settings: TANASSettings, final_epochs: int | None = None) -> TANASSettings:
    """``settings`` with the target's retraining of the published FUSE (``tasknas fuse
    --quick``): on the search's ``n_train`` images, ``final_epochs`` epochs (default
    ``QUICK_FINAL_EPOCHS``), the last epoch scored on the search's ``n_test`` test images
    (validation images: the search's), no augmentation (no shifts, no mirror images)."""
    fuse = dataclasses.replace(
        settings.target_fuse,
        final_epochs=QUICK_FINAL_EPOCHS if final_epochs is None else final_epochs,
        final_patience=None,
        final_shift=0,
        final_mirror=False,
    )
    return dataclasses.replace(
        settings,
        final_n_train=settings.n_train,
        final_n_test=settings.n_test,
        final_all_val=False,
        target_fuse=fuse,
    )
