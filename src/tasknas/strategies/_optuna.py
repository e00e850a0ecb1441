"""Optuna's TPE sampler as a baseline: one study per task, architectures as categorical params.

Optuna is an optional dependency (``pip install 'tasknas[optuna]'``), imported when the
strategy is built.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from tasknas.errors import InvalidSettingError, MissingDependencyError
from tasknas.spaces import (
    EDGES,
    SPACES,
    CellSpace,
    DartsCell,
    DartsGenotype,
    DartsSpace,
    SearchSpace,
)
from tasknas.strategies._base import Strategy, draw_unseen
from tasknas.strategies._local import objective_from_json, objective_to_json
from tasknas.trial import Result, Trial

Params = dict[str, str | int]
#: A study operation, for replay: ``["ask"]``, ``["enqueue", params]``,
#: ``["tell", number, objective or None for a failure]``.
Event = list[Any]

_SUPPORTED = (CellSpace, DartsSpace)


def _import_optuna() -> Any:
    """The ``optuna`` module, its own log set to warnings only."""
    try:
        import optuna
    except ImportError:
        raise MissingDependencyError(
            "strategy 'tpe' needs Optuna: pip install 'tasknas[optuna]'"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class _Genes:
    """An architecture as a dict of categorical parameters, and back.

    Cell spaces: one parameter per edge (``"edge_1_3"``) over the operation names. DARTS
    spaces: per cell, node and slot, the operation (``"normal_n0_s1_op"``) and the input
    (``"normal_n0_s1_input"``, an integer).
    """

    def __init__(self, space: SearchSpace[Any]) -> None:
        if not isinstance(space, _SUPPORTED):
            supported = [n for n in SPACES.names() if issubclass(SPACES.get(n), _SUPPORTED)]
            raise InvalidSettingError(
                f"strategy 'tpe' does not support search space {space.name!r}; "
                f"supported spaces: {', '.join(supported)}"
            )
        self.space = space
        self.choices: dict[str, tuple[str | int, ...]] = {}
        if isinstance(space, CellSpace):
            for src, dst in EDGES:
                self.choices[f"edge_{src}_{dst}"] = tuple(space.ops)
        else:
            for kind, j, slot, part in self._darts_genes(space):
                values = space.ops if part == "op" else tuple(range(j + 2))
                self.choices[f"{kind}_n{j}_s{slot}_{part}"] = tuple(values)

    @staticmethod
    def _darts_genes(space: DartsSpace) -> list[tuple[str, int, int, str]]:
        return [
            (kind, j, slot, part)
            for kind in space.kinds
            for j in range(space.nodes)
            for slot in range(2)
            for part in ("op", "input")
        ]

    def params(self, arch: Any) -> Params:
        """The parameters of ``arch``."""
        if isinstance(self.space, CellSpace):
            return dict(zip(self.choices, arch.op_names, strict=True))
        return dict(zip(self.choices, self.space.genes(arch).values(), strict=True))

    def arch(self, params: Params) -> Any:
        """The architecture with parameters ``params``."""
        values = [params[name] for name in self.choices]
        space = self.space
        if isinstance(space, CellSpace):
            return space.genotype.from_names([str(v) for v in values])
        assert isinstance(space, DartsSpace)
        genes = iter(values)
        cells = [
            DartsCell(
                tuple(
                    tuple((str(next(genes)), int(next(genes))) for _ in range(2))
                    for _ in range(space.nodes)
                )  # type: ignore[arg-type]
            )
            for _ in space.kinds
        ]
        return DartsGenotype(*cells)


class _TaskStudy:
    """One task's Optuna study, with a log of its operations that rebuilds it exactly."""

    def __init__(
        self, genes: _Genes, sampler_seed: int, sampler_options: Mapping[str, Any]
    ) -> None:
        optuna = _import_optuna()
        self.genes = genes
        self.sampler_seed = sampler_seed
        self.sampler_options = sampler_options
        self.distributions = {
            name: optuna.distributions.CategoricalDistribution(values)
            for name, values in genes.choices.items()
        }
        try:
            sampler = optuna.samplers.TPESampler(**sampler_options, seed=sampler_seed)
        except TypeError as exc:
            raise InvalidSettingError(f"bad sampler_options for strategy 'tpe': {exc}") from None
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self.log: list[Event] = []

    def _apply(self, event: Event) -> Any:
        if event[0] == "ask":
            trial = self.study.ask(self.distributions)
            return trial.number, self.genes.arch(trial.params)
        if event[0] == "enqueue":
            self.study.enqueue_trial(event[1])
            return None
        _, number, value = event
        if value is None:
            from optuna.trial import TrialState

            self.study.tell(number, state=TrialState.FAIL)
        else:
            self.study.tell(number, value)
        return None

    def _run(self, event: Event) -> Any:
        self.log.append(event)
        return self._apply(event)

    def ask(self) -> tuple[int, Any]:
        """A new study trial: its number and architecture."""
        number, arch = self._run(["ask"])
        return number, arch

    def ask_for(self, arch: Any) -> int:
        """A new study trial fixed to ``arch``: its number."""
        self._run(["enqueue", self.genes.params(arch)])
        number, _ = self._run(["ask"])
        return int(number)

    def tell(self, number: int, objective: float) -> None:
        """Complete trial ``number`` (a non-finite objective is a failure)."""
        self._run(["tell", number, objective if math.isfinite(objective) else None])

    def replay(self, log: list[Event]) -> None:
        """Repeat ``log`` on this fresh study (same sampler seed): the same study results."""
        for event in log:
            self._apply(event)
        self.log = [list(e) for e in log]


