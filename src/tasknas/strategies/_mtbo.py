"""Multi-task Bayesian optimisation: one Gaussian process over every task, with a learned
task covariance, chooses each task's next architecture by expected improvement.

Every result of every task goes into one model (``tasknas.surrogate.MultiTaskGP``:
``k((x, i), (x', j)) = B[i, j] · k(x, x')``). The task covariance ``B`` is fitted to the
results, so a task borrows from another exactly as much as their results agree: two copies
of one task share everything, a task unrelated to the others gets correlations near 0 and
is searched as if alone. Nothing crosses between tasks but information; no task spends its
budget on another task's architectures unless its own model expects them to be good.

Features of an architecture: the space's one-hot encoding of its pruned form (the network
it computes: in the cell spaces, edges whose result never reaches the output set to
``none``; ``prune=False`` encodes the architecture as written) and, where the space has a
shipped zero-cost proxy table (NAS-Bench-201 and TransNAS micro SynFlow), the proxy's rank
among all cells as one more input dimension — a prior feature whose relevance the model
learns (automatic relevance determination), like any other. Architectures that are one
network thus share their inputs, and the model can only explain the differences of their
results as noise, not by edges that do nothing.

Each ``ask``:

1. a task with fewer than ``initial`` results gets the next architectures of a shared,
   seeded initial design (the same architectures for every task, so the model sees how the
   tasks' results co-vary from the start);
2. otherwise the model is conditioned on every result so far (hyperparameters re-fitted
   when the number of results has grown by ``refit_growth`` since the last fit, warm-started)
   and each task gets the ``batch_size`` candidates of highest expected improvement over
   its best result, among the architectures it has not evaluated.

Candidates: every architecture of a finite space up to ``max_pool`` architectures (the
whole of NAS-Bench-201 and TransNAS-Bench-101 micro); otherwise ``candidates`` per ask,
half uniform samples, half mutations of the best architectures found on any task.

The strategy is deterministic given its seed and the results it is told, so a resumed run
(replay) ends as one left alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar

import numpy as np

from tasknas._seeds import spawned_rng
from tasknas._validation import check_flag, positive_int
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.proxies import proxy_table
from tasknas.spaces import SearchSpace
from tasknas.strategies._base import Strategy
from tasknas.strategies._prescreen import resolve_proxy
from tasknas.surrogate import MultiTaskGP, expected_improvement
from tasknas.trial import Result, Trial

__all__ = ["ACQUISITIONS", "DESIGNS", "MultiTaskBO", "SingleTaskBO"]

#: Spawn key of the shared design's generator: apart from the per-task streams (keys 0, 1, …)
#: and independent of the number of tasks, so a task gets the same design alone or with others.
_DESIGN_STREAM = 2**20

#: Initial designs: ``auto`` is ``proxy`` where the space is finite and has a proxy table.
DESIGNS = ("auto", "proxy", "diverse", "random")
#: Share of the space, by proxy rank, that the ``diverse`` design picks from.
_DIVERSE_TOP = 0.02
#: Acquisition functions: upper confidence bound ``mean + beta·std``, expected improvement.
ACQUISITIONS = ("ucb", "ei")


def _proxy_rank(values: np.ndarray) -> np.ndarray:
    """Proxy scores as ranks in [0, 1] (``-inf`` and NaN lowest; ties share their average
    rank, as ``scipy.stats.rankdata``'s default: numpy here, because importing
    ``scipy.stats`` costs each worker process about 2 s)."""
    clean = np.where(np.isfinite(values), values, -np.inf)
    _, inverse, counts = np.unique(clean, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)  # 1-based rank of each distinct value's last occurrence
    ranks = (last - (counts - 1) / 2.0)[inverse.reshape(-1)]
    return (ranks - 1.0) / max(len(ranks) - 1, 1)


def _proxy_function(space: SearchSpace[Any], proxy: str | None) -> Callable[[Any], float] | None:
    """The proxy feature: ``auto`` is any shipped table of the space (NB201 and TransNAS
    micro SynFlow), ``synflow`` the score computed where there is no table, ``None`` none."""
    if proxy == "auto":
        table = proxy_table(space.name)
        return None if table is None else (lambda arch: table[str(arch)])
    return resolve_proxy(space, proxy)  # refuses unknown names


def _features(
    space: SearchSpace[Any], proxy: str | None, archs: Sequence[Any], prune: bool = False
) -> np.ndarray:
    """One-hot encodings of ``archs`` (of their pruned forms with ``prune``: the network
    each computes), plus the proxy's rank among them when there is one."""
    coded = [space.prune(a) for a in archs] if prune else archs
    features = np.stack([space.encode(a) for a in coded]).astype(float)
    proxy_fn = _proxy_function(space, proxy)
    if proxy_fn is not None:
        scores = np.array([proxy_fn(a) for a in archs], dtype=float)
        features = np.column_stack([features, _proxy_rank(scores)])
    return features


