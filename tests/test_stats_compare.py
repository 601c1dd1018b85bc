"""Risk ratio, risk difference, Fisher's exact test and BH q-values for two groups."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact
from statsmodels.stats.contingency_tables import Table2x2

from copro.stats.compare import (
    compare_groups,
    compare_two,
    fisher_exact_pvalues,
    log_risk_ratios,
    risk_difference_intervals,
    with_q_values,
)

Z = 1.959963984540054


def test_newcombe_difference_matches_published_example():
    # Newcombe RG (1998) Interval estimation for the difference between independent
    # proportions, Stat Med 17:873-890, Table II example (a): 56/70 - 48/80, method 10.
    low, high = risk_difference_intervals([56], [70], [48], [80])
    assert low[0] == pytest.approx(0.0524, abs=5e-5)
    assert high[0] == pytest.approx(0.3339, abs=5e-5)
    c = compare_two(56, 70, 48, 80)
    assert c.risk_difference.estimate == pytest.approx(0.2)
    assert c.risk_difference.ci_low == pytest.approx(0.0524, abs=5e-5)


def test_risk_ratio_by_hand():
    # 30/50 vs 20/60: RR = 0.6/0.3333 = 1.8; se = sqrt(1/30 - 1/50 + 1/20 - 1/60)
    c = compare_two(30, 50, 20, 60)
    se = math.sqrt(1 / 30 - 1 / 50 + 1 / 20 - 1 / 60)
    assert c.risk_ratio.estimate == pytest.approx(1.8)
    assert c.risk_ratio.log_se == pytest.approx(se)
    assert c.risk_ratio.ci_low == pytest.approx(1.8 * math.exp(-Z * se))
    assert c.risk_ratio.ci_high == pytest.approx(1.8 * math.exp(Z * se))
    assert not c.risk_ratio.zero_corrected


def test_zero_cell_adds_half_to_every_cell_and_says_so():
    c = compare_two(10, 10, 3, 12)  # group A: no failures
    assert c.risk_ratio.zero_corrected
    expected = (10.5 / 11) / (3.5 / 13)
    assert c.risk_ratio.estimate == pytest.approx(expected)
    assert "0.5 added" in c.risk_ratio.method


tables = st.tuples(st.integers(1, 400), st.integers(1, 400)).flatmap(
    lambda n: st.tuples(st.integers(0, n[0]), st.just(n[0]), st.integers(0, n[1]),
                        st.just(n[1])))


@given(tables.filter(lambda t: 0 < t[0] < t[1] and 0 < t[2] < t[3]))
def test_katz_agrees_with_statsmodels_table2x2_without_zero_cells(t):
    a, n1, c, n2 = t
    log_rr, se, _ = log_risk_ratios([a], [n1], [c], [n2])
    ref = Table2x2(np.array([[a, n1 - a], [c, n2 - c]], dtype=float), shift_zeros=True)
    assert log_rr[0] == pytest.approx(ref.log_riskratio, rel=1e-9, abs=1e-12)
    assert se[0] == pytest.approx(ref.log_riskratio_se, rel=1e-9)


def exact_two_sided_p(a: int, n1: int, c: int, n2: int, tolerance: Fraction) -> float:
    """The two-sided p-value in exact integer arithmetic: the hypergeometric probability of the
    tables with these margins at most ``1 + tolerance`` times as probable as the observed one.
    ``tolerance`` 1e-7 is R's ``fisher.test`` (``relErr <- 1 + 10^(-7)``); 1e-14 is SciPy's."""
    k = a + c
    low, high = max(0, k - n2), min(k, n1)
    weight = [math.comb(n1, low) * math.comb(n2, k - low)]  # C(n1, x) C(n2, k - x)
    for x in range(low, high):
        weight.append(weight[-1] * (n1 - x) * (k - x) // ((x + 1) * (n2 - k + x + 1)))
    observed = weight[a - low]
    bound = observed * (1 + tolerance)
    return float(Fraction(sum(w for w in weight if w <= bound), math.comb(n1 + n2, k)))


R_TOLERANCE, SCIPY_TOLERANCE = Fraction(1, 10**7), Fraction(1, 10**14)


@pytest.mark.parametrize("m", [3200, 4000, 5000])
@pytest.mark.parametrize("swap", [False, True])
def test_fisher_near_ties_follow_r_fisher_test(m, swap):
    # m - 1 of 2m against m + 1 of 2m + 2: the table one step along (m of 2m) is only
    # 1 + 1/(m^2 + 2m) times as probable (6e-8 for m = 4000). R's fisher.test counts it as a
    # tie, SciPy (tolerance 1e-14) does not.
    table = (m - 1, 2 * m, m + 1, 2 * m + 2)
    if swap:
        table = table[2:] + table[:2]
    r_value = exact_two_sided_p(*table, R_TOLERANCE)
    scipy_value = exact_two_sided_p(*table, SCIPY_TOLERANCE)
    assert r_value > scipy_value + 1e-3  # a real difference, not rounding
    assert fisher_exact_pvalues(*([x] for x in table))[0] == pytest.approx(r_value, rel=1e-10)
    a, n1, c, n2 = table
    assert fisher_exact([[a, n1 - a], [c, n2 - c]]).pvalue == pytest.approx(scipy_value,
                                                                             rel=1e-10)


def test_fisher_ties_in_tables_with_equal_groups():
    # exactly tied tables (equal group sizes, mirror images) are all counted
    for a, n, c in ((700, 2000, 800), (1001, 2636, 1635), (3, 10, 7)):
        assert fisher_exact_pvalues([a], [n], [c], [n])[0] == pytest.approx(
            exact_two_sided_p(a, n, c, n, Fraction(0)), rel=1e-10)


def test_fisher_method_names_the_tolerance():
    method = compare_two(10, 20, 5, 20).fisher_method
    assert "R's fisher.test" in method and "1e-7" in method


@settings(max_examples=60)
@given(st.lists(tables, min_size=1, max_size=8))
def test_vectorised_fisher_is_r_fisher_test_exactly(ts):
    a, n1, c, n2 = (np.array(x) for x in zip(*ts, strict=True))
    got = fisher_exact_pvalues(a, n1, c, n2)
    for i, table in enumerate(ts):
        assert got[i] == pytest.approx(exact_two_sided_p(*table, R_TOLERANCE), rel=1e-9,
                                       abs=1e-300)


@settings(max_examples=60)
@given(st.lists(tables, min_size=1, max_size=8))
def test_vectorised_fisher_agrees_with_scipy(ts):
    # tables this small have no near-tie (none with n1, n2 < 120, by exhaustive search)
    a, n1, c, n2 = (np.array(x) for x in zip(*ts, strict=True))
    got = fisher_exact_pvalues(a, n1, c, n2)
    for i, (ai, n1i, ci, n2i) in enumerate(ts):
        ref = fisher_exact([[ai, n1i - ai], [ci, n2i - ci]]).pvalue
        assert got[i] == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_fisher_large_tables_agree_with_scipy():
    rng = np.random.default_rng(7)
    n1, n2 = rng.integers(200, 3000, 40), rng.integers(200, 3000, 40)
    a, c = rng.binomial(n1, 0.8), rng.binomial(n2, 0.5)
    got = fisher_exact_pvalues(a, n1, c, n2)
    ref = [fisher_exact([[x, n - x], [y, m - y]]).pvalue
           for x, n, y, m in zip(a, n1, c, n2, strict=True)]
    assert np.allclose(got, ref, rtol=1e-8, atol=1e-300)


def test_benjamini_hochberg_by_hand():
    cs = compare_groups([10, 20, 30], [40, 40, 40], [20, 20, 20], [40, 40, 40])
    p = np.array([c.fisher_p for c in cs])
    order = np.argsort(p)
    m = len(p)
    q_sorted = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1)
    assert [c.q_value for c in with_q_values(cs)] == pytest.approx(q)


def test_groups_without_requests_cannot_be_compared():
    with pytest.raises(ValueError):
        compare_two(0, 0, 3, 5)
