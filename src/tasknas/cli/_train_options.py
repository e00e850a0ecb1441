"""``tasknas search`` flags of the training benchmark (``--benchmark train``).

Each flag left out takes the benchmark's CPU-sized default (see
``tasknas.benchmarks.train._benchmark``), or on ``--resume`` the value stored with the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from tasknas.benchmarks.train._defaults import DEFAULT_SPACE
from tasknas.errors import InvalidSettingError

_HELP = "[--benchmark train]"

SpaceOpt = Annotated[
    str | None,
    typer.Option(help=f"Search space: darts-emtnas or nb201. {_HELP} [default: {DEFAULT_SPACE}]"),
]
EvaluatorOpt = Annotated[
    str | None,
    typer.Option(
        "--evaluator",
        help="supernet (EMT-NAS weight sharing, one epoch per generation) or standalone "
        f"(each architecture trained from scratch). {_HELP} [default: supernet]",
    ),
]
EpochsOpt = Annotated[
    int | None,
    typer.Option(help=f"Training epochs per architecture (standalone). {_HELP} [default: 2]"),
]
ChannelsOpt = Annotated[int | None, typer.Option(help=f"Network width. {_HELP} [default: 8]")]
LayersOpt = Annotated[
    int | None,
    typer.Option(help=f"Depth: DARTS cells, or NB201 cells per stage. {_HELP} [default: 5 / 1]"),
]
NTrainOpt = Annotated[
    int | None,
    typer.Option("--n-train", help=f"Training images per task. {_HELP} [default: 1000]"),
]
DeviceOpt = Annotated[
    str | None, typer.Option(help=f"cpu, cuda, mps or auto. {_HELP} [default: cpu]")
]


def benchmark_options(stored: Mapping[str, Any], **flags: Any) -> dict[str, Any]:
    """The stored options updated with the flags given (``None`` = left out)."""
    options = dict(stored)
    options.update({name: value for name, value in flags.items() if value is not None})
    return options


def require_training(benchmark: str, options: Mapping[str, Any]) -> None:
    """Raise unless ``options`` are empty or the benchmark trains networks."""
    from tasknas.benchmarks import TRAINING_BENCHMARKS

    if options and benchmark not in TRAINING_BENCHMARKS:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in options)
        raise InvalidSettingError(
            f"{flags} only apply to a training benchmark ({', '.join(TRAINING_BENCHMARKS)}), "
            f"not to {benchmark!r}"
        )
