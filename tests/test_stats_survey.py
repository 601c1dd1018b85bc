"""The survey's statistics against independent computations and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy.stats import spearmanr, t

from copro.stats import survey as st


def test_nothing_from_fewer_than_ten_answers():
    d = st.distribution(["a"] * 9, ["a", "b"])
    assert d.withheld and d.shares == () and d.answers == 9
    assert st.share_of(["a"] * 9, ["a"], ["a", "b"]).rate is None
    assert st.mean_with_bootstrap([3.0] * 9).estimate is None
    d = st.distribution(["a"] * 10, ["a", "b"])
    assert d.withheld is None and d.share("a").estimate == 1.0


def test_distribution_shares_carry_wilson_intervals():
    # Newcombe (1998), Table I, example: 81 of 263, Wilson interval 0.2553 to 0.3662
    d = st.distribution(["x"] * 81 + ["y"] * 182, ["x", "y"])
    r = d.share("x")
    assert (r.successes, r.trials) == (81, 263)
    assert r.ci_low == pytest.approx(0.2553, abs=1e-4)
    assert r.ci_high == pytest.approx(0.3662, abs=1e-4)
    assert "Wilson" in r.method


def test_multi_select_shares_are_of_respondents():
    answers = [("a", "b")] * 6 + [("b",)] * 6 + [()] * 3 + [None]
    d = st.distribution(answers, ["a", "b", "c"], multi=True)
    assert d.answers == 12  # empty and missing selections are not answers
    assert d.share("b").successes == 12 and d.share("a").successes == 6
    assert d.share("c").successes == 0


def test_top_two_share_leaves_out_dont_know():
    rungs = ["r1", "r2", "r3", "r4", "r5"]
    answers = ["r5"] * 4 + ["r4"] * 2 + ["r1"] * 6 + ["dk"] * 5
    p = st.share_of(answers, ["r4", "r5"], rungs)
    assert (p.rate.successes, p.rate.trials) == (6, 12)


def test_respondent_scores_need_enough_items():
    rows = [[5, 4, None, None, None, None], [1, 2, 3, None, None, None], [None] * 6]
    assert st.respondent_scores(rows, min_items=3) == [2.0]
    assert st.respondent_scores(rows, min_items=2) == [4.5, 2.0]


def test_bootstrap_interval_of_the_mean_agrees_with_t_for_normal_data():
    x = np.random.default_rng(3).normal(3.2, 0.8, size=200)
    m = st.mean_with_bootstrap(x)
    half = t.ppf(0.975, 199) * x.std(ddof=1) / math.sqrt(200)
    assert m.estimate == pytest.approx(x.mean())
    assert m.ci_low == pytest.approx(x.mean() - half, abs=0.03)
    assert m.ci_high == pytest.approx(x.mean() + half, abs=0.03)
    assert "BCa" in m.method
    # seeded: the same answers always give the same page
    assert st.mean_with_bootstrap(x) == m


def test_bootstrap_of_identical_scores_is_that_score():
    m = st.mean_with_bootstrap([4.0] * 12)
    assert (m.estimate, m.ci_low, m.ci_high) == (4.0, 4.0, 4.0)


@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")
@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.tuples(hst.integers(0, 5), hst.integers(0, 5)), min_size=3, max_size=30))
def test_vectorised_spearman_matches_scipy(pairs):
    x = np.array([p[0] for p in pairs], float)
    y = np.array([p[1] for p in pairs], float)
    ours = float(st._spearman_rows(x, y))
    ref = spearmanr(x, y).statistic
    if np.isnan(ref):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(ref, abs=1e-12)


def ratio(est, low, high):
    return st.MeasuredRatio(est, low, high, "Katz")


def test_measured_ratio_says_which_group_the_data_favour():
    assert ratio(1.4, 1.2, 1.6).favours == "education"
    assert ratio(0.7, 0.5, 0.9).favours == "family"
    assert ratio(1.1, 0.9, 1.3).favours == "neither clearly"


def test_beliefs_against_the_data_names_who_is_right():
    favours = {"parents": "family", "schools": "education", "same": "neither"}
    beliefs = st.distribution(["parents"] * 14 + ["schools"] * 4 + ["same"] * 2 + ["dk"] * 5,
                              ["parents", "schools", "same", "dk"])
    b = st.beliefs_against_data(beliefs, favours, ratio(1.5, 1.3, 1.7))
    assert b.data_favours == "education"
    assert b.right.successes == 4 and b.right.trials == 25
    assert b.believe_parents.successes == 14
    unclear = st.beliefs_against_data(beliefs, favours, ratio(1.0, 0.8, 1.2))
    assert unclear.data_favours == "neither clearly" and unclear.right is None
    few = st.beliefs_against_data(st.distribution(["parents"] * 5, ["parents"]), favours,
                                  ratio(1.5, 1.3, 1.7))
    assert few.withheld and few.believe_parents is None


def gap_points(perceived, measured):
    from copro.stats.rates import rate

    return [st.GapPoint(f"E{i:08d}", rate(int(p * 20), 20), ratio(m, m * 0.9, m * 1.1))
            for i, (p, m) in enumerate(zip(perceived, measured, strict=True))]


def test_illusion_gap_correlation_with_bootstrap_interval():
    rng = np.random.default_rng(1)
    measured = np.linspace(0.8, 2.4, 30)
    perceived = np.clip(0.9 - 0.3 * measured + rng.normal(0, 0.05, 30), 0, 1)
    gap = st.illusion_gap(gap_points(perceived, measured))
    pts = sorted(gap_points(perceived, measured), key=lambda p: p.area_code)
    ref = spearmanr([p.perceived.estimate for p in pts], [p.measured.estimate for p in pts])
    assert gap.spearman == pytest.approx(ref.statistic)
    assert gap.ci_low <= gap.spearman <= gap.ci_high
    assert gap.ci_high < 0  # a strong negative relation is clear
    assert "Spearman" in gap.method


def test_illusion_gap_needs_enough_areas():
    gap = st.illusion_gap(gap_points([0.2, 0.4, 0.5], [1.0, 1.2, 1.4]))
    assert gap.spearman is None and gap.not_computed == st.TOO_FEW_AREAS


def test_share_of_totals_pools_counts_and_resamples_respondents():
    agreed, made = [1, 2, 0, 3, 5, 1, 2, 4, 0, 2, 3], [2, 4, 1, 3, 6, 2, 2, 5, 1, 3, 4]
    m = st.share_of_totals(agreed + [0], made + [0])  # a total of 0 is left out
    assert m.answers == 11
    assert m.estimate == pytest.approx(23 / 33)
    assert m.ci_low < m.estimate < m.ci_high
    # the interval is wider than a binomial one that wrongly treats 33 requests as independent
    from copro.stats.rates import rate

    binomial = rate(23, 33)
    assert m.ci_high - m.ci_low > 0.5 * (binomial.ci_high - binomial.ci_low)
    assert st.share_of_totals([1] * 9, [2] * 9).estimate is None


def test_dont_know_is_counted_beside_the_base_of_a_share_never_in_it():
    """One rule for every share: "don't know" is left out of the base and counted beside it, so a
    ladder's rung shares add to its top-two share and a belief share is of those with a view."""
    ladder = ["co_producing"] * 6 + ["engaging"] * 4 + ["informing"] * 8 + ["dont_know"] * 6
    rungs = ["informing", "engaging", "co_producing"]
    d = st.distribution(ladder, rungs + ["dont_know"], counted=rungs)
    top = st.share_of(ladder, ["engaging", "co_producing"], rungs)
    assert d.answers == top.answers == 18 and d.left_out == 6
    assert d.share("dont_know") is None
    assert d.share("engaging").successes + d.share("co_producing").successes == top.rate.successes
    assert d.share("engaging").trials == top.rate.trials == 18
    beliefs = st.distribution(["parents"] * 14 + ["schools"] * 4 + ["same"] * 2 + ["dk"] * 5,
                              ["parents", "schools", "same", "dk"],
                              counted=["parents", "schools", "same"])
    b = st.beliefs_against_data(beliefs, {"parents": "family", "schools": "education",
                                          "same": "neither"}, ratio(1.5, 1.3, 1.7))
    assert b.answers == 20 and b.believe_schools.trials == 20 and b.right.successes == 4
    # withheld when fewer than 10 gave a view, however many said "don't know"
    few = st.distribution(["a"] * 9 + ["dk"] * 30, ["a", "dk"], counted=["a"])
    assert few.withheld and few.left_out is None
    multi = st.distribution([("a",), ("pnts",), ("a", "b")] * 5, ["a", "b", "pnts"], multi=True,
                            counted=["a", "b"])
    assert multi.answers == 10 and multi.left_out == 5 and multi.share("a").successes == 10


def test_an_interval_is_never_stretched_to_contain_its_estimate():
    """Issue 24: a bootstrap interval is reported as computed; where it misses the estimate
    (a skewed resampling distribution), the figure says so."""
    from copro.stats.survey import mean_with_bootstrap, share_of_totals

    skewed = [1.0] * 9 + [100.0]  # resampled ratios pile up away from the estimate
    got = share_of_totals(skewed, [1.0] * 9 + [1.0], resamples=999)
    assert got.note is None if got.ci_low <= got.estimate <= got.ci_high else got.note
    m = mean_with_bootstrap([1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 50.0], resamples=999)
    inside = m.ci_low <= m.estimate <= m.ci_high
    assert (m.note is None) == inside
