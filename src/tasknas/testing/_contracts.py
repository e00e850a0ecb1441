"""Contract suites of the search-space, evaluator, strategy and run-store protocols (see
``tasknas.testing``)."""

from __future__ import annotations

import json
import math
import pickle
import zlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import networkx as nx
import numpy as np
import pytest

from tasknas._seeds import seed_rng
from tasknas.errors import InvalidArchitectureError, RunStoreError, UnknownNameError
from tasknas.evaluator import Evaluator, GenerationEvaluator
from tasknas.spaces import SPACES, SearchSpace
from tasknas.storage import RunStore, TrialRecord
from tasknas.strategies import Strategy
from tasknas.tasks import Task
from tasknas.trial import Result, Status, Trial

__all__ = [
    "EvaluatorContract",
    "GenerationEvaluatorContract",
    "RunStoreContract",
    "SearchSpaceContract",
    "StrategyContract",
    "fake_result",
]

#: Strings that are no architecture of any bundled space.
GARBAGE_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "garbage",
    "+",
    "|||",
    "||+||+||",
    "64-41414-",
    "none",
    "|none~0|",
    "0_00_000",
)


def _samples(space: SearchSpace[Any], n: int, seed: int = 0) -> list[Any]:
    rng = seed_rng(seed)
    return [space.sample(rng) for _ in range(n)]


def _distinct_pairs(space: SearchSpace[Any], n: int, seed: int = 0) -> list[tuple[Any, Any]]:
    archs = _samples(space, 2 * n, seed)
    return [(a, b) for a, b in zip(archs[::2], archs[1::2], strict=True) if a != b]


