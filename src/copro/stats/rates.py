"""A proportion with its Wilson score interval.

statsmodels (and with it SciPy and pandas, ~1 s to import) is imported when an interval is
first computed, not with this module: commands that only store answers, such as
``copro survey import``, import it through the survey's store and compute none."""

from __future__ import annotations

import numpy as np

from copro.stats.results import Rate


def wilson_rates(successes, trials, confidence: float = 0.95):
    """Vectorised Wilson score intervals (Wilson 1927; Newcombe 1998, method 3).

    Returns ``(estimate, ci_low, ci_high)`` arrays; NaN where ``trials`` is 0.
    Computed with ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    """
    from statsmodels.stats.proportion import proportion_confint

    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    safe_n = np.where(n > 0, n, 1.0)
    low, high = proportion_confint(k, safe_n, alpha=1 - confidence, method="wilson")
    est = k / safe_n
    # rounding can put a bound a hair past the estimate at 0% or 100%
    low, high = np.clip(np.minimum(low, est), 0, 1), np.clip(np.maximum(high, est), 0, 1)
    empty = n <= 0
    return (np.where(empty, np.nan, est), np.where(empty, np.nan, low),
            np.where(empty, np.nan, high))


def rates_for(pairs, confidence: float = 0.95) -> dict[tuple[int, int], Rate]:
    """Many :class:`Rate` at once: ``{(successes, trials): Rate}`` for every pair in
    ``pairs`` (NaN where ``trials`` is 0), from one vectorised :func:`wilson_rates` call, the same
    intervals :func:`rate` gives one by one (one call costs statsmodels' and SciPy's overhead,
    ~0.2 ms: an audit's ~4,000 appeal rates took most of a second)."""
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    k, n = zip(*pairs, strict=True)
    est, low, high = wilson_rates(k, n, confidence)
    return {(int(a), int(b)): Rate(int(a), int(b), float(e), float(lo), float(hi), confidence)
            for a, b, e, lo, hi in zip(k, n, est, low, high, strict=True)}


def rate(successes: int, trials: int, confidence: float = 0.95) -> Rate:
    """One :class:`Rate` with its Wilson score interval (NaN where ``trials`` is 0)."""
    key = (int(successes), int(trials))
    return rates_for([key], confidence)[key]

