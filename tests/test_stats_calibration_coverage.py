"""Issue 24: the coverage of the weighted figures' 95% intervals, by simulation.

A known population (DfE-like counts in each combination of who asked and what was decided),
answering that depends on what was decided and on who asked (families refused an assessment
answer 12 times as often as schools' assessed requests), and a share and a score (1-5) that
depend on the combination. For each sample size, samples are drawn, weighted as the site
weights them, and the share of weighted samples whose interval holds the population's value
is counted. R samples per size (seeded): the test asks that coverage be not significantly
below 93% (observed >= 0.93 - 2.33 * sqrt(0.93 * 0.07 / R), a one-sided 1% test of the
Monte Carlo error; with R = 200, 0.888). The table in docs/survey-weighting.md is this
simulation with more samples (``python tests/test_stats_calibration_coverage.py``).
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from copro.stats.calibration import calibrate, weighted_mean, weighted_share

POPULATION = {("family", "assessed"): 400, ("family", "not_assessed"): 350,
              ("family", "pending"): 120, ("family", "withdrawn"): 30,
              ("education", "assessed"): 900, ("education", "not_assessed"): 150,
              ("education", "pending"): 110, ("education", "withdrawn"): 40}
CELLS = list(POPULATION)
SIZE = np.array([POPULATION[c] for c in CELLS], dtype=float)
ANSWERING = np.array([{"assessed": 0.05, "not_assessed": 0.2, "pending": 0.1,
                       "withdrawn": 0.1}[c] * (1.5 if r == "family" else 0.5) for r, c in CELLS])
P_YES = np.array([{"assessed": 0.75, "not_assessed": 0.15, "pending": 0.4, "withdrawn": 0.3}[c]
                  - (0.1 if r == "family" else 0) for r, c in CELLS])
MU = np.array([{"assessed": 3.6, "not_assessed": 2.0, "pending": 2.8, "withdrawn": 2.5}[c]
               + (0.3 if r == "family" else 0) for r, c in CELLS])
SD = np.array([{"assessed": 0.6, "not_assessed": 1.0, "pending": 0.8, "withdrawn": 1.1}[c]
               for _, c in CELLS])
TRUE_SHARE = float((SIZE * P_YES).sum() / SIZE.sum())
TRUE_MEAN = float((SIZE * MU).sum() / SIZE.sum())  # scores are clipped below: see _sample
REPS = 200


#: issue 24's harsher case: schools' assessed requests (the largest cell) rarely answer, so
#: their few answers would weigh far more than 5 times the mean and must be merged (bounded)
HARSH = ANSWERING * np.array([1.0 if c != ("education", "assessed") else 0.08 for c in CELLS])


def _sample(rng, n, answering=ANSWERING):
    k = rng.multinomial(n, SIZE * answering / (SIZE * answering).sum())
    rows, cols, yes, score = [], [], [], []
    for cell, kk, p, m, s in zip(CELLS, k, P_YES, MU, SD, strict=True):
        rows += [cell[0]] * kk
        cols += [cell[1]] * kk
        yes += list(rng.random(kk) < p)
        # a score on 1-5: normal draws reflected into the range keep the mean m (m - 1 and
        # 5 - m exceed 3 SDs for every cell, so reflection is rare); the truth is MU's
        score += list(m + np.clip(rng.normal(0, s, kk), -(m - 1), 5 - m))
    return rows, cols, yes, score


def coverage(n, reps, min_cell=None, seed=20261207, **options):
    rng = np.random.default_rng(seed + n)
    weighted = share_in = mean_in = 0
    for _ in range(reps):
        rows, cols, yes, score = _sample(rng, n)
        cal = calibrate(rows, cols, POPULATION, min_cell=min_cell, **options)
        if cal.method is None:
            continue
        weighted += 1
        s, m = weighted_share(yes, cal), weighted_mean(score, cal)
        share_in += s.ci_low <= TRUE_SHARE <= s.ci_high
        mean_in += m.ci_low <= TRUE_MEAN <= m.ci_high
    return weighted, share_in / max(weighted, 1), mean_in / max(weighted, 1)


def _floor(reps):
    return 0.93 - 2.33 * math.sqrt(0.93 * 0.07 / reps)


@pytest.mark.parametrize("n", [12, 20, 40, 100, 200])
def test_weighted_intervals_cover_at_least_93_percent(n):
    """Among the samples weighted. Since a sample is weighted only where its weighted mix is
    within 1 point of DfE's margins, none of 12 to 40 answers is (they are shown as answered,
    "not weighted", which issue 24 allows), and a few of 100; the table in the docs has the
    counts."""
    weighted, share, mean = coverage(n, REPS)
    if n <= 40:
        assert weighted == 0
    else:
        assert weighted >= 1
        floor = _floor(weighted)
        assert share >= floor and mean >= floor, (weighted, share, mean)


def margins_simulation(reps, answering=HARSH, sizes=(20, 40, 100, 200), seed=20261208):
    """Issue 24's check: samples drawn as above but with schools' assessed requests rarely
    answering (:data:`HARSH`, by default), weighted as the site weights them. For each,
    whether it needed bounding (some group merged to keep weights within 5 times the mean),
    whether it was weighted, and each margin's largest gap (points) between the weighted mix
    and DfE's, recomputed from the weights (the weights tried where not weighted)."""
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        for _ in range(reps):
            rows, cols, _, _ = _sample(rng, n, answering)
            cal = calibrate(rows, cols, POPULATION)
            used = cal if cal.method else cal.tried
            if used is None:
                continue  # not weighted before any weights were computed (too few groups)
            w = np.array([0.0 if x is None else x for x in used.weights])
            gap = 0.0
            for index, values in ((0, np.array(rows)), (1, np.array(cols))):
                for k in {c[index] for c in POPULATION}:
                    dfe = sum(v for c, v in POPULATION.items() if c[index] == k)
                    gap = max(gap, abs(w[values == k].sum() / w.sum()
                                       - dfe / sum(POPULATION.values())) * 100)
            out.append((n, used.merged_for_bound > 0, cal.method is not None, gap))
    return out


