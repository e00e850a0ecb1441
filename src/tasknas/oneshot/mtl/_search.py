"""``mtl_search``: MTL-NAS (Gao et al., CVPR 2020), single-shot search of cross-task edges.

Protocol (every step runs the ONE ``Trainer``; SGD with a per-epoch cosine learning rate on
the weights throughout):

1. **Pretrain** one VGG backbone per task as independent single-task networks
   (``pretrain_epochs``, full training split). Every network below starts from these weights.
2. **Single-task baseline**: the same networks trained ``epochs`` more epochs.
3. **All-edges baseline** (NDDR-style supernet): every candidate edge on, ``epochs`` epochs.
4. **Search**, ``epochs`` epochs: each epoch the training split is reshuffled into halves
   A and B, and steps alternate batch by batch: one Adam step on the edge logits alpha on a
   batch of A (gates ``alpha_gate``, loss = sum of task losses + λ · mean gate entropy),
   then one SGD step on the weights on a batch of B (gates ``weight_gate``; relaxed
   Bernoulli samples whose temperature is annealed over the search). The entropy term
   drives every gate to 0 or 1, so the searched network is evaluated as it is, with hard
   gates (alpha > 0), and never retrained.

All three are scored on the test split in eval mode (batch-norm running statistics).
By default (``search_start="all_edges"``, below) step 4 starts from the network of step 3
instead of the pretrained backbones, and steps 2 and 3 then train ``epochs`` more before
they are scored, so all three networks have the same training.

Deviations from the paper, to fit two CPU cores and classification tasks: small VGG
backbones (default 3 blocks × 2 stages, 8-32 channels, a pooled linear head) pretrained on
the task itself instead of ImageNet-initialised VGG-16 DeepLab; the exchanged features are
the stages' convolution outputs before batch norm and the own-path block of the 1×1 fusion
convolution is fixed at the identity (``StageFusion``); a few hundred steps instead of
20,000, hence larger learning rates (alpha: Adam 0.1, no weight decay; weights: SGD 0.05,
cosine, no per-layer multipliers), λ ramped up over the first half of the search (the
paper's optional ramp; its default is a constant λ) and the temperature annealed to 0.1
rather than 0; no data augmentation.

Two options that MTL-NAS does not have (both off by default, so the default search is the
paper's): ``alpha_init`` starts every edge logit at a given value instead of 0 (gates 0.5),
and ``alpha_warmup`` runs the first fraction of the search with weight steps only. Why they
exist (``benchmarks/mtl_schedules.py``, which logs the gradient on alpha of the task losses
and of the entropy term separately): the fusion weights start at zero, so the first
architecture steps see cross-task features that are still noise to the target task; the
task-loss gradient then points towards closing on about three quarters of the edges
(Omniglot, seed 0, first 10 steps: +5e-4 per edge on average). The entropy term has no
preferred sign (it pushes each logit further from 0, whichever side it is on), so that
small but consistent sign decides: Adam turns it into full-size steps, and as λ ramps up
the entropy term (10-100x the task gradient) hardens the closed gates: mean gate entropy
0.33 nats after the first of 12 search epochs. A smaller λ (1) does not change
this (0.41 nats, 1 edge open); a warm-up of a quarter of the search leaves the task
gradient balanced (53 % of the edges closing) and keeps more edges open (mean 8.4 and 6.2
of 18 on MultiMNIST and Omniglot against 5.4 and 3.6), but over 5 paired seeds its accuracy
gain over the default search (+0.2 and +0.3 points) is not significant, so it stays off.
A positive ``alpha_init`` opens every edge for good: the entropy term's push outweighs the
task gradient from the first step.

Two more options (issue 15 follow-up): ``search_start="all_edges"`` (the default since
2026-12-04) starts the search from the trained all-edges baseline instead of the
pretrained backbones (a deviation: MTL-NAS trains weights and alpha jointly from the
start; ``"pretrained"`` is the published search), and ``alpha_beta1`` (0.5, MTL-NAS's, by
default) sets Adam's first-moment decay of alpha. From trained fusion weights the
task gradient points towards *opening* (a third of the edges closing in the first 10
steps, against 55 % after a warm-up), confirming the cause above, and 15-17 of 18 edges
stay open. Such a search gives its weights ``epochs`` more training than the baselines
had; its gain over the 6-epoch baselines (+1.0 and +5.7 points over all-edges) was that
training time, not the search. So with ``all_edges`` each baseline trains ``epochs`` more
too (a second cosine schedule on its own stream) before it is scored, and all three
networks are compared at ``2 * epochs`` (``MTLResult.epochs``). Measured that way
(``benchmarks/mtl_schedules.py``, ``control=all_edges_2x`` and ``control=single_2x``; 20
paired seeds in BENCHMARKS.md) the searched network is ahead of the single-task networks
on every MultiMNIST and Omniglot task (significantly on 3 or 4 of them, depending on
whether seeds 0-4 are the stored runs or reruns) and level with all-edges (-0.11 [-0.27,
+0.04] points). At equal training it is 1.0 point better than the search from the
pretrained backbones, which closes most edges (hence the default). A slower alpha
(``alpha_lr`` 0.03, ``alpha_beta1`` 0.9, with the warm-up) does not change the sign of the
early task gradient and was no better than the warm-up alone (2 seeds per set). Which
edges the default search closes is no better than chance: as many random edges, trained
from the same all-edges network as the all-edges baseline is, are as good (+0.06 [-0.07,
+0.18] points for the searched edges, 20 paired seeds per set); it closes mostly the cheap
first-block edges. The paper's search's 4 or so edges are no better than 4 random ones
either (BENCHMARKS.md, "Does the search pick its edges better than chance?").
"""

