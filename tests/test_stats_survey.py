"""The survey's statistics against independent computations and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy.stats import t

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


@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.tuples(hst.integers(0, 5), hst.integers(0, 5)), min_size=3, max_size=30))
def test_corrected_correlation_without_error_is_pearsons(pairs):
    x = np.array([p[0] for p in pairs], float)
    y = np.array([p[1] for p in pairs], float)
    est, bounded = st.corrected_correlation(x, y, np.zeros_like(x), np.zeros_like(y))
    if x.std() == 0 or y.std() == 0:
        assert np.isnan(est) and bounded == 0
    else:
        assert float(est) == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)


def test_corrected_correlation_removes_the_error_variance():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=12), rng.normal(size=12)
    ex, ey = np.full(12, 0.2), rng.uniform(0, 0.3, 12)
    est, _ = st.corrected_correlation(x, y, ex, ey)
    cov = np.cov(x, y)
    assert float(est) == pytest.approx(
        np.clip(cov[0, 1] / np.sqrt((cov[0, 0] - 0.2) * (cov[1, 1] - ey.mean())), -1, 1))
    # the LAs differ less than their error: undefined, taken at the bound for the bootstrap
    est, bounded = st.corrected_correlation(x, y, np.full(12, 10.0), ey)
    assert np.isnan(est) and bounded == np.sign(cov[0, 1])


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


def feeling_points(shares, relative, n=200, se=0.05, seed=None):
    """LAs with ``n`` answers each (drawn from ``shares``; exactly ``shares`` without a seed)
    and a DfE ratio (schools' over families') whose families' relative rate is ``relative``."""
    from copro.stats.results import Rate

    rng = None if seed is None else np.random.default_rng(seed)
    out = []
    for i, (p, r) in enumerate(zip(shares, relative, strict=True)):
        k = round(p * n) if rng is None else int(rng.binomial(n, p))
        m = 1 / r
        out.append(st.FeelingPoint(f"E{i:08d}", Rate(k, n, k / n, 0, 1),
                                   st.MeasuredRatio(m, m * math.exp(-1.96 * se),
                                                    m * math.exp(1.96 * se), "Katz")))
    return out


def test_across_las_a_clear_link_is_seen_and_corrected_for_each_las_error():
    rng = np.random.default_rng(1)
    shares = rng.uniform(0.2, 0.8, 30)
    relative = np.exp(-0.8 + 1.0 * shares + rng.normal(0, 0.05, 30))
    res = st.feeling_and_outcome_across_las(feeling_points(shares, relative, seed=5))
    assert res.answer == "yes" and res.ci_low > 0.5
    assert res.estimate > 0.9
    assert "two-stage bootstrap" in res.method and res.question.startswith("Do local")
    # with 10 answers an LA, the same LAs' interval widens: each LA's error is carried
    few = st.feeling_and_outcome_across_las(feeling_points(shares, relative, n=10, seed=5))
    assert few.ci_high - few.ci_low > res.ci_high - res.ci_low


def test_across_las_no_link_cannot_be_told():
    rng = np.random.default_rng(2)
    res = st.feeling_and_outcome_across_las(
        feeling_points(rng.uniform(0.2, 0.8, 25), np.exp(rng.normal(-0.3, 0.3, 25)), n=20,
                       seed=6))
    assert res.answer == "cannot tell" and res.ci_low < 0 < res.ci_high


def test_across_las_needs_the_simulated_minimum():
    res = st.feeling_and_outcome_across_las(
        feeling_points([0.2, 0.4, 0.5] * 6, [1.0, 1.2, 1.4] * 6)[: st.MIN_AREAS - 1])
    assert res.estimate is None and res.ci_low is None
    assert res.not_computed == st.TOO_FEW_AREAS.format(min_areas=st.MIN_AREAS)


def _top(k, n):
    return st.share_of(["co_producing"] * k + ["informing"] * (n - k), ["co_producing"],
                       ["co_producing", "informing"])


@pytest.mark.parametrize("k, n, measured, pointing, start", [
    (40, 50, ratio(1.4, 1.2, 1.6), "different ways", "Most families who answered here felt"),
    (40, 50, ratio(0.7, 0.6, 0.8), "same way", "Most families"),
    (10, 50, ratio(1.4, 1.2, 1.6), "same way", "Fewer than half"),
    (10, 50, ratio(0.7, 0.6, 0.8), "different ways", "Fewer than half"),
    (26, 50, ratio(1.4, 1.2, 1.6), "cannot tell", "We can't tell whether most"),
    (40, 50, ratio(1.1, 0.9, 1.3), "cannot tell", "Most families who answered here felt"),
    (40, 50, None, "cannot tell", "There is no DfE comparison"),
    (5, 8, ratio(1.4, 1.2, 1.6), "cannot tell", "No figure: fewer than 10"),
])
def test_feeling_and_outcome_decided_by_the_intervals(k, n, measured, pointing, start):
    f = st.feeling_and_outcome(_top(k, n), measured)
    assert f.pointing == pointing
    assert f.sentence().startswith(start)
    if pointing == "different ways" and k > n / 2:
        assert f.sentence() == ("Most families who answered here felt involved as partners, yet "
                                "their requests were less likely than schools' to lead to an "
                                "assessment.")
    if "can't tell" in f.sentence():
        assert pointing == "cannot tell"
    if measured is not None:
        est, low, high = f.families_relative
        assert (est, low, high) == pytest.approx(
            (1 / measured.estimate, 1 / measured.ci_high, 1 / measured.ci_low))


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
