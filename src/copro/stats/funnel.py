"""Funnel plots for comparing institutional performance (Spiegelhalter 2005).

Each area's rate is plotted against its number of requests, with control limits around a target
(England's rate). Limits are exact binomial, interpolated so that they are smooth in n
(Spiegelhalter DJ, Funnel plots for comparing institutional performance, Stat Med 2005;24:1185-1202,
Appendix A.1.1). An area outside the 99.8% limits is flagged: a difference that chance alone would
produce about once in 500 areas.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom, norm

from copro.stats.results import FunnelLimits, Overdispersion

LEVELS = (0.95, 0.998)
WINSOR = 0.1  # Spiegelhalter (2005) winsorises 10% of z-scores in each tail


def binomial_limit(target: float, n, quantile: float) -> np.ndarray:
    """The ``quantile`` control limit for a proportion with ``n`` trials around ``target``."""
    n = np.asarray(n, dtype=float)
    r = binom.ppf(quantile, n, target)
    upper = binom.cdf(r, n, target)
    lower = binom.cdf(r - 1, n, target)
    step = np.where(upper > lower, upper - lower, 1.0)
    alpha = (upper - quantile) / step
    return np.clip((r - alpha) / n, 0.0, 1.0)


def _grid(max_trials: int, min_trials: int, points: int) -> np.ndarray:
    low = max(min_trials, 1)
    return np.unique(np.round(np.geomspace(low, max(max_trials, low + 1), points)).astype(int))


def funnel_limits(target: float, max_trials: int, min_trials: int = 1,
                  points: int = 200) -> FunnelLimits:
    """Limits on a grid of ``n`` from ``min_trials`` to ``max_trials`` (log-spaced, so the
    funnel is smooth)."""
    grid = _grid(max_trials, min_trials, points)
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


def winsorised_z(successes, trials, target: float, winsor: float = WINSOR) -> np.ndarray:
    """Each area's z-score, (rate - target) / sqrt(target (1 - target) / n), with the lowest and
    highest ``winsor`` share pulled in to the ``winsor`` and ``1 - winsor`` percentiles."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = (k / n - target) / np.sqrt(target * (1 - target) / n)
    low, high = np.percentile(z, [100 * winsor, 100 * (1 - winsor)])
    return np.clip(z, low, high)


def overdispersion(successes, trials, target: float, max_trials: int | None = None,
                   min_trials: int = 1, points: int = 200,
                   winsor: float = WINSOR) -> Overdispersion:
    """Over-dispersion of areas' rates around ``target`` (Spiegelhalter 2005, section 5), and
    99.8% limits allowing for it on the funnel's grid of ``n``.

    Multiplicative: phi = mean of the squared winsorised z-scores; limits target +/- z *
    sqrt(phi target (1 - target) / n) (phi below 1 is taken as 1). Additive: tau^2 =
    (I phi - (I - 1)) / (sum w - sum w^2 / sum w) with w = n / (target (1 - target)), 0 if
    negative; limits target +/- z * sqrt(target (1 - target) / n + tau^2).
    """
    n = np.asarray(trials, dtype=float)
    count = len(n)
    if count < 2:
        raise ValueError("over-dispersion needs at least two areas")
    z = winsorised_z(successes, n, target, winsor)
    phi = float(np.mean(z ** 2))
    w = n / (target * (1 - target))
    tau2 = max(0.0, (count * phi - (count - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    grid = _grid(int(max_trials or n.max()), min_trials, points)
    lows, highs = _overdispersed(target, grid, phi, tau2)
    return Overdispersion(
        phi=phi, tau2=float(tau2), areas=count, n=tuple(int(x) for x in grid),
        low_998_multiplicative=tuple(map(float, lows[0])),
        high_998_multiplicative=tuple(map(float, highs[0])),
        low_998_additive=tuple(map(float, lows[1])), high_998_additive=tuple(map(float, highs[1])))


def _overdispersed(target: float, n, phi: float, tau2: float, level: float = 0.998):
    """(multiplicative, additive) lower and upper limits at ``n``."""
    n = np.asarray(n, dtype=float)
    z = float(norm.ppf(1 - (1 - level) / 2))
    base = target * (1 - target) / n
    half = (z * np.sqrt(max(phi, 1.0) * base), z * np.sqrt(base + tau2))
    return ([np.clip(target - h, 0, 1) for h in half], [np.clip(target + h, 0, 1) for h in half])


def overdispersed_bands(successes, trials, target: float, od: Overdispersion
                        ) -> tuple[list[str], list[str]]:
    """Each area against the 99.8% limits allowing for over-dispersion: 'within', 'above 99.8%'
    or 'below 99.8%', for the multiplicative and the additive limits."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if len(n) == 0:
        return [], []
    rate = k / n
    lows, highs = _overdispersed(target, n, od.phi, od.tau2)
    out = []
    for low, high in zip(lows, highs, strict=True):
        bands = np.full(len(n), "within", dtype=object)
        bands[rate > high] = "above 99.8%"
        bands[rate < low] = "below 99.8%"
        out.append(bands.tolist())
    return out[0], out[1]