class SearchSpaceContract:
    """Checks of the ``SearchSpace`` protocol.

    Override the ``space`` fixture. The checks read an architecture's *genes* through
    ``genes(space, arch)``, by default the operation on each edge of ``to_graph(arch)``;
    override it for spaces whose genes are not edge operations.
    """

    #: Architectures drawn by each sampling check.
    n_samples: ClassVar[int] = 30
    #: ``enumerate`` is checked exhaustively only for spaces up to this size.
    max_enumerate: ClassVar[int] = 20_000

    @pytest.fixture
    def space(self) -> SearchSpace[Any]:
        raise NotImplementedError("override the `space` fixture with the space under test")

    def genes(self, space: SearchSpace[Any], arch: Any) -> dict[Hashable, Hashable]:
        """The genes of ``arch``: position -> value (default: edge -> operation)."""
        graph = space.to_graph(arch)
        return {(u, v): data["op"] for u, v, data in graph.edges(data=True)}

    def mutable_genes(self, space: SearchSpace[Any], arch: Any) -> dict[Hashable, Hashable]:
        """The genes ``mutate`` must be able to change (default: all of ``genes``; a
        restricted space may fix some)."""
        return self.genes(space, arch)

    def _differing_genes(self, space: SearchSpace[Any], a: Any, b: Any) -> set[Hashable]:
        first, second = self.genes(space, a), self.genes(space, b)
        assert first.keys() == second.keys(), "two architectures have different gene positions"
        return {k for k in first if first[k] != second[k]}

    # -- identity -------------------------------------------------------------------------

    def test_name_and_size(self, space: SearchSpace[Any]) -> None:
        assert isinstance(space.name, str) and space.name
        size = space.size
        assert size is None or (isinstance(size, int) and size >= 1)

    def test_sample_is_contained_and_hashable(self, space: SearchSpace[Any]) -> None:
        for arch in _samples(space, self.n_samples):
            assert space.contains(arch), f"sampled {arch!r} is not in the space"
            copy = space.parse(space.format(arch))
            assert copy == arch and hash(copy) == hash(arch)
            assert len({arch, copy}) == 1

    def test_samples_vary(self, space: SearchSpace[Any]) -> None:
        if space.size == 1:
            pytest.skip("a one-architecture space has nothing to vary")
        assert len(set(_samples(space, self.n_samples))) > 1

    def test_same_seed_same_samples(self, space: SearchSpace[Any]) -> None:
        first = _samples(space, self.n_samples, seed=123)
        assert _samples(space, self.n_samples, seed=123) == first
        if space.size is None or space.size > 100:
            assert _samples(space, self.n_samples, seed=124) != first

    def test_contains_rejects_non_architectures(self, space: SearchSpace[Any]) -> None:
        arch = space.sample(seed_rng(0))
        for other in (None, 0, object(), space.format(arch), (arch,)):
            assert not space.contains(other), f"contains({other!r}) should be False"

    # -- strings --------------------------------------------------------------------------

    def test_format_parse_round_trip(self, space: SearchSpace[Any]) -> None:
        for arch in _samples(space, self.n_samples):
            text = space.format(arch)
            assert isinstance(text, str) and text
            assert str(arch) == text
            parsed = space.parse(text)
            assert parsed == arch and space.contains(parsed)
            assert space.format(parsed) == text

    def test_parse_garbage_raises(self, space: SearchSpace[Any]) -> None:
        text = space.format(space.sample(seed_rng(0)))
        for garbage in (*GARBAGE_STRINGS, text + "x", "x" + text, text[:-1], text * 2):
            with pytest.raises(InvalidArchitectureError):
                space.parse(garbage)

    # -- operators ------------------------------------------------------------------------

    def test_mutate_changes_exactly_one_gene(self, space: SearchSpace[Any]) -> None:
        rng = seed_rng(1)
        touched: set[Hashable] = set()
        for arch in _samples(space, self.n_samples):
            before = space.format(arch)
            for _ in range(10):
                child = space.mutate(arch, rng)
                assert space.contains(child)
                assert child != arch
                changed = self._differing_genes(space, arch, child)
                assert len(changed) == 1, f"{arch} -> {child} changed genes {sorted(changed)}"
                touched |= changed
            assert space.format(arch) == before, "mutate changed its parent"
        genes = self.mutable_genes(space, arch)
        assert touched == set(genes), f"mutate never changed genes {set(genes) - touched}"

    def test_mutants_are_neighbours(self, space: SearchSpace[Any]) -> None:
        rng = seed_rng(2)
        for arch in _samples(space, 5):
            neighbours = set(space.neighbours(arch))
            for _ in range(20):
                assert space.mutate(arch, rng) in neighbours

    def test_crossover_takes_each_gene_from_a_parent(self, space: SearchSpace[Any]) -> None:
        rng = seed_rng(3)
        mixed = 0
        for first, second in _distinct_pairs(space, self.n_samples):
            genes_a, genes_b = self.genes(space, first), self.genes(space, second)
            for _ in range(5):
                child = space.crossover(first, second, rng)
                assert space.contains(child)
                genes_c = self.genes(space, child)
                for position, value in genes_c.items():
                    assert value in (genes_a[position], genes_b[position]), (
                        f"gene {position} of {child} comes from neither {first} nor {second}"
                    )
                mixed += child not in (first, second)
        assert mixed > 0, "crossover only ever copies a parent"

    def test_crossover_of_identical_parents_is_the_parent(self, space: SearchSpace[Any]) -> None:
        rng = seed_rng(4)
        for arch in _samples(space, 5):
            assert space.crossover(arch, arch, rng) == arch

    def test_neighbours(self, space: SearchSpace[Any]) -> None:
        for arch in _samples(space, 5):
            neighbours = space.neighbours(arch)
            assert neighbours, f"{arch} has no neighbours"
            assert len(set(neighbours)) == len(neighbours), "neighbours repeat"
            assert arch not in neighbours
            for other in neighbours:
                assert space.contains(other)
                assert len(self._differing_genes(space, arch, other)) == 1

    def test_operators_use_only_the_callers_generator(self, space: SearchSpace[Any]) -> None:
        first, second = _samples(space, 2, seed=5)
        runs = []
        for _ in range(2):
            rng = seed_rng(77)
            runs.append(
                [space.sample(rng), space.mutate(first, rng), space.crossover(first, second, rng)]
            )
        assert runs[0] == runs[1]

    # -- enumeration ----------------------------------------------------------------------

    def test_enumerate(self, space: SearchSpace[Any]) -> None:
        size = space.size
        if size is None or size > self.max_enumerate:
            pytest.skip(f"space too large to enumerate here (size {size})")
        archs = list(space.enumerate())
        assert len(archs) == size
        assert len(set(archs)) == size, "enumerate repeats architectures"
        assert all(space.contains(a) for a in archs)
        assert list(space.enumerate()) == archs, "enumerate order is not fixed"
        listed = set(archs)
        for arch in _samples(space, self.n_samples):
            assert arch in listed

    # -- representations ------------------------------------------------------------------

    def test_to_graph(self, space: SearchSpace[Any]) -> None:
        archs = _samples(space, self.n_samples)
        nodes = None
        for arch in archs:
            graph = space.to_graph(arch)
            assert isinstance(graph, nx.DiGraph)
            assert graph.number_of_edges() > 0
            for u, v, data in graph.edges(data=True):
                assert "op" in data, f"edge {u}->{v} of {arch} has no 'op'"
            if nodes is None:
                nodes = set(graph.nodes)
            assert set(graph.nodes) == nodes, "node ids differ between architectures"
        distinct = {a for a in archs}
        graphs = {tuple(sorted(self.genes(space, a).items(), key=repr)) for a in distinct}
        assert len(graphs) == len(distinct), "different architectures give the same graph"

    def test_encode(self, space: SearchSpace[Any]) -> None:
        archs = _samples(space, self.n_samples)
        vectors = [space.encode(a) for a in archs]
        length = vectors[0].shape
        for arch, vector in zip(archs, vectors, strict=True):
            assert isinstance(vector, np.ndarray) and vector.ndim == 1
            assert vector.shape == length, "encodings differ in length"
            assert set(np.unique(vector)) <= {0.0, 1.0}, "encoding is not one-hot"
            assert vector.sum() == len(self.genes(space, arch)), "not one 1 per gene"
        by_arch = {a: v.tobytes() for a, v in zip(archs, vectors, strict=True)}
        assert len(set(by_arch.values())) == len(by_arch), "distinct archs encode the same"
        rng = seed_rng(6)
        for arch in archs[:5]:
            child = space.mutate(arch, rng)
            diff = space.encode(child) - space.encode(arch)
            assert np.count_nonzero(diff) == 2 and diff.sum() == 0, (
                "a one-gene mutation must move exactly one 1 within the gene's block"
            )


