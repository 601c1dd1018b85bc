"""Empirical-Bayes (beta-binomial) shrinkage: a published worked example, an independent check
of the marginal maximum likelihood, and invariants any shrinkage must keep."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betaln

from copro.stats.results import BetaPrior
from copro.stats.shrinkage import (
    beta_binomial_prior,
    betabinom_logpmf,
    posterior_rates,
    shrunken_ratios,
)

# Rat tumour experiments (Tarone 1982), as printed in Gelman et al., Bayesian Data Analysis,
# 3rd ed. (2013), table 5.1 / p. 102: tumours y of n rats in each of 71 experiments.
RATS_Y = np.array([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 1, 5, 2, 5, 3, 2, 7, 7, 3, 3, 2, 9, 10, 4, 4, 4, 4, 4, 4, 4, 10, 4, 4, 4, 5, 11, 12, 5,
    5, 6, 5, 6, 6, 6, 6, 16, 15, 15, 9, 4])
RATS_N = np.array([
    20, 20, 20, 20, 20, 20, 20, 19, 19, 19, 19, 18, 18, 17, 20, 20, 20, 20, 19, 19, 18, 18, 25,
    24, 23, 20, 20, 20, 20, 20, 20, 10, 49, 19, 46, 27, 17, 49, 47, 20, 20, 13, 48, 50, 20, 20,
    20, 20, 20, 20, 20, 48, 19, 19, 19, 22, 46, 49, 20, 20, 23, 19, 22, 20, 20, 20, 52, 46, 47,
    24, 14])


def test_bda_worked_example_posterior():
    """BDA3 section 5.1: with the Beta(1.4, 8.6) prior, the 71st experiment (4 of 14) has the
    Beta(5.4, 18.6) posterior, mean 0.225: shrunk from 4/14 = 0.286 towards 1.4/10 = 0.14."""
    prior = BetaPrior(1.4, 8.6, 70, 0.0)
    mean, low, high = posterior_rates([4], [14], prior)
    assert mean[0] == pytest.approx(5.4 / 24)
    assert 0.14 < mean[0] < 4 / 14
    assert low[0] < mean[0] < high[0]


def _log_marginal(alpha, beta, k, n):
    # beta-binomial log likelihood without the binomial coefficient (constant in alpha, beta)
    return np.sum(betaln(k + alpha, n - k + beta) - betaln(alpha, beta))


def test_marginal_likelihood_fit_matches_an_independent_grid_search():
    prior = beta_binomial_prior(RATS_Y, RATS_N)
    means = np.linspace(0.10, 0.20, 201)
    sizes = np.geomspace(3, 100, 301)
    grid = np.array([[_log_marginal(m * s, (1 - m) * s, RATS_Y, RATS_N) for s in sizes]
                     for m in means])
    i, j = np.unravel_index(np.argmax(grid), grid.shape)
    assert prior.mean == pytest.approx(means[i], abs=0.002)
    assert prior.alpha + prior.beta == pytest.approx(sizes[j], rel=0.03)
    # the fit is at least as likely as the best grid point
    assert _log_marginal(prior.alpha, prior.beta, RATS_Y, RATS_N) >= grid[i, j] - 1e-6
    # and close to the pooled tumour rate, as BDA's moment estimate (mean 0.14) is
    assert 0.12 < prior.mean < 0.16


def test_no_extra_variation_means_complete_pooling():
    """Rates that differ by no more than chance: every area is pulled (almost) to the mean."""
    k, n = np.array([30, 31, 29, 30, 30, 31, 29, 30]), np.full(8, 100)
    prior = beta_binomial_prior(k, n)
    mean, _, _ = posterior_rates(k, n, prior)
    assert np.ptp(mean) < 0.005
    assert prior.mean == pytest.approx(k.sum() / n.sum(), abs=1e-3)


areas = st.lists(st.tuples(st.integers(1, 400), st.floats(0, 1)), min_size=3, max_size=25)


@settings(max_examples=40, deadline=None)
@given(areas)
def test_posterior_lies_between_the_area_and_the_common_mean(data):
    n = np.array([t for t, _ in data])
    k = np.round(n * np.array([r for _, r in data])).astype(int)
    prior = beta_binomial_prior(k, n)
    mean, low, high = posterior_rates(k, n, prior)
    raw = k / n
    lo, hi = np.minimum(raw, prior.mean), np.maximum(raw, prior.mean)
    assert np.all(mean >= lo - 1e-9) and np.all(mean <= hi + 1e-9)
    assert np.all(low <= mean + 1e-12) and np.all(mean <= high + 1e-12)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.05, 0.95), st.integers(1, 50), st.integers(2, 40))
def test_more_requests_less_shrinkage(rate, small, factor):
    """The same observed rate from more requests is pulled less towards the common mean."""
    prior = BetaPrior(3.0, 5.0, 10, 0.0)
    big = small * factor
    mean, _, _ = posterior_rates([rate * small, rate * big], [small, big], prior)
    assert abs(mean[1] - rate) <= abs(mean[0] - rate) + 1e-12


def test_shrunken_ratio_small_area_moves_more_than_large():
    """Two areas with the same raw ratio 2.0: the one with 20 requests a group is shrunk
    towards the common ratio far more than the one with 2,000."""
    prior_a, prior_b = BetaPrior(8.0, 2.0, 100, 0.0), BetaPrior(5.0, 5.0, 100, 0.0)
    small, large = shrunken_ratios(["s", "l"], [16, 1600], [20, 2000], [8, 800], [20, 2000],
                                   prior_a, prior_b)
    assert large.estimate == pytest.approx(2.0, abs=0.02)
    assert abs(small.estimate - 1.6) < abs(large.estimate - 1.6)
    assert small.ci_low < small.estimate < small.ci_high
    assert small.ci_high - small.ci_low > large.ci_high - large.ci_low


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        beta_binomial_prior([5], [3])


@pytest.mark.parametrize("k, n", [(50, 500), (400, 2000), (3, 20)])
def test_complete_pooling_stops_at_the_cap_with_its_likelihood(k, n):
    """Three areas with identical rates: alpha + beta runs off towards infinity. The fit stops
    at the cap and reports the likelihood there, which is (almost) the binomial likelihood at
    the pooled rate; it was once published as +382 and +101,376 (a likelihood above 1)."""
    from scipy.stats import binom

    ks, ns = np.full(3, k), np.full(3, n)
    prior = beta_binomial_prior(ks, ns)
    assert prior.alpha + prior.beta == pytest.approx(1e7)
    assert prior.mean == pytest.approx(k / n, abs=1e-4)
    limit = float(np.sum(binom.logpmf(ks, ns, k / n)))  # the complete-pooling limit
    assert prior.log_likelihood < 0
    assert prior.log_likelihood == pytest.approx(limit, abs=1e-3)


def test_complete_pooling_stops_searching_at_the_cap(monkeypatch):
    """Past the cap the likelihood is flat: the search stops there rather than wander until
    its iterations run out (16,000 evaluations and over a second for three areas)."""
    from copro.stats import shrinkage

    evaluations = []
    real = shrinkage.minimize

    def counted(*args, **kwargs):
        fit = real(*args, **kwargs)
        evaluations.append(fit.nfev)
        return fit

    monkeypatch.setattr(shrinkage, "minimize", counted)
    prior = shrinkage.beta_binomial_prior([50, 50, 50], [500, 500, 500])
    assert prior.alpha + prior.beta == pytest.approx(1e7)
    assert sum(evaluations) < 2000, evaluations


def test_the_likelihood_is_scipys_betabinom_value_for_value():
    """The fit's log pmf is SciPy's ``betabinom.logpmf``, bit for bit (so the fit, and every
    published figure from it, is the same as with SciPy's), over counts of 0 to the whole and
    shape parameters from 1e-9 to 1e9, and NaN where SciPy's is (a shape not positive)."""
    from scipy.stats import betabinom

    rng = np.random.default_rng(4)
    n = np.concatenate([[1, 1, 2, 5000], rng.integers(1, 3000, 60)]).astype(float)
    k = np.concatenate([[0, 1, 2, 0], np.floor(rng.random(60) * (n[4:] + 1))])
    k = np.minimum(k, n)
    shapes = [(1e-9, 1e-9), (1e-9, 1e9), (1e9, 1e-9), (1e9, 1e9), (0.5, 3.0), (0.0, 2.0),
              (2.0, 0.0), (0.0, 0.0), *zip(10 ** rng.uniform(-6, 7, 20),
                                          10 ** rng.uniform(-6, 7, 20), strict=True)]
    for a, b in shapes:
        np.testing.assert_array_equal(betabinom_logpmf(k, n, a, b),
                                      betabinom.logpmf(k, n, a, b), err_msg=f"a={a}, b={b}")
