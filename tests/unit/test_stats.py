"""``tasknas.stats.paired_difference``: the paired t interval, missing values, sample sizes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from tasknas.errors import InvalidSettingError
from tasknas.stats import mean_interval, paired_difference, variance_components


def test_interval_is_the_student_t_interval_of_the_differences() -> None:
    method, baseline = [3.0, 5.0, 4.0, 9.0], [2.0, 3.0, 1.0, 5.0]  # differences 1, 2, 3, 4
    d = paired_difference(method, baseline)
    half = 3.182446305284263 * math.sqrt(5 / 3) / 2  # t_{0.975, 3} * std / sqrt(4)
    assert d.n == 4 and d.mean == pytest.approx(2.5)
    assert d.std == pytest.approx(math.sqrt(5 / 3))
    assert (d.ci_low, d.ci_high) == pytest.approx((2.5 - half, 2.5 + half))
    assert d.significant and d.verdict == "worse"  # higher values, lower is better
    assert paired_difference(method, baseline, lower_is_better=False).verdict == "better"
    assert d.method_mean == pytest.approx(5.25) and d.baseline_mean == pytest.approx(2.75)
    assert d.wilcoxon_p == pytest.approx(stats.wilcoxon([1, 2, 3, 4]).pvalue)
    wider = paired_difference(method, baseline, confidence=0.99)
    assert wider.ci_low < d.ci_low and wider.ci_high > d.ci_high


def test_swapping_method_and_baseline_negates_the_difference() -> None:
    a, b = [0.1, 0.5, 0.0, 0.3, 0.2], [0.4, 0.4, 0.6, 0.9, 0.1]
    ab, ba = paired_difference(a, b), paired_difference(b, a)
    assert ab.mean == pytest.approx(-ba.mean)
    assert (ab.ci_low, ab.ci_high) == pytest.approx((-ba.ci_high, -ba.ci_low))
    assert ab.significant == ba.significant


def test_pairing_removes_the_shared_seed_noise() -> None:
    baseline = [10.0, 50.0, 90.0, 30.0, 70.0]  # large spread between seeds
    method = [v - 1.0 + 0.1 * i for i, v in enumerate(baseline)]  # always about 1 lower
    d = paired_difference(method, baseline)
    assert d.significant and d.verdict == "better"
    unpaired = stats.ttest_ind(method, baseline).pvalue
    assert unpaired > 0.5  # the two means alone cannot tell them apart


def test_equal_values_are_not_significant() -> None:
    d = paired_difference([0.0, 0.0, 0.2], [0.0, 0.0, 0.2])
    assert d.mean == 0 and not d.significant and d.verdict == "n.s."
    assert d.seeds_needed is None and d.wilcoxon_p is None


def test_seeds_needed_is_the_normal_approximation() -> None:
    diffs = [1.0, -1.0, 3.0, 1.0, 3.0, -1.0]  # mean 1, std about 1.79
    d = paired_difference(diffs, [0.0] * len(diffs))
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert d.seeds_needed == math.ceil((z * d.std / d.mean) ** 2)
    half_power = paired_difference(diffs, [0.0] * len(diffs), power=0.5)
    assert half_power.seeds_needed == math.ceil((1.959963984540054 * d.std / d.mean) ** 2)
    assert half_power.seeds_needed < d.seeds_needed


def test_missing_values_are_censored_at_the_cap_or_dropped() -> None:
    method = [40, None, 60, 55]  # seed 1 never found the optimum within the cap
    baseline = [200, 300, None, 250]
    capped = paired_difference(method, baseline, cap=1000)
    assert capped.n == 4 and capped.censored == 2 and capped.dropped == 0
    assert capped.mean == pytest.approx(((40 - 200) + (1000 - 300) + (60 - 1000) + (55 - 250)) / 4)
    dropped = paired_difference(method, baseline)
    assert dropped.n == 2 and dropped.dropped == 2 and dropped.censored == 0
    assert dropped.mean == pytest.approx(((40 - 200) + (55 - 250)) / 2)
    nan = paired_difference([1.0, math.nan, 2.0], [0.0, 0.0, 0.0])
    assert nan.n == 2 and nan.dropped == 1


def test_mappings_pair_on_the_common_seeds() -> None:
    d = paired_difference({0: 1.0, 1: 2.0, 3: 5.0}, {1: 1.0, 0: 0.0, 2: 7.0})
    assert d.n == 2 and d.dropped == 2 and d.mean == pytest.approx(1.0)


def test_too_few_pairs_give_no_interval_and_json_has_no_nan() -> None:
    one = paired_difference([1.0], [0.0])
    assert one.n == 1 and math.isnan(one.ci_low) and not one.significant
    data = one.to_json()
    assert data["ci_low"] is None and data["std"] is None and data["mean"] == 1.0
    json.dumps(data, allow_nan=False)
    none = paired_difference([None], [0.0])
    assert none.n == 0 and none.format() == "–"
    assert one.format() == "1 (n=1)"
    assert paired_difference([2.0, 3.0, 4.0], [0.0] * 3).format() == "+3 [+0.516, +5.48]*"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"method": [1.0, 2.0], "baseline": [1.0]}, "got 2 and 1 values"),
        ({"method": [1.0], "baseline": [1.0], "confidence": 1.0}, "got 1.0 and 0.8"),
        ({"method": [1.0], "baseline": [1.0], "power": 0.0}, "got 0.95 and 0.0"),
        ({"method": {0: 1.0}, "baseline": [1.0]}, "both be sequences or both mappings"),
    ],
)
def test_bad_settings(kwargs: dict, needle: str) -> None:
    with pytest.raises(InvalidSettingError, match=needle):
        paired_difference(**kwargs)


def test_mean_interval_is_the_student_t_interval_and_covers_the_mean() -> None:
    values = [81.0, 83.5, 79.0, 84.0, 82.5]
    mean, low, high = mean_interval(values)
    half = stats.t.ppf(0.975, 4) * np.std(values, ddof=1) / np.sqrt(5)
    assert mean == pytest.approx(np.mean(values))
    assert (low, high) == pytest.approx((mean - half, mean + half))
    wider = mean_interval(values, confidence=0.99)
    assert wider[1] < low and wider[2] > high
    assert np.isnan(mean_interval([1.0])[1]) and np.isnan(mean_interval([])[0])
    with pytest.raises(InvalidSettingError, match="confidence"):
        mean_interval(values, confidence=1.5)


def test_round_off_mean_reports_no_seed_count() -> None:
    # accuracies whose differences cancel up to float round-off: the mean is ~1e-17, not a
    # real effect, so no (astronomical) seed count is reported
    baseline = [0.827, 0.754, 0.708, 0.703]
    method = [b + d for b, d in zip(baseline, [0.1, -0.1, 0.3, -0.3], strict=True)]
    d = paired_difference(method, baseline)
    assert 0 < abs(d.mean) < 1e-15
    assert d.seeds_needed is None and not d.significant
    # a small but real effect still gets a seed count
    assert paired_difference([0.801, 0.802, 0.8], [0.8, 0.8, 0.8]).seeds_needed is not None


def test_variance_components_by_hand() -> None:
    # group means 1, 3, 5 (variance 4, times 2 replicates: MS_between 8); every group's
    # replicates differ by 2 (variance 2 each: MS_within 2) -> between (8 - 2) / 2 = 3
    between, within = variance_components([[0.0, 2.0], [2.0, 4.0], [4.0, 6.0]])
    assert within == pytest.approx(math.sqrt(2.0))
    assert between == pytest.approx(math.sqrt(3.0))


def test_variance_components_recover_simulated_spreads() -> None:
    rng = np.random.default_rng(0)
    groups = rng.normal(0.0, 2.0, size=(400, 1))  # sigma_between 2
    table = groups + rng.normal(0.0, 0.5, size=(400, 3))  # sigma_within 0.5
    between, within = variance_components(table)
    assert between == pytest.approx(2.0, rel=0.1)
    assert within == pytest.approx(0.5, rel=0.1)


def test_variance_components_clip_at_zero_and_refuse_too_little_data() -> None:
    # identical group means: all the spread is within groups
    assert variance_components([[0.0, 2.0], [2.0, 0.0]])[0] == 0.0
    with pytest.raises(InvalidSettingError, match="2 groups"):
        variance_components([[1.0, 2.0]])
    with pytest.raises(InvalidSettingError, match="replicates"):
        variance_components([[1.0], [2.0]])
    with pytest.raises(InvalidSettingError, match="sizes \\[1, 2\\]"):
        variance_components([[1.0, 2.0], [2.0]])
    with pytest.raises(InvalidSettingError, match="finite"):
        variance_components([[1.0, float("nan")], [2.0, 3.0]])


def test_variance_components_unequal_groups_by_hand() -> None:
    # groups (0, 2) and (4, 6, 8): pooled within (2 + 8) / (1 + 2) = 10/3; group means 1 and
    # 6, grand mean 4: MS_between = 2·9 + 3·4 = 30; n0 = (5 - 13/5) / 1 = 2.4
    between, within = variance_components([[0.0, 2.0], [4.0, 6.0, 8.0]])
    assert within == pytest.approx(math.sqrt(10 / 3))
    assert between == pytest.approx(math.sqrt((30 - 10 / 3) / 2.4))


def test_variance_components_unequal_groups_recover_simulated_spreads() -> None:
    rng = np.random.default_rng(1)
    sizes = rng.integers(2, 9, size=500)
    groups = [rng.normal(0.0, 2.0) + rng.normal(0.0, 0.5, size=n) for n in sizes]
    between, within = variance_components(groups)
    assert between == pytest.approx(2.0, rel=0.1)
    assert within == pytest.approx(0.5, rel=0.1)
