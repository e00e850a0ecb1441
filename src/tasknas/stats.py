"""Paired statistics over seeds: is a method better than a baseline run on the same seeds?

Every benchmark that compares strategies runs them with the same seeds, so seed ``s`` of the
method and seed ``s`` of the baseline share their random start (for the multi-task engine: the
same initial populations). The per-seed differences ``d_s = method_s - baseline_s`` then carry
less noise than the two means, and ``paired_difference`` summarises them: the mean difference,
its Student-t confidence interval, a Wilcoxon signed-rank p-value, and the number of seeds that
would separate the two at the observed effect size.

Missing values (a run that never found the optimum within its cap, a run with no result) are
handled explicitly, never silently: with ``cap`` they count as the cap (censored), without it
the seed is dropped from the pairing; the result says how many of each.

``variance_components`` splits replicated results (architectures × retraining seeds, or a
table's entries for cells that compute one function) into the spread between architectures
and the noise of one training run: how much any search in a space can gain, against how much
one run's seed moves its result.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tasknas.errors import InvalidSettingError

__all__ = ["PairedDifference", "mean_interval", "paired_difference", "variance_components"]

#: A per-seed value; ``None`` (or NaN) is a missing value.
Value = float | int | None


@dataclass(frozen=True)
class PairedDifference:
    """The paired difference ``method - baseline`` over the seeds both have.

    Attributes:
        mean: mean of the per-seed differences (NaN without a pair).
        ci_low: lower end of its confidence interval (NaN with fewer than two pairs).
        ci_high: upper end of its confidence interval.
        confidence: the interval's level (0.95 by default).
        significant: the interval excludes 0.
        verdict: ``"better"``, ``"worse"`` (significant, in the sense of ``lower_is_better``)
            or ``"n.s."``.
        n: seeds paired.
        std: sample standard deviation of the differences (ddof 1; NaN below two pairs).
        method_mean: mean of the method's paired values.
        baseline_mean: mean of the baseline's paired values.
        seeds_needed: seeds a paired test would need to separate the two at the observed
            effect (``None`` when the mean difference is 0 or undefined); see
            ``paired_difference``.
        wilcoxon_p: two-sided Wilcoxon signed-rank p-value (``None`` below two pairs or when
            every difference is 0).
        censored: paired seeds where the method or the baseline was missing and counted as
            the cap.
        dropped: seeds left out because a value was missing and no cap was given, or because
            only one side ran that seed.
        lower_is_better: how ``verdict`` reads the sign of ``mean``.
    """

    mean: float
    ci_low: float
    ci_high: float
    confidence: float
    significant: bool
    verdict: str
    n: int
    std: float
    method_mean: float
    baseline_mean: float
    seeds_needed: int | None
    wilcoxon_p: float | None
    censored: int
    dropped: int
    lower_is_better: bool

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (NaN becomes ``None``)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, float) and math.isnan(value):
                value = None
            out[key] = value
        return out

    def format(self, digits: int = 3) -> str:
        """``"-0.12 [-0.30, 0.05]"`` with a ``*`` when significant (``"–"`` without pairs)."""
        if self.n == 0:
            return "–"
        if self.n < 2:
            return f"{self.mean:.{digits}g} (n=1)"
        star = "*" if self.significant else ""
        low, high = f"{self.ci_low:+.{digits}g}", f"{self.ci_high:+.{digits}g}"
        return f"{self.mean:+.{digits}g} [{low}, {high}]{star}"


def mean_interval(
    values: Sequence[float] | np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of ``values`` and its two-sided Student-t confidence
    interval ``mean ± t_{(1+confidence)/2, n-1} · std / sqrt(n)`` (``std`` with ddof 1).

    The interval is ``(nan, nan)`` below two values, the mean ``nan`` without any.

    Raises:
        InvalidSettingError: ``confidence`` is outside (0, 1).
    """
    from scipy import stats

    if not 0.0 < confidence < 1.0:
        raise InvalidSettingError(f"confidence must be in (0, 1), got {confidence}")
    data = np.asarray(values, dtype=float)
    n = data.size
    mean = float(data.mean()) if n else math.nan
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * float(data.std(ddof=1))
    half /= math.sqrt(n)
    return mean, mean - half, mean + half


def variance_components(
    table: Sequence[Sequence[float]] | np.ndarray,
) -> tuple[float, float]:
    """``(sigma_between, sigma_within)`` of a one-way random-effects layout.

    ``table[i]`` holds the replicates of group ``i`` (for example: architecture ``i``
    retrained with several seeds, or the table entries of cells that compute one function);
    groups may have different sizes. ``sigma_within`` is the square root of the pooled
    within-group variance, ``sum((n_i - 1) s_i²) / sum(n_i - 1)``; ``sigma_between`` the
    standard deviation of the groups' expected values, from the ANOVA estimator
    ``(MS_between - MS_within) / n0`` with ``n0 = (N - sum(n_i²) / N) / (k - 1)`` (the
    replicate count when the groups are balanced), clipped at 0: the spread of the group
    means that the replicate noise does not explain.

    Raises:
        InvalidSettingError: fewer than 2 groups, a group with fewer than 2 replicates, or a
            value that is not finite.
    """
    groups = [np.asarray(g, dtype=float).ravel() for g in table]
    if len(groups) < 2 or any(len(g) < 2 for g in groups):
        sizes = sorted({len(g) for g in groups})
        raise InvalidSettingError(
            f"variance_components needs >= 2 groups of >= 2 replicates each, got "
            f"{len(groups)} groups of sizes {sizes}"
        )
    if not all(np.isfinite(g).all() for g in groups):
        raise InvalidSettingError("variance_components needs finite values")
    sizes_arr = np.array([len(g) for g in groups], dtype=float)
    total = sizes_arr.sum()
    within = float(sum(((g - g.mean()) ** 2).sum() for g in groups) / (total - len(groups)))
    means = np.array([g.mean() for g in groups])
    grand = float((sizes_arr * means).sum() / total)
    between_ms = float((sizes_arr * (means - grand) ** 2).sum() / (len(groups) - 1))
    n0 = (total - float((sizes_arr**2).sum()) / total) / (len(groups) - 1)
    between = max(0.0, (between_ms - within) / n0)
    return math.sqrt(between), math.sqrt(within)


