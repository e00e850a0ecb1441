"""Multi-population evolution with cross-task transfer: the engine of KTNAS and EMT-NAS.

One population per task. Each generation, for every task still searching:

1. the transfer policy picks immigrants from the other tasks' populations (KTNAS ``TP``);
2. parents are drawn by tournament from the population plus the immigrants (an immigrant
   wins any tournament it enters, as in the KTNAS code); with probability
   ``crossover_prob`` a second parent (or the policy's foreign partner, EMT-NAS) is crossed
   in; every child is mutated;
3. with a pre-screen (``tasknas.strategies._prescreen``: a zero-cost proxy and/or a
   regressor trained on every result so far, all tasks pooled), ``candidates`` children are
   scored and only the best ``offspring_size`` are evaluated; without one, the first
   ``offspring_size`` new children are;
4. immigrants and children are evaluated on the task; the next population is the best
   ``population_size`` of population, immigrants and children (elitist selection);
5. each immigrant is labelled +1 if it or one of its evaluated children is in the top
   ``elite_ratio`` of the next population, else -1, and the policy is told (the paper counts
   the children, the KTNAS code the immigrant itself; with pre-screening an immigrant often
   has no evaluated child, so both count here).

Immigrants are drawn only from source members not yet evaluated on the target (an arch that
selection dropped there can never reach the top again; before this, half of ``ktnas``'s
immigrants on NB201 were such repeats). Measurements: ``docs/notes/ktnas-transfer.md``.

A generation is closed when the next ``ask`` comes, with the results told by then (trials
never told were cancelled by the runner).

Multi-objective mode (``size``: a parameter counter, ``--objectives accuracy,params``): the
objectives are (fitness, -parameters), both maximised, and selection is NSGA-II's (Deb et al.
2002), not a scalarised objective: survivors are taken front by front of a non-dominated sort
of population, immigrants and children, the last front that fits by crowding distance; a
population is kept in that order (front, then crowding), so tournaments use NSGA-II's
crowded comparison, and the elite share is the head of that order. Children are not
pre-screened in this mode (ranking predicted scores with sizes kept the extremes and found
worse fronts than random search). Failed (or refused)
evaluations rank after every success. Without ``size`` the engine is single-objective and
unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar

import numpy as np

from tasknas.errors import InvalidSettingError
from tasknas.pareto import nsga2_order
from tasknas.spaces import SearchSpace
from tasknas.strategies._base import Strategy
from tasknas.strategies._prescreen import PreScreen, resolve_predictor, resolve_proxy
from tasknas.transfer import NoTransfer, TransferPolicy
from tasknas.trial import Result, Trial


class MultiTaskEvolution(Strategy):
    """Generational multi-task evolution with a pluggable ``TransferPolicy``.

    Args:
        space: the search space.
        tasks: task names (one population each).
        transfer: the cross-task transfer policy (default: none).
        population_size: ``K``, members kept per task.
        tournament_size: members drawn per tournament.
        offspring_size: children evaluated per task and generation.
        candidates: children generated per task and generation for the pre-screen.
        crossover_prob: probability that a child has two parents.
        predictor: name of the pre-screen regressor (``tasknas.predictors``), ``None``, or
            ``"auto"``: extra trees where the space has no proxy, none where it has one.
        proxy: zero-cost proxy of the pre-screen: ``"auto"`` (a shipped table when the space
            has one: NAS-Bench-201), ``"synflow"`` (computed when there is no table) or
            ``None``.
        min_train: results needed on the task before the predictor is used (the proxy
            alone ranks children until then).
        pool_tasks: the predictor is one regressor fitted on every task's results (default);
            ``False``: one regressor per task, fitted on that task's results alone.
        elite_ratio: ``r``, the top share of the next population that makes an immigrant
            positive.
        immigrants_win: an immigrant wins every tournament it enters (the KTNAS code); when
            False, immigrants enter tournaments with their fitness on the task if known, else
            lowest, and reach the mating pool through selection once evaluated.
        seed: seed of the per-task generators.
        size: ``size(arch, task)``, the parameter count of ``arch`` on ``task``: turns on the
            multi-objective mode (accuracy vs parameters, NSGA-II selection; see the module
            docstring). ``None`` (default): single-objective.
    """

    name: ClassVar[str] = "mtevo"
    ask_name: ClassVar[str] = "generation"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        transfer: TransferPolicy | None = None,
        population_size: int = 10,
        tournament_size: int = 5,
        offspring_size: int = 2,
        candidates: int = 100,
        crossover_prob: float = 0.0,
        predictor: str | None = "auto",
        proxy: str | None = "auto",
        min_train: int = 10,
        pool_tasks: bool = True,
        elite_ratio: float = 0.2,
        immigrants_win: bool = False,
        seed: int | None = None,
        size: Callable[[Any, str], float] | None = None,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        sizes = {
            "population_size": population_size,
            "tournament_size": tournament_size,
            "offspring_size": offspring_size,
            "candidates": candidates,
        }
        for label, value in sizes.items():
            if value < 1:
                raise InvalidSettingError(f"{label} must be >= 1, got {value}")
        if not 0.0 <= crossover_prob <= 1.0 or not 0.0 < elite_ratio <= 1.0:
            raise InvalidSettingError(
                f"crossover_prob must be in [0, 1] and elite_ratio in (0, 1], got "
                f"{crossover_prob} and {elite_ratio}"
            )
        proxy_fn = resolve_proxy(space, proxy)
        self.prescreen = PreScreen(
            space,
            self.tasks,
            predictor=resolve_predictor(predictor, proxy_fn),
            proxy=proxy_fn,
            min_train=min_train,
            pooled=pool_tasks,
            seed=seed,
        )
        self.transfer = transfer if transfer is not None else NoTransfer()
        self.population_size = population_size
        self.tournament_size = tournament_size
        self.offspring_size = offspring_size
        self.candidates = candidates
        self.crossover_prob = crossover_prob
        self.elite_ratio = elite_ratio
        self.immigrants_win = immigrants_win
        self.size = size
        self._sizes: dict[tuple[str, str], float] = {}
        self._archs: dict[str, Any] = {}
        self._fitness: dict[str, dict[str, float]] = {t: {} for t in self.tasks}
        self._population: dict[str, list[str]] = {t: [] for t in self.tasks}
        self._pending: dict[str, dict[str, Any]] = {}
        self.generation = 0

    # -- ask / tell -------------------------------------------------------------------------

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        active = self._active(tasks)
        self._close_generation()
        trials: list[Trial] = []
        for task in active:
            if self.generation == 0:
                chosen, immigrants = self._initial(task), []
                parents: dict[str, list[str]] = {str(a): [] for a in chosen}
            else:
                immigrants = self._immigrants(task)
                chosen, parents = self._offspring(task, immigrants)
            self._pending[task] = {"immigrants": [str(a) for a in immigrants], "parents": parents}
            for arch in [*immigrants, *chosen]:
                self._archs.setdefault(str(arch), arch)
                trials.append(Trial(task, arch))
        self.generation += 1
        return trials

    def tell(self, trial: Trial, result: Result) -> None:
        key = str(trial.arch)
        self._archs.setdefault(key, trial.arch)
        self._fitness[trial.task][key] = result.objective if result.ok else -math.inf

    def population(self, task: str) -> list[tuple[Any, float]]:
        """The current population of ``task``, best first."""
        return [(self._archs[k], self._fitness[task][k]) for k in self._population[task]]

    # -- one generation -----------------------------------------------------------------------

    def _initial(self, task: str) -> list[Any]:
        rng, seen, out = self.rngs[task], set(), []
        for _ in range(self.population_size * 20):
            arch = self.space.sample(rng)
            if str(arch) not in seen:
                seen.add(str(arch))
                out.append(arch)
            if len(out) == self.population_size:
                break
        return out

    def _sources(self, task: str) -> dict[str, list[tuple[Any, float]]]:
        return {other: self.population(other) for other in self.tasks if other != task}

    def _immigrants(self, task: str) -> list[Any]:
        # Every architecture already evaluated on the task, not only its population: one
        # that selection dropped can never reach the top again, so it would only take an
        # immigrant slot (at no evaluation cost) and be labelled -1 once more.
        exclude = set(self._fitness[task])
        return self.transfer.immigrants(task, self._sources(task), exclude, self.rngs[task])

    def _tournament(self, pool: list[tuple[str, float, bool]], rng: np.random.Generator) -> str:
        size = min(self.tournament_size, len(pool))
        entrants = [pool[int(i)] for i in sorted(rng.permutation(len(pool))[:size])]
        immigrants = [e for e in entrants if e[2]]
        if immigrants and self.immigrants_win:
            return immigrants[int(rng.integers(len(immigrants)))][0]
        return max(entrants, key=lambda e: e[1])[0]

    def _offspring(
        self, task: str, immigrants: list[Any]
    ) -> tuple[list[Any], dict[str, list[str]]]:
        rng, fitness = self.rngs[task], self._fitness[task]
        pool = [(k, fitness[k], False) for k in self._population[task]]
        pool += [(str(a), fitness.get(str(a), -math.inf), True) for a in immigrants]
        if self.size is not None:  # NSGA-II's crowded comparison: the place in its order
            places = self._mo_order(task, [k for k, _, _ in pool], fitness)
            place = {i: p for p, i in enumerate(places)}
            pool = [(k, -float(place[i]), imm) for i, (k, _, imm) in enumerate(pool)]
        if not pool:
            arch = self.space.sample(rng)
            return [arch], {str(arch): []}
        taken = set(fitness) | {str(a) for a in immigrants}
        # the multi-objective mode does not pre-screen: ranking predicted scores with sizes
        # kept the extremes (half the budget on the smallest, conv-free cells) and found
        # worse fronts than random search (BENCHMARKS.md, "Pareto fronts")
        screened = self.size is None and self.prescreen.usable(fitness)
        wanted = self.candidates if screened else self.offspring_size
        children: dict[str, Any] = {}
        parents: dict[str, list[str]] = {}
        for _ in range(wanted * 5):
            if len(children) >= wanted:
                break
            first = self._tournament(pool, rng)
            lineage = [first]
            arch = self._archs[first]
            if self.crossover_prob > 0 and rng.random() < self.crossover_prob:
                partner = self.transfer.partner(task, self._sources(task), rng)
                if partner is None:
                    second = self._tournament(pool, rng)
                else:
                    second = str(partner)
                    self._archs.setdefault(second, partner)
                lineage.append(second)
                arch = self.space.crossover(arch, self._archs[second], rng)
            child = self.space.mutate(arch, rng)
            if str(child) not in taken and str(child) not in children:
                children[str(child)] = child
                parents[str(child)] = lineage
        if not children:  # the neighbourhood is exhausted: explore
            child = self.space.sample(rng)
            children[str(child)], parents[str(child)] = child, []
        keys = list(children)
        if screened and len(keys) > self.offspring_size:
            scores = self.prescreen.scores(
                task,
                [children[k] for k in keys],
                generation=self.generation,
                fitness=self._fitness,
                archs=self._archs,
            )
            order = np.argsort(-scores, kind="stable")
            keys = [keys[i] for i in order[: self.offspring_size]]
        else:
            keys = keys[: self.offspring_size]
        return [children[k] for k in keys], {k: parents[k] for k in keys}

    def _close_generation(self) -> None:
        for task, pending in self._pending.items():
            fitness = self._fitness[task]
            told = [k for k in [*pending["immigrants"], *pending["parents"]] if k in fitness]
            members = list(dict.fromkeys([*self._population[task], *told]))
            if self.size is None:
                members.sort(key=lambda k: -fitness[k])  # stable: older members win ties
            else:
                members = [members[i] for i in self._mo_order(task, members, fitness)]
            self._population[task] = members[: self.population_size]
            top = set(
                self._population[task][: max(1, math.ceil(self.elite_ratio * self.population_size))]
            )
            labels = {}
            for imm in pending["immigrants"]:
                if imm not in fitness:
                    continue
                kids = [c for c, ps in pending["parents"].items() if imm in ps and c in fitness]
                labels[self._archs[imm]] = 1 if any(c in top for c in [imm, *kids]) else -1
            # Every generation, even one without transfers: a policy's label window counts
            # generations.
            self.transfer.feedback(task, labels, self.generation)
            if labels:
                self.transfer_log.append(
                    {
                        "generation": self.generation,
                        "task": task,
                        "transferred": len(labels),
                        "positive": sum(1 for v in labels.values() if v > 0),
                    }
                )
        self._pending = {}

    # -- multi-objective mode -----------------------------------------------------------------

    def _params(self, task: str, key: str, archs: dict[str, Any]) -> float:
        if (task, key) not in self._sizes:
            assert self.size is not None
            self._sizes[(task, key)] = float(self.size(archs[key], task))
        return self._sizes[(task, key)]

    def _mo_order(
        self,
        task: str,
        keys: Sequence[str],
        values: dict[str, float],
        archs: dict[str, Any] | None = None,
    ) -> list[int]:
        """Positions of ``keys``, best first, by NSGA-II (front, then crowding distance) on
        (value, -parameters); keys without a finite value last, in their order."""
        archs = self._archs if archs is None else archs
        good = [i for i, k in enumerate(keys) if math.isfinite(values.get(k, -math.inf))]
        points = [(values[keys[i]], -self._params(task, keys[i], archs)) for i in good]
        ranked = [good[j] for j in nsga2_order(points)] if good else []
        kept = set(good)
        return ranked + [i for i in range(len(keys)) if i not in kept]

    # -- checkpointing ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "generation": self.generation,
            "fitness": {t: dict(f) for t, f in self._fitness.items()},
            "population": {t: list(p) for t, p in self._population.items()},
            "pending": self._pending,
            "transfer": self.transfer.state_dict(),
            "transfer_log": list(self.transfer_log),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.generation = state["generation"]
        self._fitness = {
            t: {k: float(v) for k, v in f.items()} for t, f in state["fitness"].items()
        }
        self._population = {t: list(p) for t, p in state["population"].items()}
        self._pending = {
            t: {
                "immigrants": list(p["immigrants"]),
                "parents": {k: list(v) for k, v in p["parents"].items()},
            }
            for t, p in state["pending"].items()
        }
        keys = {k for f in self._fitness.values() for k in f}
        for pending in self._pending.values():
            keys |= set(pending["immigrants"]) | set(pending["parents"])
            keys |= {p for ps in pending["parents"].values() for p in ps}
        self._archs = {k: self.space.parse(k) for k in keys}
        self.transfer.load_state_dict(state["transfer"], self.space.parse)
        self.transfer_log = list(state["transfer_log"])
