"""Two settings of ``train_search.py`` against each other, paired by seed.

Each OUT is a ``benchmarks/train_search.py`` output folder run with one setting (for example
``--generation-epochs 5`` and the default) for the same group, strategies and seeds. For each
strategy and task it prints the final test and validation accuracy of both settings with
95 % intervals, their paired difference (second − first; ``tasknas.stats.paired_difference``)
and what the searches' scores looked like: the share of evaluations at the task's most
frequent score (on an imbalanced task, a supernet that predicts the majority class scores
exactly its share) and the number of architectures per run tied at the run's best score
(the search's choice among them is the earliest). ``--baselines`` adds the hand-designed
networks' rows (``OUT/baselines``).

    python benchmarks/train_variants.py /tmp/tsge1 /tmp/tsge5 --group breastmnist --strategies re
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from tasknas.report import load_run
from tasknas.stats import mean_interval, paired_difference


def _finals(out: Path, group: str, strategy: str, seeds: list[int], key: str) -> dict:
    values: dict[tuple[str, int], float] = {}
    for seed in seeds:
        path = out / "runs" / f"{group}-{strategy}-seed{seed}" / "final.json"
        if path.is_file():
            for task, row in json.loads(path.read_text())["tasks"].items():
                values[(task, seed)] = row[key]
        stem = strategy.replace(":", "-w")  # resnet:14 is kept as ...-resnet-w14-...
        for path in (out / "baselines").glob(f"{group}-{stem}-*-seed{seed}.json"):
            task = path.name[len(f"{group}-{stem}-") : -len(f"-seed{seed}.json")]
            if ":" not in strategy and re.match(r"w\d+-", task):
                continue  # the same family at another width
            values[(task, seed)] = json.loads(path.read_text())[key]  # a baseline
    return values


def _scores(out: Path, group: str, strategy: str, seeds: list[int]) -> dict[str, list[list]]:
    """Per task, each seed's search scores (rounded to 0.01)."""
    scores: dict[str, list[list[float]]] = {}
    for seed in seeds:
        run = out / "runs" / f"{group}-{strategy}-seed{seed}"
        if (run / "run.sqlite").is_file():
            for task, result in load_run(run).result.tasks.items():
                scores.setdefault(task, []).append([round(v, 2) for v in result.history])
    return scores


def _interval(values: list[float]) -> str:
    mean, low, high = mean_interval(values)
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--group", required=True)
    parser.add_argument("--strategies", nargs="+", default=["re"])
    parser.add_argument(
        "--baselines", nargs="*", default=[], help="also these: cnn resnet resnet:14"
    )
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    names = (args.first.name, args.second.name)
    print(f"paired by seed, seeds 0-{args.seeds - 1}; difference = {names[1]} − {names[0]}\n")
    print(f"| strategy | task | split | {names[0]} | {names[1]} | difference |")
    print("|---|---|---|---|---|---|")
    for strategy in [*args.strategies, *args.baselines]:
        for key, split in (("test_acc", "test"), ("val_acc", "validation")):
            a, b = (
                _finals(out, args.group, strategy, seeds, key) for out in (args.first, args.second)
            )
            for task in sorted({t for t, _ in a}):
                first = {s: a.get((task, s)) for s in seeds}
                second = {s: b.get((task, s)) for s in seeds}
                d = paired_difference(second, first, lower_is_better=False)
                print(
                    f"| {strategy} | {task} | {split} | "
                    f"{_interval([v for v in first.values() if v is not None])} | "
                    f"{_interval([v for v in second.values() if v is not None])} | "
                    f"{d.format(2) if d.n < 2 else f'{d.format(2)} (n={d.n})'} |"
                )
    print(
        "\n| strategy | task | setting | most frequent score: value, share | tied at best per run |"
    )
    print("|---|---|---|---|---|")
    for strategy in args.strategies:
        for out in (args.first, args.second):
            for task, runs in sorted(_scores(out, args.group, strategy, seeds).items()):
                flat = [v for run in runs for v in run]
                value, count = Counter(flat).most_common(1)[0]
                tied = sum(run.count(max(run)) for run in runs) / len(runs)
                print(
                    f"| {strategy} | {task} | {out.name} | {value:.2f}, {count / len(flat):.2f} | "
                    f"{tied:.1f} |"
                )


if __name__ == "__main__":
    main()
