"""``search --resume --budget N`` with a larger N extends a run: the extended run has exactly
the records of a run started with N; a smaller N, or an extension the stored run does not lead
into, is refused in one line and the store is left as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tasknas.experiment import load_settings


@pytest.mark.parametrize("strategy", ["re", "ktnas", "mtbo"])
def test_a_finished_run_extended_equals_a_run_started_with_the_larger_budget(
    cli, store_rows, strategy: str, tmp_path: Path
) -> None:
    run, fresh = tmp_path / "run", tmp_path / "fresh"
    base = ["search", "--strategy", strategy, "--seed", "1"]
    assert cli(*base, "--budget", "10", "--out", str(run), "--json").exit_code == 0
    first = store_rows(run)
    extended = cli("search", "--out", str(run), "--resume", "--budget", "20", "--json")
    assert extended.exit_code == 0, extended.stderr
    assert extended.json()["budget"] == 20
    assert cli(*base, "--budget", "20", "--out", str(fresh), "--json").exit_code == 0
    assert store_rows(run)[: len(first)] == first
    assert store_rows(run) == store_rows(fresh)
    assert load_settings(run).budget == 20
    # the stored budget is now 20: a plain resume has nothing left to do
    again = cli("search", "--out", str(run), "--resume", "--json")
    assert again.exit_code == 0 and store_rows(run) == store_rows(fresh)


def test_a_smaller_budget_is_refused(cli, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert cli("search", "--tasks", "cifar10", "--budget", "6", "--out", str(run)).exit_code == 0
    before = hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest()
    refused = cli("search", "--out", str(run), "--resume", "--budget", "4")
    refused.usage_error("cannot lower the budget", "from 6 to 4")
    assert hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest() == before


def test_an_extension_that_is_not_exact_is_refused(cli, tmp_path: Path) -> None:
    # evo's first ask is a population of 10 per task: with budget 3 it was cut short, so a
    # search started with budget 6 numbers its trials otherwise
    run = tmp_path / "run"
    assert cli("search", "--strategy", "evo", "--budget", "3", "--out", str(run)).exit_code == 0
    before = hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest()
    refused = cli("search", "--out", str(run), "--resume", "--budget", "6")
    refused.usage_error("cannot extend", "from budget 3 to 6 exactly", "store is unchanged")
    assert hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest() == before
    assert load_settings(run).budget == 3
