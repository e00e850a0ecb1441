"""``tasknas mtl``: MTL-NAS on a multi-task image set, against its two baselines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from tasknas.cli._common import (
    ThreadsOption,
    VerboseOption,
    announce_written,
    check_network_folder,
    check_plot_path,
    files_in,
    handle_errors,
    out,
    print_json,
    progress_bar,
    save_plot,
    set_threads,
    warn,
)
from tasknas.cli._train_options import MTL_QUICK, quick_help
from tasknas.oneshot import (
    DEFAULT_N_TEST,
    DEFAULT_N_TRAIN,
    NETWORKS,
    MTLSettings,
)
from tasknas.oneshot.mtl._settings import SEARCH_STARTS

if TYPE_CHECKING:
    from tasknas.oneshot import MTLResult
    from tasknas.tasks import MultiTaskSet

_DEFAULTS = MTLSettings()
#: ``--search-start`` names -> ``MTLSettings.search_start``.
_STARTS = {start.replace("_", "-"): start for start in SEARCH_STARTS}


@handle_errors
def mtl(
    dataset: Annotated[
        str,
        typer.Option(
            help="multimnist, omniglot, multifashion, or the path of a .npz with several label sets."
        ),
    ],
    epochs: Annotated[
        int | None,
        typer.Option(
            help=f"Epochs of each network after pretraining. [default: {_DEFAULTS.epochs}]"
        ),
    ] = None,
    pretrain_epochs: Annotated[
        int | None,
        typer.Option(
            help="Epochs of single-task pretraining (0: none). "
            f"[default: {_DEFAULTS.pretrain_epochs}]"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the data and the search.")] = 0,
    device: Annotated[
        str, typer.Option(help="cpu, cuda, mps or auto (cuda, else mps, else cpu).")
    ] = "cpu",
    quick: Annotated[bool, typer.Option("--quick", help=quick_help(MTL_QUICK))] = False,
    lam: Annotated[
        float, typer.Option(help="Weight λ of the gate-entropy penalty.")
    ] = _DEFAULTS.lam,
    alpha_init: Annotated[
        float,
        typer.Option(help="Initial edge logit (0: every gate 0.5; > 0 starts the edges open)."),
    ] = _DEFAULTS.alpha_init,
    alpha_warmup: Annotated[
        float,
        typer.Option(
            help="Fraction of the search, in [0, 1), with weight steps only before the "
            "first architecture step."
        ),
    ] = _DEFAULTS.alpha_warmup,
    gate: Annotated[
        str,
        typer.Option(
            help="Gates of the weight steps: gumbel (relaxed Bernoulli), sigmoid or hard "
            "(straight-through)."
        ),
    ] = _DEFAULTS.weight_gate,
    limit: Annotated[
        int, typer.Option(help="Depth limit of the candidate edges.")
    ] = _DEFAULTS.limit,
    search_start: Annotated[
        str,
        typer.Option(
            help="Weights the search starts from: all-edges (the trained all-edges "
            "supernet; both baselines then train as long as the search, twice --epochs) or "
            "pretrained (the single-task backbones, MTL-NAS as published)."
        ),
    ] = next(k for k, v in _STARTS.items() if v == _DEFAULTS.search_start),
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the figure of the backbones and chosen edges. "
            "[default: $TASKNAS_RUNS_DIR or ./runs, mtl-DATASET-seedS-edges.png]"
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to keep the searched network in (network.pt, network.json; "
            "`tasknas export` reads it). [default: $TASKNAS_RUNS_DIR or ./runs, "
            "mtl-DATASET-seedS]",
        ),
    ] = None,
    n_train: Annotated[
        int | None,
        typer.Option(
            help="Training images (a seeded subset); a number above the set's training "
            f"images is refused. [default: {DEFAULT_N_TRAIN}, or all where the set has fewer]"
        ),
    ] = None,
    n_test: Annotated[
        int | None,
        typer.Option(
            help="Test images (a seeded subset); a number above the set's test images is "
            f"refused. [default: {DEFAULT_N_TEST}, or all where the set has fewer]"
        ),
    ] = None,
    threads: ThreadsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """MTL-NAS: search cross-task edges between single-task backbones; compare with baselines."""
    sizes = {"n_train": n_train, "n_test": n_test}  # None: a cap, not a size asked for
    counts = {"epochs": epochs, "pretrain_epochs": pretrain_epochs, **sizes}
    defaults = {**MTL_QUICK} if quick else {}  # a flag given overrides --quick
    defaults = {
        "epochs": _DEFAULTS.epochs,
        "pretrain_epochs": _DEFAULTS.pretrain_epochs,
        "n_train": DEFAULT_N_TRAIN,
        "n_test": DEFAULT_N_TEST,
        **defaults,
    }
    counts = {name: defaults[name] if value is None else value for name, value in counts.items()}
    from tasknas._validation import check_choice

    check_choice("search start", search_start, tuple(_STARTS))
    settings = MTLSettings(
        epochs=counts["epochs"],
        pretrain_epochs=counts["pretrain_epochs"],
        lam=lam,
        alpha_init=alpha_init,
        alpha_warmup=alpha_warmup,
        weight_gate=gate,
        limit=limit,
        search_start=_STARTS[search_start],
        device=device,
    )
    from tasknas._torch import resolve_device
    from tasknas.oneshot import chance_warning, default_plot_path, mtl_search, plot_mtl_edges
    from tasknas.tasks import load_multitask_set

    resolve_device(settings.device)  # a device this machine lacks: before the data and training
    plot = plot or default_plot_path(dataset, seed)
    existed = check_plot_path(plot)  # before the data and any training
    default = default_plot_path(dataset, seed)
    keep = out_dir or default.with_name(default.name.removesuffix("-edges.png"))
    check_network_folder(keep, given=out_dir is not None)  # before any training
    kept_before = files_in(keep)
    task_set = load_multitask_set(
        dataset,
        seed=seed,
        n_train=counts["n_train"],
        n_test=counts["n_test"],
        soft={name for name, value in sizes.items() if value is None},
    )
    set_threads(threads)
    with progress_bar(as_json) as report:
        result = mtl_search(task_set, settings=settings, seed=seed, progress=report)
    scores = {
        f"searched network, task {task}": (result.accuracy[task]["searched"] / 100, classes)
        for task, classes in zip(result.tasks, task_set.num_classes, strict=True)
    }
    warn(chance_warning(scores, "raise --epochs, --pretrain-epochs or --n-train"))
    kept = _keep_network(keep, result, task_set, settings)
    if as_json:
        print_json(result.to_dict())
        save_plot(lambda path: plot_mtl_edges(result, path), plot, existed, as_json)
        announce_written(kept, kept_before, as_json)
        return
    table = Table(title=f"MTL-NAS on {result.dataset} (seed {seed}): test accuracy (%)")
    table.add_column("task")
    for name in NETWORKS:
        table.add_column(name.replace("_", "-"), justify="right")
    for task in result.tasks:
        table.add_row(task, *(f"{result.accuracy[task][n]:.2f}" for n in NETWORKS))
    table.add_row("parameters", *(f"{result.params[n]:,}" for n in NETWORKS), style="dim")
    out.print(table)
    edges = ", ".join(f"{s} → {t}" for s, t in result.edges) or "none"
    out.print(f"chosen edges ({len(result.edges)} of {len(result.candidates)}): {edges}")
    out.print(f"mean gate entropy: {result.gate_entropy:.4f}; time {result.seconds:.1f} s")
    if result.search_start == "all_edges":
        out.print(
            f"the search started from the trained all-edges supernet; every network trained "
            f"{result.epochs['searched']} epochs after pretraining"
        )
    save_plot(lambda path: plot_mtl_edges(result, path), plot, existed, as_json)
    announce_written(kept, kept_before, as_json)


def _keep_network(
    folder: Path, result: MTLResult, task_set: MultiTaskSet, settings: MTLSettings
) -> list[Path]:
    """The searched network kept in ``folder`` for ``tasknas export``."""
    from tasknas.export import save_trained

    assert result.network is not None  # mtl_search always keeps it
    edges = ", ".join(f"{s} -> {t}" for s, t in result.edges) or "no edges"
    description = {
        "kind": "mtl",
        "source": "mtl",
        "space": "mtl",
        "arch": edges,
        "dataset": result.dataset,
        "tasks": list(result.tasks),
        "input_shape": [task_set.in_channels, *task_set.image_size],
        "num_classes": list(task_set.num_classes),
        "class_names": [list(c) for c in task_set.classes],
        "blocks": [list(b) for b in settings.blocks],
        "head_pool": settings.head_pool,
        "edge_indices": [list(e) for e in result.network.edges],
        "test_accuracy": {t: result.accuracy[t]["searched"] for t in result.tasks},
        "extra": {"params": result.params["searched"], "seed": task_set.seed},
    }
    return save_trained(folder, result.network, description)
