"""``tasknas dictionary build|list|add|remove``, ``tasknas distance`` and ``tasknas fuse``."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tasknas._validation import check_output_dir
from tasknas.cli._common import (
    AddressOption,
    ExecutorOption,
    ThreadsOption,
    VerboseOption,
    WorkersOption,
    announce_written,
    check_network_folder,
    check_plot_path,
    default_folder_name,
    files_in,
    handle_errors,
    out,
    print_json,
    progress_bar,
    save_plot,
    set_threads,
    task_names,
    warn,
)
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.tanas._settings import (
    DEFAULT_BASE_TASKS,
    SEARCH_SPACE_NAMES,
    TANASSettings,
    check_seed,
)
from tasknas.tasks import parse_task_spec

if TYPE_CHECKING:
    from tasknas.oneshot.fuse import BaselineRecord
    from tasknas.tanas import DictionaryEntry, TaskDictionary

dictionary_app = typer.Typer(
    name="dictionary",
    help="Build and inspect the TA-NAS task dictionary.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="Dictionary folder. [default: $TASKNAS_DICTIONARY_DIR or ./dictionary]"
    ),
]
DeviceOption = Annotated[
    str | None,
    typer.Option(
        help="cpu, cuda, mps or auto (cuda, else mps, else cpu). "
        "[default: the dictionary's, else cpu]"
    ),
]
SeedOption = Annotated[int, typer.Option(help="Seed of the FUSE search.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _settings(
    dictionary: TaskDictionary, device: str | None, **fuse: int | bool | None
) -> TANASSettings:
    """The dictionary's settings (defaults for a new one) with the flags given applied."""
    settings = dictionary.resolve_settings()
    changes = {k: v for k, v in fuse.items() if v is not None}
    if changes:
        target = dataclasses.replace(settings.target_fuse, **changes)
        settings = dataclasses.replace(settings, target_fuse=target)
    if device is not None:
        settings = dataclasses.replace(settings, device=device)
    from tasknas._torch import resolve_device  # torch only for the commands that train

    resolve_device(settings.device)  # an unavailable device fails before any work
    return settings


def _warn_at_chance(entries: Iterable[DictionaryEntry]) -> None:
    """Warn about ε-networks and best cells of ``entries`` no better than chance."""
    from tasknas.oneshot import chance_warning

    scores: dict[str, tuple[float, int]] = {}
    for e in entries:
        scores[f"ε-network of {e.name}"] = (e.epsnet_accuracy, e.num_classes)
        scores[f"best cell of {e.name} (test error {e.best_cell_test_error:.2f} %)"] = (
            1 - e.best_cell_test_error / 100,
            e.num_classes,
        )
    warn(
        chance_warning(
            scores,
            "the tasks need more training: build a new dictionary (--dir) with larger "
            "TANASSettings (n_train, cnn_epochs, dictionary_fuse)",
        )
    )


def _print_entries(title: str, entries: list[DictionaryEntry]) -> None:
    """Two tables: the tasks with their scores, then their best cells (long strings)."""
    table = Table(title=title)
    for column in ("task", "classes", "ε-net accuracy", "cell test error (%)", "cell params"):
        table.add_column(column, no_wrap=column == "task")
    cells = Table(title="best cells", show_header=False)
    cells.add_column("task", no_wrap=True)
    cells.add_column("cell", overflow="fold")
    for e in entries:
        name = escape(e.name)
        table.add_row(
            name,
            str(e.num_classes),
            f"{e.epsnet_accuracy:.4f}",
            f"{e.best_cell_test_error:.2f}",
            f"{e.best_cell_params:,}",
        )
        cells.add_row(name, e.best_cell)
    out.print(table)
    if entries:
        out.print(cells)


def _entries_json(dictionary: TaskDictionary, entries: list[DictionaryEntry]) -> dict:
    settings = dictionary.settings()
    return {
        "dir": str(dictionary.root),
        "settings": None if settings is None else settings.to_dict(),
        "tasks": [{k: v for k, v in e.to_dict().items() if k != "settings"} for e in entries],
    }