def _foreign_architecture(space: SearchSpace[Any]) -> Any:
    """A genotype of another registered space, else a value no space accepts."""
    for name in SPACES.names():
        other = SPACES.get(name)()
        arch = other.sample(seed_rng(0))
        if not space.contains(arch):
            return arch
    return _NotAnArchitecture("not-an-architecture")


@dataclass(frozen=True)
class _NotAnArchitecture:
    text: str

    def __str__(self) -> str:
        return self.text


class GenerationEvaluatorContract:
    """Checks of the ``GenerationEvaluator`` protocol (weight-sharing evaluators).

    Override the ``evaluator`` fixture with a fresh evaluator per test (it keeps state
    across calls).
    """

    #: Architectures per task in a generation.
    n_archs: ClassVar[int] = 2

    @pytest.fixture
    def evaluator(self) -> GenerationEvaluator:
        raise NotImplementedError("override the `evaluator` fixture with the one under test")

    def _generation(self, evaluator: GenerationEvaluator) -> list[Trial]:
        archs = _samples(evaluator.space, self.n_archs)
        return [Trial(task, arch) for task in evaluator.tasks for arch in archs]

    def test_is_a_sibling_of_evaluator(self, evaluator: GenerationEvaluator) -> None:
        assert isinstance(evaluator, GenerationEvaluator)
        assert not isinstance(evaluator, Evaluator)

    def test_tasks(self, evaluator: GenerationEvaluator) -> None:
        assert len(evaluator.tasks) >= 1
        for name, task in evaluator.tasks.items():
            assert task.name == name and evaluator.task(name) is task

    def test_a_generation_is_scored_in_order(self, evaluator: GenerationEvaluator) -> None:
        trials = self._generation(evaluator)
        results = evaluator.evaluate_generation(trials, [None] * len(trials))
        assert len(results) == len(trials)
        for trial, result in zip(trials, results, strict=True):
            task = evaluator.task(trial.task)
            assert result.ok, result.error
            assert math.isfinite(result.objective)
            assert math.isclose(
                result.objective, task.objective(result.metrics[task.metric]), rel_tol=1e-12
            )

    def test_stored_results_are_returned_as_they_are(self, evaluator: GenerationEvaluator) -> None:
        trials = self._generation(evaluator)
        stored = fake_result(trials[0])
        results = evaluator.evaluate_generation(trials, [stored] + [None] * (len(trials) - 1))
        assert results[0] == stored
        assert all(r.ok for r in results[1:])

    def test_unknown_task_and_foreign_arch_are_refused(
        self, evaluator: GenerationEvaluator
    ) -> None:
        arch = _samples(evaluator.space, 1)[0]
        with pytest.raises(UnknownNameError):
            evaluator.task("no-such-task")
        with pytest.raises(InvalidArchitectureError):
            evaluator.check_arch(_foreign_architecture(evaluator.space))
        evaluator.check_arch(arch)