def test_no_weighted_sample_misses_dfe_s_margins_by_more_than_one_point():
    """Issue 24: in a simulation every sample that needed bounding was still published as
    weighted, up to 26 points off DfE's margins. Now every weighted sample is within 1 point,
    and every sample whose weights would miss by more is not weighted."""
    samples = margins_simulation(50) + margins_simulation(50, ANSWERING)
    bounded = [s for s in samples if s[1]]
    assert len(bounded) >= 20  # the simulation does exercise the bound ...
    assert any(weighted for _, _, weighted, _ in samples)  # ... and some are weighted
    assert all(gap <= 1 + 1e-9 for _, _, weighted, gap in samples if weighted)
    assert all(not weighted for _, _, weighted, gap in samples if gap > 1 + 1e-9)
    assert any(gap > 1 for *_, gap in samples)  # and some would have missed


@pytest.mark.parametrize("n", [12, 20])
def test_the_method_s_interval_holds_at_12_and_20_answers(n):
    """The intervals themselves at n = 12 and 20, with groups of 3 answers and whatever the
    margins' gap (the publication rule set aside): coverage still at least 93%, so a sample
    that is weighted is not overconfident because it is small."""
    weighted, share, mean = coverage(n, REPS, min_cell=3, tolerance=float("inf"))
    assert weighted >= REPS // 2
    floor = _floor(weighted)
    assert share >= floor and mean >= floor, (weighted, share, mean)


@pytest.mark.parametrize("n", [100, 200])
def test_the_interval_holds_with_groups_smaller_than_the_sites(n):
    """The method itself with groups of 3 answers (as the site does not weight them), where
    more samples meet DfE's margins within 1 point: coverage still at least 93%."""
    weighted, share, mean = coverage(n, REPS, min_cell=3)
    assert weighted >= REPS // 5
    floor = _floor(weighted)
    assert share >= floor and mean >= floor, (weighted, share, mean)


if __name__ == "__main__":  # the docs' tables
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print("| answering | n | samples | needed bounding | median gap of those, points | "
          "weighted | of which needed bounding | largest gap among those weighted, points |")
    print("|---|---|---|---|---|---|---|---|")
    for name, answering in (("schools' assessed rarely", HARSH), ("as above", ANSWERING)):
        samples = margins_simulation(reps, answering)
        for n in (20, 40, 100, 200):
            sub = [s for s in samples if s[0] == n]  # samples given weights to try
            bounded = [s[3] for s in sub if s[1]]
            done = [s for s in sub if s[2]]
            median = f"{np.median(bounded):.1f}" if bounded else "–"
            largest = f"{max(s[3] for s in done):.2f}" if done else "–"
            print(f"| {name} | {n} | {len(sub)} of {reps} | {len(bounded)} | {median} | "
                  f"{len(done)} | {sum(s[1] for s in done)} | {largest} |")
    print()
    print("| n | groups of | samples weighted | share's coverage | mean's coverage |")
    print("|---|---|---|---|---|")
    for min_cell in (None, 3):
        for n in (12, 20, 40, 100, 200):
            w, s, m = coverage(n, reps, min_cell)
            print(f"| {n} | {min_cell or 10} | {w} of {reps} | "
                  f"{s:.1%} | {m:.1%} |" if w else
                  f"| {n} | {min_cell or 10} | 0 of {reps} | not weighted | not weighted |")
