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


def test_winsorised_z_by_hand():
    from copro.stats.funnel import winsorised_z

    n = np.full(10, 100)
    k = np.array([10, 20, 30, 40, 50, 50, 60, 70, 80, 90])
    z = (k / 100 - 0.5) / np.sqrt(0.25 / 100)
    low, high = np.percentile(z, [10, 90])
    got = winsorised_z(k, n, 0.5)
    assert got.min() == pytest.approx(low) and got.max() == pytest.approx(high)
    assert np.all(got[1:-1] == pytest.approx(np.clip(z[1:-1], low, high)))


def test_overdispersion_factor_and_variance_by_hand():
    """Spiegelhalter (2005) section 5: phi = mean squared winsorised z; tau^2 = (I phi - (I-1))
    / (sum w - sum w^2 / sum w), w = n / (target (1 - target))."""
    from copro.stats.funnel import overdispersion, winsorised_z

    n = np.array([50, 80, 120, 200, 300, 400, 600, 900, 1200, 2000])
    k = np.round(n * np.array([.3, .7, .45, .6, .35, .55, .4, .62, .5, .48])).astype(int)
    od = overdispersion(k, n, 0.5)
    z = winsorised_z(k, n, 0.5)
    phi = np.mean(z ** 2)
    w = n / 0.25
    tau2 = (10 * phi - 9) / (w.sum() - (w ** 2).sum() / w.sum())
    assert od.phi == pytest.approx(phi) and od.tau2 == pytest.approx(tau2)
    assert od.phi > 5 and od.tau2 > 0


def test_binomial_variation_alone_gives_no_additive_variance():
    from copro.stats.funnel import overdispersion

    rng = np.random.default_rng(7)
    n = rng.integers(50, 2000, size=150)
    k = rng.binomial(n, 0.3)
    od = overdispersion(k, n, 0.3)
    assert 0.5 < od.phi < 1.5
    assert od.tau2 < 1e-3


def test_overdispersed_limits_are_wider_and_flag_fewer():
    """Limits allowing for over-dispersion contain the exact ones (so flag no more areas), and
    an area far outside even those is still flagged."""
    from copro.stats.funnel import overdispersed_bands, overdispersion

    rng = np.random.default_rng(3)
    n = rng.integers(30, 1500, size=120)
    true = np.clip(rng.normal(0.5, 0.12, size=120), 0.01, 0.99)
    k = rng.binomial(n, true)
    k[0], n[0] = 1490, 1500  # 99%: far above anything plausible
    od = overdispersion(k, n, 0.5, int(n.max()), int(n.min()))
    exact = funnel_limits(0.5, int(n.max()), int(n.min()))
    assert od.n == exact.n
    assert np.all(np.array(od.high_998_additive) >= np.array(exact.high_998) - 0.01)
    assert np.all(np.array(od.high_998_multiplicative) >= np.array(exact.high_998) - 0.01)
    mult, add = overdispersed_bands(k, n, 0.5, od)
    flagged_exact = sum(b.endswith("99.8%") for b in funnel_bands(k, n, 0.5))
    assert sum(b != "within" for b in add) < flagged_exact
    assert sum(b != "within" for b in mult) < flagged_exact
    assert add[0] == mult[0] == "above 99.8%"
