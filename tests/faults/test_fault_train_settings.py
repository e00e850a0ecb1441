"""Training settings that do not apply fail fast; settings that make a search meaningless
warn (issue 13).

Cases: search: 4 (``--epochs`` with the default supernet evaluator, ``--epochs`` with
``--evaluator supernet`` on resume-like stored options, a budget giving a single supernet
generation, a budget giving fewer than ``MIN_GENERATIONS``); library: 2 (``train_benchmark``
names the evaluator that takes an option; no warning for a budget with enough generations).
A refusal is one line on stderr naming the flag, the evaluator that takes it and the flags
that apply, exit 2, nothing written; a warning is one log record, and the run goes on.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasknas.cli import app
from tasknas.cli._train_options import require_training
from tasknas.errors import InvalidSettingError

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TINY = ["--channels", "4", "--layers", "1", "--n-train", "64"]
#: The supernet evaluator's CLI flags, and internal option names that are no CLI flags.
SUPERNET_FLAGS = (
    "--space, --generation-epochs, --fitness, --channels, --layers, --stem-stride, --n-train, "
    "--device"
)
INTERNAL = ("batch_size", "momentum", "parent_prob", "weight_decay")


def _invoke(*args: str):
    return CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(app, list(args))


def test_epochs_with_the_default_supernet_evaluator_names_the_flags(tmp_path: Path):
    out = tmp_path / "run"
    result = _invoke(
        "search", "--benchmark", "train", "--tasks", "mnist:0", "--epochs", "3",
        "--budget", "2", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
    assert lines == [
        "error: --epochs does not apply to --evaluator supernet (only --evaluator standalone "
        f"takes it); flags that apply to it: {SUPERNET_FLAGS}"
    ]
    assert not any(name in lines[0] for name in INTERNAL)
    assert not out.exists()


def test_supernet_flags_with_the_standalone_evaluator_or_bad_values_are_refused(tmp_path: Path):
    out = tmp_path / "run"
    base = ("search", "--benchmark", "train", "--tasks", "mnist:0", "--budget", "2", *TINY)
    for extra, expected in (
        (
            ("--evaluator", "standalone", "--generation-epochs", "2"),
            "error: --generation-epochs does not apply to --evaluator standalone (only "
            "--evaluator supernet takes it)",
        ),
        (("--generation-epochs", "0"), "error: generation_epochs must be an integer >= 1, got 0"),
        (
            ("--evaluator", "standalone", "--fitness", "loss"),
            "error: --fitness does not apply to --evaluator standalone",
        ),
        (("--fitness", "lost"), "error: unknown fitness 'lost'; valid choices: accuracy, loss"),
    ):
        result = _invoke(*base, *extra, "--out", str(out))
        assert result.exit_code == 2, result.output
        lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(expected), lines
        assert not out.exists()


def test_stored_options_are_checked_against_the_evaluator_named():
    with pytest.raises(InvalidSettingError) as error:
        require_training("train", {"evaluator": "supernet", "epochs": 2, "channels": 4})
    assert str(error.value).startswith("--epochs does not apply to --evaluator supernet")
    require_training("train", {"evaluator": "standalone", "epochs": 2, "channels": 4})
    require_training("train", {"channels": 4})  # the default evaluator takes --channels


def test_train_benchmark_names_the_evaluator_that_takes_an_option():
    from tasknas.benchmarks.train import train_benchmark

    with pytest.raises(InvalidSettingError, match=r"'epochs' \(the standalone evaluator takes"):
        train_benchmark(["mnist:0"], epochs=3)
    with pytest.raises(InvalidSettingError, match=r"'parents' \(the supernet evaluator takes"):
        train_benchmark(["mnist:0"], evaluator="standalone", parents=3)


def _warnings(text: str) -> list[str]:
    """The warning lines of ``text`` (stderr is not a terminal here: one line per record)."""
    return [
        line.removeprefix("warning: ")
        for line in ANSI.sub("", text).splitlines()
        if line.startswith("warning: ")
    ]


def test_a_single_generation_budget_warns_and_the_run_goes_on(tmp_path: Path):
    out = tmp_path / "run"
    result = _invoke(
        "search", "--benchmark", "train", "--tasks", "mnist:0", *TINY, "--budget", "6",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    warnings = _warnings(result.stderr)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("budget 6 gives 1 generation of the supernet search on mnist:0")
    assert "a budget above the strategy's population size gives 2 or more" in warnings[0]
    assert json.loads(result.stdout)["tasks"]["mnist:0"]["evaluations"] == 6  # it went on


@pytest.mark.parametrize(("budget", "warned"), [(14, True), (18, False)])
def test_few_generations_warn_with_the_budget_that_gives_enough(
    budget: int, warned: bool, caplog: pytest.LogCaptureFixture
):
    from tasknas.benchmarks.train import SupernetEvaluator
    from tasknas.benchmarks.train._supernet import MIN_GENERATIONS
    from tasknas.trial import Trial

    bench = SupernetEvaluator(
        "nb201", ["mnist:0"], channels=4, layers=1, n_train=32, n_val=16, budget=budget
    )
    space = bench.space
    archs = list(space.enumerate())[:budget]
    first, rest = archs[:10], archs[10:12]  # a population of 10, then 2 children
    with caplog.at_level(logging.WARNING, logger="tasknas"):
        for generation in (first, rest):
            bench.evaluate_generation(
                [Trial("mnist:0", a) for a in generation], [None] * len(generation)
            )
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if not warned:
        assert messages == []
        return
    assert messages == [
        f"budget {budget} gives about 3 generations of the supernet search on mnist:0 (10 "
        "evaluations in the first, 2 in each next), so the supernet trains only 3 epochs; "
        f"a budget of at least {10 + (MIN_GENERATIONS - 1) * 2} gives {MIN_GENERATIONS} "
        "generations"
    ]
