"""KTNAS vs EMT-NAS vs single-task RE with real training, against hand-designed networks.

For each group of image tasks (MNIST + Fashion-MNIST; MedMNIST: pneumonia, breast, path),
each strategy (``ktnas``, ``emtnas``, ``re`` = regularized evolution on each task alone,
``random`` = uniform sampling, the search's best of the cells drawn) and
each seed, one search on the ``train`` benchmark with the same budget (distinct evaluations
per task); the best architecture of each task is then retrained from scratch with the final
training settings (``tasknas final``) and scored on the test split. The hand-designed
baselines (``cnn``, ``resnet``, or ``NAME:WIDTH`` such as ``resnet:14``;
``tasknas.nn.BASELINES``) are trained once per seed and task with exactly the same
final-training settings, data split and seed.

Reported per task: each method's mean test accuracy with its 95 % interval over seeds, and
the paired differences (same seed, same data split; ``tasknas.stats.paired_difference``) of
every strategy against each baseline and between the strategies, with the number of seeds
that would separate them; wall time per run.

Fairness: every strategy gets the same population size and evaluations per task; with the
weight-sharing evaluator (the default, EMT-NAS protocol: one supernet epoch per generation)
``re`` asks 2 children per generation, as many as the GA strategies' offspring, so that its
supernets are not trained for more epochs (KTNAS adds up to ``n`` = 4 immigrants to a
generation, so it may train fewer epochs for the same budget); ``random`` asks 4 per
generation: 5 supernet epochs for a budget of 20, against 6 for the GA (its initial
population, then 5 generations of 2), so a tie with the GA is not bought with more training.

Every run is a folder under ``OUT/runs`` (``OUT/baselines`` for the baselines); finished
work is reused and an interrupted search resumes when the script is started again, so a long
benchmark can be run in pieces (``--phase search``, then ``--phase final``, ...).

``--final-top K`` retrains each task's K best architectures and keeps the best by validation
(``tasknas final --top``; the report then adds the search's best alone, ``STRATEGY@1``);
``--final-patience P`` sets final training's early-stopping patience (``tasknas final
--patience``; at least ``--final-epochs``: train every epoch, keep the best);
``--final-mirror`` adds left-right mirror images to final training where the labels allow
(``tasknas final --mirror``); ``--final-channels C`` retrains the searched networks at width
``C`` (``tasknas final --channels``; DARTS evaluates a cell wider than it searched it), the
baselines unchanged; ``--final-stem-stride 2`` retrains them with the stem at stride 2, the
default of final training before 2026-12-03 (now 1, the first cell at the image's full
resolution; ``tasknas final --stem-stride``); ``--groups breastmnist`` (any
task of a group) runs that task alone; ``--reference FILE`` pairs the report with an
earlier one's per-seed test accuracies (``train_search.json``; rows ``ref:METHOD``;
``FILE=METHOD,...`` takes only those methods from that file; a stored strategy's rows, such
as ``ref:ktnas``, are paired with the baselines and the strategies as this run's are, and
``--strategies --baselines`` with no names reports stored results alone);
``--space darts-emtnas-conv`` searches EMT-NAS's space with a dense 3x3 convolution added;
and ``--generation-epochs`` and ``--fitness`` set the supernet's epochs per generation and
score; ``--search-n-train`` its training images per task (a number, or ``all``);
``--search-stem-stride 1`` searches with the first cell at the image's resolution (``tasknas
search --stem-stride``: the supernets and their networks; final training then keeps it);
``--device cuda`` trains the searches, final trainings and baselines on the GPU (the same
run folders, so a search made on one machine can be retrained on another).

    python benchmarks/train_search.py --out benchmarks/results/train_search          # full
    python benchmarks/train_search.py --out /tmp/train-search-quick --quick         # minutes
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import torch

import tasknas
from tasknas._torch import DEVICES, resolve_device
from tasknas._validation import STEM_STRIDES
from tasknas.benchmarks.train._defaults import parse_split_size
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.experiment import RunSettings, run_experiment
from tasknas.final import FINAL_PATIENCE, finalize_run, write_final_report
from tasknas.nn import parse_baselines
from tasknas.spaces import SPACES
from tasknas.stats import mean_interval, paired_difference

GROUPS = {
    "mnist": ("mnist", "fashion_mnist"),
    "medmnist": ("pneumoniamnist", "breastmnist", "pathmnist"),
}
STRATEGIES = ("ktnas", "emtnas", "re", "random")
BASELINE_NAMES = ("cnn", "resnet")
PHASES = ("search", "final", "baselines", "report")


def _strategy_options(strategy: str, population: int, quick: bool) -> dict[str, Any]:
    offspring = 1 if quick else 2
    options: dict[str, dict[str, Any]] = {
        "ktnas": {"population_size": population, "offspring_size": offspring},
        "emtnas": {"population_size": population, "offspring_size": offspring},
        "re": {
            "population_size": population,
            "sample_size": min(5, population),
            "batch_size": offspring,
        },
        # No selection at all: the search's best of uniformly drawn cells, 2x the GA's
        # offspring per generation, so its supernets train fewer epochs than the GA's.
        "random": {"batch_size": 2 * offspring},
    }
    if quick:
        for name in ("ktnas", "emtnas"):
            options[name]["candidates"] = 10
        options["ktnas"]["n"] = 1
    return options[strategy]


def _group_tasks(group: str) -> tuple[str, ...]:
    """A group's tasks; a task of a group alone is a group of one (single-task checks)."""
    return GROUPS.get(group, (group,))


