"""Funnel plot control limits (Spiegelhalter 2005, exact binomial with interpolation)."""

import numpy as np
import pytest
from scipy.stats import binom, norm

from copro.stats.funnel import binomial_limit, funnel_bands, funnel_limits


def test_limit_by_hand_small_n():
    # n = 10, target 0.5, upper 97.5%: r = 8 (F(7) = 0.9453, F(8) = 0.9893);
    # alpha = (F(8) - 0.975) / (F(8) - F(7)); limit = (8 - alpha) / 10
    f8, f7 = binom.cdf(8, 10, 0.5), binom.cdf(7, 10, 0.5)
    expected = (8 - (f8 - 0.975) / (f8 - f7)) / 10
    assert binomial_limit(0.5, 10, 0.975) == pytest.approx(expected)
    assert 0.7 < expected < 0.8


@pytest.mark.parametrize("target", [0.1, 0.474, 0.82])
def test_limits_approach_normal_approximation_for_large_n(target):
    n = 20000
    for q in (0.001, 0.025, 0.975, 0.999):
        normal = target + norm.ppf(q) * np.sqrt(target * (1 - target) / n)
        assert binomial_limit(target, n, q) == pytest.approx(normal, abs=2e-4)


def test_funnel_narrows_and_nests():
    f = funnel_limits(0.474, 3000, 5)
    width95 = np.array(f.high_95) - np.array(f.low_95)
    width998 = np.array(f.high_998) - np.array(f.low_998)
    assert width95[-1] < width95[0]
    assert np.all(width998 >= width95 - 1e-12)
    assert f.n[0] == 5 and f.n[-1] == 3000


def test_bands():
    bands = funnel_bands([10, 70, 47, 62], [100, 100, 100, 100], 0.474)
    assert bands == ["below 99.8%", "above 99.8%", "within", "above 95%"]