_POOLS: dict[
    tuple[str, str, str | None, bool], tuple[tuple[Any, ...], np.ndarray, dict[str, int]]
] = {}


def _whole_space(
    space: SearchSpace[Any], proxy: str | None, prune: bool = False
) -> tuple[tuple[Any, ...], np.ndarray, dict[str, int]]:
    """Every architecture of a finite ``space``, its features and the row of each
    architecture string (cached per process)."""
    key = (type(space).__qualname__, space.name, proxy, prune)
    if key not in _POOLS:
        archs = tuple(space.enumerate())
        _POOLS[key] = (
            archs,
            _features(space, proxy, archs, prune),
            {str(a): i for i, a in enumerate(archs)},
        )
    return _POOLS[key]


class MultiTaskBO(Strategy):
    """Bayesian optimisation with a multi-task Gaussian process (learned task covariance).

    Args:
        space: the search space.
        tasks: task names (one model for all of them).
        initial: results a task gets from the shared initial design before the model
            chooses.
        batch_size: architectures per task and ask once the model chooses.
        proxy: zero-cost proxy feature: ``"auto"`` (a shipped table where the space has
            one), ``"synflow"`` (computed; slow outside small spaces) or ``None``.
        max_pool: largest finite space scored whole at every ask.
        candidates: candidates per ask in spaces larger than ``max_pool``.
        refit_growth: re-fit the hyperparameters when the number of results has grown by
            this factor since the last fit (1.0: at every ask).
        steps: Adam steps of the first hyperparameter fit.
        warm_steps: Adam steps of each later, warm-started fit.
        threads: torch threads of the model (``None``: torch's default).
        design: initial design, one of ``DESIGNS``.
        acquisition: ``"ucb"`` or ``"ei"``.
        beta: weight of the standard deviation in the upper confidence bound.
        max_train: most results the model is fitted on.
        prune: encode each architecture by its pruned form (``SearchSpace.prune``: parts
            that never reach the output removed), so architectures that are one network
            share their features and the model explains their differences as noise.
        seed: seed of the per-task generators and of the model.
    """

    name: ClassVar[str] = "mtbo"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        initial: int = 4,
        batch_size: int | None = None,
        proxy: str | None = "auto",
        max_pool: int = 50_000,
        candidates: int = 2_000,
        refit_growth: float = 1.1,
        steps: int = 80,
        warm_steps: int = 25,
        threads: int | None = 1,
        design: str = "auto",
        acquisition: str = "ucb",
        beta: float = 0.5,
        max_train: int = 300,
        prune: bool = True,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        self.max_pool = max_pool
        for label, value in {
            "initial": initial,
            "batch_size": 1 if batch_size is None else batch_size,
            "max_pool": max_pool,
            "candidates": candidates,
            "max_train": max_train,
        }.items():
            positive_int(label, value)
        if not refit_growth >= 1.0:
            raise InvalidSettingError(f"refit_growth must be >= 1, got {refit_growth!r}")
        if design not in DESIGNS:
            raise UnknownNameError("initial design", design, DESIGNS)
        if acquisition not in ACQUISITIONS:
            raise UnknownNameError("acquisition function", acquisition, ACQUISITIONS)
        if not beta >= 0:
            raise InvalidSettingError(f"beta must be >= 0, got {beta!r}")
        check_flag("prune", prune)
        has_proxy = _proxy_function(space, proxy) is not None  # fails now on an unknown name
        if design in ("proxy", "diverse") and not (has_proxy and self._finite(space)):
            raise InvalidSettingError(
                f"design {design!r} needs a finite space with a proxy table (nb201, transnas-micro)"
            )
        self.initial = initial
        self.batch_size = batch_size
        self.proxy = proxy
        self.candidates = candidates
        self.refit_growth = refit_growth
        if design == "auto":
            design = "proxy" if has_proxy and self._finite(space) else "random"
        self.design = design
        self.acquisition = acquisition
        self.beta = beta
        self.max_train = max_train
        self.prune = prune
        self.model = MultiTaskGP(
            len(self.tasks),
            steps=steps,
            warm_steps=warm_steps,
            seed=0 if seed is None else int(seed),
            threads=threads,
        )
        self._shared_rng = spawned_rng(seed, _DESIGN_STREAM)
        self._design: list[str] = []
        self._results: dict[str, dict[str, float]] = {t: {} for t in self.tasks}
        self._asked: dict[str, set[str]] = {t: set() for t in self.tasks}
        self._archs: dict[str, Any] = {}
        self._fitted_at = 0

    # -- ask / tell -------------------------------------------------------------------------

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        active = self._active(tasks)
        trials: list[Trial] = []
        modelled = [t for t in active if len(self._results[t]) >= self.initial]
        for task in active:
            if task not in modelled:
                trials += [Trial(task, a) for a in self._initial_design(task)]
        if modelled:
            trials += self._model_choices(modelled)
        for trial in trials:
            key = str(trial.arch)
            self._archs.setdefault(key, trial.arch)
            self._asked[trial.task].add(key)
        return trials

    def tell(self, trial: Trial, result: Result) -> None:
        key = str(trial.arch)
        self._archs.setdefault(key, trial.arch)
        self._asked[trial.task].add(key)
        self._results[trial.task][key] = result.objective if result.ok else -math.inf

    def task_correlation(self) -> dict[str, dict[str, float]]:
        """The model's learned correlation between every two tasks (after the first fit)."""
        corr = self.model.task_correlation()
        return {
            a: {b: float(corr[i, j]) for j, b in enumerate(self.tasks)}
            for i, a in enumerate(self.tasks)
        }

    # -- proposals ----------------------------------------------------------------------------

    def _initial_design(self, task: str) -> list[Any]:
        wanted = self.initial - len(self._results[task])
        out: list[Any] = []
        index = 0
        while len(out) < wanted:
            while index >= len(self._design):
                arch = self._design_arch(len(self._design))
                if str(arch) not in self._design:
                    self._design.append(str(arch))
                    self._archs.setdefault(str(arch), arch)
            key = self._design[index]
            index += 1
            if key not in self._asked[task]:
                out.append(self._archs[key])
        return out

    def _design_arch(self, position: int) -> Any:
        if self.design == "proxy":
            archs, features, _ = _whole_space(self.space, self.proxy, self.prune)
            order = np.argsort(-features[:, -1], kind="stable")
            return archs[int(order[position])]
        if self.design == "diverse":
            archs, features, index = _whole_space(self.space, self.proxy, self.prune)
            order = np.argsort(-features[:, -1], kind="stable")
            top = order[: max(position + 1, math.ceil(_DIVERSE_TOP * len(order)))]
            if not self._design:
                return archs[int(top[0])]
            chosen = features[[index[k] for k in self._design], :-1]
            # Hamming distance of the one-hot codes to the nearest design cell; ties go to
            # the better proxy rank (argmax takes the first), a design cell is at distance 0
            nearest = np.abs(features[top, None, :-1] - chosen[None]).sum(-1).min(axis=1)
            return archs[int(top[int(np.argmax(nearest))])]
        return self.space.sample(self._shared_rng)

    def _finite(self, space: SearchSpace[Any]) -> bool:
        return space.size is not None and space.size <= self.max_pool

    def _pool(self) -> tuple[Sequence[Any], np.ndarray, dict[str, int]]:
        """Candidates and every told architecture, their features and rows."""
        if self._finite(self.space):
            return _whole_space(self.space, self.proxy, self.prune)
        rng = self._shared_rng
        found = sorted(
            ((v, k) for res in self._results.values() for k, v in res.items() if math.isfinite(v)),
            reverse=True,
        )
        parents = [self._archs[k] for _, k in found[:10]]
        archs = {k: self._archs[k] for res in self._results.values() for k in res}
        wanted = len(archs) + self.candidates
        for n in range(self.candidates * 3):
            if len(archs) >= wanted:
                break
            if parents and n % 2:
                arch = self.space.mutate(parents[int(rng.integers(len(parents)))], rng)
            else:
                arch = self.space.sample(rng)
            archs.setdefault(str(arch), arch)
        chosen = list(archs.values())
        return (
            chosen,
            _features(self.space, self.proxy, chosen, self.prune),
            {k: i for i, k in enumerate(archs)},
        )

    def _model_choices(self, tasks: list[str]) -> list[Trial]:
        archs, features, index = self._pool()
        rows, task_ids, values = self._training_set(index)
        n = len(values)
        if n == 0:  # every result so far failed: keep exploring the design
            return [Trial(task, self.space.sample(self.rngs[task])) for task in tasks]
        refit = self._fitted_at == 0 or n >= self.refit_growth * self._fitted_at
        self.model.fit(features[rows], np.array(task_ids), np.array(values), hypers=refit)
        if refit:
            self._fitted_at = n
        trials: list[Trial] = []
        for task in tasks:
            t = self.tasks.index(task)
            batch = self._batch(task)
            asked = np.zeros(len(archs), dtype=bool)
            asked[[index[k] for k in self._asked[task] if k in index]] = True
            if self.acquisition == "ucb":
                score = self.model.upper_confidence_bound(
                    features, t, self.beta, top=batch, exclude=asked
                )
            else:
                mean, std = self.model.predict(features, t)
                best = self.model.best(t)
                score = expected_improvement(mean, std, best if np.isfinite(best) else mean.max())
                score[asked] = -np.inf
            order = [int(i) for i in np.argsort(-score, kind="stable")[:batch]]
            order = [i for i in order if np.isfinite(score[i])]
            trials += [Trial(task, archs[i]) for i in order]
            self.model.fantasize(features[order], t)
        return trials

    def _batch(self, task: str) -> int:
        """Architectures ``task`` gets from this ask: ``batch_size``, or by default one per
        10 results so far (at least one), so that long runs ask the model less often."""
        if self.batch_size is not None:
            return self.batch_size
        return max(1, len(self._results[task]) // 10)

    def _training_set(self, index: dict[str, int]) -> tuple[list[int], list[int], list[float]]:
        """Rows, task indices and values the model is fitted on: every finite result, or
        when there are more than ``max_train``, each task's best results (half of its share)
        and an evenly spaced selection of the rest, in the order they were told."""
        share = self.max_train // len(self.tasks)
        rows: list[int] = []
        task_ids: list[int] = []
        values: list[float] = []
        total = sum(math.isfinite(v) for res in self._results.values() for v in res.values())
        for t, task in enumerate(self.tasks):
            items = [(k, v) for k, v in self._results[task].items() if math.isfinite(v)]
            if total > self.max_train and len(items) > share:
                ranked = sorted(range(len(items)), key=lambda j: -items[j][1])
                keep = set(ranked[: share // 2])
                rest = [j for j in range(len(items)) if j not in keep]
                step = len(rest) / (share - len(keep))
                keep |= {rest[int(m * step)] for m in range(share - len(keep))}
                items = [items[j] for j in sorted(keep)]
            for key, value in items:
                rows.append(index[key])
                task_ids.append(t)
                values.append(value)
        return rows, task_ids, values

    # -- checkpointing ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "shared_rng": self._shared_rng.bit_generator.state,
            "design": list(self._design),
            "results": {t: list(r.items()) for t, r in self._results.items()},
            "asked": {t: sorted(a) for t, a in self._asked.items()},
            "fitted_at": self._fitted_at,
            "hypers": self.model.hypers_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._shared_rng.bit_generator.state = state["shared_rng"]
        self._design = list(state["design"])
        self._results = {
            t: {k: float(v) for k, v in items} for t, items in state["results"].items()
        }
        self._asked = {t: set(a) for t, a in state["asked"].items()}
        self._fitted_at = int(state["fitted_at"])
        self.model.load_hypers_state(state["hypers"])
        keys = set(self._design) | {k for a in self._asked.values() for k in a}
        self._archs = {k: self.space.parse(k) for k in keys}


class SingleTaskBO(Strategy):
    """``mtbo`` with one Gaussian process per task: the same search without transfer.

    Each task is searched by its own ``MultiTaskBO`` over that task alone, built with the same
    seed and options, so it starts from the same initial design as in a multi-task run; the
    difference between ``mtbo`` and ``bo`` is what the other tasks' results are worth.

    Args:
        space: the search space.
        tasks: task names.
        seed: seed of every task's search.
        **options: ``MultiTaskBO`` options.
    """

    name: ClassVar[str] = "bo"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        seed: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        self.searches = {t: MultiTaskBO(space, [t], seed=seed, **options) for t in self.tasks}

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        return [trial for t in self._active(tasks) for trial in self.searches[t].ask([t])]

    def tell(self, trial: Trial, result: Result) -> None:
        self.searches[trial.task].tell(trial, result)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "searches": {t: s.state_dict() for t, s in self.searches.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for task, search in self.searches.items():
            search.load_state_dict(state["searches"][task])
