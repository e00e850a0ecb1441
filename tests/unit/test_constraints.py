"""``--max-params``: a hard constraint for every strategy; size settings round-trip; the
multi-objective mode of the multi-task engine."""

from __future__ import annotations

import pytest

from tasknas import get_benchmark
from tasknas.errors import InvalidSettingError
from tasknas.experiment import RunSettings, build_strategy, load_settings, run_experiment
from tasknas.pareto import dominates, pareto_front
from tasknas.runner import Runner
from tasknas.size import INFEASIBLE, ParamLimit, param_counter, pareto_rows
from tasknas.storage import SQLiteStore
from tasknas.strategies import STRATEGIES, MultiTaskEvolution

LIMIT = 200_000
TASKS = ("cifar10", "cifar100")


@pytest.fixture(scope="module")
def bench():
    return get_benchmark("nb201")


@pytest.mark.parametrize("strategy", STRATEGIES.names())
def test_no_evaluated_architecture_and_no_best_exceeds_the_limit(strategy, bench) -> None:
    settings = RunSettings(tasks=TASKS, strategy=strategy, budget=12, seed=1)
    settings = settings.resolved_with(bench)
    limit = ParamLimit(param_counter(bench), LIMIT)
    refused: list[str] = []

    def feasible(task, arch):
        reason = limit(task, arch)
        if reason is not None:
            refused.append(reason)
        return reason

    result = Runner(build_strategy(settings, bench), bench, budget=12, feasible=feasible).run()
    for task in TASKS:
        res = result.tasks[task]
        assert res.best_arch is not None
        assert bench.params(bench.space.parse(res.best_arch), task) <= LIMIT
        assert res.evaluations == 12  # refused proposals spent no budget
    assert all(bench.params(bench.space.parse(r.arch), r.task) <= LIMIT for r in result.records)
    assert refused and all(r.startswith(INFEASIBLE) for r in refused)


def test_the_size_settings_round_trip_through_the_store_and_resume(tmp_path, bench) -> None:
    settings = RunSettings(
        tasks=TASKS, strategy="evo", budget=12, max_params=LIMIT, objectives=("accuracy", "params")
    )
    run_dir = tmp_path / "run"
    first, _ = run_experiment(settings, run_dir)
    stored = load_settings(run_dir)
    assert stored.max_params == LIMIT and stored.objectives == ("accuracy", "params")
    again, _ = run_experiment(stored, run_dir, resume=True)  # a replay: the same run
    assert [r.key for r in again.records] == [r.key for r in first.records]
    with pytest.raises(Exception, match="max_params"):
        run_experiment(
            RunSettings(**{**stored.__dict__, "max_params": LIMIT + 1}), run_dir, resume=True
        )


def test_a_limited_run_extends_exactly(tmp_path, bench) -> None:
    # one task: with two, refusals make one task use up its budget before the other, which
    # no extension can replay exactly (the run store refuses it, as for any such run)
    settings = RunSettings(tasks=("cifar10",), strategy="re", budget=10, max_params=LIMIT)
    run_experiment(settings, tmp_path / "run")
    bigger = RunSettings(**{**settings.__dict__, "budget": 20})
    extended, _ = run_experiment(bigger, tmp_path / "run", resume=True)
    fresh, _ = run_experiment(bigger, tmp_path / "fresh")
    assert [r.key for r in extended.records] == [r.key for r in fresh.records]
    assert all(bench.params(bench.space.parse(r.arch), r.task) <= LIMIT for r in fresh.records)


