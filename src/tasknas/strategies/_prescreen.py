"""The low-fidelity pre-screen of the multi-task engine (KTNAS Table I).

Children are scored without a full evaluation, and only the best few are evaluated. Two
sources of scores, usable together:

* a zero-cost proxy (SynFlow of the untrained network; on NAS-Bench-201 read from a shipped
  table of all 15,625 cells), available from the first generation; measured on NAS-Bench-201
  it finds the optima with fewer evaluations than the regressor (BENCHMARKS.md), so by
  default a space with a proxy table is screened by the proxy alone;
* a regressor (``tasknas.predictors``) fitted on every result so far. By default all tasks
  are pooled, each task's values standardised, with a one-hot task indicator among the
  features, so one fit per generation serves every task; with ``pooled=False`` each task's
  regressor is fitted on that task's results alone (the paper's predictor sees one task).
  The proxy, when there is one, is a feature too.

Pre-screen scores are not counted as evaluations, as in the paper.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tasknas._seeds import derive
from tasknas.errors import InvalidSettingError
from tasknas.predictors import Predictor, make_predictor
from tasknas.proxies import zero_cost_proxy
from tasknas.spaces import SearchSpace

#: Values of the ``proxy`` option: ``auto`` uses a shipped proxy table when the space has one.
PROXY_CHOICES = ("auto", "synflow", None)
#: Seed stream of the regressors: ``derive(seed, _PREDICTOR_STREAM, generation[, 1 + task])``.
_PREDICTOR_STREAM = 1


def resolve_predictor(predictor: str | None, proxy: Callable[[Any], float] | None) -> str | None:
    """The regressor the option ``predictor`` asks for: ``auto`` is extra trees where there is
    no proxy, and none where there is one (KTNAS Table I: zero-cost proxies on NAS-Bench-201,
    a predictor on TransNAS-Bench-101)."""
    if predictor == "auto":
        return None if proxy is not None else "extra_trees"
    return predictor


def resolve_proxy(space: SearchSpace[Any], proxy: str | None) -> Callable[[Any], float] | None:
    """The proxy function the option ``proxy`` asks for on ``space`` (or ``None``)."""
    if proxy not in PROXY_CHOICES:
        raise InvalidSettingError(
            f"unknown proxy {proxy!r}; valid choices: auto, synflow, none (None)"
        )
    if proxy is None:
        return None
    return zero_cost_proxy(space.name, table_only=proxy == "auto")


class PreScreen:
    """Scores candidate architectures of one task; higher is better.

    Args:
        space: the search space (for ``encode``).
        tasks: every task, in a fixed order (the indicator features).
        predictor: a registered regressor name, or ``None``.
        proxy: a function ``arch -> score``, or ``None``.
        min_train: results the task needs before the regressor is used.
        pooled: one regressor fitted on every task's results (standardised per task, with a
            task indicator); ``False``: one regressor per task, fitted on its own results.
        seed: the run's seed; each regressor is seeded from its stream
            (``derive(seed, stream, generation)``, and 1 + the task's index when not pooled).
            ``None``: fresh entropy, drawn once (not reproducible, like a strategy's).
    """

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        predictor: str | None,
        proxy: Callable[[Any], float] | None,
        min_train: int,
        pooled: bool = True,
        seed: int | None = None,
    ) -> None:
        if predictor is not None:
            make_predictor(predictor)  # fail now on an unknown name
        self.space = space
        self.tasks = tuple(tasks)
        self.predictor = predictor
        self.proxy = proxy
        self.min_train = min_train
        self.pooled = pooled
        self.seed = np.random.SeedSequence().entropy if seed is None else seed
        #: the fitted regressors by task (``None``: the pooled one), with their generation.
        self._models: dict[str | None, tuple[int, Predictor]] = {}

    def usable(self, fitness: Mapping[str, float]) -> bool:
        """Whether candidates of a task with these results can be scored."""
        return self.proxy is not None or self._trained(fitness)

    def _trained(self, fitness: Mapping[str, float]) -> bool:
        finite = sum(math.isfinite(v) for v in fitness.values())
        return self.predictor is not None and finite >= self.min_train

    def _features(self, arch: Any, task: str) -> np.ndarray:
        parts = [self.space.encode(arch), np.eye(len(self.tasks))[self.tasks.index(task)]]
        if self.proxy is not None:
            value = self.proxy(arch)
            parts.append(np.array([value if math.isfinite(value) else -50.0]))
        return np.concatenate(parts)

    def _fit(
        self,
        generation: int,
        fitness: Mapping[str, Mapping[str, float]],
        archs: Mapping[str, Any],
        target: str,
    ) -> Predictor:
        key = None if self.pooled else target
        cached = self._models.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        features, targets = [], []
        for task in self.tasks if self.pooled else (target,):
            items = [(k, v) for k, v in fitness[task].items() if math.isfinite(v)]
            if len(items) < 2:
                continue
            values = np.array([v for _, v in items])
            targets += ((values - values.mean()) / (values.std() + 1e-12)).tolist()
            features += [self._features(archs[k], task) for k, _ in items]
        # 1 + index: a trailing 0 key would name the pooled stream (see tasknas._seeds)
        keys = (generation,) if self.pooled else (generation, 1 + self.tasks.index(target))
        seed = derive(self.seed, _PREDICTOR_STREAM, *keys, bits=32)  # sklearn's range
        model = make_predictor(self.predictor or "", seed=seed)
        model.fit(np.array(features), np.array(targets))
        self._models[key] = (generation, model)
        return model

    def scores(
        self,
        task: str,
        candidates: Sequence[Any],
        *,
        generation: int,
        fitness: Mapping[str, Mapping[str, float]],
        archs: Mapping[str, Any],
    ) -> np.ndarray:
        """Scores of ``candidates`` on ``task``: the regressor's once trained, else the proxy's.

        ``fitness`` maps every task to its results so far (``arch string -> objective``) and
        ``archs`` every arch string to its architecture; the regressor is fitted once per
        ``generation`` (and task, when not pooled).
        """
        if self._trained(fitness[task]):
            model = self._fit(generation, fitness, archs, task)
            features = np.array([self._features(a, task) for a in candidates])
            return np.asarray(model.predict(features))
        assert self.proxy is not None
        return np.array([self.proxy(a) for a in candidates], dtype=float)
