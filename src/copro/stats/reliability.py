"""Whether the partnership items measure one thing: Cronbach's alpha with a bootstrap interval.
Pure: item scores in, a result out.

alpha = k / (k - 1) x (1 - sum of the items' variances / variance of the total), over the
respondents who answered every item ("complete sets"; listwise, as R's
``psych::alpha(use = "complete.obs")``). Written here, vectorised so that the bootstrap
(``scipy.stats.bootstrap``, percentile, 9,999 resamples of respondents, seeded) can compute it
for every resample at once; tested against ``pingouin.cronbach_alpha`` and its published example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from copro.stats.survey import nan_percentile_interval

MIN_COMPLETE_SETS = 10
RESAMPLES = 9999
SEED = 20240601
METHOD = ("Cronbach's alpha over respondents who answered every partnership item; bootstrap "
          "percentile 95% interval resampling respondents (scipy.stats.bootstrap, 9,999 "
          "resamples)")
READING = ("Alpha near 1 means the items move together, so their mean can be read as one "
           "score; below about 0.7 the items measure different things and the score is best "
           "read item by item.")


@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha of a scale, or the reason it is not computed."""

    complete_sets: int
    items: int
    alpha: float | None
    ci_low: float | None
    ci_high: float | None
    method: str = METHOD
    not_computed: str | None = None


def cronbach_alpha(scores) -> np.ndarray | float:
    """Cronbach's alpha of ``scores``, respondents x items (or a stack of such matrices):
    ``scores[..., i, j]`` is respondent ``i``'s score on item ``j``."""
    x = np.asarray(scores, dtype=float)
    k = x.shape[-1]
    item_var = x.var(axis=-2, ddof=1).sum(axis=-1)
    total_var = x.sum(axis=-1).var(axis=-1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return k / (k - 1) * (1 - item_var / total_var)


def scale_reliability(rows: Sequence[Sequence[float | None]],
                      min_complete: int = MIN_COMPLETE_SETS, confidence: float = 0.95,
                      resamples: int = RESAMPLES, seed: int = SEED) -> Reliability:
    """Cronbach's alpha of the respondents' item ``rows`` (``None``: not answered) with a
    bootstrap interval, from the complete sets only; not computed from fewer than
    ``min_complete`` complete sets, or when the total does not vary."""
    from scipy.stats import bootstrap

    items = len(rows[0]) if rows else 0
    complete = np.array([r for r in rows if all(v is not None for v in r)], dtype=float)
    n = len(complete)
    if items < 2:
        return Reliability(n, items, None, None, None, not_computed="fewer than two items")
    if n < min_complete:
        return Reliability(n, items, None, None, None,
                           not_computed=f"not computed: fewer than {min_complete} respondents "
                                        f"answered every partnership item")
    alpha = float(cronbach_alpha(complete))
    if not np.isfinite(alpha):
        return Reliability(n, items, None, None, None,
                           not_computed="not computed: every respondent gave the same total")

    def statistic(index, axis=-1):
        return cronbach_alpha(complete[np.asarray(index, dtype=int)])

    res = bootstrap((np.arange(n),), statistic, vectorized=True, confidence_level=confidence,
                    n_resamples=resamples, method="percentile", batch=500,
                    rng=np.random.default_rng(seed))
    # a resample with no variance has no alpha: left out
    low, high = nan_percentile_interval(res.bootstrap_distribution, confidence)
    if low <= alpha <= high:
        return Reliability(n, items, alpha, low, high)
    # issue 24: reported as computed, and said where it misses the estimate
    return Reliability(n, items, alpha, low, high, method=(
        f"{METHOD}; the bootstrap interval does not contain the estimate (the "
        "resampled values are skewed)"))
