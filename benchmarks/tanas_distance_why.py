"""Why do MNIST targets not look closest to MNIST bases? Label mismatch against input domain.

The Fisher task distance d(b, t) compares base network b's diagonal Fisher on the target's
images with the target network's own. tasknas (like the paper's Eq. 4) uses the *empirical*
Fisher: gradients of log p(y | x) at the target's labels y. For two binary tasks of one data
set ("is it digit 0", "is it digit 1"), base b scores the target's images against labels of
a different question: it is confidently wrong on the target's positives, and those few
samples dominate its Fisher. This script trains the 10 default base tasks' ε-networks once
(default settings) and measures, with the same networks and images:

- ``empirical``: today's distance (labels of the target task);
- ``model Fisher``: labels drawn from the network's own prediction (y ~ p(y | x; θ), one
  seeded draw per image: the Fisher information proper, which depends on the images and
  the network, not on the target's labels);
- ``empirical, row-centred``: the empirical matrix minus each base's mean over targets
  (``DistanceMatrix.centred``: removes a base network that is near to, or far from,
  everything);
- ``empirical, calibrated``: each network's logits divided by a temperature fitted on its
  own task's validation images (temperature scaling, Guo et al. 2017: the T that minimises
  the negative log-likelihood), so over- and under-confident networks are compared alike;
- diagnostics per base network: its mean confidence (max softmax) on the other tasks'
  images, the share of its empirical Fisher carried by the 5 % of samples with the largest
  gradient norm, and the Spearman correlation of the base's mean distance with both.

Counts as ``tanas_distance_variants.py``: targets (columns) / base networks (rows) whose own
data set's tasks are closer on average than the other data set's.

    python benchmarks/tanas_distance_why.py --threads 1 --out benchmarks/results

prints the table and writes ``OUT/tanas_distance_why.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr
from tanas_distance_variants import same_dataset_counts

from tasknas._seeds import derive
from tasknas.similarity import DistanceMatrix, diagonal_fisher, fisher_distance
from tasknas.tanas import DEFAULT_BASE_TASKS, TANASSettings, load_task
from tasknas.tanas._epsnet import train_epsnet
from tasknas.tasks import ImageTask, TensorData


def _images(task: ImageTask, settings: TANASSettings) -> torch.Tensor:
    return task.val.x[: settings.fisher_samples]


def _model_labels(model: torch.nn.Module, x: torch.Tensor, seed: int) -> torch.Tensor:
    """One draw of y ~ p(y | x; θ) per image (seeded)."""
    with torch.no_grad():
        probs = F.softmax(model.eval()(x), dim=1)
    gen = torch.Generator().manual_seed(seed)
    return torch.multinomial(probs, 1, generator=gen).squeeze(1)


class _Scaled(torch.nn.Module):
    """``model``'s logits divided by a fixed temperature."""

    def __init__(self, model: torch.nn.Module, temperature: float) -> None:
        super().__init__()
        self.model, self.temperature = model, temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) / self.temperature


def _temperature(model: torch.nn.Module, data: TensorData) -> float:
    """The temperature that minimises the NLL of ``model`` on ``data`` (in [0.05, 100])."""
    from scipy.optimize import minimize_scalar

    with torch.no_grad():
        logits = model.eval()(data.x).double()

    def nll(log_t: float) -> float:
        return float(F.cross_entropy(logits / np.exp(log_t), data.y))

    return float(
        np.exp(minimize_scalar(nll, bounds=(np.log(0.05), np.log(100)), method="bounded").x)
    )