def test_default_settings_store_no_size_fields(tmp_path) -> None:
    data = RunSettings().to_dict()
    assert "max_params" not in data and "objectives" not in data
    assert RunSettings.from_dict(data) == RunSettings()
    sized = RunSettings(max_params=5, objectives=("accuracy", "params"))
    assert RunSettings.from_dict(sized.to_dict()) == sized
    with SQLiteStore(tmp_path / "s.sqlite", create=True) as store:
        store.save_settings(sized.to_dict())
        assert RunSettings.from_dict(store.settings()) == sized


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (RunSettings(max_params=0), "--max-params"),
        (RunSettings(max_params=2.5), "--max-params"),
        (RunSettings(benchmark="transnas-micro", max_params=10**6), "no parameter counts"),
        (RunSettings(objectives=("accuracy", "params")), "multi-task evolution"),
        (RunSettings(strategy="evo", objectives=("params",)), "objectives must be"),
        (
            RunSettings(
                benchmark="transnas-micro", strategy="evo", objectives=("accuracy", "params")
            ),
            "no parameter counts",
        ),
    ],
)
def test_bad_size_settings_are_refused(settings, fragment) -> None:
    with pytest.raises(InvalidSettingError, match=fragment):
        settings.resolved()


def test_a_limit_no_architecture_fits_is_refused_before_the_run(tmp_path) -> None:
    settings = RunSettings(tasks=("cifar10",), strategy="random", budget=3, max_params=1000)
    with pytest.raises(InvalidSettingError, match="smallest has 73,306 parameters"):
        run_experiment(settings, tmp_path / "run")
    assert not (tmp_path / "run" / "run.sqlite").exists()  # nothing was stored


def _population_front_share(strategy: MultiTaskEvolution, bench, task: str) -> float:
    members = strategy.population(task)
    points = [(v, -bench.params(a, task)) for a, v in members]
    return len(pareto_front(points)) / len(points)


def test_multi_objective_engine_keeps_a_spread_front(bench) -> None:
    single = STRATEGIES.get("evo")(bench.space, TASKS, seed=0)
    multi = STRATEGIES.get("evo")(bench.space, TASKS, seed=0, size=param_counter(bench))
    for strategy in (single, multi):
        Runner(strategy, bench, budget=60).run()
    for task in TASKS:
        # NSGA-II keeps the non-dominated members first, and more of the size range
        members = multi.population(task)
        points = [(v, -bench.params(a, task)) for a, v in members]
        head = pareto_front(points)
        assert head == list(range(len(head)))
        sizes = [bench.params(a, task) for a, _ in members]
        single_sizes = [bench.params(a, task) for a, _ in single.population(task)]
        assert min(sizes) < min(single_sizes)
        assert _population_front_share(multi, bench, task) > _population_front_share(
            single, bench, task
        )


def test_pareto_rows_are_non_dominated_and_sorted(bench) -> None:
    result = Runner(STRATEGIES.get("random")(bench.space, TASKS, seed=2), bench, budget=40).run()
    rows = pareto_rows(result.records, "cifar10", bench)
    assert rows
    assert [r["params"] for r in rows] == sorted(r["params"] for r in rows)
    for a in rows:
        for b in rows:
            assert not dominates((a["value"], -a["params"]), (b["value"], -b["params"]))
    evaluated = [
        (r.result.objective, -bench.params(bench.space.parse(r.arch), "cifar10"))
        for r in result.records
        if r.task == "cifar10"
    ]
    assert len(rows) == len(pareto_front(evaluated))


def test_a_run_the_limit_starves_says_why_it_stopped(bench, caplog) -> None:
    """Where no proposal fits (a space whose sizes are not tabulated, so the limit is not
    refused up front), the idle stop names the refusals."""
    settings = RunSettings(tasks=("cifar10",), strategy="random", budget=5, seed=0)
    strategy = build_strategy(settings.resolved_with(bench), bench)
    limit = ParamLimit(param_counter(bench), 1)
    with caplog.at_level("WARNING", logger="tasknas"):
        result = Runner(strategy, bench, budget=5, feasible=limit, max_idle_asks=3).run()
    assert result.stopped_idle and not result.records
    (line,) = [r.getMessage() for r in caplog.records if "consecutive asks" in r.getMessage()]
    assert "proposals were refused, e.g. infeasible" in line and "max-params 1" in line