from __future__ import annotations

import copy
import logging
import time

from tasknas._progress import Progress, Tracker
from tasknas._seeds import derive
from tasknas._torch import seeded
from tasknas._validation import check_seed
from tasknas.nn import MTLNetwork, VGGBackbone
from tasknas.oneshot.mtl._alternate import alternate
from tasknas.oneshot.mtl._objective import mtl_trainer, task_accuracies
from tasknas.oneshot.mtl._result import NETWORKS, MTLResult, edge_names
from tasknas.oneshot.mtl._settings import MTLSettings
from tasknas.tasks import MultiTaskSet, TensorData
from tasknas.training import ProgressCallback

__all__ = ["build_mtl_network", "mtl_search"]

_log = logging.getLogger(__name__)

# Random streams of an MTL-NAS run (distinct from FUSE's).
_INIT, _PRETRAIN, _SINGLE, _ALL = range(40, 44)
#: The two baselines: name, gate mode, random stream.
_BASELINES = (("single_task", "none", _SINGLE), ("all_edges", "all", _ALL))


def build_mtl_network(task_set: MultiTaskSet, settings: MTLSettings, seed: int) -> MTLNetwork:
    """One ``VGGBackbone`` per task of ``task_set`` joined by every candidate edge."""
    with seeded(derive(seed, _INIT)):
        backbones = [
            VGGBackbone(
                task_set.in_channels, k, blocks=settings.blocks, head_pool=settings.head_pool
            )
            for k in task_set.num_classes
        ]
    return MTLNetwork(backbones, limit=settings.limit)


