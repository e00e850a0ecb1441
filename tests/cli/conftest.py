"""Helpers for the command-line tests: in-process runs (CliRunner) and real processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from run_rows import store_rows as store_rows_of
from tasknas.cli import app

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: Settings of the reference run that the reproducibility and resume tests compare against.
REF_ARGS = ("--seed", "3", "--budget", "40")


def plain(text: str) -> str:
    """``text`` without ANSI escape sequences."""
    return ANSI.sub("", text)


@dataclass(frozen=True)
class Outcome:
    """What a CLI call returned, whichever way it was run."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error_line(self) -> str:
        """The single error line on stderr (fails unless there is exactly one line)."""
        lines = [line for line in plain(self.stderr).splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one error line on stderr, got {lines!r}"
        assert lines[0].startswith("error: "), lines[0]
        return lines[0]

    def usage_error(self, *fragments: str) -> str:
        """The error line of a refused call (exit 2, nothing on stdout), checked to hold
        every one of ``fragments``."""
        assert self.exit_code == 2, (self.exit_code, self.stdout, self.stderr)
        assert self.stdout == ""
        line = self.error_line()
        for fragment in fragments:
            assert fragment in line, f"{fragment!r} not in {line!r}"
        return line


def _clean_env(tmp: Path) -> dict[str, str | None]:
    return {
        "TASKNAS_BENCHMARK_DIR": None,
        "TASKNAS_RUNS_DIR": str(tmp / "default-runs"),
        "TASKNAS_DICTIONARY_DIR": str(tmp / "default-dictionary"),
        "NO_COLOR": "1",
        "FORCE_COLOR": None,
        "TERM": "dumb",
    }


@pytest.fixture(scope="session")
def cli(tmp_path_factory: pytest.TempPathFactory):
    """``cli(*args, env=...)`` runs ``tasknas ARGS`` in this process and returns an Outcome."""
    tmp = tmp_path_factory.mktemp("cli")

    def invoke(*args: str, env: dict[str, str | None] | None = None) -> Outcome:
        runner = CliRunner(env={**_clean_env(tmp), **(env or {})})
        result = runner.invoke(app, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


def _tasknas_command() -> list[str]:
    """The installed ``tasknas`` script (beside this interpreter, else on PATH)."""
    name = "tasknas.exe" if os.name == "nt" else "tasknas"
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("tasknas")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from tasknas.cli import main; sys.exit(main())"]


def _process_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in _clean_env(tmp).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _start(args: Sequence[str], tmp: Path, **kwargs: Any) -> subprocess.Popen[str]:
    """Start ``tasknas ARGS`` as a separate process (its own session, text pipes)."""
    return subprocess.Popen(
        [*_tasknas_command(), *args],
        env=_process_env(tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 120) -> Outcome:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"tasknas did not finish in {timeout}s; stderr: {stderr[-2000:]}")
    return Outcome(proc.returncode, stdout, stderr)


@dataclass(frozen=True)
class Processes:
    """Runs ``tasknas`` as separate processes, with a clean environment rooted at ``tmp``."""

    tmp: Path

    def start(self, *args: str) -> subprocess.Popen[str]:
        return _start(args, self.tmp)

    def finish(self, proc: subprocess.Popen[str], timeout: float = 120) -> Outcome:
        return _finish(proc, timeout)

    def run(self, *args: str, timeout: float = 120) -> Outcome:
        return _finish(_start(args, self.tmp), timeout)


@pytest.fixture
def tasknas_process(tmp_path: Path) -> Processes:
    """``tasknas_process.run(*args)`` runs the installed ``tasknas`` in a fresh process."""
    return Processes(tmp_path)


@pytest.fixture(scope="session")
def store_rows():
    """``store_rows(run_dir)``: the trial rows (number, task, arch, status, objective,
    metrics) of a run store, by number."""
    return store_rows_of


@dataclass(frozen=True)
class RefRun:
    run_dir: Path
    outcome: Outcome
    rows: list[tuple]


@pytest.fixture(scope="session")
def reference_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[RefRun, RefRun]:
    """Two identical seeded searches (``REF_ARGS``), each in its own fresh process."""
    tmp = tmp_path_factory.mktemp("reference")
    dirs = [tmp / "first", tmp / "second"]
    procs = [_start(["search", "--out", str(d), *REF_ARGS, "--json"], tmp) for d in dirs]
    outcomes = [_finish(p) for p in procs]
    runs = []
    for d, outcome in zip(dirs, outcomes, strict=True):
        assert outcome.exit_code == 0, outcome.stderr
        runs.append(RefRun(d, outcome, store_rows_of(d)))
    return runs[0], runs[1]


@pytest.fixture(scope="session")
def ref_args() -> tuple[str, ...]:
    """The flags of the reference runs."""
    return REF_ARGS
