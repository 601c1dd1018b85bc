"""Adjusting the comparison of two requester groups for case mix (who the requests are for).

Families and schools may ask for different children. With case-level data the comparison can be
stratified by age band and primary need (and area, for several areas): a Mantel-Haenszel risk
ratio over the strata, and a logistic regression (statsmodels GLM, binomial) of the outcome on
the requester group, age band, need and area fixed effects. Unadjusted and adjusted estimates
are returned side by side.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.stats import norm

from copro.stats.compare import log_risk_ratios
from copro.stats.pooling import mantel_haenszel_risk_ratio
from copro.stats.results import CaseMixAdjustment, OddsRatio

LOGIT = "logistic regression (binomial GLM, statsmodels), Wald 95% interval"


def _odds_ratio(succ, trials, columns, label: str, confidence: float) -> OddsRatio | None:
    import statsmodels.api as sm

    X = np.column_stack([np.ones(len(succ)), *columns])
    try:
        with np.errstate(all="ignore"):
            fit = sm.GLM(np.column_stack([succ, trials - succ]), X,
                         family=sm.families.Binomial()).fit()
        low, high = fit.conf_int(alpha=1 - confidence)[1]
        est = float(np.exp(fit.params[1]))
    except Exception:  # separation or a singular design: no estimate rather than a wrong one
        return None
    if not np.isfinite([est, low, high]).all():
        return None
    return OddsRatio(est, float(np.exp(low)), float(np.exp(high)), float(fit.pvalues[1]),
                     label, confidence)


def _dummies(values: list[str]) -> list[np.ndarray]:
    levels = sorted(set(values))
    return [np.array([v == level for v in values], float) for level in levels[1:]]


def case_mix_adjustment(rows: list[tuple[str, str, str, bool, int, int]], outcome_key: str,
                        confidence: float = 0.95) -> CaseMixAdjustment | None:
    """``rows``: (area, age band, need, is group A, successes, trials) for groups A and B.

    Returns the crude and Mantel-Haenszel risk ratios (strata: area x age band x need) and the
    crude and adjusted odds ratios (logistic regression with age band, need and, for several
    areas, area fixed effects)."""
    rows = [r for r in rows if r[5] > 0]
    if not any(r[3] for r in rows) or all(r[3] for r in rows):
        return None
    areas = sorted({r[0] for r in rows})
    strata = defaultdict(lambda: [0, 0, 0, 0])
    for area, age, need, is_a, s, n in rows:
        cell = strata[(area, age, need)]
        if is_a:
            cell[0] += s
            cell[1] += n
        else:
            cell[2] += s
            cell[3] += n
    tables = np.array([c for c in strata.values() if c[1] > 0 and c[3] > 0], float)
    if len(tables) == 0:  # no stratum has requests from both groups: nothing to adjust within
        return None
    a_s, a_n, b_s, b_n = (tables[:, i] for i in range(4))
    crude_y, crude_se, _ = log_risk_ratios([a_s.sum()], [a_n.sum()], [b_s.sum()], [b_n.sum()])
    z = norm.ppf(0.5 + confidence / 2)
    y, se, _ = log_risk_ratios(a_s, a_n, b_s, b_n)
    mh = mantel_haenszel_risk_ratio(a_s, a_n, b_s, b_n, y, se ** 2, confidence)
    succ = np.array([r[4] for r in rows], float)
    trials = np.array([r[5] for r in rows], float)
    is_a = np.array([r[3] for r in rows], float)
    crude_or = _odds_ratio(succ, trials, [is_a], "unadjusted: " + LOGIT, confidence)
    covariates = [is_a, *_dummies([r[1] for r in rows]), *_dummies([r[2] for r in rows])]
    label = "adjusted for age band and primary need"
    if len(areas) > 1:
        covariates += _dummies([r[0] for r in rows])
        label += ", with area fixed effects"
    adjusted_or = _odds_ratio(succ, trials, covariates, f"{label}: {LOGIT}", confidence)
    crude = float(np.exp(crude_y[0]))
    return CaseMixAdjustment(
        outcome_key=outcome_key, requests=int(trials.sum()), strata=len(tables),
        crude_rr=crude, crude_rr_low=float(crude * np.exp(-z * crude_se[0])),
        crude_rr_high=float(crude * np.exp(z * crude_se[0])),
        stratified=mh, crude_or=crude_or, adjusted_or=adjusted_or,
        strata_definition="area x age band x primary need" if len(areas) > 1
        else "age band x primary need")
