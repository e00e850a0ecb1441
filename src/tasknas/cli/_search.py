"""``tasknas search``."""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tasknas._validation import check_output_dir
from tasknas.benchmarks import benchmark_names
from tasknas.cli._common import (
    AddressOption,
    ThreadsOption,
    VerboseOption,
    best_values_text,
    default_folder_name,
    err,
    handle_errors,
    interrupted,
    out,
    print_json,
    set_threads,
    split_names,
    task_names,
)
from tasknas.cli._train_options import (
    ChannelsOpt,
    DeviceOpt,
    EpochsOpt,
    EvaluatorOpt,
    FitnessOpt,
    GenerationEpochsOpt,
    LayersOpt,
    NTrainOpt,
    QuickOpt,
    SpaceOpt,
    StemStrideOpt,
    benchmark_options,
    n_train_value,
    quick_settings,
    require_training,
)
from tasknas.errors import InvalidSettingError, RunStoreError
from tasknas.experiment import (
    DEFAULT_BUDGET,
    DEFAULT_OBJECTIVES,
    RUNS_ENV,
    RunSettings,
    claim_run_dir,
    default_run_dir,
    default_strategy,
    load_settings,
    prepare_run,
)
from tasknas.report import task_rows
from tasknas.runner import MAX_BUDGET, capped_note
from tasknas.size import pareto_fronts
from tasknas.storage import STORE_FILE, TrialRecord
from tasknas.strategies import DEFAULT_STRATEGY, TRAINING_DEFAULT_STRATEGY


def _settings(
    benchmark: str | None,
    tasks: str | None,
    strategy: str | None,
    budget: int | None,
    seed: int | None,
    run_dir: Path | None,
    resume: bool,
    train_flags: dict[str, Any],
    quick: bool = False,
    max_params: int | None = None,
    objectives: str | None = None,
) -> RunSettings:
    """Settings from flags; on resume, flags left out take the stored values; with
    ``quick``, flags left out take ``SEARCH_QUICK``'s values."""
    base = RunSettings()
    if resume:
        if run_dir is None:
            raise RunStoreError("--resume needs --out DIR naming the run directory to continue")
        if not (run_dir / STORE_FILE).exists():
            raise RunStoreError(f"no run store at {run_dir / STORE_FILE}; nothing to resume")
        base = load_settings(run_dir)
        if benchmark in benchmark_names() and benchmark != base.benchmark:
            # before the stored tasks meet another benchmark's names
            raise RunStoreError(
                f"cannot resume {run_dir / STORE_FILE} with different settings: benchmark "
                f"(stored {base.benchmark!r}, given {benchmark!r})"
            )
    if quick:
        evaluator = train_flags.get("evaluator") or base.benchmark_options.get("evaluator")
        given = {**train_flags, "budget": budget}
        given = quick_settings(benchmark or base.benchmark, evaluator, given)
        budget = given.pop("budget")
        train_flags = given
    settings = RunSettings(
        benchmark=benchmark or base.benchmark,
        tasks=task_names(tasks) or base.tasks,
        strategy=strategy
        or (base.strategy if resume else default_strategy(benchmark or base.benchmark)),
        budget=base.budget if budget is None else budget,
        seed=base.seed if seed is None else seed,
        strategy_options=base.strategy_options,
        benchmark_options=benchmark_options(base.benchmark_options, **train_flags),
        max_params=base.max_params if max_params is None else max_params,
        objectives=base.objectives if objectives is None else split_names(objectives),
    )
    require_training(settings.benchmark, settings.benchmark_options)
    return settings


def _resume_command(
    run_dir: Path,
    executor: str,
    workers: int | None,
    address: str | None,
    threads: int | None,
    budget: int | None = None,
) -> str | None:
    """The command that continues the run in ``run_dir`` with the same execution flags (the
    rest is stored; ``budget`` when the run was being extended to it), or ``None`` if nothing
    was stored yet."""
    if not (run_dir / STORE_FILE).exists():
        return None
    args = ["tasknas", "search", "--out", str(run_dir), "--resume"]
    if budget is not None:
        args += ["--budget", str(budget)]
    if executor != "local":
        args += ["--executor", executor]
    for flag, value in (("--workers", workers), ("--address", address), ("--threads", threads)):
        if value is not None:
            args += [flag, str(value)]
    return shlex.join(args)


