"""Instant CLI: heavy libraries are imported only by the commands and code paths that use them.

Each check runs in a fresh interpreter (this test process has imported torch long ago).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "gensim", "matplotlib", "sklearn", "ray", "gpytorch")

_PROBE = """
import json, sys
{body}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""

_CLI = """
from typer.testing import CliRunner
from tasknas.cli import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
"""


def _heavy_after(body: str) -> list[str]:
    code = _PROBE.format(body=body, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "module",
    [
        "tasknas",
        "tasknas.cli",
        "tasknas.strategies",
        "tasknas.tanas",
        "tasknas.oneshot",
        "tasknas.oneshot.fuse",
        "tasknas.oneshot.mtl",
        "tasknas.nn",
        "tasknas.training",
        "tasknas.benchmarks",
        "tasknas.benchmarks.train",
    ],
)
def test_importing_a_package_imports_no_heavy_library(module: str) -> None:
    assert _heavy_after(f"import {module}") == []


def test_public_names_still_resolve() -> None:
    body = (
        "import tasknas, tasknas.tanas, tasknas.oneshot\n"
        "assert tasknas.Runner.__name__ == 'Runner'\n"
        "assert 'Runner' in dir(tasknas)\n"
        "assert tasknas.tanas.TaskDictionary.__name__ == 'TaskDictionary'\n"
    )
    assert "torch" in _heavy_after(body)  # the dictionary really needs torch, on use


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["info"],
        ["query", "64-41414-3_33_333", "--benchmark", "transnas-micro"],
        ["search", "--benchmark", "nb201", "--strategy", "re", "--budget", "5", "--json"],
        ["search", "--benchmark", "nb201", "--strategy", "ktnas", "--budget", "12", "--json"],
        ["dictionary", "--help"],
        ["mtl", "--help"],
    ],
    ids=["help", "info", "query", "search-re", "search-ktnas", "dictionary-help", "mtl-help"],
)
def test_commands_that_train_nothing_import_no_torch(args: list[str], tmp_path) -> None:
    if args[0] == "search":
        args = [*args, "--out", str(tmp_path / "run")]
    heavy = _heavy_after(_CLI.format(args=args))
    assert "torch" not in heavy and "gpytorch" not in heavy, heavy


def test_unknown_attribute_is_an_attribute_error() -> None:
    import tasknas

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tasknas.nope  # noqa: B018
