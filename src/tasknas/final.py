"""Final training of a run: retrain each task's best architecture and report test accuracy.

``finalize_run`` reads a run directory of a training benchmark (``--benchmark train``),
retrains the best architecture of every task from scratch with the run's network settings
and data split (``tasknas.benchmarks.train.final_train``), optionally trains hand-designed
baselines (``tasknas.nn.BASELINES``) on each task with exactly the same settings, and
``write_final_report`` writes ``final.md`` and ``final.json`` into the run directory.

Final training is longer than a search's scoring: by default on every training image of the
task (a search caps them at 1,000), for up to ``FINAL_EPOCHS`` epochs with early stopping on
the validation accuracy (``FINAL_PATIENCE`` epochs; the best epoch's weights are kept, the
last of epochs tied at the best), and with random ±``FINAL_SHIFT`` pixel shifts of the
training images (``mirror=True`` adds left-right mirror images where a task's labels survive
them; off by default: measured no better on Fashion-MNIST and the cat, BENCHMARKS.md); the
test accuracy is measured on the task's whole test split (a search caps it at 1,000 images).
A DARTS network is retrained with its stem at stride ``FINAL_STEM_STRIDE`` (1: the first cell
at the image's resolution, as in the ResNet baselines) unless the run or the caller set one.
``quick=True`` is the old, minutes-long setting: the search's training and test images,
``QUICK_EPOCHS`` epochs, no early stopping, no augmentation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasknas._json import dumps
from tasknas._validation import positive_int
from tasknas.benchmarks import TRAINING_BENCHMARKS
from tasknas.errors import InvalidSettingError
from tasknas.experiment import RunSettings
from tasknas.runner import ranked_records

if TYPE_CHECKING:
    from tasknas.benchmarks.train import FinalResult
    from tasknas.storage import TrialRecord

__all__ = [
    "FINAL_EPOCHS",
    "FINAL_PATIENCE",
    "FINAL_SHIFT",
    "FINAL_STEM_STRIDE",
    "QUICK_EPOCHS",
    "final_json",
    "final_markdown",
    "finalize_run",
    "ranked_architectures",
    "write_final_report",
]

#: Most epochs of a final training when none are given.
FINAL_EPOCHS = 30
#: Epochs without a better validation accuracy after which a final training stops.
FINAL_PATIENCE = 10
#: Largest random shift (pixels) of the training images of a final training.
FINAL_SHIFT = 2
#: Epochs of a quick final training (``quick=True``, ``tasknas final --quick``).
QUICK_EPOCHS = 5
#: Stem stride of a DARTS network in a final training when neither the search nor the final
#: training asked for one: 1, the first cell at the image's resolution (the search's networks
#: keep their default, 2). Same parameters, about 4× the CPU time of stride 2; on Fashion-MNIST
#: and the three MedMNIST sets it retrained the same searched cells better, to the ResNets'
#: level or above (BENCHMARKS.md, "The first cell at the image's resolution").
FINAL_STEM_STRIDE = 1


def finalize_run(
    run_dir: str | Path,
    *,
    epochs: int | None = None,
    quick: bool = False,
    baselines: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    on_task: Callable[[str, str], None] | None = None,
    tasks: Sequence[str] | None = None,
    keep_networks: bool = False,
    top: int = 1,
    mirror: bool = False,
    patience: int | None = None,
) -> tuple[RunSettings, list[FinalResult]]:
    """Retrain the best architecture of each task of the run in ``run_dir``.

    With ``top`` > 1 the ``top`` best distinct architectures of each task's search (by the
    search's objective, the earliest first on ties) are each retrained with the same
    settings, and the one with the best validation accuracy is the task's result (the
    search's order breaks ties); all of them are listed in its ``candidates``. The test
    split plays no part in the choice. This costs ``top`` final trainings per task: worth
    it where the search's scores rank architectures poorly, as on small training sets.

    ``epochs`` defaults to ``FINAL_EPOCHS`` (``QUICK_EPOCHS`` with ``quick``). Without ``quick``
    every training image is used, with early stopping and augmentation, and every test image
    scores the network (see the module); with ``quick`` the run's own training and test images,
    no early stopping, no augmentation. ``overrides`` replace the run's network and data
    settings (``channels``, ``n_train``, ``device``, ...). Each name of ``baselines``
    (``tasknas.nn.BASELINES``) is trained on each task with the same settings and lands in the
    task's ``FinalResult.baselines``. ``on_task(task, arch)`` is called before each training
    (``arch`` is the baseline's name for a baseline). Tasks without a successful evaluation are
    skipped. ``tasks`` limits the training to those of the run's tasks; with ``keep_networks``
    each result holds its trained network and splits (``FinalResult.network``, ``.data``;
    ``tasknas export``). With ``mirror`` (refused with ``quick``, which never augments) each
    training image is also mirrored left to right with probability one half on the tasks whose
    labels survive that (``tasknas.tasks.mirror_invariant``: Fashion-MNIST, Quick, Draw!, the
    MedMNIST sets; not MNIST), for the searched networks and the baselines alike.
    A DARTS network whose stem stride neither the search nor ``overrides`` set is retrained
    at ``FINAL_STEM_STRIDE`` (1: the first cell at the image's resolution), except with
    ``quick``, which keeps the search's network.
    ``patience`` replaces ``FINAL_PATIENCE``, the epochs without a better validation accuracy
    after which a training stops (refused with ``quick``, which never stops early); a
    patience of at least ``epochs`` never stops a training but still keeps its best epoch.
    With a cosine schedule longer than the default, the default patience can stop a network
    whose validation accuracy stalls mid-schedule, at a high learning rate (BENCHMARKS.md).

    Raises:
        RunStoreError: no readable run in ``run_dir``.
        InvalidSettingError: the run's benchmark does not train networks; ``mirror`` or
            ``patience`` with ``quick``; a patience below 1.
        UnknownNameError: an unknown baseline.
    """
    from dataclasses import replace

    from tasknas.benchmarks.train import ImageEvaluator, check_final_data, final_train
    from tasknas.benchmarks.train._final import train_baseline
    from tasknas.nn import parse_baselines
    from tasknas.report import load_run
    from tasknas.spaces import DartsSpace

    names = parse_baselines(baselines)
    top = positive_int("top", top)
    if quick and mirror:
        raise InvalidSettingError(
            "mirror images need the full final training; quick trains without augmentation"
        )
    if patience is not None:
        patience = positive_int("patience", patience)
        if quick:
            raise InvalidSettingError(
                "patience needs the full final training; quick never stops early"
            )
    report = load_run(run_dir)
    bench = report.benchmark
    if not isinstance(bench, ImageEvaluator):
        raise InvalidSettingError(
            f"final training needs a run of a training benchmark "
            f"({', '.join(TRAINING_BENCHMARKS)}); {run_dir} ran {report.settings.benchmark!r}"
        )
    settings = {**bench.settings(), **({} if quick else {"n_train": None})}
    settings.update(overrides or {})
    if not quick and settings.get("stem_stride") is None and isinstance(bench.space, DartsSpace):
        settings["stem_stride"] = FINAL_STEM_STRIDE
    chosen = report.best_tasks() if tasks is None else list(tasks)
    check_final_data(chosen, space=bench.space, **settings)  # before training
    per_task = {task: settings for task in chosen}
    if quick:  # the search's own splits: its sizes, default caps included
        per_task = {task: _search_sizes(bench.space, task, settings) for task in chosen}
    most = (QUICK_EPOCHS if quick else FINAL_EPOCHS) if epochs is None else epochs
    fit = {
        "epochs": positive_int("epochs", most),
        "patience": None if quick else (patience or FINAL_PATIENCE),
        "augment": not quick,
        "mirror": mirror,
    }
    results = []
    for task, outcome in report.result.tasks.items():
        if outcome.best_arch is None or task not in chosen:
            continue
        candidates = []
        for arch in ranked_architectures(report.result.records, task, top):
            if on_task is not None:
                on_task(task, arch)
            candidates.append(
                final_train(
                    arch,
                    task,
                    space=bench.space,
                    keep_network=keep_networks,
                    **fit,
                    **per_task[task],
                )
            )
        result = max(candidates, key=lambda r: r.val_acc)  # the first of the best
        if len(candidates) > 1:
            result = replace(result, candidates=tuple(replace(c, network=None) for c in candidates))
        trained = {}
        for name in names:
            if on_task is not None:
                on_task(task, name)
            trained[name] = train_baseline(name, task, **fit, **per_task[task])
        results.append(replace(result, baselines=trained))
    return report.settings, results


def _search_sizes(space: Any, task: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` with the training and test sizes a search with them uses on ``task``
    where they are left out (a search caps a split left out; a final training takes all)."""
    from tasknas.benchmarks.train import TrainingEvaluator

    if settings["n_train"] is not None and settings["n_test"] is not None:
        return dict(settings)
    data = TrainingEvaluator(space, [task], **settings).data(task)
    sizes = {"n_train": len(data.train), "n_test": len(data.test)}
    return {**settings, **{k: n for k, n in sizes.items() if settings[k] is None}}


def ranked_architectures(records: Iterable[TrialRecord], task: str, top: int) -> list[str]:
    """The ``top`` best distinct architectures of ``task`` among successful ``records``, best
    first, the earliest first on ties (the first is the run's best architecture)."""
    return list(dict.fromkeys(r.arch for _, r in ranked_records(records, task)))[:top]


def _how(results: Sequence[FinalResult]) -> str:
    """One line on how the networks were trained."""
    if not results:
        return "no task had a best architecture"
    r = results[0]
    parts = [f"up to {r.epochs} epochs" if r.patience else f"{r.epochs} epochs"]
    if r.patience:
        parts.append(
            f"early stopping on validation accuracy (patience {r.patience}, best epoch kept)"
        )
    parts.append(f"random ±{r.max_shift} px shifts" if r.max_shift else "no augmentation")
    mirrored = [x.task for x in results if x.mirror]
    if mirrored:
        parts.append(f"left-right mirror images on {', '.join(mirrored)}")
    if r.stem_stride is not None:
        full = " (the first cell at the image's resolution)" if r.stem_stride == 1 else ""
        parts.append(f"searched networks' stem stride {r.stem_stride}{full}")
    parts.append(f"trained on {r.device}")
    return ", ".join(parts)


def final_markdown(run_dir: Path, settings: RunSettings, results: Sequence[FinalResult]) -> str:
    """The markdown report of a final training."""
    from tasknas.report import markdown_cell

    options = ", ".join(f"{k}={v}" for k, v in sorted(settings.benchmark_options.items()))
    lines = [
        f"# Final training of run `{run_dir.name}`",
        "",
        f"- benchmark: `{settings.benchmark}` ({options or 'default options'}); "
        f"strategy: `{settings.strategy}`; seed: {settings.seed}; budget: {settings.budget}",
        f"- each task's best architecture retrained from scratch: {_how(results)}"
        + _choice(results),
        "",
        "| task | architecture | training images | validation (%) | test (%) | test images "
        "| parameters | epochs | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {markdown_cell(r.task)} | {markdown_cell(r.arch, code=True)} | {r.n_train:,} | "
            f"{r.val_acc:.2f} | {r.test_acc:.2f} | {r.n_test:,} | {r.params:,} | {_epochs(r)} | "
            f"{r.seconds:.1f} |"
        )
    if any(r.candidates for r in results):
        lines += [
            "",
            "## Candidates",
            "",
            "Each task's best architectures of the search, retrained alike; the one with the "
            "best validation accuracy is the task's result above (the test split plays no "
            "part in the choice).",
            "",
            "| task | search rank | architecture | validation (%) | test (%) | parameters "
            "| chosen |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in results:
            for rank, c in enumerate(r.candidates, 1):
                lines.append(
                    f"| {markdown_cell(r.task)} | {rank} | {markdown_cell(c.arch, code=True)} | "
                    f"{c.val_acc:.2f} | {c.test_acc:.2f} | {c.params:,} | "
                    f"{'yes' if c.arch == r.arch else ''} |"
                )
    if any(r.baselines for r in results):
        lines += [
            "",
            "## Hand-designed baselines",
            "",
            "Trained on each task with the same data, schedule, epochs, early stopping, "
            "augmentation and seed as the searched architecture.",
            "",
            "| task | baseline | validation (%) | test (%) | test − searched (pp) | parameters "
            "| epochs | seconds |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in results:
            for name, b in r.baselines.items():
                lines.append(
                    f"| {markdown_cell(r.task)} | {markdown_cell(name)} | {b.val_acc:.2f} | "
                    f"{b.test_acc:.2f} | {b.test_acc - r.test_acc:+.2f} | {b.params:,} | "
                    f"{_epochs(b)} | {b.seconds:.1f} |"
                )
    return "\n".join([*lines, ""])


def _choice(results: Sequence[FinalResult]) -> str:
    """How the architecture was chosen, when several were retrained."""
    most = max((len(r.candidates) for r in results), default=0)
    if most < 2:
        return ""
    return f"; the best by validation accuracy of the search's {most} best (see Candidates)"


def _epochs(r: FinalResult) -> str:
    """``ran/most`` epochs, with the kept one when early stopping chose it."""
    text = f"{r.epochs_run or r.epochs}/{r.epochs}"
    return text if r.best_epoch is None else f"{text} (best {r.best_epoch})"


def final_json(run_dir: Path, results: Sequence[FinalResult]) -> dict[str, Any]:
    """The JSON object of a final training: ``run_dir``, ``epochs`` (the most), ``baselines``
    (names) and ``tasks`` (task -> ``FinalResult.to_dict()``, with its ``baselines``)."""
    names = list(dict.fromkeys(name for r in results for name in r.baselines))
    return {
        "run_dir": str(run_dir),
        "epochs": results[0].epochs if results else 0,
        "baselines": names,
        "tasks": {r.task: r.to_dict() for r in results},
    }


def write_final_report(
    run_dir: str | Path, settings: RunSettings, results: Sequence[FinalResult]
) -> list[Path]:
    """Write ``final.md`` and ``final.json`` (``final_json``) into ``run_dir``; return their
    paths."""
    run_dir = Path(run_dir)
    md, js = run_dir / "final.md", run_dir / "final.json"
    md.write_text(final_markdown(run_dir, settings, results), encoding="utf-8")
    js.write_text(dumps(final_json(run_dir, results)), encoding="utf-8")
    return [md, js]
