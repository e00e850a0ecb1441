"""Callbacks: hooks into ``Trainer.fit`` for stopping, logging and progress.

Call order within one fit: ``on_fit_start`` once; ``on_batch_end`` after every optimiser step;
``on_epoch_end`` after each epoch (after validation), with that epoch's record; ``on_fit_end``
once with the ``History``, also when the fit was stopped early. Callbacks run in the order
given to the trainer. A callback stops training by setting ``trainer.stop = True``; the
trainer checks it after every batch and every epoch, and an epoch cut short is still recorded.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import torch
from torch import nn

from tasknas._validation import check_choice, positive_int
from tasknas.errors import InvalidSettingError

if TYPE_CHECKING:
    from tasknas._progress import Progress
    from tasknas.training._history import History
    from tasknas.training._trainer import Trainer

__all__ = ["Callback", "EarlyStopping", "LoggingCallback", "ProgressCallback"]

_log = logging.getLogger(__name__)
_MODES = ("min", "max")
#: Which of two epochs with the best value ``EarlyStopping`` keeps.
_TIES = ("first", "last")
_UNITS = ("batch", "epoch")


class Callback:
    """Base class of trainer callbacks; every hook does nothing unless overridden."""

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        """Called once before the first epoch; ``trainer.fit_info`` describes the fit."""

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        """Called after each optimiser step; ``step`` counts from 0 within the fit.

        ``logs`` holds ``epoch``, ``loss`` (of this batch) and ``size`` (its sample count).
        """

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Called after each epoch (0-based) with the epoch's ``History`` record."""

    def on_fit_end(self, history: History) -> None:
        """Called once after the last epoch."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs in a row.

    With ``restore_best`` the model's ``state_dict`` from the best epoch is loaded back at the
    end of the fit (whether or not training stopped early). Improvement means beating the best
    value so far by more than ``min_delta`` in the direction ``mode``; NaN never improves.
    With ``ties="last"`` an epoch that equals the best value also counts: its weights are
    kept and the patience starts again. That is the choice for a
    schedule that anneals the learning rate (cosine): on a validation split small enough
    for its accuracy to repeat, the later of two equal epochs is the one trained at the
    lower rate; ``"first"`` (the default) keeps the earliest best epoch.
    Only the model's own state is restored, not tensors optimised from outside it.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 3,
        mode: str = "min",
        restore_best: bool = True,
        min_delta: float = 0.0,
        ties: str = "first",
    ) -> None:
        check_choice("mode", mode, _MODES)
        check_choice("ties", ties, _TIES)
        positive_int("patience", patience)
        if min_delta < 0:
            raise InvalidSettingError(f"min_delta must be >= 0, got {min_delta!r}")
        self.monitor = monitor
        self.patience = patience
        self.mode = mode
        self.restore_best = restore_best
        self.min_delta = min_delta
        self.ties = ties
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self._planned: int | None = None
        self._wait = 0
        self._trainer: Trainer | None = None
        self._model: nn.Module | None = None
        self._state: dict[str, torch.Tensor] | None = None

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        self._reset()
        self._trainer = trainer
        self._model = model
        info = getattr(trainer, "fit_info", None)
        self._planned = info.epochs if info else None

    @staticmethod
    def kept_early(epochs_run: int, best_epoch: int | None, epochs: int) -> bool:
        """Whether a fit planned for ``epochs`` that ran ``epochs_run`` and kept ``best_epoch``
        (1-based; ``None``: no early stopping) was ended early keeping an epoch of the first
        half of its schedule: the rule of ``warn_if_early_epoch_kept``, for stored results."""
        return best_epoch is not None and epochs_run < epochs and 2 * best_epoch <= epochs

    def warn_if_early_epoch_kept(self, subject: str, n_val: int) -> bool:
        """Log a warning when this stopper ended its last fit and kept an epoch of the first
        half of the planned schedule, and say whether it did.

        On a small validation split that is the sign of an epoch that scored well by chance
        while the (cosine) learning rate was still high: 2 of 40 stride-1 final trainings of
        the issue-14 tables lost 1-3 points so (BENCHMARKS.md). ``subject`` names what was
        trained (``"the network on mnist"``), ``n_val`` is the validation split's size.
        """
        if self.stopped_epoch is None or self.best_epoch is None or self._planned is None:
            return False
        kept = self.best_epoch + 1
        if not self.kept_early(self.stopped_epoch + 1, kept, self._planned):
            return False
        _log.warning(
            "%s stopped at epoch %d and kept epoch %d of up to %d, trained early in the "
            "learning-rate schedule: its %d validation images may be too few to rank the "
            "epochs (a patience of at least %d trains every epoch)",
            subject,
            self.stopped_epoch + 1,
            kept,
            self._planned,
            n_val,
            self._planned,
        )
        return True

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return value == value  # not NaN
        if self.ties == "last" and value == self.best:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise InvalidSettingError(
                f"EarlyStopping monitors {self.monitor!r}, which is not logged; "
                f"valid choices: {', '.join(logs)}"
            )
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best and self._model is not None:
                state = self._model.state_dict()
                self._state = {key: tensor.detach().clone() for key, tensor in state.items()}
            return
        self._wait += 1
        if self._wait >= self.patience and self._trainer is not None:
            self._trainer.stop = True
            self.stopped_epoch = epoch
            _log.info(
                "early stopping at epoch %d: %s did not improve on %s for %d epochs",
                epoch,
                self.monitor,
                self.best,
                self.patience,
            )

    def on_fit_end(self, history: History) -> None:
        if not (self.restore_best and self._state is not None and self._model is not None):
            return
        if len(history) and history.last["epoch"] != self.best_epoch:
            self._model.load_state_dict(self._state)
            _log.info(
                "restored the weights of epoch %s (%s=%s)", self.best_epoch, self.monitor, self.best
            )
        self._state = None


class LoggingCallback(Callback):
    """Log one line per epoch (all numbers in the epoch record) through ``logging``."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or _log
        self.level = level
        self._epochs = 0

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        self._epochs = trainer.fit_info.epochs if trainer.fit_info else 0

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        values = " ".join(
            f"{key}={value:.4g}" for key, value in logs.items() if key not in ("epoch", "seconds")
        )
        self.logger.log(
            self.level,
            "epoch %d/%d: %s (%.1f s)",
            epoch + 1,
            self._epochs,
            values,
            logs.get("seconds", 0.0),
        )


class ProgressCallback(Callback):
    """Report the fit to a ``tasknas._progress.Progress``: ``progress(message, done, total)``.

    ``per="batch"`` (default): after every batch, ``progress(label, done_batches,
    total_batches)``, where ``total_batches`` is the planned number for the whole fit (a fit
    stopped early ends before ``done_batches`` reaches it). ``per="epoch"``: after every
    epoch, ``progress(f"{label} epoch {e}/{E}", e, E)``.
    """

    def __init__(
        self, progress: Progress, label: str = "", *, per: Literal["batch", "epoch"] = "batch"
    ) -> None:
        check_choice("progress unit", per, _UNITS)
        self.progress = progress
        self.label = label
        self.per = per
        self._done = 0
        self._total = 0

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        self._done = 0
        info = trainer.fit_info
        if info is None:
            self._total = 0
        else:
            self._total = info.total_steps if self.per == "batch" else info.epochs

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        if self.per == "batch":
            self._done += 1
            self.progress(self.label, self._done, self._total)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if self.per == "epoch":
            done = epoch + 1
            self.progress(f"{self.label} epoch {done}/{self._total}", done, self._total)
