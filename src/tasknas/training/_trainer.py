"""``Trainer``: the one supervised training loop every tasknas component uses.

TA-NAS FUSE, MTL-NAS and the training evaluators all call ``fit`` / ``evaluate`` /
``predict`` here instead of writing their own loops. Behaviour changes through keyword
arguments and ``Callback`` objects, never by subclassing.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from tasknas._seeds import derive
from tasknas._torch import resolve_device, seeded
from tasknas._validation import check_choice, check_seed, non_negative, positive_int
from tasknas.errors import InvalidSettingError
from tasknas.training._callbacks import Callback
from tasknas.training._history import History
from tasknas.training._optim import OPTIMIZERS, SCHEDULERS, build_optimizer, build_scheduler

if TYPE_CHECKING:
    from tasknas.tasks import TensorData

__all__ = ["AugmentFn", "FitInfo", "LossFn", "MetricFn", "Trainer", "accuracy"]

_log = logging.getLogger(__name__)

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
MetricFn = Callable[[torch.Tensor, torch.Tensor], float]
#: A training-batch augmentation, ``augment(x, generator) -> x`` (``training._augment``).
AugmentFn = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

# Seed stream of the augmentation generator (the data order uses ``derive(seed, epoch)``).
_AUGMENT = 1


def accuracy(output: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction of rows of ``output`` whose arg-max equals the label in ``y`` (the exact
    count over the rows, in float64: ``474 / 500`` is ``0.948``, not a float32's
    ``0.94800001``)."""
    return int(_n_correct(output, y)) / len(y)


