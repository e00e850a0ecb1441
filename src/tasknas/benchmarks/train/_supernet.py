"""``SupernetEvaluator``: EMT-NAS weight-sharing evaluation, one supernet per task.

Protocol (EMT-NAS / KTNAS on DARTS-like spaces): each task has one supernet whose every edge
holds every operation (``tasknas.nn.build_supernet``). A generation is one epoch
(``generation_epochs`` epochs where asked): for each task, one pass over its training split
where every minibatch trains one genotype, drawn
uniformly from the generation's new individuals of that task or, with probability
``parent_prob``, from the ``parents`` fittest genotypes scored on the task so far (EMT-NAS
samples parents or offspring; generation 0 has no parents, so it trains the initial
population). Then each new individual's fitness is its validation accuracy with the shared
weights, without retraining. SGD (Nesterov momentum, weight decay) keeps its state across
generations; with ``budget`` the learning rate follows a cosine from ``lr`` to 0 over the
generations after the first, by the share of the task's evaluation budget left after the
initial population that they use (EMT-NAS anneals over its generations, whose number a
strategy does not fix in advance), else it stays at ``lr``.

How it fits ask/tell: it is a ``GenerationEvaluator``, so the ``Runner`` hands it each ask's
new trials at once (one ask = one generation of every strategy: ``emtnas``, ``ktnas``,
``re`` run unchanged). Everything random (initialisation, data order, sampling) derives from
``seed``, the task's name and the generation's index on that task, so a run is deterministic.

Resume: the runner passes results already in the run store; such a generation is not
scored again, and its epoch is only planned. Before the next generation that needs scores,
the planned epochs are trained (or skipped by loading the task's checkpoint, written in
``run_dir/supernets`` after every trained epoch, when its digest shows it was taken at that
point of the same run), so a resumed run continues with the same weights as one left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from tasknas._seeds import name_key, seed_rng
from tasknas._torch import resolve_device
from tasknas._validation import check_choice, check_int
from tasknas.benchmarks.train._image_evaluator import METRIC, ImageEvaluator
from tasknas.benchmarks.train._supernet_state import EpochPlan, Sampler, TaskSupernet, plan_lr
from tasknas.errors import InvalidSettingError, TasknasError
from tasknas.evaluator import GenerationEvaluator
from tasknas.nn import build_supernet, count_parameters
from tasknas.spaces import SearchSpace
from tasknas.tasks import Direction
from tasknas.training import build_optimizer
from tasknas.trial import Result, Trial

__all__ = ["SupernetEvaluator"]

_log = logging.getLogger(__name__)

# Seed streams of a task's supernet.
_INIT, _TRAIN, _SAMPLE = 1, 2, 3

#: What a supernet score can be (``fitness``): validation accuracy or validation loss.
FITNESS = ("accuracy", "loss")
#: The tasks' metric with ``fitness="loss"``.
LOSS_METRIC = "val_loss"
#: Settings left out of the checkpoint digest at these values, so that checkpoints of runs
#: made before the settings existed still match.
_DIGEST_DEFAULTS = {"generation_epochs": 1, "fitness": "accuracy"}

#: Fewer generations than this (a budget barely above the initial population) get a warning:
#: each generation is one epoch of the supernet, so its scores barely rank the architectures.
MIN_GENERATIONS = 5


class SupernetEvaluator(ImageEvaluator, GenerationEvaluator):
    """Scores the individuals of each generation with one weight-sharing supernet per task.

    Args:
        parent_prob: probability that a minibatch trains a parent instead of a new one.
        parents: how many of the task's fittest scored genotypes are parents.
        generation_epochs: epochs of shared training per generation (1: the EMT-NAS
            protocol). On small training sets one epoch is a few minibatches (9 on
            BreastMNIST's 546 images), too few for the shared weights to rank anything.
        fitness: ``"accuracy"`` (validation accuracy, the EMT-NAS protocol) or ``"loss"``
            (validation cross-entropy, minimised: the tasks' metric becomes ``val_loss``).
            Shared weights that predict one class give every such architecture the
            majority class's accuracy, a tie; their losses still differ.
        budget: evaluations per task over which the learning rate anneals (None: constant).
        **kwargs: see ``ImageEvaluator`` (SGD lr 0.1, momentum 0.9, weight decay 1e-4).

    Results: ``objective`` = validation accuracy (%) with the shared weights (minus the
    validation loss with ``fitness="loss"``); ``metrics`` = ``val_acc``, ``val_loss``,
    ``params`` (of the stand-alone network), ``generation`` (index on the task) and
    ``train_seconds`` (the generation's epochs); ``cost`` = a share of those plus the
    individual's validation seconds.
    """

    def __init__(
        self,
        space: str | SearchSpace[Any],
        tasks: Sequence[str],
        *,
        parent_prob: float = 0.5,
        parents: int = 10,
        generation_epochs: int = 1,
        fitness: str = "accuracy",
        budget: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(space, tasks, **kwargs)
        check_choice("fitness", fitness, FITNESS)
        self.fitness = fitness
        if fitness == "loss":
            self._tasks = {
                name: replace(task, metric=LOSS_METRIC, direction=Direction.MINIMIZE)
                for name, task in self._tasks.items()
            }
        if not 0.0 <= parent_prob <= 1.0:
            raise InvalidSettingError(f"parent_prob must be in [0, 1], got {parent_prob!r}")
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int)):
            raise InvalidSettingError(f"budget must be a whole number or None, got {budget!r}")
        self.parent_prob = float(parent_prob)
        self.parents = check_int("parents", parents, 0)
        self.generation_epochs = check_int("generation_epochs", generation_epochs, 1)
        self.budget = budget if budget is None or budget > 0 else None
        self.checkpoint_dir: Path | None = None
        self._states: dict[str, TaskSupernet] = {}
        self._warned = False  # about too few generations: once per evaluator

    def attach(self, run_dir: Path) -> None:
        """Write supernet checkpoints into ``run_dir/supernets`` (and load them on resume)."""
        self.checkpoint_dir = Path(run_dir) / "supernets"

    def supernet(self, task: str) -> Any:
        """The supernet of ``task`` (built on first use)."""
        return self._state(self.task(task).name).network

    # -- generations ------------------------------------------------------------------------

    def evaluate_generation(
        self, trials: Sequence[Trial], stored: Sequence[Result | None]
    ) -> list[Result]:
        if len(trials) != len(stored):
            raise InvalidSettingError(f"got {len(trials)} trials but {len(stored)} results")
        groups: dict[str, list[int]] = {}
        for i, trial in enumerate(trials):
            self.check_arch(trial.arch)
            groups.setdefault(self.task(trial.task).name, []).append(i)
        results: list[Result | None] = list(stored)
        for task in [t for t in self.tasks if t in groups]:
            index = groups[task]
            scored = self._generation(
                task, [trials[i].arch for i in index], [stored[i] for i in index]
            )
            for i, result in zip(index, scored, strict=True):
                results[i] = result
        return results  # type: ignore[return-value]

    def _generation(self, task: str, archs: list[Any], stored: list[Result | None]) -> list[Result]:
        state = self._state(task)
        plan = EpochPlan(
            state.generation,
            tuple(archs),
            state.parents(self.parents),
            plan_lr(self.lr, state.evaluated, state.first, self.budget),
        )
        state.generation += 1
        state.backlog.append(plan)
        results = list(stored)
        if any(r is None for r in stored):
            results = self._score(task, state, plan, archs, stored)
        for arch, result in zip(archs, results, strict=True):
            state.record(arch, result.objective if result.ok else -np.inf)  # type: ignore[union-attr]
        if plan.generation == 0:
            state.first = state.evaluated  # the initial population's size
        if plan.generation < 2:
            self._warn_few_generations(task, plan.generation, len(archs), state.first)
        return results  # type: ignore[return-value]

    def _warn_few_generations(self, task: str, generation: int, size: int, first: int) -> None:
        """Warn (once) when the budget gives fewer than ``MIN_GENERATIONS`` generations: at
        the first generation if it spends the whole budget, else at the second, whose size
        gives the number of generations the rest of the budget makes (about)."""
        budget = self.budget
        if budget is None or self._warned:
            return
        if generation == 0 and first >= budget:
            self._warned = True
            _log.warning(
                "budget %d gives 1 generation of the supernet search on %s: the initial "
                "population spends all %d evaluations, so every architecture is scored after "
                "one epoch of shared training; a budget above the strategy's population size "
                "gives 2 or more generations",
                budget,
                task,
                budget,
            )
        elif generation == 1 and size > 0:
            count = 1 + -(-(budget - first) // size)  # the first, then `size` per generation
            if count < MIN_GENERATIONS:
                self._warned = True
                _log.warning(
                    "budget %d gives about %d generations of the supernet search on %s "
                    "(%d evaluations in the first, %d in each next), so the supernet trains "
                    "only %d epochs; a budget of at least %d gives %d generations",
                    budget,
                    count,
                    task,
                    first,
                    size,
                    count,
                    first + (MIN_GENERATIONS - 1) * size,
                    MIN_GENERATIONS,
                )

    def _score(
        self,
        task: str,
        state: TaskSupernet,
        plan: EpochPlan,
        archs: list[Any],
        stored: list[Result | None],
    ) -> list[Result]:
        start = time.perf_counter()
        try:
            self._catch_up(task, state)
        except TasknasError:
            raise
        except Exception as exc:  # a crashing epoch fails its generation, not the run
            _log.warning("supernet epoch of %s failed: %s", task, exc)
            cost = (time.perf_counter() - start) / len(archs)
            error = f"{type(exc).__name__}: {exc}"
            return [r if r is not None else Result.failure(error, cost) for r in stored]
        train_seconds = time.perf_counter() - start
        data = self.data(task)
        trainer = self.trainer(epochs=1, seed=0, scheduler=None)
        judged = self.task(task)  # its metric and direction make the objective
        results = []
        for arch, result in zip(archs, stored, strict=True):
            if result is None:
                began = time.perf_counter()
                state.network.select(arch)  # type: ignore[operator]
                scores = trainer.evaluate(state.network, data.val)
                val = 100.0 * scores["accuracy"]
                metrics = {
                    METRIC: val,
                    LOSS_METRIC: scores["loss"],
                    "params": float(count_parameters(self.network(arch, task, seed=0))),
                    "generation": float(plan.generation),
                    "train_seconds": train_seconds,
                }
                cost = train_seconds / len(archs) + time.perf_counter() - began
                objective = judged.objective(metrics[judged.metric])
                result = Result(objective=objective, metrics=metrics, cost=cost)
            results.append(result)
        best = max((r.objective for r in results if r.ok), default=float("nan"))
        _log.info(
            "%s generation %d: %d individuals, lr %.3g, epochs %.1f s, best objective %.4g",
            task,
            plan.generation,
            len(archs),
            plan.lr,
            train_seconds,
            best,
        )
        return results

    # -- training ---------------------------------------------------------------------------

    def _catch_up(self, task: str, state: TaskSupernet) -> None:
        """Train every planned epoch of ``task`` (after the checkpoint, if it matches)."""
        device = resolve_device(self.device)
        path = self._checkpoint(task)
        plans = state.skip_to_checkpoint(path, device)
        data = self.data(task)
        for plan in plans:
            rng = seed_rng(self.task_seed(task, _SAMPLE, plan.generation))
            sampler = Sampler(state.network, plan, self.parent_prob, rng)
            for group in state.optimizer.param_groups:
                group["lr"] = plan.lr
            trainer = self.trainer(
                epochs=self.generation_epochs,
                seed=self.task_seed(task, _TRAIN, plan.generation),
                scheduler=None,
                callbacks=[sampler],
            )
            trainer.fit(state.network, data.train, optimizer=state.optimizer)
            state.digest = plan.digest(state.digest)
        if plans and path is not None:
            state.save(path)

    def _state(self, task: str) -> TaskSupernet:
        if task not in self._states:
            data = self.data(task)
            network = build_supernet(
                self.space,
                in_channels=data.in_channels,
                num_classes=data.num_classes,
                seed=self.task_seed(task, _INIT),
                **self.network_options(),
            )
            optimizer = build_optimizer(
                "sgd",
                list(network.parameters()),
                lr=self.lr,
                momentum=self.momentum,
                weight_decay=self.weight_decay,
                nesterov=True,
            )
            self._states[task] = TaskSupernet(network, optimizer, self._origin(task))
        return self._states[task]

    def _origin(self, task: str) -> str:
        """The digest chain's start: the settings that shape the supernet's training."""
        ignored = ("device", "checkpoint_dir")
        settings = {k: v for k, v in sorted(vars(self).items()) if k[0] != "_" and k not in ignored}
        for name, default in _DIGEST_DEFAULTS.items():
            if settings[name] == default:
                del settings[name]
        return repr((self.space.name, task, settings))

    def _checkpoint(self, task: str) -> Path | None:
        if self.checkpoint_dir is None:
            return None
        return self.checkpoint_dir / f"supernet-{name_key(task)[0]:08x}.pt"
