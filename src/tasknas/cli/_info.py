"""``tasknas info``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tasknas.benchmarks import BENCHMARKS, TRAINING_BENCHMARKS, get_benchmark
from tasknas.benchmarks.train._defaults import DEFAULT_SPACE
from tasknas.cli._common import (
    VerboseOption,
    handle_errors,
    out,
    print_json,
)
from tasknas.execution import EXECUTORS
from tasknas.spaces import SPACES, get_space
from tasknas.strategies import DEFAULT_STRATEGY, STRATEGIES, TRAINING_DEFAULT_STRATEGY
from tasknas.tasks import image_datasets, multitask_datasets

#: The ``train`` benchmark as `info` shows it (its evaluators import torch; this does not).
_TRAIN_INFO = {
    "space": DEFAULT_SPACE,
    "description": "Trains networks on the image tasks named with --tasks (CPU-sized defaults; "
    "`tasknas final` retrains the best).",
    "task_specs": "DATASET (every class), DATASET:CLASS (that class against the rest), "
    "DATASET:A+B (those classes) or the path of a .npz; DATASET: a shipped image set",
}


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
            "kind": "tabular",
        }
    for name in TRAINING_BENCHMARKS:
        benchmarks[name] = {
            **_TRAIN_INFO,
            "tasks": {},  # the user names them: image task specs
            "kind": "training",
            "default_strategy": TRAINING_DEFAULT_STRATEGY,
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
        "image_datasets": list(image_datasets()),
        "multitask_datasets": list(multitask_datasets()),
    }


@handle_errors
def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """List benchmarks and their tasks, search spaces, strategies, executors and data sets."""
    data = _catalogue()
    if as_json:
        print_json(data)
        return
    tasks = Table(title="benchmarks and tasks")
    for column in ("benchmark", "space", "task", "metric", "direction", "description"):
        tasks.add_column(column)
    for name, bench in data["benchmarks"].items():
        if bench["kind"] == "training":
            tasks.add_row(name, bench["space"], "image task specs", "", "", bench["task_specs"])
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
    out.print(f"image data sets (--benchmark train --tasks): {', '.join(data['image_datasets'])}")
    out.print(
        f"multi-task data sets (tasknas mtl --dataset): {', '.join(data['multitask_datasets'])}"
    )
