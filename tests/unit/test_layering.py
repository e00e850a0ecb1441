"""Architecture rules: a strategy never imports a benchmark, torch, or the run store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tasknas

PACKAGE = Path(tasknas.__file__).parent
FORBIDDEN = {
    "strategies": ("tasknas.benchmarks", "tasknas.storage", "tasknas.runner", "torch"),
    "spaces": ("tasknas.benchmarks", "tasknas.strategies", "tasknas.storage", "tasknas.runner"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_layer_imports_nothing_forbidden(folder: str) -> None:
    files = sorted((PACKAGE / folder).glob("*.py"))
    assert files, f"no modules found in {folder}"
    for path in files:
        bad = {
            name
            for name in _imports(path)
            for prefix in FORBIDDEN[folder]
            if name == prefix or name.startswith(prefix + ".")
        }
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_library_never_prints() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(str(path.relative_to(PACKAGE)))
    assert not offenders, offenders