@dictionary_app.command("build")
@handle_errors
def build(
    dir_: DirOption = None,
    tasks: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated task specs DATASET:CLASS. [default: MNIST 0-4, Fashion-MNIST 0-4]"
        ),
    ] = None,
    device: DeviceOption = None,
    seed: SeedOption = 0,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild tasks already in the dictionary.")
    ] = False,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    address: AddressOption = None,
    threads: ThreadsOption = None,
    as_json: JsonOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Train each task's ε-network and search its best cell; skips tasks already present.

    Each task is one job of --executor, run with --threads torch threads wherever it runs, so
    the entries do not depend on the executor.
    """
    set_threads(threads)
    from tasknas.execution import make_executor

    dictionary = _writable_dictionary(dir_)
    specs = task_names(tasks) or DEFAULT_BASE_TASKS
    check_seed(seed)
    canonical = [parse_task_spec(spec).name for spec in specs]  # fail before the progress bar
    if len(set(canonical)) != len(canonical):
        twice = sorted({n for n in canonical if canonical.count(n) > 1})
        raise InvalidSettingError(
            f"--tasks names a task twice: {', '.join(twice)} (in {', '.join(specs)})"
        )
    settings = _settings(dictionary, device)
    runner = make_executor(executor, workers=workers, address=address)
    # stdout holds only the table or the JSON: Ray's messages about dead workers go to stderr
    with runner, contextlib.redirect_stdout(sys.stderr), progress_bar(as_json) as report:
        entries = dictionary.build(
            specs, settings=settings, seed=seed, rebuild=rebuild, progress=report, executor=runner
        )
    _warn_at_chance(e for e in entries if e.name in canonical)
    if as_json:
        print_json(_entries_json(dictionary, entries))
        return
    _print_entries(f"task dictionary {escape(str(dictionary.root))}", entries)


def _writable_dictionary(dir_: Path | None) -> TaskDictionary:
    """The dictionary in ``dir_`` (else ``$TASKNAS_DICTIONARY_DIR``, else ``./dictionary``),
    its folder checked to be one that can be written: a file or an unwritable folder fails
    before any training, named as the user set it."""
    from tasknas.tanas import DICTIONARY_ENV, TaskDictionary  # torch: only when run

    dictionary = TaskDictionary(dir_)
    flag = "--dir" if dir_ is not None else default_folder_name(DICTIONARY_ENV, "dictionary folder")
    check_output_dir(dictionary.root, flag)
    return dictionary


@dictionary_app.command("list")
@handle_errors
def list_(
    dir_: DirOption = None, as_json: JsonOption = False, verbose: VerboseOption = False
) -> None:
    """List the dictionary's tasks, their ε-network accuracies and best cells."""
    from tasknas.tanas import TaskDictionary  # torch: only when run

    dictionary = TaskDictionary(dir_)
    entries = dictionary.entries()
    if as_json:
        print_json(_entries_json(dictionary, entries))
        return
    _print_entries(f"task dictionary {escape(str(dictionary.root))}", entries)
    if not entries:
        out.print("the dictionary holds no tasks; add some with `tasknas dictionary build`")


@dictionary_app.command("add")
@handle_errors
def add(
    task: Annotated[str, typer.Argument(help="Task spec DATASET:CLASS, e.g. quickdraw4:cat.")],
    dir_: DirOption = None,
    device: DeviceOption = None,
    seed: SeedOption = 0,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Rebuild the task if it is already present.")
    ] = False,
    threads: ThreadsOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Add one task to the dictionary."""
    set_threads(threads)
    dictionary = _writable_dictionary(dir_)
    parse_task_spec(task)
    check_seed(seed)
    settings = _settings(dictionary, device)
    present = task in dictionary
    with progress_bar(False) as report:
        entry = dictionary.add(task, settings=settings, seed=seed, rebuild=rebuild, progress=report)
    _warn_at_chance([entry])
    where = escape(str(dictionary.root))
    if present and not rebuild:
        _print_entries(f"already in {where} (kept; --rebuild builds it again)", [entry])
    else:
        _print_entries(f"{'rebuilt in' if present else 'added to'} {where}", [entry])


@dictionary_app.command("remove")
@handle_errors
def remove(
    task: Annotated[str, typer.Argument(help="A task of the dictionary.")],
    dir_: DirOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Remove one task (its entry and its folder) from the dictionary."""
    from tasknas.tanas import TaskDictionary  # torch: only when run

    entry = TaskDictionary(dir_).remove(task)
    out.print(f"removed {escape(entry.name)}")


