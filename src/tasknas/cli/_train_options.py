"""``tasknas search`` flags of the training benchmark (``--benchmark train``).

Each flag left out takes the benchmark's CPU-sized default (see
``tasknas.benchmarks.train._benchmark``), or on ``--resume`` the value stored with the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from tasknas.benchmarks.train._defaults import DEFAULT_EVALUATOR, DEFAULT_SPACE, parse_split_size
from tasknas.errors import InvalidSettingError

_HELP = "[--benchmark train]"

SpaceOpt = Annotated[
    str | None,
    typer.Option(
        help="Search space: darts-emtnas, darts-emtnas-conv (EMT-NAS's operations and a dense "
        f"3x3 convolution) or nb201. {_HELP} [default: {DEFAULT_SPACE}]"
    ),
]
EvaluatorOpt = Annotated[
    str | None,
    typer.Option(
        "--evaluator",
        help="supernet (EMT-NAS weight sharing, one epoch per generation) or standalone "
        f"(each architecture trained from scratch). {_HELP} [default: {DEFAULT_EVALUATOR}]",
    ),
]
EpochsOpt = Annotated[
    int | None,
    typer.Option(help=f"Training epochs per architecture (standalone). {_HELP} [default: 2]"),
]
GenerationEpochsOpt = Annotated[
    int | None,
    typer.Option(
        "--generation-epochs",
        help="Supernet training epochs per generation (supernet). On small training sets one "
        f"epoch is a few minibatches, too few to rank architectures. {_HELP} [default: 1]",
    ),
]
FitnessOpt = Annotated[
    str | None,
    typer.Option(
        "--fitness",
        help="What scores an architecture with the shared weights (supernet): accuracy "
        "(validation accuracy, the EMT-NAS protocol) or loss (validation cross-entropy, "
        f"minimised; no ties where the shared weights predict one class). {_HELP} "
        "[default: accuracy]",
    ),
]
ChannelsOpt = Annotated[int | None, typer.Option(help=f"Network width. {_HELP} [default: 8]")]
LayersOpt = Annotated[
    int | None,
    typer.Option(help=f"Depth: DARTS cells, or NB201 cells per stage. {_HELP} [default: 5 / 1]"),
]
StemStrideOpt = Annotated[
    int | None,
    typer.Option(
        "--stem-stride",
        help="Stride of a DARTS network's stem: 1 keeps the image's resolution in the first "
        "cell (as the ResNet baseline does; about 4x the CPU training time on 28x28 images), 2 "
        f"halves it. DARTS spaces only. {_HELP} [default: 2]",
    ),
]
NTrainOpt = Annotated[
    str | None,
    typer.Option(
        "--n-train",
        help="Training images per task (the supernet's, or each stand-alone network's), or "
        f"all: every training image of each task. {_HELP} [default: 1000]",
    ),
]
_DEVICES = "cpu, cuda, mps or auto (cuda, else mps, else cpu)."
DeviceOpt = Annotated[str | None, typer.Option(help=f"{_DEVICES} {_HELP} [default: cpu]")]
#: ``--device`` of the commands that retrain a stored run (``final``, ``export``).
RunDeviceOpt = Annotated[
    str | None, typer.Option("--device", help=f"{_DEVICES} [default: the run's stored device]")
]


#: The ``--benchmark train`` flags of ``tasknas search`` (option names), in ``--help`` order.
TRAIN_FLAGS = (
    "space",
    "evaluator",
    "epochs",
    "generation_epochs",
    "fitness",
    "channels",
    "layers",
    "stem_stride",
    "n_train",
    "device",
)


def n_train_value(text: str | None) -> int | str | None:
    """``--n-train``'s value: a number of images (an integer >= 1), ``all``, or ``None``.

    Raises:
        InvalidSettingError: anything else, in one line naming the value and the choices.
    """
    return None if text is None else parse_split_size("--n-train", text)


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')}"


#: What ``--quick`` sets where its flag is left out (flag names without ``--``; ``epochs`` only
#: with ``--evaluator standalone``): the fewest settings that still run a search end to end,
#: in seconds, for tests and CI (measured: about 12 s for one MNIST task on one loaded core).
#: Not for results. Flags given override them.
SEARCH_QUICK: dict[str, int] = {
    "budget": 20,
    "n_train": 200,
    "channels": 4,
    "layers": 1,
    "epochs": 1,
}
#: What ``tasknas mtl --quick`` sets where its flag is left out: the fewest epochs and images
#: that still run the three networks end to end (seconds). Flags given override them.
MTL_QUICK: dict[str, int] = {"epochs": 1, "pretrain_epochs": 0, "n_train": 64, "n_test": 32}


def quick_help(settings: Mapping[str, int], note: str = "") -> str:
    """The ``--help`` text of a ``--quick`` flag that sets ``settings``."""
    shown = ", ".join(f"{_flag(name)} {value}" for name, value in settings.items())
    return (
        f"Tiny, fast settings for tests and CI, not for results: {shown}{note}; "
        "flags given override them."
    )


QuickOpt = Annotated[
    bool,
    typer.Option(
        "--quick",
        help=quick_help(SEARCH_QUICK, " (--epochs with --evaluator standalone only)") + f" {_HELP}",
    ),
]


def quick_settings(
    benchmark: str, evaluator: str | None, flags: Mapping[str, Any]
) -> dict[str, Any]:
    """``flags`` (``None`` = left out) with the ``SEARCH_QUICK`` value of each flag left out.

    Raises:
        InvalidSettingError: ``benchmark`` does not train networks.
    """
    from tasknas.benchmarks import TRAINING_BENCHMARKS

    if benchmark not in TRAINING_BENCHMARKS:
        raise InvalidSettingError(
            f"--quick only applies to a training benchmark ({', '.join(TRAINING_BENCHMARKS)}), "
            f"not to {benchmark!r}"
        )
    quick = dict(SEARCH_QUICK)
    if (evaluator or DEFAULT_EVALUATOR) != "standalone":
        del quick["epochs"]  # the supernet trains one epoch per generation
    return {**flags, **{k: v for k, v in quick.items() if flags.get(k) is None}}


def benchmark_options(stored: Mapping[str, Any], **flags: Any) -> dict[str, Any]:
    """The stored options updated with the flags given (``None`` = left out)."""
    options = dict(stored)
    options.update({name: value for name, value in flags.items() if value is not None})
    return options


def require_training(benchmark: str, options: Mapping[str, Any]) -> None:
    """Raise unless ``options`` are empty or the benchmark trains networks and takes them
    (a flag of the other ``--evaluator`` is refused naming the flags that apply)."""
    from tasknas.benchmarks import TRAINING_BENCHMARKS

    if options and benchmark not in TRAINING_BENCHMARKS:
        flags = ", ".join(_flag(name) for name in options)
        raise InvalidSettingError(
            f"{flags} only apply to a training benchmark ({', '.join(TRAINING_BENCHMARKS)}), "
            f"not to {benchmark!r}"
        )
    if options and benchmark == "train":
        _require_evaluator_flags(options)


def _require_evaluator_flags(options: Mapping[str, Any]) -> None:
    """Raise, naming CLI flags, when a flag does not apply to the chosen ``--evaluator``
    (other mistakes, such as an unknown evaluator, are the library's to report)."""
    from tasknas.benchmarks.train import EVALUATORS
    from tasknas.benchmarks.train._benchmark import evaluator_options, option_owners

    evaluator = options.get("evaluator", DEFAULT_EVALUATOR)
    if evaluator not in EVALUATORS:
        return
    valid = evaluator_options(evaluator) | {"space", "evaluator"}
    wrong = [name for name in TRAIN_FLAGS if name in options and name not in valid]
    if not wrong:
        return
    owners = [kind for kind in option_owners(wrong[0]) if kind != evaluator]
    hint = f" (only --evaluator {' and '.join(owners)} takes it)" if owners else ""
    applies = ", ".join(_flag(n) for n in TRAIN_FLAGS if n in valid and n != "evaluator")
    raise InvalidSettingError(
        f"{', '.join(map(_flag, wrong))} does not apply to --evaluator {evaluator}{hint}; "
        f"flags that apply to it: {applies}"
    )
