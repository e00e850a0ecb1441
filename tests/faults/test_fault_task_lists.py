"""Empty and duplicated task lists are refused in one line (exit 2), before any work.

Cases: ``search``, ``compare``, ``query`` and ``dictionary build`` with ``--tasks ''`` or
``--tasks ' , '``; ``dictionary build`` naming one task twice, also in two spellings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasknas.cli import app


def _refused(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines


@pytest.mark.parametrize("empty", ["", " , "])
@pytest.mark.parametrize(
    "command",
    [
        ["search", "--budget", "3"],
        ["compare", "--strategies", "re", "--seeds", "1", "--budget", "3"],
        ["query", "64-41414-3_33_333", "--benchmark", "transnas-micro"],
        ["dictionary", "build"],
    ],
    ids=["search", "compare", "query", "dictionary-build"],
)
def test_an_empty_task_list_is_refused(command: list[str], empty: str, tmp_path: Path) -> None:
    extra = ["--dir", str(tmp_path / "d")] if command[0] == "dictionary" else []
    if command[0] == "search":
        extra = ["--out", str(tmp_path / "run")]
    result = CliRunner().invoke(app, [*command, *extra, "--tasks", empty])
    _refused(result, "names no task")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "tasks", ["mnist:0,mnist:0", "fashion_mnist:1,fashion_mnist:Trouser"], ids=["same", "alias"]
)
def test_a_dictionary_build_naming_a_task_twice_is_refused(tasks: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["dictionary", "build", "--tasks", tasks, "--dir", str(tmp_path / "d")]
    )
    _refused(result, "twice")
    assert not (tmp_path / "d").exists()