@handle_errors
def distance(
    target: Annotated[str, typer.Option(help="Target task DATASET:CLASS, e.g. quickdraw4:cat.")],
    dir_: DirOption = None,
    as_json: JsonOption = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write a heatmap of the distances among the dictionary's tasks and the target."
        ),
    ] = None,
    centre: Annotated[
        bool,
        typer.Option(
            "--centre",
            help="Subtract each dictionary task's mean distance to the other dictionary "
            "tasks (computed once per dictionary and kept in its folder).",
        ),
    ] = False,
    device: DeviceOption = None,
    threads: ThreadsOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Fisher task distance from every dictionary task to a target task."""
    set_threads(threads)
    name = parse_task_spec(target).name
    existed = plot is not None and check_plot_path(plot)  # before any training
    from tasknas.tanas import (  # torch: only when run
        TaskDictionary,
        base_offsets,
        dictionary_matrix,
        target_distances,
    )

    dictionary = TaskDictionary(dir_)
    dictionary.require_entries()
    settings = _settings(dictionary, device)
    with progress_bar(as_json) as report:
        if plot is None:
            distances = target_distances(dictionary, name, settings, report, centre=centre)
        else:
            matrix = dictionary_matrix(dictionary, settings, report, extra=[name])
            distances = {e.name: matrix.distance(e.name, name) for e in dictionary.entries()}
            if centre:  # the heatmap keeps the raw distances
                offsets = base_offsets(dictionary, settings, matrix=matrix)
                distances = {base: d - offsets[base] for base, d in distances.items()}
    if as_json:
        print_json({"target": name, "distances": distances, "centred": centre})
    else:
        _print_distances(name, distances, settings.k)
    if plot is not None:
        title = f"Fisher task distances (target {name})"
        save_plot(lambda path: matrix.plot(path, title=title), plot, existed, as_json)


def _print_distances(name: str, distances: dict[str, float], k: int) -> None:
    """The table of ``distance``: every dictionary task, nearest first, the ``k`` closest
    marked."""
    from tasknas.tanas import closest_tasks

    closest = set(closest_tasks(distances, k))
    table = Table(title=f"Fisher task distance to {escape(name)}")
    for column in ("dictionary task", "distance", f"{k} closest"):
        table.add_column(column)
    for base, value in sorted(distances.items(), key=lambda kv: (kv[1], kv[0])):
        table.add_row(escape(base), f"{value:.4f}", "✓" if base in closest else "")
    out.print(table)


@handle_errors
def fuse(
    target: Annotated[str, typer.Option(help="Target task DATASET:CLASS, e.g. quickdraw4:cat.")],
    space: Annotated[
        str, typer.Option(help=f"Search space: {', '.join(SEARCH_SPACE_NAMES)}.")
    ] = "task-aware",
    dir_: DirOption = None,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    device: DeviceOption = None,
    rounds: Annotated[
        int | None,
        typer.Option(help="FUSE rounds. [default: the dictionary's target setting]"),
    ] = None,
    final_epochs: Annotated[
        int | None,
        typer.Option(
            help="Epochs of retraining the winner (the most, with early stopping). "
            "[default: the dictionary's; 10 with --quick]"
        ),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="Retrain the winner and the baselines as the published FUSE does: on the "
            "search's training images, 10 epochs, no early stopping, no augmentation. "
            "[default: the dictionary's retraining]",
        ),
    ] = False,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            min=1,
            help="Closest dictionary tasks whose cells build the task-aware space. "
            "[default: the dictionary's, 3]",
        ),
    ] = None,
    centre: Annotated[
        bool,
        typer.Option(
            "--centre",
            help="Choose the closest tasks by centred distances (as `tasknas distance "
            "--centre`), not raw ones.",
        ),
    ] = False,
    baselines: Annotated[
        str | None,
        typer.Option(
            "--baselines",
            help="Hand-designed networks to retrain like the winner on the target (same "
            "data, schedule, epochs, early stopping, augmentation, seed), comma-separated: "
            "cnn, resnet, or NAME:WIDTH for another width (resnet:14). [default: none]",
        ),
    ] = None,
    mirror: Annotated[
        bool,
        typer.Option(
            "--mirror",
            help="Retrain the winner and the baselines also on left-right mirror images "
            "(each with probability one half) where the target's labels survive it "
            "(quickdraw4, fashion_mnist, the MedMNIST sets). Refused with --quick.",
        ),
    ] = False,
    final_stem_stride: Annotated[
        int | None,
        typer.Option(
            "--final-stem-stride",
            help="Stride of the retrained winner's stem (the search's candidates keep 2; the "
            "baselines are unchanged): 1 keeps the image's resolution in the first cell "
            "(the whole command about 3x as long on 28x28 images), 2 halves it. "
            "[default: the dictionary's, 2]",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to keep the retrained winner in (network.pt, network.json; "
            "`tasknas export` reads it). [default: $TASKNAS_RUNS_DIR or ./runs, "
            "fuse-TARGET-seedS]",
        ),
    ] = None,
    threads: ThreadsOption = None,
    verbose: VerboseOption = False,
) -> None:
    """TA-NAS: find the closest dictionary tasks, then search an architecture with FUSE."""
    from tasknas.nn import parse_baselines

    set_threads(threads)
    name = parse_task_spec(target).name
    names = parse_baselines(baselines)  # an unknown name fails before any training
    if quick and mirror:
        raise InvalidSettingError(
            "--mirror needs the full retraining; --quick retrains without augmentation"
        )
    check_seed(seed)
    if space not in SEARCH_SPACE_NAMES:  # fail before training anything
        raise UnknownNameError("search space", space, SEARCH_SPACE_NAMES)
    from tasknas.tanas import TaskDictionary, run_fuse  # torch: only when run

    dictionary = TaskDictionary(dir_)
    dictionary.require_entries()
    mirrored = mirror or None  # None: the dictionary's setting
    settings = _settings(
        dictionary,
        device,
        rounds=rounds,
        final_epochs=final_epochs,
        final_mirror=mirrored,
        final_stem_stride=final_stem_stride,
    )
    settings = dataclasses.replace(settings, k=k or settings.k, centre=centre or settings.centre)
    if quick:
        from tasknas.tanas._settings import quick_retraining

        settings = quick_retraining(settings, final_epochs)
    keep = out_dir or _default_fuse_dir(name, seed)
    check_network_folder(keep, given=out_dir is not None)  # before any training
    kept_before = files_in(keep)
    with progress_bar(as_json) as report:
        result = run_fuse(
            name,
            dictionary=dictionary,
            space=space,
            settings=settings,
            seed=seed,
            progress=report,
            keep_network=True,
        )
        trained = _fuse_baselines(names, name, dictionary, settings, seed)
    from tasknas.oneshot import chance_warning

    winner = f"FUSE's winner on {name} (test error {result['test_error']:.2f} %)"
    accuracy = 1 - result["test_error"] / 100
    warn(
        chance_warning(
            {winner: (accuracy, result["num_classes"])},
            "raise --rounds and --final-epochs, or use a dictionary built with larger "
            "TANASSettings (n_train, cnn_epochs, target_fuse)",
        )
    )
    kept = _keep_winner(keep, result, dictionary, settings)
    if as_json:
        shown = {k: result[k] for k in ("target", "closest", "arch", "test_error", "params")}
        if names:  # the key only when asked for, so the default shape stays as it was
            shown["baselines"] = {b.name: b.to_dict() for b in trained}
        print_json(shown)
        announce_written(kept, kept_before, as_json)
        return
    table = Table(title=f"FUSE on {escape(name)} ({space} space, seed {seed})", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold")
    by = " (centred distances)" if result["centred"] else ""
    table.add_row("closest tasks" + by, escape(", ".join(result["closest"])))
    table.add_row("operations", ", ".join(result["space_ops"]))
    table.add_row("cells in the space", f"{result['space_size']:,}")
    table.add_row("architecture", result["arch"])
    table.add_row("test error", f"{result['test_error']:.2f} %")
    table.add_row("parameters", f"{result['params']:,}")
    table.add_row("time", f"{result['seconds']:.1f} s")
    for b in trained:
        table.add_row(
            f"baseline {b.name}",
            f"test error {b.test_error:.2f} %, {b.params:,} parameters, {b.seconds:.1f} s",
        )
    out.print(table)
    announce_written(kept, kept_before, as_json)


def _default_fuse_dir(target: str, seed: int) -> Path:
    """``$TASKNAS_RUNS_DIR`` (or ``./runs``) / ``fuse-<target>-seed<S>``."""
    import os
    import re

    from tasknas.experiment import RUNS_ENV

    stem = re.sub(r"\W+", "_", Path(target).name if target.endswith(".npz") else target)
    return Path(os.environ.get(RUNS_ENV) or "runs") / f"fuse-{stem.strip('_')}-seed{seed}"


def _keep_winner(
    folder: Path, result: dict[str, object], dictionary: TaskDictionary, settings: TANASSettings
) -> list[Path]:
    """FUSE's retrained winner kept in ``folder`` for ``tasknas export``."""
    from tasknas.export import save_trained

    fuse = dictionary.resolve_settings(settings).target_fuse
    error = float(result["test_error"])  # type: ignore[arg-type]
    description = {
        "kind": "darts",
        "source": "fuse",
        "space": f"darts-tanas ({result['space']})",
        "arch": result["arch"],
        "task": result["target"],
        "input_shape": result["input_shape"],
        "num_classes": result["num_classes"],
        "class_names": result["classes"],
        "channels": fuse.final_channels,
        "layers": fuse.layers,
        "stem_stride": fuse.final_stem_stride,
        "test_accuracy": 100.0 - error,
        "extra": {"params": result["params"], "seed": result["seed"]},
    }
    return save_trained(folder, result["network"], description)  # type: ignore[arg-type]


def _fuse_baselines(
    names: Iterable[str],
    target: str,
    dictionary: TaskDictionary,
    settings: TANASSettings,
    seed: int,
) -> list[BaselineRecord]:
    """Each baseline of ``names`` retrained on ``target`` exactly as FUSE's winner is."""
    names = list(names)
    if not names:
        return []
    from tasknas.oneshot.fuse import retrain_baseline
    from tasknas.tanas import load_retrain_task

    resolved = dictionary.resolve_settings(settings)
    task = load_retrain_task(target, resolved)
    return [retrain_baseline(b, task, settings=resolved.target_fuse, seed=seed) for b in names]