class OptunaTPE(Strategy):
    """Optuna's default ``TPESampler``, one study per task: no proxy, no transfer.

    Each task's study samples an architecture as categorical parameters: one per edge over
    the operation names in cell spaces (NAS-Bench-201, TransNAS-Bench-101 micro), one per
    operation and input choice in DARTS spaces. The sampler's seed is drawn from the task's
    generator, so the strategy's seed fixes every proposal.

    TPE proposes architectures the task already has results for: such a proposal is told
    its known result at once and the study is asked again, up to ``max_retries`` times; then
    a random architecture the task has not evaluated is proposed instead (and told to the
    study when its result comes). So every ask brings new architectures, unless the space is
    exhausted. A failed evaluation is a failed study trial.

    "Default" is the installed Optuna's, so results depend on its version: Optuna 5 samples
    the parameters jointly (``multivariate=True``) and penalises running trials
    (``constant_liar=True``); Optuna 3 and 4 sample each parameter on its own and do not.
    ``sampler_options={"multivariate": False, "constant_liar": False}`` pins the latter.

    ``state_dict`` holds every study operation; ``load_state_dict`` rebuilds the studies by
    replaying them, which costs as much sampling as the run so far.

    Args:
        space: a cell or DARTS search space.
        tasks: task names.
        batch_size: trials per task in each ``ask``.
        max_retries: study asks per proposal before a random unseen architecture is used.
        max_redraws: draws tried for that random architecture before a repeat is accepted.
        sampler_options: keyword arguments of ``optuna.samplers.TPESampler`` other than
            ``seed`` (default: none, Optuna's defaults).
        seed: seed of the per-task generators.

    Raises:
        MissingDependencyError: Optuna is not installed.
        InvalidSettingError: the space has no categorical encoding here, or a bad option.
    """

    name: ClassVar[str] = "tpe"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        batch_size: int = 1,
        max_retries: int = 50,
        max_redraws: int = 64,
        sampler_options: Mapping[str, Any] | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        for label, value in (("batch_size", batch_size), ("max_retries", max_retries)):
            if value < 1:
                raise InvalidSettingError(f"{label} must be >= 1, got {value}")
        if max_redraws < 0:
            raise InvalidSettingError(f"max_redraws must be >= 0, got {max_redraws}")
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.max_redraws = max_redraws
        self.sampler_options = dict(sampler_options or {})
        if "seed" in self.sampler_options:
            raise InvalidSettingError("sampler_options must not set 'seed'; pass seed= instead")
        self._genes = _Genes(space)
        self._studies = {
            t: _TaskStudy(self._genes, int(self.rngs[t].integers(2**31)), self.sampler_options)
            for t in self.tasks
        }
        #: Per task: every architecture told (canonical string -> objective, -inf on failure).
        self._known: dict[str, dict[str, float]] = {t: {} for t in self.tasks}
        #: Per task: study trials waiting for an architecture's result.
        self._waiting: dict[str, dict[str, list[int]]] = {t: {} for t in self.tasks}

    def _propose(self, task: str, in_batch: set[str]) -> Any:
        study, known, waiting = self._studies[task], self._known[task], self._waiting[task]
        for _ in range(self.max_retries):
            number, arch = study.ask()
            key = str(arch)
            if key in known:
                study.tell(number, known[key])
                continue
            waiting.setdefault(key, []).append(number)
            if key not in in_batch:
                return arch
        seen = known.keys() | in_batch
        arch = draw_unseen(self.space, self.rngs[task], seen, self.max_redraws)
        number, key = study.ask_for(arch), str(arch)
        if key in known:  # the space is exhausted: a free repeat
            study.tell(number, known[key])
        else:
            waiting.setdefault(key, []).append(number)
        return arch

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        trials = []
        for task in self._active(tasks):
            in_batch: set[str] = set()
            for _ in range(self.batch_size):
                arch = self._propose(task, in_batch)
                in_batch.add(str(arch))
                trials.append(Trial(task, arch))
        return trials

    def tell(self, trial: Trial, result: Result) -> None:
        key = str(trial.arch)
        objective = result.objective if result.ok else -math.inf
        self._known[trial.task][key] = objective
        for number in self._waiting[trial.task].pop(key, []):
            self._studies[trial.task].tell(number, objective)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "known": {
                t: [[a, objective_to_json(v)] for a, v in known.items()]
                for t, known in self._known.items()
            },
            "waiting": {t: {a: list(n) for a, n in w.items()} for t, w in self._waiting.items()},
            "log": {t: [list(e) for e in s.log] for t, s in self._studies.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for task in self.tasks:
            self._known[task] = {a: objective_from_json(v) for a, v in state["known"][task]}
            self._waiting[task] = {a: list(n) for a, n in state["waiting"][task].items()}
            seed = self._studies[task].sampler_seed
            study = _TaskStudy(self._genes, seed, self.sampler_options)
            study.replay(state["log"][task])
            self._studies[task] = study
