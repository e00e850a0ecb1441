"""``tasknas info``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tasknas.benchmarks import BENCHMARKS, get_benchmark
from tasknas.cli._common import handle_errors, out, print_json
from tasknas.execution import EXECUTORS
from tasknas.spaces import SPACES, get_space
from tasknas.strategies import DEFAULT_STRATEGY, STRATEGIES


def _catalogue() -> dict[str, Any]:
    benchmarks = {}
    for name in BENCHMARKS:
        bench = get_benchmark(name)
        benchmarks[name] = {
            "space": bench.space.name,
            "description": bench.spec.description,
            "tasks": {
                t.name: {
                    "metric": t.metric,
                    "direction": t.direction.value,
                    "description": t.description,
                }
                for t in bench.tasks.values()
            },
        }
    spaces = {}
    for name in SPACES:
        space = get_space(name)
        spaces[name] = {"size": space.size, "description": (type(space).__doc__ or "").strip()}
    strategies = {
        name: {
            "description": (STRATEGIES.get(name).__doc__ or "").strip().splitlines()[0],
            "default": name == DEFAULT_STRATEGY,
        }
        for name in STRATEGIES
    }
    return {
        "benchmarks": benchmarks,
        "spaces": spaces,
        "strategies": strategies,
        "executors": list(EXECUTORS.names()),
    }


@handle_errors
def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List benchmarks and their tasks, search spaces, strategies and executors."""
    data = _catalogue()
    if as_json:
        print_json(data)
        return
    tasks = Table(title="benchmarks and tasks")
    for column in ("benchmark", "space", "task", "metric", "direction", "description"):
        tasks.add_column(column)
    for name, bench in data["benchmarks"].items():
        for task, spec in bench["tasks"].items():
            tasks.add_row(
                name, bench["space"], task, spec["metric"], spec["direction"], spec["description"]
            )
    out.print(tasks)
    spaces = Table(title="search spaces")
    for column in ("space", "architectures", "description"):
        spaces.add_column(column)
    for name, spec in data["spaces"].items():
        spaces.add_row(name, f"{spec['size']:,}", spec["description"])
    out.print(spaces)
    strategies = Table(title="strategies")
    for column in ("strategy", "description"):
        strategies.add_column(column)
    for name, spec in data["strategies"].items():
        strategies.add_row(name + (" (default)" if spec["default"] else ""), spec["description"])
    out.print(strategies)
    out.print(f"executors: {', '.join(data['executors'])}")