def _n_correct(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (output.argmax(dim=1) == y).sum()


@dataclass(frozen=True)
class FitInfo:
    """What the running ``fit`` call will do; ``trainer.fit_info`` while it runs."""

    epochs: int
    steps_per_epoch: int
    num_samples: int

    @property
    def total_steps(self) -> int:
        """Planned optimiser steps over the whole fit."""
        return self.epochs * self.steps_per_epoch


class Trainer:
    """Mini-batch training, evaluation and prediction of classifiers on ``TensorData``.

    Every keyword argument is kept as an attribute of the same name. ``loss(output, y)``
    returns a scalar tensor (cross-entropy by default); ``metric(output, y)`` returns a float
    (accuracy by default) and is reported under the ``accuracy`` keys. Each ``fit`` builds a
    fresh optimiser and schedule (stepped once per epoch), so optimiser state does not carry
    over between calls unless the caller passes its own ``optimizer`` to ``fit``. The data
    order of epoch ``e`` depends only on ``(seed, e)``, and everything random inside the fit
    (dropout, ...) draws from torch generators seeded with ``seed`` and restored afterwards:
    on the CPU two fits of equal models with equal settings give bit-identical weights.
    ``augment(x, generator)`` (off by default), when given, transforms every training batch
    before the forward pass (``RandomShift``: random ±2 pixel shifts); its generator is a CPU
    ``torch.Generator`` seeded from ``(seed, epoch)``, so augmented fits are reproducible too.

    While ``fit`` runs, ``fit_info`` describes it and a callback may set ``stop = True`` to
    end training after the current batch.

    Raises:
        InvalidSettingError: a setting is out of range or not one of the valid choices.
    """

    def __init__(
        self,
        *,
        epochs: int = 5,
        batch_size: int = 64,
        lr: float = 1e-3,
        optimizer: str = "adam",
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        scheduler: str | None = None,
        grad_clip: float | None = None,
        device: str = "cpu",
        seed: int = 0,
        callbacks: Iterable[Callback] = (),
        loss: LossFn | None = None,
        metric: MetricFn | None = None,
        augment: AugmentFn | None = None,
    ) -> None:
        self.epochs = positive_int("epochs", epochs)
        self.batch_size = positive_int("batch_size", batch_size)
        self.lr = non_negative("lr", lr, strict=True)
        check_choice("optimizer", optimizer, OPTIMIZERS)
        self.optimizer = optimizer
        self.momentum = non_negative("momentum", momentum)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        if nesterov and (optimizer != "sgd" or self.momentum == 0):
            raise InvalidSettingError(
                f"nesterov=True needs optimizer 'sgd' with momentum > 0, "
                f"got optimizer {optimizer!r} and momentum {momentum!r}"
            )
        self.nesterov = bool(nesterov)
        check_choice("scheduler", scheduler, SCHEDULERS, optional=True)
        self.scheduler = scheduler
        self.grad_clip = (
            None if grad_clip is None else non_negative("grad_clip", grad_clip, strict=True)
        )
        resolve_device(device)
        self.device = device
        self.seed = check_seed(seed)
        self.callbacks = tuple(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise InvalidSettingError(f"callbacks must be Callback objects, got {callback!r}")
        for name, fn in (("loss", loss), ("metric", metric)):
            if fn is not None and not callable(fn):
                raise InvalidSettingError(f"{name} must be callable or None, got {fn!r}")
        if augment is not None and not callable(augment):
            raise InvalidSettingError(f"augment must be callable or None, got {augment!r}")
        self.loss = loss
        self.metric = metric
        self.augment = augment
        self.stop = False
        self.fit_info: FitInfo | None = None

    # ------------------------------------------------------------------ training
    def fit(
        self,
        model: nn.Module,
        train: TensorData,
        val: TensorData | None = None,
        *,
        parameters: Iterable[torch.Tensor] | None = None,
        epochs: int | None = None,
        optimizer: torch.optim.Optimizer | None = None,
    ) -> History:
        """Train ``model`` on ``train``, validating on ``val`` after each epoch.

        Only ``parameters`` (default: every parameter of ``model`` that requires grad) are
        optimised; the model's other parameters are frozen for the call (their
        ``requires_grad`` is switched off and restored afterwards), so they keep their values
        and get no gradient. Gradients are set to ``None`` before every step, and those of the
        whole model and of ``parameters`` once more at the end, so nothing accumulates across
        calls (FUSE alternates ``fit(..., parameters=weights)`` and
        ``fit(..., parameters=[alpha])``). Tensors optimised from outside the model must
        already live on the trainer's device. ``epochs`` overrides the trainer's setting for
        this call.

        ``optimizer``, when given, is used instead of a fresh one, so its state (momentum,
        Adam moments, step counts) carries over from call to call: MTL-NAS alternates
        one-batch fits of the weights and of the gate logits, each with its own persistent
        optimiser. It optimises exactly its own parameters (``parameters`` must then be left
        out), the trainer's ``optimizer``/``lr``/``momentum``/``weight_decay``/``nesterov``
        settings are not used, and the caller owns its learning rate (the trainer must have
        no ``scheduler``).
        """
        epochs = self.epochs if epochs is None else positive_int("epochs", epochs)
        if len(train) == 0:
            raise InvalidSettingError("training data is empty")
        if optimizer is not None:
            parameters = self._optimizer_parameters(optimizer, parameters)
        device = resolve_device(self.device)
        model.to(device)
        params = self._select(model, parameters)
        chosen = {id(p) for p in params}
        frozen = [p for p in model.parameters() if p.requires_grad and id(p) not in chosen]
        history = History()
        self.stop = False
        self.fit_info = FitInfo(epochs, math.ceil(len(train) / self.batch_size), len(train))
        _log.debug(
            "fit: %d epochs on %d samples, %d parameter tensors, device %s",
            epochs,
            len(train),
            len(params),
            device,
        )
        for p in frozen:
            p.requires_grad_(False)
        try:
            with seeded(self.seed):
                self._run(model, train, val, params, epochs, device, history, optimizer)
        finally:
            for p in frozen:
                p.requires_grad_(True)
            model.zero_grad(set_to_none=True)
            for p in params:
                p.grad = None
            self.fit_info = None
        return history

    def _optimizer_parameters(
        self, optimizer: torch.optim.Optimizer, parameters: Iterable[torch.Tensor] | None
    ) -> list[torch.Tensor]:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise InvalidSettingError(f"optimizer must be a torch optimizer, got {optimizer!r}")
        if parameters is not None:
            raise InvalidSettingError(
                "give either parameters or an optimizer (which names its own parameters)"
            )
        if self.scheduler is not None:
            raise InvalidSettingError(
                f"scheduler {self.scheduler!r} cannot drive a caller's optimizer; "
                "use scheduler=None and set its learning rate yourself"
            )
        return [p for group in optimizer.param_groups for p in group["params"]]

    @staticmethod
    def _select(model: nn.Module, parameters: Iterable[torch.Tensor] | None) -> list[torch.Tensor]:
        if parameters is None:
            params = [p for p in model.parameters() if p.requires_grad]
        else:
            params = list(dict.fromkeys(parameters))  # drop duplicates, keep order
            for p in params:
                if not isinstance(p, torch.Tensor) or not p.requires_grad:
                    raise InvalidSettingError(
                        "parameters must be tensors that require grad; got one that does not"
                    )
        if not params:
            raise InvalidSettingError("no parameters to optimise")
        return params

    def _run(
        self,
        model: nn.Module,
        train: TensorData,
        val: TensorData | None,
        params: Sequence[torch.Tensor],
        epochs: int,
        device: torch.device,
        history: History,
        optimizer: torch.optim.Optimizer | None = None,
    ) -> None:
        if optimizer is None:
            optimizer = build_optimizer(
                self.optimizer,
                params,
                lr=self.lr,
                momentum=self.momentum,
                weight_decay=self.weight_decay,
                nesterov=self.nesterov,
            )
        scheduler = build_scheduler(self.scheduler, optimizer, epochs=epochs)
        for callback in self.callbacks:
            callback.on_fit_start(self, model)
        step = 0
        for epoch in range(epochs):
            start = time.perf_counter()
            lr = float(optimizer.param_groups[0]["lr"])
            record, step = self._train_epoch(model, train, params, optimizer, epoch, step, device)
            if val is not None:
                scores = self.evaluate(model, val)
                record.update(val_loss=scores["loss"], val_accuracy=scores["accuracy"])
            record.update(lr=lr, seconds=time.perf_counter() - start)
            history.append(record)
            if scheduler is not None:
                scheduler.step()
            for callback in self.callbacks:
                callback.on_epoch_end(epoch, dict(record))
            if self.stop:
                history.stopped_early = step < epochs * math.ceil(len(train) / self.batch_size)
                break
        for callback in self.callbacks:
            callback.on_fit_end(history)

    def _train_epoch(
        self,
        model: nn.Module,
        train: TensorData,
        params: Sequence[torch.Tensor],
        optimizer: torch.optim.Optimizer,
        epoch: int,
        step: int,
        device: torch.device,
    ) -> tuple[dict[str, float], int]:
        model.train()
        generator = torch.Generator().manual_seed(derive(self.seed, epoch))  # epoch's order
        order = torch.randperm(len(train), generator=generator).to(train.x.device)
        augment_rng = None  # the epoch's augmentation draws
        if self.augment is not None:
            augment_rng = torch.Generator().manual_seed(derive(self.seed, epoch, _AUGMENT))
        loss_sum = torch.zeros((), device=device)
        metric_sum: torch.Tensor | float = 0
        seen = 0
        for begin in range(0, len(train), self.batch_size):
            index = order[begin : begin + self.batch_size]
            x = train.x[index].to(device, non_blocking=True)
            y = train.y[index].to(device, non_blocking=True)
            if self.augment is not None and augment_rng is not None:
                x = self.augment(x, augment_rng)
            optimizer.zero_grad(set_to_none=True)
            output = model(x)
            loss = self._loss(output, y)
            loss.backward()
            if self.grad_clip is not None:
                nn.utils.clip_grad_norm_(params, self.grad_clip)
            optimizer.step()
            size = len(index)
            seen += size
            loss_sum += loss.detach() * size
            metric_sum = metric_sum + self._metric_sum(output.detach(), y)
            if self.callbacks:
                logs = {"epoch": epoch, "loss": float(loss.detach()), "size": size}
                for callback in self.callbacks:
                    callback.on_batch_end(step, logs)
            step += 1
            if self.stop:
                break
        record = {
            "epoch": epoch,
            "train_loss": float(loss_sum) / seen,
            "train_accuracy": float(metric_sum) / seen,
        }
        return record, step

    def _loss(self, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(output, y) if self.loss is None else self.loss(output, y)

    def _metric_sum(self, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor | float:
        """The metric summed over the batch's rows. The default, accuracy, is the count of
        correct rows (an integer tensor), so that a mean over many batches is exact."""
        # The default stays a tensor so that a GPU fit does not synchronise every batch.
        if self.metric is None:
            return _n_correct(output, y)
        return self.metric(output, y) * len(y)

    # ------------------------------------------------------------------ inference
    def evaluate(self, model: nn.Module, data: TensorData) -> dict[str, float]:
        """Mean ``loss`` and ``accuracy`` (the metric) of ``model`` on ``data``.

        Runs in eval mode without gradients and restores the model's previous mode.
        """
        if len(data) == 0:
            raise InvalidSettingError("evaluation data is empty")
        device = resolve_device(self.device)
        model.to(device)
        loss_sum = torch.zeros((), device=device)
        metric_sum: torch.Tensor | float = 0
        with _eval_mode(model), torch.no_grad():
            for begin in range(0, len(data), self.batch_size):
                x = data.x[begin : begin + self.batch_size].to(device, non_blocking=True)
                y = data.y[begin : begin + self.batch_size].to(device, non_blocking=True)
                output = model(x)
                loss_sum += self._loss(output, y).detach() * len(y)
                metric_sum = metric_sum + self._metric_sum(output, y)
        return {"loss": float(loss_sum) / len(data), "accuracy": float(metric_sum) / len(data)}

    def predict(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The outputs of ``model`` on the images ``x``, batched, in eval mode, on the CPU."""
        device = resolve_device(self.device)
        model.to(device)
        outputs = []
        with _eval_mode(model), torch.no_grad():
            for begin in range(0, len(x), self.batch_size):
                batch = x[begin : begin + self.batch_size].to(device, non_blocking=True)
                outputs.append(model(batch).cpu())
        if not outputs:
            raise InvalidSettingError("no images to predict")
        return torch.cat(outputs)


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Put ``model`` in eval mode for a ``with`` block, then restore its previous mode."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)