def mtl_search(
    task_set: MultiTaskSet,
    *,
    settings: MTLSettings = MTLSettings(),  # noqa: B008  (frozen, so shared safely)
    seed: int = 0,
    progress: Progress | None = None,
) -> MTLResult:
    """Run MTL-NAS and both baselines on ``task_set`` (module docstring).

    Same seed and settings, same result (on the CPU). ``progress(message, done, total)`` is
    called after every epoch of every phase.

    Raises:
        InvalidSettingError: a bad seed, or fewer than two training images per half.
    """
    start = time.perf_counter()
    seed = check_seed(seed)
    warm = settings.search_start == "all_edges"
    extra = 2 * settings.epochs if warm else 0  # both baselines' continued training
    tracker = Tracker(progress, settings.pretrain_epochs + 4 * settings.epochs + extra)
    net = build_mtl_network(task_set, settings, seed)
    if settings.pretrain_epochs:
        _train(
            net,
            "none",
            task_set.train,
            settings,
            settings.pretrain_epochs,
            derive(seed, _PRETRAIN),
            tracker,
            "pretrain",
        )
    baselines = {name: copy.deepcopy(net) for name, _, _ in _BASELINES}

    def train_baselines(*keys: int) -> None:
        """Each baseline ``epochs`` more, on the stream ``(its stream, *keys)``."""
        for name, mode, stream in _BASELINES:
            label = name.replace("_", "-") + (" (as long as the search)" if keys else "")
            _train(
                baselines[name],
                mode,
                task_set.train,
                settings,
                settings.epochs,
                derive(seed, stream, *keys),
                tracker,
                label,
            )

    train_baselines()
    if warm:
        # The search starts from the trained all-edges supernet, so its weights get
        # ``epochs`` more training than the baselines had: each baseline trains as many
        # more epochs (a second cosine schedule, its own stream) before it is scored.
        net = copy.deepcopy(baselines["all_edges"])
        train_baselines(1)
    accuracy = {
        name: _test(baselines[name], mode, task_set.test, settings) for name, mode, _ in _BASELINES
    }
    epochs = dict.fromkeys(NETWORKS, (2 if warm else 1) * settings.epochs)
    entropy = alternate(net, task_set.train, settings, seed, tracker)
    accuracy["searched"] = _test(net, "hard", task_set.test, settings)
    chosen = net.open_edges()
    single = net.backbone_parameters()
    tasks = task_set.tasks
    result = MTLResult(
        dataset=task_set.name,
        tasks=tasks,
        accuracy={t: {n: acc[i] for n, acc in accuracy.items()} for i, t in enumerate(tasks)},
        candidates=tuple(edge_names(e, tasks) for e in net.edges),
        alpha=tuple(float(a) for a in net.alpha.detach().cpu()),
        edges=tuple(edge_names(net.edges[k], tasks) for k in chosen),
        gate_entropy=float(net.gate_entropy().detach()),
        entropy_history=tuple(entropy),
        params={
            "single_task": single,
            "all_edges": single + net.edge_parameters(range(len(net.edges))),
            "searched": single + net.edge_parameters(chosen),
        },
        stage_channels=net.backbones[0].stage_channels,
        block_of_stage=net.backbones[0].block_of_stage,
        seconds=time.perf_counter() - start,
        network=net.subnetwork(chosen).cpu(),
        search_start=settings.search_start,
        epochs=epochs,
    )
    _log.info(
        "MTL-NAS on %s: %d of %d edges chosen, gate entropy %.4f, %.1f s",
        task_set.name,
        len(chosen),
        len(net.edges),
        result.gate_entropy,
        result.seconds,
    )
    return result


def _train(
    net: MTLNetwork,
    mode: str,
    train: TensorData,
    settings: MTLSettings,
    epochs: int,
    seed: int,
    tracker: Tracker,
    label: str,
) -> None:
    """Plain training of the weights with gates in ``mode`` (a baseline or pretraining)."""
    net.gate_mode = mode
    trainer = mtl_trainer(
        net.num_classes,
        settings,
        seed,
        optimizer="sgd",
        lr=settings.lr,
        momentum=settings.momentum,
        weight_decay=settings.weight_decay,
        scheduler="cosine",
        callbacks=[ProgressCallback(lambda m, d, t: tracker.step(m), label, per="epoch")],
    )
    history = trainer.fit(net, train, parameters=net.weights(), epochs=epochs)
    _log.info("%s: train loss %.4f", label, history.last["train_loss"])


def _test(net: MTLNetwork, mode: str, test: TensorData, settings: MTLSettings) -> list[float]:
    net.gate_mode = mode
    logits = mtl_trainer(net.num_classes, settings, 0).predict(net, test.x)
    return task_accuracies(logits, test.y, net.num_classes)
