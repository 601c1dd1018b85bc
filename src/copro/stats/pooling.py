"""Mantel-Haenszel pooled risk ratio across areas (strata)."""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2, norm
from statsmodels.stats.contingency_tables import StratifiedTable

from copro.stats.compare import log_risk_ratios
from copro.stats.results import MantelHaenszelRatio


def mantel_haenszel_risk_ratio(a_successes, a_trials, b_successes, b_trials,
                               confidence: float = 0.95) -> MantelHaenszelRatio | None:
    """Mantel-Haenszel risk ratio over strata (areas), as R's ``metafor::rma.mh`` (measure
    "RR", default settings) reports it; None where it has no estimate (no successes in one
    group over all strata, as metafor gives NA), or its interval would be degenerate.

    The point estimate is ``statsmodels`` ``StratifiedTable.riskratio_pooled`` on the tables as
    they are; its variance is Greenland & Robins (1985, Biometrics 41:55-68), which statsmodels
    does not provide. Homogeneity: Cochran's Q of the per-stratum log risk ratios around the
    pooled log ratio, each with its Katz variance, 0.5 added to every cell of a table with a
    zero cell, and tables where both groups are at 0% or both at 100% left out (metafor's
    ``escalc`` with ``add=1/2, to="only0", drop00=TRUE``): on k-1 df over the tables kept, 0
    (p = 1) when at most one is kept; ``homogeneity_left_out`` says how many were left out.
    Strata with no requests from one of the groups must not be passed.
    """
    a = np.asarray(a_successes, dtype=float)
    n1 = np.asarray(a_trials, dtype=float)
    c = np.asarray(b_successes, dtype=float)
    n2 = np.asarray(b_trials, dtype=float)
    if len(a) == 0 or a.sum() == 0 or c.sum() == 0:
        return None
    tables = np.stack([np.stack([a, n1 - a]), np.stack([c, n2 - c])])  # 2 x 2 x k
    with np.errstate(all="ignore"):
        estimate = float(StratifiedTable(tables, shift_zeros=False).riskratio_pooled)
    n = n1 + n2
    r = np.sum(a * n2 / n)
    s = np.sum(c * n1 / n)
    var_log = np.sum((n1 * n2 * (a + c) - a * c * n) / n**2) / (r * s)
    if not (np.isfinite(estimate) and estimate > 0 and np.isfinite(var_log) and var_log > 0):
        return None
    se = float(np.sqrt(var_log))
    z = norm.ppf(0.5 + confidence / 2)
    log_est = np.log(estimate)
    both_none_or_all = ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))
    kept = ~both_none_or_all
    y, y_se, _ = log_risk_ratios(a[kept], n1[kept], c[kept], n2[kept])
    df = int(kept.sum()) - 1
    if df > 0:
        q = max(0.0, float(np.sum((y - log_est) ** 2 / y_se**2)))
        p = float(chi2.sf(q, df))
    else:
        q, p, df = 0.0, 1.0, 0
    return MantelHaenszelRatio(estimate, float(np.exp(log_est - z * se)),
                               float(np.exp(log_est + z * se)), se, len(a), q, df, p,
                               confidence, homogeneity_left_out=int(both_none_or_all.sum()))
