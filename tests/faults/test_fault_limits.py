"""Limits that fail fast: budgets above the space, absurd budgets, Ray addresses that do not
answer, architecture strings too long to parse.

Cases per command: search: 5 (a budget above the space capped with a note and stored capped;
a budget above 2**63 refused; a Ray address that refuses the connection; a resume asking
a smaller budget; the progress names what one ask is); query: 1 (a huge architecture
string); library: 1 (a Ray address that never answers times out with its own message).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_lines import one_error_line, stderr_lines
from tasknas.cli import app
from tasknas.errors import InvalidSettingError
from tasknas.experiment import RunSettings, load_settings, prepare_run

HUGE = "99999999999999999999"


def test_search_budget_above_the_space_is_capped_and_stored(tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = ["search", "--benchmark", "transnas-micro", "--tasks", "class_scene"]
    result = CliRunner().invoke(
        app, [*args, "--strategy", "random", "--budget", HUGE, "--out", str(run), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert stderr_lines(result.stderr) == [
        f"note: budget {HUGE} is above the 4,096 architectures of transnas-micro; capped"
    ]
    data = json.loads(result.stdout)
    assert data["budget"] == 4096 and data["tasks"]["class_scene"]["evaluations"] == 4096
    assert load_settings(run).budget == 4096
    listed = CliRunner().invoke(app, ["runs", str(tmp_path), "--json"])
    (row,) = json.loads(listed.stdout)["runs"]
    assert row["budget"] == 4096 and row["finished"] is True
    # resuming with the same huge budget is the same (capped) run, not a changed setting
    again = CliRunner().invoke(app, ["search", "--out", str(run), "--resume", "--budget", HUGE])
    assert again.exit_code == 0, again.output


def test_search_budget_above_2_63_is_refused_where_nothing_caps_it(tmp_path: Path) -> None:
    budget = "1" + "0" * 40
    with pytest.raises(InvalidSettingError, match="above the largest a run can count"):
        RunSettings(
            benchmark="train",
            tasks=("mnist",),
            budget=int(budget),
            benchmark_options={"space": "darts-emtnas"},
        ).resolved()
    result = CliRunner().invoke(
        app,
        [
            *("search", "--benchmark", "train", "--tasks", "mnist", "--space", "darts-emtnas"),
            *("--budget", budget, "--out", str(tmp_path / "run")),
        ],
    )
    one_error_line(result, "budget 100000000000… (41 digits)", "9,223,372,036,854,775,807")
    assert list(tmp_path.iterdir()) == []


def test_search_resume_with_a_smaller_budget_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    base = ["search", "--tasks", "cifar10", "--strategy", "random", "--out", str(run)]
    assert CliRunner().invoke(app, [*base, "--budget", "6"]).exit_code == 0
    before = hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest()
    result = CliRunner().invoke(app, [*base, "--resume", "--budget", "3"])
    one_error_line(result, "cannot lower the budget", "from 6 to 3")
    assert hashlib.sha256((run / "run.sqlite").read_bytes()).hexdigest() == before


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs Ray")
def test_search_ray_address_that_refuses_fails_at_once(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on once this socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"127.0.0.1:{port}"
    result = CliRunner().invoke(
        app,
        [
            *("search", "--tasks", "cifar10", "--budget", "2", "--executor", "ray"),
            *("--address", address, "--out", str(tmp_path / "run")),
        ],
    )
    one_error_line(result, f"Ray address {address} did not answer")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs Ray")
def test_ray_address_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasknas.execution import _ray

    waited = []

    def silent(address: tuple[str, int], timeout: float) -> socket.socket:
        waited.append((address, timeout))
        raise TimeoutError("timed out")

    monkeypatch.setattr(_ray.socket, "create_connection", silent)
    with pytest.raises(
        InvalidSettingError, match=r"10\.255\.255\.1:6379 did not answer within 30 s"
    ):
        prepare_run(
            RunSettings(tasks=("cifar10",), budget=2),
            Path("unused"),
            executor="ray",
            address="10.255.255.1:6379",
        )
    assert waited == [(("10.255.255.1", 6379), _ray.CONNECT_TIMEOUT)]
    assert _ray.CONNECT_TIMEOUT <= 30


@pytest.mark.parametrize(
    ("strategy", "name"), [("random", "ask"), ("re", "ask"), ("ktnas", "generation")]
)
def test_search_progress_names_what_an_ask_is(strategy: str, name: str, tmp_path: Path) -> None:
    prepared = prepare_run(RunSettings(strategy=strategy, budget=2), tmp_path / "run")
    assert prepared.ask_name == name


def test_query_with_a_huge_architecture_string_fails_in_one_line() -> None:
    arch = "|nor_conv_3x3~0|+" * 7000
    result = CliRunner().invoke(app, ["query", arch])
    line = one_error_line(result, "119,000 characters", "limit")
    assert len(line) < 200
