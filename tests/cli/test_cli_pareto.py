"""``tasknas search --max-params / --objectives`` and the Pareto fronts of ``--json`` and
``report``."""

from __future__ import annotations

import pytest

from tasknas import get_benchmark
from tasknas.pareto import dominates

LIMIT = 300_000


@pytest.fixture(scope="module")
def mo_run(cli, tmp_path_factory: pytest.TempPathFactory):
    run_dir = tmp_path_factory.mktemp("mo") / "run"
    outcome = cli(
        "search", "--strategy", "evo", "--objectives", "accuracy,params", "--max-params",
        str(LIMIT), "--budget", "20", "--tasks", "cifar10,cifar100", "--out", str(run_dir),
        "--json",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    return run_dir, outcome.json()


def test_json_reports_the_limit_the_objectives_and_non_dominated_fronts(mo_run) -> None:
    _, data = mo_run
    bench = get_benchmark("nb201")
    assert data["max_params"] == LIMIT
    assert data["objectives"] == ["accuracy", "params"]
    assert set(data["pareto"]) == {"cifar10", "cifar100"}
    for task, row in data["tasks"].items():
        assert bench.params(bench.space.parse(row["best_arch"]), task) <= LIMIT
        front = data["pareto"][task]
        assert front and all(r["params"] <= LIMIT for r in front)
        for r in front:
            assert r["params"] == bench.params(bench.space.parse(r["arch"]), task)
            assert not any(
                dominates((o["value"], -o["params"]), (r["value"], -r["params"])) for o in front
            )
        assert max(r["value"] for r in front) == row["metrics"]["valid_acc"]


def test_report_writes_the_pareto_plot_and_summary_section(cli, mo_run) -> None:
    run_dir, data = mo_run
    outcome = cli("report", str(run_dir))
    assert outcome.exit_code == 0, outcome.stderr
    assert (run_dir / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    assert "## Pareto fronts" in summary
    assert f"at most {LIMIT:,} parameters" in summary
    for row in data["pareto"]["cifar10"]:
        assert f"{row['params']:,}" in summary


def test_resume_keeps_the_stored_size_settings(cli, mo_run) -> None:
    run_dir, data = mo_run
    outcome = cli("search", "--out", str(run_dir), "--resume", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    again = outcome.json()
    assert again["max_params"] == LIMIT and again["pareto"] == data["pareto"]
    changed = cli("search", "--out", str(run_dir), "--resume", "--max-params", "1000000")
    changed.usage_error("max_params")


def test_a_plain_nb201_run_has_fronts_but_no_size_keys(cli, tmp_path) -> None:
    outcome = cli(
        "search", "--strategy", "random", "--budget", "5", "--tasks", "cifar10", "--out",
        str(tmp_path / "run"), "--json",
    )  # fmt: skip
    data = outcome.json()
    assert "max_params" not in data and "objectives" not in data
    assert len(data["pareto"]["cifar10"]) >= 1


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--max-params", "0"), ("--max-params", "0")),
        (("--max-params", "-5"), ("--max-params",)),
        (("--benchmark", "transnas-micro", "--max-params", "1000"), ("no parameter counts",)),
        (("--objectives", "accuracy,params"), ("multi-task evolution", "mtbo")),
        (("--strategy", "evo", "--objectives", "params,accuracy"), ("objectives must be",)),
    ],
)
def test_bad_size_flags_are_refused_in_one_line(cli, tmp_path, args, fragments) -> None:
    outcome = cli("search", "--budget", "3", "--out", str(tmp_path / "run"), *args)
    outcome.usage_error(*fragments)
    assert not (tmp_path / "run").exists()


def test_a_limit_nothing_fits_is_one_error_line(cli, tmp_path) -> None:
    outcome = cli(
        "search", "--strategy", "random", "--budget", "2", "--tasks", "cifar10",
        "--max-params", "10", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert outcome.exit_code == 2, outcome.stderr
    assert "no architecture of nb201 fits --max-params 10 on cifar10" in outcome.error_line()
    assert not (tmp_path / "run" / "run.sqlite").exists()
