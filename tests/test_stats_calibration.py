"""Weighting respondents to DfE's counts (copro.stats.calibration): against an independent
iterative proportional fitting written here in numpy, by the definition of post-stratification,
and by simulation (answering depends on what was decided; the weighted share's interval covers
the truth, the raw one's does not)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from copro.stats.calibration import (
    POST_STRATIFICATION,
    RAKING,
    _wilson,
    calibrate,
    kish_effective_n,
    raw_share,
    weighted_mean,
    weighted_share,
)

WHO = ("family", "education")
DECIDED = ("assessed", "not_assessed", "pending", "withdrawn")
POPULATION = {("family", "assessed"): 400, ("family", "not_assessed"): 350,
              ("family", "pending"): 120, ("family", "withdrawn"): 30,
              ("education", "assessed"): 900, ("education", "not_assessed"): 150,
              ("education", "pending"): 110, ("education", "withdrawn"): 40}


def independent_ipf(rows, cols, row_totals, col_totals, iterations=1000):
    """Raking as Deming and Stephan (1940) define it, written here without svy: start from
    equal weights and scale each margin's categories to their totals in turn."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    w = np.ones(len(rows))
    for _ in range(iterations):
        for labels, totals in ((rows, row_totals), (cols, col_totals)):
            for k, total in totals.items():
                m = labels == k
                w[m] *= total / w[m].sum()
    return w


def _answers(cells_n):
    rows, cols = [], []
    for (r, c), k in cells_n.items():
        rows += [r] * k
        cols += [c] * k
    return rows, cols


def test_post_stratification_when_every_cell_has_answers():
    n = {k: 3 + i for i, k in enumerate(POPULATION)}
    rows, cols = _answers(n)
    cal = calibrate(rows, cols, POPULATION, trim=float("inf"))
    assert cal.method == POST_STRATIFICATION
    for w, cell in zip(cal.weights, cal.cells, strict=True):
        assert w == pytest.approx(POPULATION[cell] / n[cell])
    assert sum(cal.weights) == pytest.approx(sum(POPULATION.values()))
    assert cal.left_out == ()


def test_raking_matches_an_independent_ipf_when_a_cell_is_empty():
    n = {k: 4 + 2 * i for i, k in enumerate(POPULATION)}
    n[("education", "withdrawn")] = 0  # no school-made withdrawn request among respondents
    rows, cols = _answers(n)
    cal = calibrate(rows, cols, POPULATION, trim=float("inf"))
    assert cal.method == RAKING
    row_totals = {r: sum(v for (a, _), v in POPULATION.items() if a == r) for r in WHO}
    col_totals = {c: sum(v for (_, b), v in POPULATION.items() if b == c) for c in DECIDED}
    expected = independent_ipf(rows, cols, row_totals, col_totals)
    np.testing.assert_allclose(np.array(cal.weights), expected, rtol=1e-4)
    # both margins matched, the joint cells not
    w = np.array(cal.weights)
    for c, total in col_totals.items():
        assert w[np.array(cols) == c].sum() == pytest.approx(total, rel=1e-4)


def test_a_category_no_one_answered_is_left_out_of_the_target():
    n = {k: 5 for k in POPULATION}
    n[("family", "withdrawn")] = n[("education", "withdrawn")] = 0
    rows, cols = _answers(n)
    cal = calibrate(rows, cols, POPULATION, trim=float("inf"))
    assert cal.left_out == (("columns", "withdrawn"),)
    assert cal.method == POST_STRATIFICATION  # every remaining cell has answers
    assert sum(cal.weights) == pytest.approx(
        sum(v for (_, c), v in POPULATION.items() if c != "withdrawn"))


def test_respondents_outside_the_counts_are_not_weighted_and_too_few_are_not_weighted():
    rows = ["family"] * 12 + ["health"] + [None]
    cols = ["assessed"] * 6 + ["not_assessed"] * 6 + ["assessed", "assessed"]
    cal = calibrate(rows, cols, POPULATION)
    assert cal.weights[-2:] == (None, None) and cal.respondents == 12
    assert cal.respondents_mix["rows"] == {"family": 1.0, "education": 0.0}
    assert cal.respondents_mix["columns"]["assessed"] == pytest.approx(8 / 14)  # all who said
    assert cal.population_mix["rows"]["family"] == pytest.approx(900 / 2100)
    few = calibrate(rows[:9], cols[:9], POPULATION)
    assert few.method is None and "fewer than 10" in few.not_weighted
    share = weighted_share([True] * 14, few)
    assert share.estimate is None and share.withheld