def _missing(value: Value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def paired_difference(
    method: Sequence[Value] | Mapping[int, Value],
    baseline: Sequence[Value] | Mapping[int, Value],
    *,
    confidence: float = 0.95,
    cap: float | None = None,
    lower_is_better: bool = True,
    power: float = 0.8,
) -> PairedDifference:
    """The paired difference ``method - baseline`` over seeds, with its confidence interval.

    Args:
        method: per-seed values of the method: a sequence (position ``i`` is paired with
            position ``i`` of ``baseline``; both must have the same length) or a mapping
            ``{seed: value}`` (paired on the seeds both have; the others are dropped).
        baseline: per-seed values of the baseline, in the same form.
        confidence: level of the two-sided interval, in (0, 1).
        cap: the value a missing entry stands for, e.g. the evaluation cap of an
            evaluations-to-optimum count (a run that did not find the optimum needed *at
            least* the cap). The difference of a censored pair is then a bound, not an
            estimate: two censored runs count as equal, and a censored run against a found
            one understates the gap. Without ``cap`` a seed with a missing value is dropped.
        lower_is_better: the reading of ``verdict`` (percentiles, evaluation counts: True;
            accuracies, objectives: False).
        power: power of the test ``seeds_needed`` is sized for, in (0, 1).

    ``ci`` is ``mean ± t_{(1+confidence)/2, n-1} · std / sqrt(n)`` over the ``n`` per-seed
    differences (Student t, ``scipy.stats.t``). ``seeds_needed`` is the normal-approximation
    sample size of a two-sided paired test at level ``alpha = 1 - confidence`` and the given
    power: ``n = ceil(((z_{1-alpha/2} + z_{power}) · std / |mean|)^2)``, at least 2 (with
    ``std = 0`` and a nonzero mean, 2); ``None`` when the mean is zero or below a millionth of
    the values' scale (float round-off of zero). With ``power = 0.5`` it is the ``n`` at which the
    expected interval just excludes 0.

    With zero spread (every seed differs by the same amount) the interval is the single
    point ``mean``, so any nonzero mean is significant; with few seeds, read ``wilcoxon_p``
    beside it (two seeds can never reach p < 0.05 in a signed-rank test).

    Raises:
        InvalidSettingError: lengths differ, or ``confidence``/``power`` are outside (0, 1).
    """
    from scipy import stats

    if not 0.0 < confidence < 1.0 or not 0.0 < power < 1.0:
        raise InvalidSettingError(
            f"confidence and power must be in (0, 1), got {confidence} and {power}"
        )
    if isinstance(method, Mapping) != isinstance(baseline, Mapping):
        raise InvalidSettingError("method and baseline must both be sequences or both mappings")
    if isinstance(method, Mapping) and isinstance(baseline, Mapping):
        common = [s for s in method if s in baseline]
        dropped = len(set(method) ^ set(baseline))
        pairs = [(method[s], baseline[s]) for s in sorted(common)]
    else:
        if len(method) != len(baseline):
            raise InvalidSettingError(
                f"method and baseline need one value per seed each, got {len(method)} and "
                f"{len(baseline)} values"
            )
        pairs, dropped = list(zip(method, baseline, strict=True)), 0
    kept: list[tuple[float, float]] = []
    censored = 0
    for a, b in pairs:
        if _missing(a) or _missing(b):
            if cap is None:
                dropped += 1
                continue
            censored += 1
            a = cap if _missing(a) else a
            b = cap if _missing(b) else b
        kept.append((float(a), float(b)))  # type: ignore[arg-type]
    n = len(kept)
    values = np.array(kept, dtype=float).reshape(n, 2)
    diff = values[:, 0] - values[:, 1]
    mean = float(diff.mean()) if n else math.nan
    std = float(diff.std(ddof=1)) if n >= 2 else math.nan
    _, low, high = mean_interval(diff, confidence=confidence)
    significant = n >= 2 and (low > 0 or high < 0)
    verdict = "n.s."
    if significant:
        verdict = "better" if (mean < 0) == lower_is_better else "worse"
    needed: int | None = None
    # a mean below a millionth of the values' scale is round-off of zero (e.g. 3e-11 from
    # float32 accuracies in % that cancel), not an effect: no seed count is reported for it
    round_off = 1e-6 * float(np.abs(values).max()) if n else 0.0
    if n >= 2 and abs(mean) > round_off:
        z = float(stats.norm.ppf(1 - (1 - confidence) / 2) + stats.norm.ppf(power))
        needed = max(2, math.ceil((z * std / abs(mean)) ** 2))
    p_value: float | None = None
    if n >= 2 and np.any(diff != 0):
        with warnings.catch_warnings():  # small samples with ties: scipy warns, then copes
            warnings.simplefilter("ignore")
            p_value = float(stats.wilcoxon(diff).pvalue)
    return PairedDifference(
        mean=mean,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        significant=bool(significant),
        verdict=verdict,
        n=n,
        std=std,
        method_mean=float(values[:, 0].mean()) if n else math.nan,
        baseline_mean=float(values[:, 1].mean()) if n else math.nan,
        seeds_needed=needed,
        wilcoxon_p=p_value,
        censored=censored,
        dropped=dropped,
        lower_is_better=lower_is_better,
    )