class EvaluatorContract:
    """Checks of the ``Evaluator`` protocol.

    Override the ``evaluator`` fixture. Set ``deterministic = False`` for evaluators whose
    result varies between calls (real training); ``foreign_arch`` (by default a genotype of
    another bundled space) must be rejected.
    """

    #: Evaluating the same pair twice gives equal results.
    deterministic: ClassVar[bool] = True
    #: Architectures evaluated per task.
    n_archs: ClassVar[int] = 3

    @pytest.fixture
    def evaluator(self) -> Evaluator:
        raise NotImplementedError("override the `evaluator` fixture with the one under test")

    @pytest.fixture
    def foreign_arch(self, evaluator: Evaluator) -> Any:
        return _foreign_architecture(evaluator.space)

    def _archs(self, evaluator: Evaluator) -> list[Any]:
        return _samples(evaluator.space, self.n_archs)

    def test_tasks(self, evaluator: Evaluator) -> None:
        tasks = evaluator.tasks
        assert len(tasks) >= 1
        for name, task in tasks.items():
            assert isinstance(task, Task)
            assert task.name == name
            assert evaluator.task(name) is task

    def test_every_task_evaluates(self, evaluator: Evaluator) -> None:
        for name, task in evaluator.tasks.items():
            for arch in self._archs(evaluator):
                result = evaluator.evaluate(arch, name)
                assert isinstance(result, Result)
                assert result.status is Status.COMPLETE and result.ok, result.error
                assert math.isfinite(result.objective)
                assert task.metric in result.metrics, (
                    f"task {name}: metric {task.metric!r} missing from {dict(result.metrics)}"
                )
                assert all(isinstance(v, float) for v in result.metrics.values())
                assert math.isclose(
                    result.objective, task.objective(result.metrics[task.metric]), rel_tol=1e-12
                )
                if task.test_metric is not None:
                    assert task.test_metric in result.metrics
                assert math.isfinite(result.cost) and result.cost >= 0.0

    def test_deterministic(self, evaluator: Evaluator) -> None:
        if not self.deterministic:
            pytest.skip("evaluator declared non-deterministic")
        for name in evaluator.tasks:
            for arch in self._archs(evaluator):
                assert evaluator.evaluate(arch, name) == evaluator.evaluate(arch, name)

    def test_archs_are_told_apart(self, evaluator: Evaluator) -> None:
        if not self.deterministic:
            pytest.skip("evaluator declared non-deterministic")
        name = next(iter(evaluator.tasks))
        archs = set(_samples(evaluator.space, 20, seed=9))
        objectives = {evaluator.evaluate(arch, name).objective for arch in archs}
        assert len(objectives) > 1, "every architecture scores the same"

    def test_unknown_task(self, evaluator: Evaluator) -> None:
        arch = self._archs(evaluator)[0]
        with pytest.raises(UnknownNameError) as info:
            evaluator.evaluate(arch, "no-such-task")
        message = str(info.value)
        assert "no-such-task" in message
        for name in evaluator.tasks:
            assert name in message, f"the error does not list valid task {name!r}"
        assert tuple(info.value.choices) == tuple(evaluator.tasks)

    def test_foreign_arch(self, evaluator: Evaluator, foreign_arch: Any) -> None:
        name = next(iter(evaluator.tasks))
        with pytest.raises(InvalidArchitectureError):
            evaluator.evaluate(foreign_arch, name)

    def test_string_is_not_an_arch(self, evaluator: Evaluator) -> None:
        name = next(iter(evaluator.tasks))
        arch = self._archs(evaluator)[0]
        with pytest.raises(InvalidArchitectureError):
            evaluator.evaluate(evaluator.space.format(arch), name)

    def test_pickle_round_trip(self, evaluator: Evaluator) -> None:
        copy = pickle.loads(pickle.dumps(evaluator))
        assert list(copy.tasks) == list(evaluator.tasks)
        for name in evaluator.tasks:
            for arch in self._archs(evaluator):
                result = copy.evaluate(arch, name)
                assert pickle.loads(pickle.dumps(result)) == result
                if self.deterministic:
                    assert result == evaluator.evaluate(arch, name)


def fake_result(trial: Trial) -> Result:
    """A deterministic result for ``trial``, a function of its task and architecture string.

    About one trial in eleven fails, so strategies are fed failures too.
    """
    digest = zlib.crc32(f"{trial.task}/{trial.arch}".encode())
    if digest % 11 == 0:
        return Result.failure("fake failure", cost=1.0)
    value = (digest % 100_000) / 1000.0
    return Result(objective=value, metrics={"score": value}, cost=1.0)


