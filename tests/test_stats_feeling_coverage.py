"""Issue 24: the across-LA correlation's interval, by simulation, and the number of LAs it needs.

A known population of LAs: each has a true share of families at the top two rungs and a true
families' assessment rate relative to schools', correlated (Gaussian copula, correlation rho on
the normal scale; the truth is the Pearson correlation of the share and the log rate over
200,000 LAs). A survey of k LAs draws each LA's answers (n of them, binomial) and its DfE
ratio (normal on the log scale, standard error 0.05-0.2 as DfE's counts give), then computes
:func:`copro.stats.survey.feeling_and_outcome_across_las` as the site does. Coverage is the
share of surveys whose 95% interval holds the truth; "detected" the share whose interval lies
above 0.

The minimum number of LAs (``MIN_AREAS``) is the smallest k at which (1) coverage is not
significantly below 93% in every scenario (observed >= 0.93 - 2.33 * sqrt(0.93 * 0.07 / R), a
one-sided 1% test of the Monte Carlo error) and (2) a strong association (rho = 0.7) with
plenty of answers (30-100 per LA) is detected in at least half of the surveys: with fewer LAs
the interval is -1 to 1 or nearly so and cannot tell a strong association from none. The table
in docs/survey-weighting.md is this simulation with more surveys
(``python tests/test_stats_feeling_coverage.py``).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from copro.stats import survey as st
from copro.stats.results import Rate

#: (name, spread of the shares on the logit scale, fewest and most answers per LA)
SCENARIOS = {"few answers": (0.5, 10, 40), "plenty of answers": (0.8, 30, 100)}
REPS = 150
RESAMPLES = 999


def _population(rho, spread, rng, size):
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=size)
    share = 1 / (1 + np.exp(-(-0.6 + spread * z[:, 0])))
    log_relative = -0.3 + 0.25 * z[:, 1]  # families' rate relative to schools', logged
    return share, log_relative


def truth(rho, spread):
    share, log_relative = _population(rho, spread, np.random.default_rng(1), 200_000)
    return float(np.corrcoef(share, log_relative)[0, 1])


def survey(rng, k, rho, spread, fewest, most):
    share, log_relative = _population(rho, spread, rng, k)
    n = rng.integers(fewest, most + 1, size=k)
    yes = rng.binomial(n, share)
    se = rng.uniform(0.05, 0.2, size=k)
    observed = rng.normal(log_relative, se)
    points = []
    for i in range(k):
        ratio = math.exp(-observed[i])  # schools' rate over families'
        points.append(st.FeelingPoint(
            f"E{i:08d}", Rate(int(yes[i]), int(n[i]), yes[i] / n[i], math.nan, math.nan),
            st.MeasuredRatio(ratio, ratio * math.exp(-1.96 * se[i]),
                             ratio * math.exp(1.96 * se[i]), "simulated", float(se[i]))))
    return st.feeling_and_outcome_across_las(points, resamples=RESAMPLES,
                                             seed=int(rng.integers(2**31)), min_areas=3)


def coverage(k, rho, scenario, reps, seed=20261207):
    spread, fewest, most = SCENARIOS[scenario]
    true = truth(rho, spread)
    rng = np.random.default_rng([seed, k, int(rho * 10), fewest])
    covered = detected = 0
    for _ in range(reps):
        res = survey(rng, k, rho, spread, fewest, most)
        covered += res.ci_low <= true <= res.ci_high
        detected += res.ci_low > 0
    return covered / reps, detected / reps


def floor(reps):
    return 0.93 - 2.33 * math.sqrt(0.93 * 0.07 / reps)


def test_coverage_at_the_minimum_number_of_las_and_above():
    for k in (st.MIN_AREAS, 2 * st.MIN_AREAS):
        for scenario in SCENARIOS:
            for rho in (0.0, 0.7):
                cov, _ = coverage(k, rho, scenario, REPS)
                assert cov >= floor(REPS), (k, scenario, rho, cov)


def test_the_minimum_is_the_fewest_las_that_can_see_a_strong_association():
    _, at_min = coverage(st.MIN_AREAS, 0.7, "plenty of answers", REPS)
    _, below = coverage(st.MIN_AREAS // 2, 0.7, "plenty of answers", REPS)
    assert at_min >= 0.5 > below, (at_min, below)


if __name__ == "__main__":  # the docs' table
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("| LAs | answers per LA | true correlation | coverage | interval above 0 |")
    print("|---|---|---|---|---|")
    for k in (5, 8, 10, 12, 15, 20, 30):
        for scenario, (spread, fewest, most) in SCENARIOS.items():
            for rho in (0.0, 0.4, 0.7):
                cov, det = coverage(k, rho, scenario, reps)
                print(f"| {k} | {fewest}-{most} | {truth(rho, spread):.2f} | {cov:.1%} | "
                      f"{det:.1%} |", flush=True)
