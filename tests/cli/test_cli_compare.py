"""``tasknas compare``: the JSON contract, the table, the figures and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

STRATEGY_KEYS = {
    "evals_to_optimum_mean",
    "evals_to_optimum_std",
    "found_optimum",
    "best_objective_mean",
    "percentile_mean",
}


def test_compare_json_contract(cli) -> None:
    outcome = cli(
        "compare",
        "--benchmark",
        "transnas-micro",
        "--tasks",
        "class_scene,room_layout",
        "--strategies",
        "random,re",
        "--seeds",
        "2",
        "--budget",
        "30",
        "--json",
    )
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["benchmark"] == "transnas-micro"
    assert set(data["results"]) == {"random", "re"}
    for per_task in data["results"].values():
        assert set(per_task) == {"class_scene", "room_layout"}
        for row in per_task.values():
            assert set(row) >= STRATEGY_KEYS
            assert 0 <= row["found_optimum"] <= 2
            assert 0 <= row["percentile_mean"] <= 100
            if row["found_optimum"] == 0:
                assert row["evals_to_optimum_mean"] is None
            else:
                assert 1 <= row["evals_to_optimum_mean"] <= 30
        assert per_task["room_layout"]["best_objective_mean"] < 0  # a loss, maximised negated


def test_compare_until_optimum_stops_each_task_where_it_found_its_optimum(cli) -> None:
    args = ("compare", "--benchmark", "nb201", "--tasks", "cifar100", "--strategies", "evo")
    args += ("--seeds", "2", "--budget", "200", "--json")
    stopped = cli(*args, "--until-optimum")
    assert stopped.exit_code == 0, stopped.stderr
    full = cli(*args)
    data, whole = stopped.json(), full.json()
    assert data["until_optimum"] is True and whole["until_optimum"] is False
    row, reference = data["results"]["evo"]["cifar100"], whole["results"]["evo"]["cifar100"]
    # the same seeds reach the optimum after the same evaluations, with or without the stop
    assert row["found_optimum"] == reference["found_optimum"] == 2
    assert row["evals_to_optimum_mean"] == reference["evals_to_optimum_mean"]
    assert row["percentile_mean"] == 0.0
    table = cli(*args[:-1], "--until-optimum")
    assert table.exit_code == 0 and "stopped at its optimum" in table.stdout


def test_compare_table_and_figures(cli, tmp_path: Path) -> None:
    outcome = cli(
        "compare",
        "--tasks",
        "cifar10,cifar100",
        "--strategies",
        "re,ktnas-random",
        "--seeds",
        "2",
        "--budget",
        "40",
        "--plots",
        str(tmp_path / "figs"),
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert "cifar100" in outcome.stdout and "ktnas-random" in outcome.stdout
    for name in ("convergence.png", "positive_transfer.png", "task_correlations.png"):
        assert (tmp_path / "figs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_baseline_adds_paired_differences(cli) -> None:
    args = ["compare", "--benchmark", "transnas-micro", "--tasks", "class_scene,jigsaw"]
    args += ["--strategies", "random,evo", "--baseline", "re", "--seeds", "3", "--budget", "20"]
    outcome = cli(*args, "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert set(data["results"]) == {"random", "evo", "re"}  # the baseline joined the run
    assert data["baseline"] == "re"
    assert set(data["paired"]) == {"random", "evo"}
    for strategy, per_task in data["paired"].items():
        assert set(per_task) == {"class_scene", "jigsaw"}
        for task, measures in per_task.items():
            assert set(measures) == {
                "percentile",
                "best_objective",
                "best_value",
                "evals_to_optimum",
            }
            pct = measures["percentile"]
            assert pct["n"] == 3 and pct["dropped"] == 0
            mine, base = data["results"][strategy][task], data["results"]["re"][task]
            assert pct["mean"] == pytest.approx(mine["percentile_mean"] - base["percentile_mean"])
            assert pct["ci_low"] <= pct["mean"] <= pct["ci_high"]
            assert pct["significant"] == (pct["ci_low"] > 0 or pct["ci_high"] < 0)
    table = cli(*args)
    assert table.exit_code == 0, table.stderr
    assert "paired difference vs re" in table.stdout


#: transnas-micro, re, 2 seeds, budget 100: one seed (of 2) finds class_scene's optimum.
ONE_SEED_FINDS = ["compare", "--benchmark", "transnas-micro", "--tasks"]
ONE_SEED_FINDS += ["class_scene,room_layout,jigsaw", "--strategies", "re", "--seeds", "2"]
ONE_SEED_FINDS += ["--budget", "100"]


def test_compare_spread_of_one_seed_is_undefined_not_zero(cli) -> None:
    data = cli(*ONE_SEED_FINDS, "--json").json()
    row = data["results"]["re"]["class_scene"]
    assert row["found_optimum"] == 1 and row["evals_to_optimum_mean"] is not None
    assert row["evals_to_optimum_std"] is None  # was 0.0
    table = cli(*ONE_SEED_FINDS)
    assert table.exit_code == 0, table.stderr
    assert f"{row['evals_to_optimum_mean']:.1f} ± –" in table.stdout and "(n=1)" in table.stdout
    assert "± 0.0" not in table.stdout


def test_compare_json_numbers_carry_no_binary_noise(cli) -> None:
    data = cli(*ONE_SEED_FINDS, "--json").json()
    jigsaw = data["results"]["re"]["jigsaw"]
    # the mean of two table values (94.82235349999999 in float arithmetic)
    assert jigsaw["best_value_mean"] == 94.8223535

    def floats(node):
        if isinstance(node, float):
            yield node
        elif isinstance(node, dict | list):
            for child in node.values() if isinstance(node, dict) else node:
                yield from floats(child)

    for value in floats(data):
        assert len(repr(abs(value)).replace(".", "").lstrip("0")) <= 12, value


def test_compare_paired_best_value_is_in_the_metric_units(cli) -> None:
    args = ["compare", "--benchmark", "transnas-micro", "--tasks", "class_scene,room_layout"]
    args += ["--strategies", "re", "--baseline", "random", "--seeds", "3", "--budget", "20"]
    data = cli(*args, "--json").json()
    paired = data["paired"]["re"]
    loss = paired["room_layout"]
    # a loss: the difference of losses, the opposite of the (negated-loss) objective's, and
    # lower is better
    assert loss["best_value"]["mean"] == pytest.approx(-loss["best_objective"]["mean"])
    assert loss["best_value"]["lower_is_better"] is True
    assert loss["best_objective"]["lower_is_better"] is False
    accuracy = paired["class_scene"]
    assert accuracy["best_value"]["mean"] == pytest.approx(accuracy["best_objective"]["mean"])
    assert accuracy["best_value"]["lower_is_better"] is False
    results = data["results"]
    assert loss["best_value"]["mean"] == pytest.approx(
        results["re"]["room_layout"]["best_value_mean"]
        - results["random"]["room_layout"]["best_value_mean"]
    )
    table = cli(*args)
    assert table.exit_code == 0, table.stderr
    assert "best value" in table.stdout and "best objective" not in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--strategies", "nope"], "unknown strategy 'nope'"),
        (["--strategies", "re", "--seeds", "0"], "--seeds must be >= 1"),
        (["--strategies", "re", "--budget", "0"], "budget must be a positive"),
        (["--strategies", "re", "--tasks", "mnist"], "unknown task 'mnist'"),
        (["--strategies", "re", "--baseline", "nope"], "unknown strategy 'nope'"),
    ],
)
def test_compare_bad_input(cli, args: list[str], needle: str) -> None:
    outcome = cli("compare", *args)
    assert outcome.exit_code == 2
    assert needle in outcome.error_line()