def _sample_grad_share(model: torch.nn.Module, data: TensorData, top: float = 0.05) -> float:
    """Share of the empirical Fisher's trace carried by the ``top`` share of samples."""
    model.eval()
    norms = []
    for x, y in zip(data.x, data.y, strict=True):
        model.zero_grad()
        F.cross_entropy(model(x[None]), y[None]).backward()
        norms.append(sum(float((p.grad**2).sum()) for p in model.parameters()))
    values = np.sort(np.array(norms))[::-1]
    k = max(1, round(top * len(values)))
    return float(values[:k].sum() / values.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    settings = TANASSettings()
    tasks = [load_task(spec, settings) for spec in DEFAULT_BASE_TASKS]
    models = {task.name: train_epsnet(task, settings)[0] for task in tasks}
    names = list(models)
    n = len(names)
    empirical = np.zeros((n, n))
    model_fisher = np.zeros((n, n))
    calibrated = np.zeros((n, n))
    temperatures = {
        name: _temperature(models[name], t.val) for name, t in zip(names, tasks, strict=True)
    }
    scaled = {name: _Scaled(m, temperatures[name]) for name, m in models.items()}
    confidence = np.zeros((n, n))
    top_share = np.zeros((n, n))
    for j, task in enumerate(tasks):
        x = _images(task, settings)
        labelled = TensorData(x, task.val.y[: len(x)])
        fishers_emp, fishers_model, fishers_cal = {}, {}, {}
        for i, (base, model) in enumerate(models.items()):
            fishers_emp[base] = diagonal_fisher(model, labelled, batch_size=settings.batch_size)
            fishers_cal[base] = diagonal_fisher(
                scaled[base], labelled, batch_size=settings.batch_size
            )
            own = TensorData(x, _model_labels(model, x, derive(0, i, j)))
            fishers_model[base] = diagonal_fisher(model, own, batch_size=settings.batch_size)
            with torch.no_grad():
                confidence[i, j] = float(F.softmax(model.eval()(x), 1).max(1).values.mean())
            top_share[i, j] = _sample_grad_share(model, labelled)
        for i, base in enumerate(names):
            if i != j:
                empirical[i, j] = fisher_distance(fishers_emp[base], fishers_emp[task.name])
                calibrated[i, j] = fisher_distance(fishers_cal[base], fishers_cal[task.name])
                model_fisher[i, j] = fisher_distance(fishers_model[base], fishers_model[task.name])
        print(f"target {task.name} done ({time.perf_counter() - start:.0f} s)", flush=True)
    off = ~np.eye(n, dtype=bool)
    row_mean = np.array([empirical[i, off[i]].mean() for i in range(n)])
    centred = DistanceMatrix(tuple(names), empirical).centred().values
    variants = {
        "empirical (today)": empirical,
        "model Fisher (y ~ p(y|x))": model_fisher,
        "empirical, row-centred": centred,
        "empirical, calibrated (temperature)": calibrated,
    }
    lines = [
        "# Fisher distance of the 10 default base tasks: empirical against model Fisher",
        "",
        "`python benchmarks/tanas_distance_why.py --threads 1 --out benchmarks/results` — "
        "targets / base networks whose own data set's tasks are closer on average; mean "
        "distance by block (base data set → target data set).",
        "",
        "| distance | per target | per base | mnist→mnist | mnist→fashion | fashion→mnist "
        "| fashion→fashion |",
        "|---|---|---|---|---|---|---|",
    ]
    datasets = np.array([name.split(":")[0] for name in names])
    result: dict[str, object] = {"names": names}
    for label, matrix in variants.items():
        targets, bases = same_dataset_counts(names, matrix)
        blocks = []
        for a in ("mnist", "fashion_mnist"):
            for b in ("mnist", "fashion_mnist"):
                mask = (datasets[:, None] == a) & (datasets[None, :] == b) & off
                blocks.append(float(matrix[mask].mean()))
        lines.append(
            f"| {label} | {targets}/10 | {bases}/10 | "
            + " | ".join(f"{v:.3f}" for v in blocks)
            + " |"
        )
        closer = [
            name
            for j, name in enumerate(names)
            if matrix[(datasets == datasets[j]) & off[:, j], j].mean()
            < matrix[(datasets != datasets[j]) & off[:, j], j].mean()
        ]
        lines.append(f"|  | closer to own data set: {', '.join(closer)} | | | | | |")
        result[label] = {"matrix": matrix.tolist(), "targets": int(targets), "bases": int(bases)}
        result[label]["targets_closer_to_own"] = closer
    conf_row = np.array([confidence[i, off[i]].mean() for i in range(n)])
    share_row = np.array([top_share[i, off[i]].mean() for i in range(n)])
    lines += [
        "",
        "| base network | mean distance to the other tasks (empirical) | mean confidence on "
        "their images | Fisher share of the top 5 % samples | fitted temperature |",
        "|---|---|---|---|---|",
    ]
    for i, name in enumerate(names):
        lines.append(
            f"| {name} | {row_mean[i]:.3f} | {conf_row[i]:.3f} | {share_row[i]:.3f} "
            f"| {temperatures[name]:.2f} |"
        )
    rho_conf = float(spearmanr(row_mean, conf_row).statistic)
    rho_share = float(spearmanr(row_mean, share_row).statistic)
    lines += [
        "",
        f"Spearman over the 10 bases: mean distance vs confidence {rho_conf:+.2f}, "
        f"vs top-5 % Fisher share {rho_share:+.2f}. Whole run {time.perf_counter() - start:.0f} s.",
    ]
    result.update(
        confidence=confidence.tolist(),
        top_share=top_share.tolist(),
        rho_confidence=rho_conf,
        rho_top_share=rho_share,
        temperatures=temperatures,
    )
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tanas_distance_why.md").write_text(text)
    (args.out / "tanas_distance_why.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