Asked = list[tuple[str, str]]


def _drive(
    strategy: Strategy, rounds: int, tasks: Sequence[str] | None = None, *, fail: bool = False
) -> list[Asked]:
    """Ask/tell ``rounds`` times with ``fake_result``; the asked ``(task, arch)`` per round."""
    asked = []
    for _ in range(rounds):
        trials = strategy.ask(tasks)
        asked.append([(t.task, str(t.arch)) for t in trials])
        for trial in trials:
            result = Result.failure("told to fail") if fail else fake_result(trial)
            strategy.tell(trial, result)
    return asked


class StrategyContract:
    """Checks of the ask/tell ``Strategy`` protocol.

    Override the fixtures ``space`` and ``tasks`` (two or more task names) and the method
    ``make_strategy(space, tasks, seed)`` that builds the strategy under test. Trials are
    answered with ``fake_result``, a deterministic function of the trial.
    """

    #: Ask/tell rounds in each loop.
    n_rounds: ClassVar[int] = 15

    @pytest.fixture
    def space(self) -> SearchSpace[Any]:
        raise NotImplementedError("override the `space` fixture")

    @pytest.fixture
    def tasks(self) -> Sequence[str]:
        raise NotImplementedError("override the `tasks` fixture (two or more task names)")

    def make_strategy(self, space: SearchSpace[Any], tasks: Sequence[str], seed: int) -> Strategy:
        raise NotImplementedError("override make_strategy(space, tasks, seed)")

    def test_tasks_attribute(self, space: SearchSpace[Any], tasks: Sequence[str]) -> None:
        strategy = self.make_strategy(space, tasks, 0)
        assert isinstance(strategy, Strategy)
        assert tuple(strategy.tasks) == tuple(tasks)

    def test_ask_proposes_trials_in_the_space(
        self, space: SearchSpace[Any], tasks: Sequence[str]
    ) -> None:
        strategy = self.make_strategy(space, tasks, 0)
        for _ in range(self.n_rounds):
            trials = strategy.ask()
            assert isinstance(trials, list) and trials, "ask() proposed nothing"
            assert {t.task for t in trials} == set(tasks), "ask() skipped a task"
            for trial in trials:
                assert isinstance(trial, Trial)
                assert space.contains(trial.arch), f"{trial.arch!r} is not in the space"
                strategy.tell(trial, fake_result(trial))

    def test_ask_only_for_the_tasks_passed(
        self, space: SearchSpace[Any], tasks: Sequence[str]
    ) -> None:
        strategy = self.make_strategy(space, tasks, 0)
        for round_ in range(self.n_rounds):
            active = [tasks[round_ % len(tasks)]]
            trials = strategy.ask(active)
            assert trials, f"ask({active}) proposed nothing"
            assert {t.task for t in trials} == set(active)
            for trial in trials:
                strategy.tell(trial, fake_result(trial))
        assert strategy.ask([]) == []

    def test_unknown_task(self, space: SearchSpace[Any], tasks: Sequence[str]) -> None:
        strategy = self.make_strategy(space, tasks, 0)
        with pytest.raises(UnknownNameError) as info:
            strategy.ask([tasks[0], "no-such-task"])
        for name in tasks:
            assert name in str(info.value)

    def test_same_seed_same_asks(self, space: SearchSpace[Any], tasks: Sequence[str]) -> None:
        first = _drive(self.make_strategy(space, tasks, 7), self.n_rounds)
        again = _drive(self.make_strategy(space, tasks, 7), self.n_rounds)
        assert again == first
        other = _drive(self.make_strategy(space, tasks, 8), self.n_rounds)
        assert other != first, "the seed does not change the proposals"

    def test_state_dict_resumes_exactly(
        self, space: SearchSpace[Any], tasks: Sequence[str]
    ) -> None:
        strategy = self.make_strategy(space, tasks, 11)
        _drive(strategy, self.n_rounds)
        state = strategy.state_dict()
        text = json.dumps(state)  # JSON-serialisable
        expected = _drive(strategy, self.n_rounds)
        assert json.dumps(state) == text, "state_dict() shares state with the live strategy"
        fresh = self.make_strategy(space, tasks, 11)
        fresh.load_state_dict(json.loads(text))
        assert _drive(fresh, self.n_rounds) == expected

    def test_state_dict_of_a_fresh_strategy(
        self, space: SearchSpace[Any], tasks: Sequence[str]
    ) -> None:
        strategy = self.make_strategy(space, tasks, 12)
        state = json.loads(json.dumps(strategy.state_dict()))
        expected = _drive(strategy, self.n_rounds)
        fresh = self.make_strategy(space, tasks, 12)
        fresh.load_state_dict(state)
        assert _drive(fresh, self.n_rounds) == expected

    def test_failed_results(self, space: SearchSpace[Any], tasks: Sequence[str]) -> None:
        strategy = self.make_strategy(space, tasks, 0)
        for asked in _drive(strategy, self.n_rounds, fail=True):
            assert asked
        for trial in strategy.ask():
            assert space.contains(trial.arch)

    def test_untold_and_repeated_tells(self, space: SearchSpace[Any], tasks: Sequence[str]) -> None:
        strategy = self.make_strategy(space, tasks, 0)
        for round_ in range(self.n_rounds):
            trials = strategy.ask()
            assert trials
            kept = trials[:1] if round_ % 2 else trials  # the rest were cancelled
            for trial in kept:
                strategy.tell(trial, fake_result(trial))
                strategy.tell(trial, fake_result(trial))  # a repeat is told again
        json.dumps(strategy.state_dict())


