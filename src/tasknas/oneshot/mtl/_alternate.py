"""The alternating single-shot search of MTL-NAS's edge logits and network weights."""

from __future__ import annotations

import logging
import math

import torch

from tasknas._progress import Tracker
from tasknas._seeds import derive, seed_rng
from tasknas.errors import InvalidSettingError
from tasknas.nn import MTLNetwork
from tasknas.oneshot.mtl._objective import MultiTaskLoss, mtl_trainer
from tasknas.oneshot.mtl._settings import MTLSettings
from tasknas.tasks import TensorData

__all__ = ["alternate"]

_log = logging.getLogger(__name__)

# Random streams (distinct from those of ``_mtl``).
_HALVES, _ALPHA, _WEIGHTS = range(50, 53)


def alternate(
    net: MTLNetwork,
    train: TensorData,
    settings: MTLSettings,
    seed: int,
    tracker: Tracker,
    trace: list[dict[str, float]] | None = None,
) -> list[float]:
    """Search ``net``'s edge logits while training its weights on ``train``.

    The search runs ``2 * epochs`` *search epochs*. Each reshuffles ``train`` into halves A
    and B (an odd last image sits out); then, batch by batch, one ``Trainer.fit`` of
    ``alpha`` alone on a batch of A (Adam; ``alpha_gate`` gates; loss = task losses +
    λ · mean gate entropy, λ ramped up over ``lam_ramp``) and one of the weights alone on a
    batch of B (SGD; ``weight_gate`` gates at the annealed temperature). Two search epochs
    thus give the weights as many SGD steps as one baseline epoch, at that epoch's cosine
    learning rate, so the weights follow the baselines' schedule step for step. Both
    optimisers persist across the fits; each fit has its own seed, so relaxed-Bernoulli
    samples differ from step to step. Returns the mean gate entropy after each search epoch.

    Before the first step every logit is set to ``alpha_init``; during the first
    ``alpha_warmup`` of the search only the weight steps run. With ``trace`` (a list), one
    record per architecture step is appended: progress, λ, the mean and min/max of alpha,
    the number of open edges, and the mean over edges of the gradient on alpha of the task
    losses and of the λ-weighted entropy term (measured separately, before the step; an
    extra backward pass, so only for diagnostics).

    Raises:
        InvalidSettingError: fewer than two training images.
    """
    half = len(train) // 2
    if half == 0:
        raise InvalidSettingError(f"the search needs two or more training images, got {len(train)}")
    loss = MultiTaskLoss(net.num_classes)
    batch, rounds = settings.batch_size, 2 * settings.epochs
    lam = [settings.lam]  # updated every step (ramp)
    weights = torch.optim.SGD(
        net.weights(),
        lr=settings.lr,
        momentum=settings.momentum,
        weight_decay=settings.weight_decay,
    )
    alpha = torch.optim.Adam([net.alpha], lr=settings.alpha_lr, betas=(settings.alpha_beta1, 0.999))
    steps = math.ceil(half / batch)
    warmup = round(settings.alpha_warmup * rounds * steps)  # weight-only steps
    with torch.no_grad():
        net.alpha.fill_(settings.alpha_init)

    def alpha_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        task, entropy = loss(logits, y), lam[0] * net.gate_entropy()
        if trace is not None:
            _record(trace, net, task, entropy, lam[0])
        return task + entropy

    history = []
    for epoch in range(rounds):
        cosine = (1 + math.cos(math.pi * (epoch // 2) / settings.epochs)) / 2
        for group in weights.param_groups:
            group["lr"] = settings.lr * cosine
        order = seed_rng(derive(seed, _HALVES, epoch)).permutation(len(train))
        halves = torch.from_numpy(order[:half]), torch.from_numpy(order[half : 2 * half])
        for k in range(steps):
            progress = (epoch * steps + k) / (rounds * steps)
            net.temperature = settings.temperature(progress)
            lam[0] = settings.entropy_weight(progress)
            part = slice(k * batch, (k + 1) * batch)
            if epoch * steps + k >= warmup:
                net.gate_mode = settings.alpha_gate
                mtl_trainer(
                    net.num_classes, settings, derive(seed, _ALPHA, epoch, k), loss=alpha_loss
                ).fit(net, _rows(train, halves[0][part]), optimizer=alpha, epochs=1)
                if trace is not None:
                    trace[-1]["progress"] = progress
            net.gate_mode = settings.weight_gate
            mtl_trainer(net.num_classes, settings, derive(seed, _WEIGHTS, epoch, k)).fit(
                net, _rows(train, halves[1][part]), optimizer=weights, epochs=1
            )
        history.append(float(net.gate_entropy().detach()))
        tracker.step(f"search epoch {epoch + 1}/{rounds}")
        _log.info(
            "search epoch %d/%d: gate entropy %.4f, %d edges open",
            epoch + 1,
            rounds,
            history[-1],
            len(net.open_edges()),
        )
    return history


def _record(
    trace: list[dict[str, float]],
    net: MTLNetwork,
    task: torch.Tensor,
    entropy: torch.Tensor,
    lam: float,
) -> None:
    """One diagnostic record of an architecture step (see ``alternate``)."""
    (g_task,) = torch.autograd.grad(task, net.alpha, retain_graph=True)
    g_entropy = (
        torch.autograd.grad(entropy, net.alpha, retain_graph=True)[0]
        if entropy.requires_grad
        else torch.zeros_like(net.alpha)
    )
    a = net.alpha.detach()
    trace.append(
        {
            "lam": lam,
            "alpha_mean": float(a.mean()),
            "alpha_min": float(a.min()),
            "alpha_max": float(a.max()),
            "open": float((a > 0).sum()),
            "grad_task": float(g_task.mean()),
            "grad_task_abs": float(g_task.abs().mean()),
            "grad_entropy": float(g_entropy.mean()),
            "grad_entropy_abs": float(g_entropy.abs().mean()),
            "grad_task_pos": float((g_task > 0).float().mean()),
        }
    )


def _rows(data: TensorData, index: torch.Tensor) -> TensorData:
    return TensorData(data.x[index], data.y[index])