def test_weights_are_trimmed_at_five_times_the_mean_keeping_the_total():
    n = {k: v // 10 for k, v in POPULATION.items()}  # every weight 10 ...
    n[("family", "withdrawn")] = 1
    POP = dict(POPULATION)
    POP[("family", "withdrawn")] = 2000  # one respondent would stand for 2,000 requests
    rows, cols = _answers(n)
    untrimmed = calibrate(rows, cols, POP, trim=float("inf"))
    cal = calibrate(rows, cols, POP)
    w = np.array(cal.weights)
    assert cal.trimmed == 1
    assert w.max() <= 5 * np.mean(w) * 1.001
    assert w.sum() == pytest.approx(sum(POP.values()))
    assert cal.effective_n > untrimmed.effective_n


def test_kish_effective_sample_size():
    assert kish_effective_n([1, 1, 1, 1]) == 4
    assert kish_effective_n([1, 3]) == pytest.approx(16 / 10)


def test_a_weighted_share_is_withheld_whenever_its_raw_base_is():
    n = {k: 3 for k in POPULATION}
    rows, cols = _answers(n)
    cal = calibrate(rows, cols, POPULATION)
    chosen = [True if i < 9 else None for i in range(len(rows))]  # base of 9
    share = weighted_share(chosen, cal)
    assert share.estimate is None and "fewer than 10" in share.withheld
    assert weighted_share([True] * len(rows), cal, withheld="withheld: x").estimate is None
    assert weighted_mean([None] * len(rows), cal).estimate is None


def test_a_share_of_a_calibration_variable_is_dfe_s_share():
    n = {k: 4 + i for i, k in enumerate(POPULATION)}
    rows, cols = _answers(n)
    cal = calibrate(rows, cols, POPULATION, trim=float("inf"))
    share = weighted_share([c == "assessed" for c in cols], cal)
    assert share.estimate == pytest.approx(1300 / 2100)
    # no variance is left in it, but the interval never claims more than the answers' number
    raw_n = sum(n.values())
    assert share.ci_low == pytest.approx(_wilson(share.estimate, raw_n)[0])
    raw = raw_share([c == "assessed" for c in cols])
    assert raw.estimate == pytest.approx((4 + 8) / sum(n.values()))


def _simulate(rng, n_respondents):
    """Respondents drawn from DfE's cells with answering depending on what was decided
    (families refused an assessment answer 4 times as often as those assessed), and a
    'yes' whose chance depends on the cell."""
    cells = list(POPULATION)
    size = np.array([POPULATION[c] for c in cells], dtype=float)
    answering = np.array([{"assessed": 0.05, "not_assessed": 0.2, "pending": 0.1,
                           "withdrawn": 0.1}[c] for _, c in cells])
    p_yes = np.array([{"assessed": 0.75, "not_assessed": 0.15, "pending": 0.4,
                       "withdrawn": 0.3}[c] - (0.1 if r == "family" else 0) for r, c in cells])
    truth = float((size * p_yes).sum() / size.sum())
    draws = rng.multinomial(n_respondents, size * answering / (size * answering).sum())
    rows, cols, yes = [], [], []
    for cell, k, p in zip(cells, draws, p_yes, strict=True):
        rows += [cell[0]] * k
        cols += [cell[1]] * k
        yes += list(rng.random(k) < p)
    return truth, rows, cols, yes


def test_simulation_weighting_recovers_the_true_share_where_the_raw_share_does_not():
    rng = np.random.default_rng(20261205)
    reps, weighted_covers, raw_covers, methods = 300, 0, 0, set()
    for _ in range(reps):
        truth, rows, cols, yes = _simulate(rng, 250)
        cal = calibrate(rows, cols, POPULATION)
        methods.add(cal.method)
        w = weighted_share(yes, cal)
        r = raw_share(yes)
        weighted_covers += w.ci_low <= truth <= w.ci_high
        raw_covers += r.ci_low <= truth <= r.ci_high
    assert weighted_covers / reps >= 0.90, weighted_covers
    assert raw_covers / reps <= 0.10, raw_covers
    assert POST_STRATIFICATION in methods


def test_simulation_raking_interval_covers_when_the_joint_cells_are_not_all_answered():
    rng = np.random.default_rng(7)
    reps, covers, raked = 200, 0, 0
    for _ in range(reps):
        truth, rows, cols, yes = _simulate(rng, 250)
        # drop every school-made withdrawn request: only the margins can be matched
        keep = [i for i in range(len(rows)) if (rows[i], cols[i]) != ("education", "withdrawn")]
        cal = calibrate([rows[i] for i in keep], [cols[i] for i in keep], POPULATION)
        raked += cal.method == RAKING  # else no respondent's request was withdrawn
        w = weighted_share([yes[i] for i in keep], cal)
        covers += w.ci_low <= truth <= w.ci_high
    assert covers / reps >= 0.88, covers
    assert raked / reps >= 0.8


def test_linearised_interval_agrees_with_a_bootstrap_of_the_whole_weighting():
    rng = np.random.default_rng(11)
    truth, rows, cols, yes = _simulate(rng, 300)
    cal = calibrate(rows, cols, POPULATION)
    share = weighted_share(yes, cal)
    boot = []
    for _ in range(200):
        i = rng.integers(0, len(rows), len(rows))
        c = calibrate([rows[k] for k in i], [cols[k] for k in i], POPULATION)
        boot.append(weighted_share([yes[k] for k in i], c).estimate)
    low, high = np.quantile(boot, [0.025, 0.975])
    assert share.ci_high - share.ci_low == pytest.approx(high - low, rel=0.3)


def test_the_interval_is_wilsons_at_its_sample_size():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in ((3, 10), (17, 40), (0, 12)):
        assert _wilson(k / n, n) == pytest.approx(proportion_confint(k, n, method="wilson"))


def test_raking_that_cannot_match_both_margins_is_not_weighted():
    # every family's request refused, every school's agreed: the margins are tied together
    rows = ["family"] * 12 + ["education"] * 12
    cols = ["not_assessed"] * 12 + ["assessed"] * 12
    cal = calibrate(rows, cols, POPULATION)
    assert cal.method is None and "cannot match both" in cal.not_weighted


@settings(max_examples=60, deadline=None)
@given(st_counts=hst.lists(hst.sampled_from([0, 0, 1, 3, 8]), min_size=8, max_size=8),
       pop=hst.lists(hst.sampled_from([0, 0, 1, 40, 500]), min_size=8, max_size=8),
       yes=hst.lists(hst.booleans(), min_size=64, max_size=64))
def test_weights_and_shares_keep_their_invariants(st_counts, pop, yes):
    """Whatever the answers and counts: weights are positive and sum to the counts matched
    (before trimming, which keeps the total), every category no one answered is named, and a
    weighted share lies in its interval within [0, 1]."""
    cells = list(POPULATION)
    population = dict(zip(cells, pop, strict=True))
    rows, cols = _answers(dict(zip(cells, st_counts, strict=True)))
    cal = calibrate(rows, cols, population)
    if cal.method is None:
        assert cal.not_weighted and all(w is None for w in cal.weights)
        return
    w = np.array([x for x in cal.weights if x is not None])
    assert (w > 0).all()
    kept = {c for c in cal.cells if c is not None}
    left = {k for _, k in cal.left_out}
    total = sum(v for (r, c), v in population.items()
                if r in {a for a, _ in kept} and c in {b for _, b in kept})
    assert w.sum() == pytest.approx(total, rel=1e-3)
    assert cal.respondents == len(w) >= 10
    for (margin, k) in cal.left_out:
        assert k not in {(a if margin == "rows" else b) for a, b in kept}
    assert not left & ({b for _, b in kept} | {a for a, _ in kept})
    # every category the weights stand for has respondents, and every weighted respondent
    # is in a category the counts hold
    for r, c in kept:
        assert sum(v for (a, _), v in population.items() if a == r) > 0
        assert sum(v for (_, b), v in population.items() if b == c) > 0
    share = weighted_share(yes[:len(rows)], cal)
    if share.estimate is not None:
        assert 0 <= share.ci_low <= share.estimate <= share.ci_high <= 1
        assert 1 <= share.effective_n <= share.answers + 1e-9