def _run_dir(out: Path, group: str, strategy: str, seed: int) -> Path:
    return out / "runs" / f"{group}-{strategy}-seed{seed}"


def _search(out: Path, group: str, strategy: str, seed: int, args: argparse.Namespace) -> None:
    run_dir = _run_dir(out, group, strategy, seed)
    timing = run_dir / "search.json"
    if timing.is_file():
        return
    settings = RunSettings(
        benchmark="train",
        tasks=_group_tasks(group),
        strategy=strategy,
        budget=args.budget,
        seed=seed,
        strategy_options=_strategy_options(strategy, args.population, args.quick),
        benchmark_options=args.bench_options,
    )
    began = time.perf_counter()
    run_experiment(settings, run_dir, resume=(run_dir / "run.sqlite").is_file())
    seconds = time.perf_counter() - began
    timing.write_text(json.dumps({"search_seconds": seconds}), encoding="utf-8")
    print(f"{group} {strategy} seed {seed}: search {seconds:.0f} s", flush=True)


def _final(out: Path, group: str, strategy: str, seed: int, args: argparse.Namespace) -> None:
    run_dir = _run_dir(out, group, strategy, seed)
    done = run_dir / "final_timing.json"
    if done.is_file() or not (run_dir / "search.json").is_file():
        return
    began = time.perf_counter()
    stored, results = finalize_run(
        run_dir,
        epochs=args.final_epochs,
        overrides=args.final,
        tasks=args.final_tasks,
        top=args.final_top,
        mirror=args.final_mirror,
        patience=args.final_patience,
    )
    seconds = time.perf_counter() - began
    write_final_report(run_dir, stored, results)
    done.write_text(json.dumps({"final_seconds": seconds}), encoding="utf-8")
    print(
        f"{group} {strategy} seed {seed}: final {seconds:.0f} s, "
        + ", ".join(f"{r.task} {r.test_acc:.2f}%" for r in results),
        flush=True,
    )