@handle_errors
def search(
    benchmark: Annotated[
        str | None, typer.Option(help="Benchmark name (see `tasknas info`). [default: nb201]")
    ] = None,
    tasks: Annotated[
        str | None,
        typer.Option(help="Comma-separated task names. [default: all tasks of the benchmark]"),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help=f"Search strategy. [default: {DEFAULT_STRATEGY}; "
            f"{TRAINING_DEFAULT_STRATEGY} with --benchmark train]"
        ),
    ] = None,
    budget: Annotated[
        int | None,
        typer.Option(
            help="Distinct evaluations per task: capped at the size of the search space, with a "
            f"note, and at most {MAX_BUDGET:,} (the darts-emtnas space is larger: a search there "
            "runs until its budget or Ctrl-C, and --resume continues it). With --resume, a "
            "larger budget extends the run exactly as if it had been started with it; a smaller "
            f"one is refused. [default: {DEFAULT_BUDGET}]"
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed. [default: 0]")] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Run directory. [default: $TASKNAS_RUNS_DIR or ./runs, one new folder per run]",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run stored in --out.")
    ] = False,
    executor: Annotated[
        str, typer.Option(help="Where evaluations run: local, process or ray.")
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option(
            help="Evaluations at once for --executor process or ray. [default: CPU count]"
        ),
    ] = None,
    address: AddressOption = None,
    delay: Annotated[
        float,
        typer.Option(
            help="Seconds to wait before each evaluation (simulates slow evaluations).", min=0.0
        ),
    ] = 0.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
    threads: ThreadsOption = None,
    max_params: Annotated[
        int | None,
        typer.Option(
            "--max-params",
            help="Largest network to evaluate, in parameters (nb201: the table's count per "
            "task; train: the stand-alone network's). A larger architecture is not evaluated, "
            "spends no budget and is told to the strategy as a failure, so no reported best "
            "exceeds it. [default: no limit]",
        ),
    ] = None,
    objectives: Annotated[
        str | None,
        typer.Option(
            help="accuracy (default) or accuracy,params: the multi-objective mode of the "
            "multi-task evolution strategies (evo, emtnas, ktnas*), NSGA-II selection on "
            "accuracy vs parameters. Each task's Pareto front is reported either way when the "
            "benchmark counts parameters.",
        ),
    ] = None,
    space: SpaceOpt = None,
    evaluator: EvaluatorOpt = None,
    epochs: EpochsOpt = None,
    generation_epochs: GenerationEpochsOpt = None,
    fitness: FitnessOpt = None,
    channels: ChannelsOpt = None,
    layers: LayersOpt = None,
    stem_stride: StemStrideOpt = None,
    n_train: NTrainOpt = None,
    device: DeviceOpt = None,
    quick: QuickOpt = False,
    verbose: VerboseOption = False,
) -> None:
    """Search the best architecture for each task of a benchmark.

    With --benchmark train, tasks are image task specs (mnist, fashion_mnist:Trouser, a .npz
    path) and networks are trained on them; `tasknas final RUN_DIR` then retrains the best.
    Every executor evaluates with the same number of torch threads (--threads), so results do
    not depend on the executor. Ctrl-C stops the search; --resume continues it.
    """
    set_threads(threads)
    train_flags = {
        "space": space,
        "evaluator": evaluator,
        "epochs": epochs,
        "generation_epochs": generation_epochs,
        "fitness": fitness,
        "channels": channels,
        "layers": layers,
        "stem_stride": stem_stride,
        "n_train": n_train_value(n_train),
        "device": device,
    }
    if max_params is not None and max_params < 1:
        raise InvalidSettingError(f"--max-params must be >= 1, got {max_params}")
    settings = _settings(
        benchmark,
        tasks,
        strategy,
        budget,
        seed,
        out_dir,
        resume,
        train_flags,
        quick,
        max_params,
        objectives,
    )
    if out_dir is None:
        run_dir = default_run_dir(settings)
        check_output_dir(run_dir.parent, default_folder_name(RUNS_ENV, "runs folder"))
    else:
        run_dir = out_dir
    # every check before the progress bar, and before anything is written
    prepared = prepare_run(
        settings,
        run_dir,
        resume=resume,
        executor=executor,
        workers=workers,
        address=address,
        threads=threads,
        delay=delay,
    )
    if out_dir is None:  # the default folder, or one beside it if a run took it meanwhile
        prepared.run_dir = run_dir = claim_run_dir(run_dir)
    if budget is not None and prepared.settings.budget < budget:
        space = prepared.benchmark.space
        err.print(
            f"note: {capped_note(budget, space.name, space.size)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    settings = prepared.settings
    extended = None if prepared.extends is None else settings.budget
    ask_name = prepared.ask_name
    total = settings.budget * len(settings.tasks)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("best {task.fields[best]}"),
        TimeElapsedColumn(),
        console=err,
        transient=as_json,
        disable=as_json and not err.is_terminal,
    )
    # stdout holds only the table or the JSON: what else writes there while the search runs
    # (Ray's messages about dead workers, an evaluator's prints) goes to stderr
    try:
        with contextlib.redirect_stdout(sys.stderr), progress:
            bar = progress.add_task(
                f"{settings.strategy} on {settings.benchmark}", total=total, best="–"
            )
            best: dict[str, float] = {}
            title = f"{settings.strategy} on {settings.benchmark}"

            def on_batch(index: int, records: Sequence[TrialRecord]) -> None:
                progress.update(bar, description=f"{title}, {ask_name} {index}")

            def on_record(record: TrialRecord, replayed: bool) -> None:
                if record.result.ok:
                    best[record.task] = max(
                        best.get(record.task, record.result.objective), record.result.objective
                    )
                shown = best_values_text(prepared.benchmark, best)
                progress.update(bar, advance=1, best=shown)

            try:
                result = prepared.run(on_record=on_record, on_batch=on_batch)
            except BaseException:
                progress.remove_task(bar)  # the error line stays the only output
                raise
            bench = prepared.benchmark
            progress.update(bar, total=progress.tasks[0].completed)
    except KeyboardInterrupt:
        raise interrupted(
            _resume_command(run_dir, executor, workers, address, threads, extended)
        ) from None
    rows = task_rows(result, bench)
    if as_json:
        data: dict[str, Any] = {
            "run_dir": str(run_dir),
            "benchmark": settings.benchmark,
            "strategy": settings.strategy,
            "seed": settings.seed,
            "budget": settings.budget,
            "tasks": rows,
        }
        if settings.max_params is not None:
            data["max_params"] = settings.max_params
        if settings.objectives != DEFAULT_OBJECTIVES:
            data["objectives"] = list(settings.objectives)
        fronts = pareto_fronts(result.records, settings.tasks, bench)
        if fronts is not None:
            data["pareto"] = fronts
        print_json(data)
        return
    table = Table(title=f"{settings.strategy} on {settings.benchmark} (seed {settings.seed})")
    for column in ("task", "best architecture", "validation", "test", "rank", "evaluations"):
        table.add_column(column, overflow="fold", min_width=14 if column == "task" else None)
    for name, row in rows.items():
        task = bench.task(name)
        value = row["metrics"].get(task.metric)
        test = row["metrics"].get(task.test_metric) if task.test_metric else None
        table.add_row(
            name,
            row["best_arch"] or "–",
            "–" if value is None else f"{value:.4g}",
            "–" if test is None else f"{test:.4g}",
            "–" if row["rank"] is None else f"{row['rank']} / {bench.space.size}",
            str(row["evaluations"]),
        )
    out.print(table)
    command = shlex.join(["tasknas", "report", str(run_dir)])
    out.print(f"run stored in {run_dir}; `{command}` writes plots")