def _record(number: int, task: str = "t", arch: str = "a", objective: float = 1.0) -> TrialRecord:
    result = Result(objective=objective, metrics={"m": objective, "other": 2.5}, cost=3.25)
    return TrialRecord(number, task, arch, result, started_at=100.5, finished_at=101.75)


class RunStoreContract:
    """Checks of the ``RunStore`` protocol. Override the ``store`` fixture (fresh, empty)."""

    @pytest.fixture
    def store(self) -> RunStore:
        raise NotImplementedError("override the `store` fixture with a fresh, empty store")

    def test_empty(self, store: RunStore) -> None:
        assert store.records() == []
        assert store.settings() is None

    def test_add_and_read_back(self, store: RunStore) -> None:
        record = _record(1)
        assert store.add(record) is True
        assert store.records() == [record]

    def test_add_never_overwrites(self, store: RunStore) -> None:
        original = _record(1, objective=1.0)
        assert store.add(original) is True
        assert store.add(original) is False
        assert store.add(_record(2, objective=9.0)) is False  # same (task, arch)
        assert store.records() == [original]

    def test_a_taken_number_is_refused(self, store: RunStore) -> None:
        original = _record(1, arch="a")
        store.add(original)
        with pytest.raises(RunStoreError):
            store.add(_record(1, arch="b"))
        assert store.records() == [original]

    def test_key_is_task_and_arch(self, store: RunStore) -> None:
        records = [_record(1, "t1", "a"), _record(2, "t2", "a"), _record(3, "t1", "b")]
        assert [store.add(r) for r in records] == [True, True, True]
        assert store.records() == records

    def test_records_sorted_by_number(self, store: RunStore) -> None:
        for number in (3, 1, 4, 2):
            assert store.add(_record(number, arch=f"arch{number}"))
        assert [r.number for r in store.records()] == [1, 2, 3, 4]

    def test_failed_result_round_trip(self, store: RunStore) -> None:
        record = TrialRecord(1, "t", "a", Result.failure("RuntimeError: boom", cost=2.0), 1.0, 2.0)
        store.add(record)
        (back,) = store.records()
        assert back == record
        assert back.result.status is Status.FAILED and not back.result.ok
        assert back.result.objective == -math.inf
        assert back.result.error == "RuntimeError: boom"

    def test_settings_saved_once(self, store: RunStore) -> None:
        settings = {"benchmark": "nb201", "tasks": ["cifar10"], "budget": 5, "options": {"x": 1}}
        store.save_settings(settings)
        assert store.settings() == settings
        with pytest.raises(RunStoreError):
            store.save_settings({"benchmark": "other"})
        assert store.settings() == settings

    def test_update_settings_replaces_saved_ones_only(self, store: RunStore) -> None:
        with pytest.raises(RunStoreError):
            store.update_settings({"budget": 5})  # nothing saved yet
        assert store.settings() is None
        store.save_settings({"benchmark": "nb201", "budget": 5})
        record = _record(1)
        store.add(record)
        store.update_settings({"benchmark": "nb201", "budget": 9})
        assert store.settings() == {"benchmark": "nb201", "budget": 9}
        assert store.records() == [record]  # the trials are kept

    def test_settings_returned_are_a_copy(self, store: RunStore) -> None:
        store.save_settings({"budget": 5})
        store.settings()["budget"] = 6  # type: ignore[index]
        assert store.settings() == {"budget": 5}
