"""Empirical-Bayes shrinkage of rates across areas (beta-binomial).

Each area's true rate is taken to come from a common Beta(alpha, beta) distribution, estimated
from all the areas by maximising the beta-binomial marginal likelihood (SciPy's ``betabinom``
formula, :func:`betabinom_logpmf`).
An area's shrunken rate is its posterior mean, (successes + alpha) / (trials + alpha + beta):
close to its own rate when it has many requests, pulled towards the areas' common mean when it
has few, so that a rate from 9 requests is not ranked next to one from 2,000. References:
Gelman et al., *Bayesian Data Analysis* (3rd ed., 2013), section 5.1 (rat tumours); Efron,
*Large-Scale Inference* (2010), chapter 1.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import betaln
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from copro.stats.results import BetaPrior, ShrunkenRatio

#: alpha + beta is capped here (complete pooling): the likelihood is flat beyond it
SIZE_CAP = 1e7
LOG_SIZE_CAP = float(np.log(SIZE_CAP))


def beta_binomial_prior(successes, trials) -> BetaPrior:
    """The Beta(alpha, beta) distribution of true rates that makes ``successes`` of ``trials``
    (one pair per area) most likely, by marginal maximum likelihood. Where the rates vary no
    more than chance explains, ``alpha + beta`` grows without limit (complete pooling); it is
    capped at :data:`SIZE_CAP` (1e7), and the likelihood reported is the one there."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if len(n) == 0 or np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("need at least one area, with 0 <= successes <= trials and trials > 0")
    pooled = float(np.clip(k.sum() / n.sum(), 1e-6, 1 - 1e-6))

    def negative_log_likelihood(x):
        mean = 1 / (1 + np.exp(-x[0]))
        # flat beyond the cap: past it SciPy's beta-binomial loses its precision (it returned
        # likelihoods above 1) and the search ran on towards infinity
        size = np.exp(min(x[1], LOG_SIZE_CAP))
        return -float(np.sum(betabinom_logpmf(k, n, mean * size, (1 - mean) * size)))

    def past_the_cap(x):
        # a search well past the cap has found complete pooling: stop it (on the flat it
        # wandered until its 4,000 iterations were spent)
        if x[1] > LOG_SIZE_CAP + 1:
            raise StopIteration

    start_mean = np.log(pooled / (1 - pooled))
    best = None
    for start_size in (0.0, 2.0, 5.0, 10.0):  # a few starts: the surface can be flat
        fit = minimize(negative_log_likelihood, [start_mean, start_size], method="Nelder-Mead",
                       options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
                       callback=past_the_cap)
        if best is None or fit.fun < best.fun:
            best = fit
    x = np.array(best.x, dtype=float)
    if x[1] >= LOG_SIZE_CAP:  # complete pooling: the mean that is most likely at the cap
        x[1] = LOG_SIZE_CAP
        x[0] = minimize_scalar(lambda m: negative_log_likelihood([m, LOG_SIZE_CAP]),
                               bracket=(x[0] - 0.1, x[0] + 0.1)).x
    mean = float(1 / (1 + np.exp(-x[0])))
    size = float(np.exp(x[1]))
    return BetaPrior(alpha=mean * size, beta=(1 - mean) * size, areas=len(n),
                     log_likelihood=-negative_log_likelihood(x))


def betabinom_logpmf(k, n, a: float, b: float):
    """SciPy's ``betabinom.logpmf(k, n, a, b)`` for counts ``0 <= k <= n`` (checked by the
    caller) and one pair of shape parameters, by SciPy's own formula (``betabinom._logpmf``),
    value for value, without the checks and broadcasting of SciPy's distribution machinery,
    which took four-fifths of each of the several thousand evaluations a fit makes. Shape
    parameters that are not both positive give NaN, as SciPy's do."""
    if not (a > 0 and b > 0):
        return np.full(np.shape(k), np.nan)
    combiln = -np.log(n + 1) - betaln(n - k + 1, k + 1)
    return combiln + betaln(k + a, n - k + b) - betaln(a, b)


def posterior_rates(successes, trials, prior: BetaPrior, confidence: float = 0.95):
    """Each area's posterior mean rate and equal-tailed credible interval under ``prior``."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    a, b = k + prior.alpha, n - k + prior.beta
    tail = (1 - confidence) / 2
    return a / (a + b), beta_dist.ppf(tail, a, b), beta_dist.ppf(1 - tail, a, b)


def shrunken_ratios(codes, a_successes, a_trials, b_successes, b_trials, prior_a: BetaPrior,
                    prior_b: BetaPrior, confidence: float = 0.95) -> list[ShrunkenRatio]:
    """Per area (named by ``codes``), group A's shrunken rate over group B's, with an interval
    from the two posterior Beta distributions (delta method on the log ratio)."""
    out = []
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    for code, ka, na, kb, nb in zip(codes, a_successes, a_trials, b_successes, b_trials,
                                    strict=True):
        aa, ba = ka + prior_a.alpha, na - ka + prior_a.beta
        ab, bb = kb + prior_b.alpha, nb - kb + prior_b.beta
        ma, mb = aa / (aa + ba), ab / (ab + bb)
        # variance of a Beta(a, b) over its mean squared: b / (a (a + b + 1))
        log_se = float(np.sqrt(ba / (aa * (aa + ba + 1)) + bb / (ab * (ab + bb + 1))))
        estimate = ma / mb
        out.append(ShrunkenRatio(
            area_code=code, estimate=float(estimate), ci_low=float(estimate * np.exp(-z * log_se)),
            ci_high=float(estimate * np.exp(z * log_se)), rate_a=float(ma), rate_b=float(mb),
            confidence=confidence))
    return out