def _baselines(out: Path, group: str, seed: int, args: argparse.Namespace) -> None:
    from tasknas.benchmarks.train import train_baseline

    for task in _final_tasks(group, args):
        for name in args.baselines:
            path = _baseline_path(out, group, name, task, seed)
            if path.is_file():
                continue
            settings = {**args.bench_settings, **args.final, "seed": seed}
            result = train_baseline(
                name,
                task,
                epochs=args.final_epochs,
                mirror=args.final_mirror,
                patience=args.final_patience or FINAL_PATIENCE,
                **settings,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
            print(f"{group} {name} seed {seed}: {task} {result.test_acc:.2f}%", flush=True)


def _baseline_path(out: Path, group: str, name: str, task: str, seed: int) -> Path:
    """Where a baseline's result is kept (``resnet:14`` -> ``...-resnet-w14-...``)."""
    return out / "baselines" / f"{group}-{name.replace(':', '-w')}-{task}-seed{seed}.json"


def _final_tasks(group: str, args: argparse.Namespace) -> tuple[str, ...]:
    """The group's tasks that final training and the report cover (``--final-tasks``)."""
    wanted = args.final_tasks
    return tuple(t for t in _group_tasks(group) if wanted is None or t in wanted)


def _load(
    out: Path, args: argparse.Namespace, key: str = "test_acc"
) -> dict[tuple[str, str, str, int], float]:
    """``(group, method, task, seed) -> accuracy`` (``key``: ``test_acc`` or ``val_acc``; or
    another number of the stored rows, 0 where a row lacks it) of every finished piece of
    work."""
    acc: dict[tuple[str, str, str, int], float] = {}
    for group in args.groups:
        for seed in args.seeds:
            for strategy in args.strategies:
                final = _run_dir(out, group, strategy, seed) / "final.json"
                if final.is_file():
                    for task, row in json.loads(final.read_text())["tasks"].items():
                        acc[(group, strategy, task, seed)] = row.get(key, 0)
                        first = row.get("candidates", [])
                        if len(first) > 1:  # --final-top: the search's best
                            acc[(group, f"{strategy}@1", task, seed)] = first[0].get(key, 0)
            for name in args.baselines:
                for task in _group_tasks(group):
                    path = _baseline_path(out, group, name, task, seed)
                    if path.is_file():
                        acc[(group, name, task, seed)] = json.loads(path.read_text()).get(key, 0)
    return acc


def _reference_file(text: str) -> tuple[Path, list[str] | None]:
    """``--reference`` entry: ``FILE``, or ``FILE=METHOD,...`` (the methods to take from it)."""
    path, equals, methods = text.partition("=")
    return Path(path), (methods.split(",") if equals else None)


def _reference_name(path: Path, methods: list[str] | None) -> str:
    """A ``--reference`` entry as the report names it."""
    return f"{path} ({', '.join(methods)})" if methods else str(path)


def _reference(args: argparse.Namespace) -> dict[tuple[str, str, str, int], float]:
    """``--reference FILE ...``: the per-seed test accuracies of earlier reports
    (``train_search.json``, keys ``GROUP/METHOD/TASK/SEED``), each method renamed
    ``ref:METHOD``, for this run's groups, tasks and seeds (and only the methods a
    ``FILE=METHOD,...`` names, or else those of ``--reference-methods``).

    Raises:
        ValueError: a file is not such a report (names the first bad entry), or two files
            hold different accuracies for one method, task and seed.
    """
    acc: dict[tuple[str, str, str, int], float] = {}
    for path, methods in args.reference:
        methods = methods or args.reference_methods
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            parts = key.rsplit("/", 3)
            if len(parts) != 4 or not parts[3].isdigit() or not isinstance(value, int | float):
                raise ValueError(
                    f"{path}: entry {key!r}: {value!r} is not GROUP/METHOD/TASK/SEED: accuracy"
                )
            group, method, task, seed = parts
            wanted = not methods or method in methods
            ours = group in args.groups and task in _final_tasks(group, args)
            if wanted and ours and int(seed) in args.seeds:
                entry = (group, f"ref:{method}", task, int(seed))
                if acc.setdefault(entry, value) != value:
                    raise ValueError(
                        f"{path}: {key} is {value}, another --reference file says {acc[entry]} "
                        "(choose the methods with FILE=METHOD,... or --reference-methods)"
                    )
    return acc


def _test_images(out: Path, args: argparse.Namespace) -> str:
    """The test images each reported task was scored on, as found in the stored results (a
    result stored before ``n_test`` was recorded was scored on at most the search's 1,000)."""
    sizes: dict[str, set[int]] = {}
    for (_, _, task, _), n in _load(out, args, "n_test").items():
        sizes.setdefault(task, set()).add(int(n))
    cells = [
        f"{task} {'/'.join(f'{n:,}' if n else '≤ 1,000 (not recorded)' for n in sorted(ns))}"
        for task, ns in sorted(sizes.items())
    ]
    return ", ".join(cells) or "–"


def _seconds(out: Path, group: str, strategy: str, args: argparse.Namespace, key: str) -> str:
    name = "search.json" if key == "search_seconds" else "final_timing.json"
    values = [
        json.loads(path.read_text())[key]
        for seed in args.seeds
        if (path := _run_dir(out, group, strategy, seed) / name).is_file()
    ]
    return f"{sum(values) / len(values):.0f}" if values else "–"


def _interval(values: list[float]) -> str:
    mean, low, high = mean_interval(values)
    if len(values) < 2:
        return f"{mean:.2f} (n={len(values)})" if values else "–"
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


def _mean_cells(
    acc: dict[tuple[str, str, str, int], float],
    group: str,
    method: str,
    tasks: tuple[str, ...],
    seeds: list[int],
) -> list[str]:
    """Each task's mean [95 % interval] of ``method`` over the seeds it has."""
    return [
        _interval([acc[key] for s in seeds if (key := (group, method, t, s)) in acc]) for t in tasks
    ]


def _difference_rows(
    acc: dict[tuple[str, str, str, int], float],
    group: str,
    pairs: list[tuple[str, str]],
    tasks: tuple[str, ...],
    seeds: list[int],
) -> list[str]:
    """A table of paired differences ``a − b`` by task, with the seeds a test would need."""
    lines = [f"| difference | {' | '.join(tasks)} |", f"|---|{'---|' * len(tasks)}"]
    for a, b in pairs:
        cells = []
        for t in tasks:
            first = {s: acc.get((group, a, t, s)) for s in seeds}
            second = {s: acc.get((group, b, t, s)) for s in seeds}
            d = paired_difference(first, second, lower_is_better=False)
            needed = f"; seeds {d.seeds_needed}" if d.seeds_needed else ""
            # format() already says (n=1) for a single pair
            cells.append(d.format(2) if d.n < 2 else f"{d.format(2)} (n={d.n}{needed})")
        lines.append(f"| {a} − {b} | {' | '.join(cells)} |")
    return lines


def _base_method(method: str) -> str:
    """A report row's method without ``ref:`` and ``@K`` (``ref:emtnas@1`` -> ``emtnas``)."""
    return method.removeprefix("ref:").partition("@")[0]


def _report(out: Path, args: argparse.Namespace) -> str:
    acc = _load(out, args)
    reference = _reference(args)
    acc.update(reference)
    ref_methods = sorted({method for _, method, _, _ in reference})
    # a stored strategy's rows (ref:ktnas, ref:emtnas@1) pair like this run's strategies
    stored = [m for m in ref_methods if _base_method(m) in STRATEGIES]
    stored.sort(key=lambda m: (STRATEGIES.index(_base_method(m)), m))
    stored_fixed = [m for m in ref_methods if _base_method(m) not in STRATEGIES]
    searched, fixed = [*args.strategies, *stored], [*args.baselines, *stored_fixed]
    methods = [*args.strategies, *args.baselines, *stored, *stored_fixed]
    lines = [
        "# Real-training search: KTNAS vs EMT-NAS vs single-task RE vs hand-designed networks",
        "",
        f"- tasknas {tasknas.__version__}, torch {torch.__version__}, "
        f"{platform.machine()}, {torch.get_num_threads()} torch thread(s)",
        f"- search: train benchmark options {args.bench_options}; budget {args.budget} "
        f"evaluations per task, population {args.population}",
        f"- final training (searched networks and baselines alike): up to "
        f"{args.final_epochs} epochs, settings {args.final or 'final defaults'}"
        + ("; mirror images where the labels allow (--final-mirror)" if args.final_mirror else "")
        + (f"; early-stopping patience {args.final_patience}" if args.final_patience else ""),
        f"- test images the final accuracies were measured on: {_test_images(out, args)}",
        *(
            [
                f"- `ref:` rows: the per-seed test accuracies stored in "
                f"{', '.join(_reference_name(*ref) for ref in args.reference)} "
                "(same seeds and data splits; paired with this run's strategies)"
            ]
            if reference
            else []
        ),
        f"- seeds {', '.join(map(str, args.seeds))}; intervals are 95 % Student t over seeds; "
        "differences are paired by seed (same seed, same data split); * = the interval "
        "excludes 0; 'seeds' = seeds a paired test would need at the observed effect",
        "",
    ]
    validation = _load(out, args, "val_acc")
    for group in args.groups:
        tasks = _final_tasks(group, args)
        lines += [
            f"## {group}: test accuracy (%) after final training, mean [95 % CI]",
            "",
            f"| method | {' | '.join(tasks)} | seeds done | search s/run | final s/run |",
            f"|---|{'---|' * len(tasks)}---|---|---|",
        ]
        # stored rows only where the stored files have this group's results
        shown = {m for g, m, _, _ in acc if g == group} | {*args.strategies, *args.baselines}
        for method in (m for m in methods if m in shown):
            cells = _mean_cells(acc, group, method, tasks, args.seeds)
            done = sum(all((group, method, t, s) in acc for t in tasks) for s in args.seeds)
            search = final = "–"  # stored accuracies (ref:) have no times here
            if method not in ref_methods:
                final = _seconds(out, group, method, args, "final_seconds")
            if method in args.strategies:
                search = _seconds(out, group, method, args, "search_seconds")
            lines.append(f"| {method} | {' | '.join(cells)} | {done} | {search} | {final} |")
        ours, theirs = [m for m in searched if m in shown], [m for m in fixed if m in shown]
        pairs = [(s, b) for s in ours for b in theirs]
        pairs += [(a, b) for i, a in enumerate(ours) for b in ours[i + 1 :]]
        lines += ["", "Paired differences (percentage points; positive: the first is better):", ""]
        lines += _difference_rows(acc, group, pairs, tasks, args.seeds)
        if not args.strategies and not args.baselines:  # stored results alone: no validation
            lines.append("")
            continue
        lines += [
            "",
            f"### {group}: validation accuracy (%), the held-out part of the training split",
            "",
            "The model selection split (early stopping picks the best epoch on it, for every "
            "method alike): drawn from the same file as the training images, so in "
            "distribution; the test split is the data set's own test file.",
            "",
            f"| method | {' | '.join(tasks)} |",
            f"|---|{'---|' * len(tasks)}",
        ]
        for method in [*args.strategies, *args.baselines]:
            cells = _mean_cells(validation, group, method, tasks, args.seeds)
            lines.append(f"| {method} | {' | '.join(cells)} |")
        lines += ["", "Paired differences on validation (percentage points):", ""]
        val_pairs = [(s, b) for s in args.strategies for b in args.baselines]
        lines += _difference_rows(validation, group, val_pairs, tasks, args.seeds)
        alone = [s for s in args.strategies if any(k[:2] == (group, f"{s}@1") for k in acc)]
        if alone:
            lines += [
                "",
                f"### {group}: the best of the search's top {args.final_top} by validation "
                "against the search's best alone (`@1`, the first candidate, trained alike)",
                "",
                f"| method | {' | '.join(tasks)} |",
                f"|---|{'---|' * len(tasks)}",
            ]
            for s in alone:
                cells = _mean_cells(acc, group, f"{s}@1", tasks, args.seeds)
                lines.append(f"| {s}@1 | {' | '.join(cells)} |")
            lines += ["", "Paired differences on test (percentage points):", ""]
            against = [(s, f"{s}@1") for s in alone]
            against += [(f"{s}@1", b) for s in alone for b in args.baselines]
            lines += _difference_rows(acc, group, against, tasks, args.seeds)
        lines.append("")
    return "\n".join(lines)


def _search_n_train(text: str) -> int | str | None:
    """``--search-n-train``: a number of images or ``all`` (argparse reports a bad value)."""
    try:
        return parse_split_size("--search-n-train", text)
    except InvalidSettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seed_list(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    singles = [t for tasks in GROUPS.values() for t in tasks]
    parser.add_argument("--groups", nargs="+", default=list(GROUPS), choices=[*GROUPS, *singles])
    parser.add_argument(
        "--strategies",
        nargs="*",
        default=list(STRATEGIES),
        choices=STRATEGIES,
        help="the searches to run (none: a report of --reference results alone)",
    )
    parser.add_argument(
        "--baselines",
        nargs="*",
        default=list(BASELINE_NAMES),
        help="hand-designed networks: cnn, resnet, or NAME:WIDTH (resnet:14) for another width",
    )
    parser.add_argument("--seeds", type=_seed_list, default=list(range(10)), help="0-9 or 0,3")
    parser.add_argument("--phase", nargs="+", default=list(PHASES), choices=PHASES)
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--population", type=int, default=10)
    parser.add_argument("--evaluator", default="supernet", choices=["supernet", "standalone"])
    parser.add_argument(
        "--space",
        default=None,
        choices=SPACES.names(),
        help="search space of the searches (search --space; default the benchmark's, "
        "darts-emtnas; darts-emtnas-conv adds a dense 3x3 convolution)",
    )
    parser.add_argument(
        "--generation-epochs",
        type=int,
        default=None,
        help="supernet epochs per generation (default the evaluator's, 1)",
    )
    parser.add_argument(
        "--fitness",
        default=None,
        choices=["accuracy", "loss"],
        help="supernet score (default accuracy)",
    )
    parser.add_argument(
        "--search-n-train",
        type=_search_n_train,
        default=None,
        help="training images per task of the search's supernet (search --n-train: a number "
        "or all; default the benchmark's, 1,000); final training takes all either way",
    )
    parser.add_argument(
        "--search-stem-stride",
        type=int,
        default=None,
        choices=STEM_STRIDES,
        help="stem stride of the search's supernets (search --stem-stride; default the "
        "benchmark's, 2); final training keeps it unless --final-stem-stride says otherwise",
    )
    parser.add_argument("--final-epochs", type=int, default=30)
    parser.add_argument(
        "--final-n-train", type=int, default=None, help="final training images (default all)"
    )
    parser.add_argument(
        "--final-channels",
        type=int,
        default=None,
        help="width of the searched networks in final training (final --channels; default "
        "the search's); the baselines keep their own",
    )
    parser.add_argument(
        "--final-stem-stride",
        type=int,
        default=None,
        choices=STEM_STRIDES,
        help="stem stride of the searched networks in final training (final --stem-stride; "
        "1: the first cell at the image's resolution, as the ResNet baseline; default the "
        "search's, else final's, 1; results before 2026-12-03 used 2); the baselines keep "
        "their own",
    )
    parser.add_argument(
        "--final-tasks",
        type=lambda text: text.split(","),
        default=None,
        help="comma-separated tasks to retrain and report (default every task of the group)",
    )
    parser.add_argument(
        "--final-top",
        type=int,
        default=1,
        help="retrain each task's K best architectures, keep the best by validation (final --top)",
    )
    parser.add_argument(
        "--final-mirror",
        action="store_true",
        help="final training also mirrors images left to right where the labels allow "
        "(final --mirror; Fashion-MNIST and MedMNIST, not MNIST)",
    )
    parser.add_argument(
        "--final-patience",
        type=int,
        default=None,
        help=f"early-stopping patience of final training, searched networks and baselines "
        f"alike (final --patience; default {FINAL_PATIENCE}; at least --final-epochs: "
        f"never stop, keep the best epoch)",
    )
    parser.add_argument(
        "--reference",
        type=_reference_file,
        nargs="+",
        default=[],
        help="earlier reports' train_search.json: their per-seed test accuracies join the "
        "report as ref:METHOD rows, paired with this run's strategies (same seeds and splits); "
        "FILE=METHOD,... takes only those methods from FILE",
    )
    parser.add_argument(
        "--reference-methods",
        type=lambda text: text.split(","),
        default=None,
        help="comma-separated methods to take from the --reference files (default all), "
        "e.g. emtnas@1,resnet:14",
    )
    parser.add_argument(
        "--device",
        default="cpu",
        choices=DEVICES,
        help="where the searches, final trainings and baselines train (search/final "
        "--device; default cpu)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny settings, one seed")
    args = parser.parse_args()
    try:
        args.baselines = list(parse_baselines(args.baselines))
    except (UnknownNameError, InvalidSettingError) as error:
        parser.error(str(error))
    known = {t for g in args.groups for t in _group_tasks(g)}
    for task in args.final_tasks or ():
        if task not in known:
            parser.error(f"unknown --final-tasks entry {task!r}; choose from {sorted(known)}")
    try:
        _reference(args)
    except (OSError, ValueError, AttributeError) as error:  # JSON errors are ValueErrors
        files = " ".join(str(path) for path, _ in args.reference)
        parser.error(f"--reference {files}: not train_search.json reports as asked ({error})")
    if args.final_patience is not None and args.final_patience < 1:
        parser.error(f"--final-patience must be a positive integer, got {args.final_patience}")
    try:
        resolve_device(args.device)
    except InvalidSettingError as error:
        parser.error(str(error))
    torch.set_num_threads(args.threads)
    args.bench_options = {"evaluator": args.evaluator}
    if args.generation_epochs is not None:
        args.bench_options["generation_epochs"] = args.generation_epochs
    if args.fitness is not None:
        args.bench_options["fitness"] = args.fitness
    if args.space is not None:
        args.bench_options["space"] = args.space
    if args.search_n_train is not None:
        args.bench_options["n_train"] = args.search_n_train
    if args.search_stem_stride is not None:
        args.bench_options["stem_stride"] = args.search_stem_stride
    args.bench_settings = {}
    args.final = {} if args.final_n_train is None else {"n_train": args.final_n_train}
    if args.final_channels is not None:
        args.final["channels"] = args.final_channels
    if args.final_stem_stride is not None:
        args.final["stem_stride"] = args.final_stem_stride
    if args.quick:
        args.seeds, args.budget, args.population, args.final_epochs = [0], 6, 4, 3
        small = {"channels": 4, "layers": 2, "n_val": 128, "n_test": 256}
        args.bench_options.update(small, n_train=256)
        args.bench_settings = small
        args.final = {"n_train": 256}
    if args.device != "cpu":  # the default stays out of the settings the report prints
        for settings in (args.bench_options, args.bench_settings, args.final):
            settings["device"] = args.device
    for group in args.groups:
        for seed in args.seeds:
            for strategy in args.strategies:
                if "search" in args.phase:
                    _search(args.out, group, strategy, seed, args)
                if "final" in args.phase:
                    _final(args.out, group, strategy, seed, args)
            if "baselines" in args.phase:
                _baselines(args.out, group, seed, args)
    text = _report(args.out, args)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train_search.md").write_text(text, encoding="utf-8")
    per_seed = {"/".join(map(str, key)): value for key, value in _load(args.out, args).items()}
    (args.out / "train_search.json").write_text(json.dumps(per_seed, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
