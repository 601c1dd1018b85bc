"""Wilson score intervals, against Newcombe (1998) and the closed form."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from copro.stats.rates import rate, rates_for, wilson_rates


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe RG (1998) Two-sided confidence intervals for the single proportion,
    # Stat Med 17:857-872, Table II, method 3 (Wilson score, no continuity correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998(k, n, low, high):
    r = rate(k, n)
    assert r.ci_low == pytest.approx(low, abs=5e-5)
    assert r.ci_high == pytest.approx(high, abs=5e-5)
    assert r.method == "Wilson score"


def _wilson_closed_form(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_equals_closed_form_and_contains_estimate(kn):
    k, n = kn
    r = rate(k, n)
    low, high = _wilson_closed_form(k, n)
    assert r.ci_low == pytest.approx(low, abs=1e-12)
    assert r.ci_high == pytest.approx(high, abs=1e-12)
    assert 0 <= r.ci_low <= r.estimate <= r.ci_high <= 1


def test_zero_trials_give_missing_not_zero():
    est, low, high = wilson_rates([0, 3], [0, 4])
    assert np.isnan(est[0]) and np.isnan(low[0]) and np.isnan(high[0])
    assert est[1] == 0.75


def test_below_half_flags():
    assert rate(4, 10).below_half and not rate(4, 10).significantly_below_half
    assert rate(10, 100).significantly_below_half
    assert not rate(60, 100).below_half


@given(st.lists(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n),
                                                               st.just(n))),
                max_size=40))
def test_many_rates_at_once_are_each_the_rate_one_by_one(pairs):
    """rates_for (an audit's ~4,000 appeal rates in one call) gives each pair exactly the Rate
    rate() gives it alone, repeated pairs once, and the Newcombe rows among them."""
    pairs = [*pairs, (81, 263), (0, 20), (81, 263)]
    together = rates_for(pairs)
    assert set(together) == set(pairs)
    for k, n in pairs:
        assert together[k, n] == rate(k, n)
    assert together[81, 263].ci_low == pytest.approx(0.2553, abs=5e-5)
    assert rates_for([]) == {}
