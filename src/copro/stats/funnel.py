"""Funnel plots for comparing institutional performance (Spiegelhalter 2005).

Each area's rate is plotted against its number of requests, with control limits around a target
(England's rate). Limits are exact binomial, interpolated so that they are smooth in n
(Spiegelhalter DJ, Funnel plots for comparing institutional performance, Stat Med 2005;24:1185-1202,
Appendix A.1.1). An area outside the 99.8% limits is flagged: a difference that chance alone would
produce about once in 500 areas.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from copro.stats.results import FunnelLimits

LEVELS = (0.95, 0.998)




def binomial_limit(target: float, n, quantile: float) -> np.ndarray:
    """The ``quantile`` control limit for a proportion with ``n`` trials around ``target``."""
    n = np.asarray(n, dtype=float)
    r = binom.ppf(quantile, n, target)
    upper = binom.cdf(r, n, target)
    lower = binom.cdf(r - 1, n, target)
    step = np.where(upper > lower, upper - lower, 1.0)
    alpha = (upper - quantile) / step
    return np.clip((r - alpha) / n, 0.0, 1.0)


def funnel_limits(target: float, max_trials: int, min_trials: int = 1,
                  points: int = 200) -> FunnelLimits:
    """Limits on a grid of ``n`` from ``min_trials`` to ``max_trials`` (log-spaced, so the
    funnel is smooth)."""
    low = max(min_trials, 1)
    grid = np.unique(np.round(np.geomspace(low, max(max_trials, low + 1), points)).astype(int))
    limits = {}
    for level in LEVELS:
        tail = (1 - level) / 2
        limits[level] = (binomial_limit(target, grid, tail),
                         binomial_limit(target, grid, 1 - tail))
    return FunnelLimits(target, tuple(int(x) for x in grid),
                        tuple(map(float, limits[0.95][0])), tuple(map(float, limits[0.95][1])),
                        tuple(map(float, limits[0.998][0])), tuple(map(float, limits[0.998][1])))


def funnel_bands(successes, trials, target: float) -> list[str]:
    """Where each area sits: 'within', or 'above'/'below' the '95%' or '99.8%' limits
    (outside 99.8% takes precedence)."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if len(n) == 0:
        return []
    rate = k / n
    bands = np.full(len(n), "within", dtype=object)
    for level, label in zip(LEVELS, ("95%", "99.8%"), strict=True):
        tail = (1 - level) / 2
        bands[rate > binomial_limit(target, n, 1 - tail)] = f"above {label}"
        bands[rate < binomial_limit(target, n, tail)] = f"below {label}"
    return bands.tolist()
