"""Mantel-Haenszel pooled risk ratio across areas (strata)."""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2, norm
from statsmodels.stats.contingency_tables import StratifiedTable

from copro.stats.results import MantelHaenszelRatio


def mantel_haenszel_risk_ratio(a_successes, a_trials, b_successes, b_trials,
                               log_ratios, log_variances,
                               confidence: float = 0.95) -> MantelHaenszelRatio:
    """Mantel-Haenszel risk ratio over strata (areas).

    The point estimate is ``statsmodels`` ``StratifiedTable.riskratio_pooled``; its variance is
    Greenland & Robins (1985, Biometrics 41:55-68), which statsmodels does not provide.
    Homogeneity: Cochran's Q of the per-stratum log risk ratios (``log_ratios``, with their
    sampling variances ``log_variances``, e.g. Katz) around the pooled log ratio, on k-1 df, as
    R's ``metafor::rma.mh`` reports it.
    """
    a = np.asarray(a_successes, dtype=float)
    n1 = np.asarray(a_trials, dtype=float)
    c = np.asarray(b_successes, dtype=float)
    n2 = np.asarray(b_trials, dtype=float)
    tables = np.stack([np.stack([a, n1 - a]), np.stack([c, n2 - c])])  # 2 x 2 x k
    estimate = float(StratifiedTable(tables, shift_zeros=False).riskratio_pooled)
    n = n1 + n2
    r = np.sum(a * n2 / n)
    s = np.sum(c * n1 / n)
    var_log = np.sum((n1 * n2 * (a + c) - a * c * n) / n**2) / (r * s)
    se = float(np.sqrt(var_log))
    z = norm.ppf(0.5 + confidence / 2)
    log_est = np.log(estimate)
    y = np.asarray(log_ratios, dtype=float)
    w = 1.0 / np.asarray(log_variances, dtype=float)
    q = float(np.sum(w * (y - log_est) ** 2))
    df = len(y) - 1
    return MantelHaenszelRatio(estimate, float(np.exp(log_est - z * se)),
                               float(np.exp(log_est + z * se)), se, len(y), q, df,
                               float(chi2.sf(q, df)) if df > 0 else float("nan"), confidence)
