"""Adjusting the comparison of two requester groups for case mix (who the requests are for).

Families and schools may ask for different children. Only what was fixed before the request is
adjusted for (the caller passes those characteristics: age at request, sex, ethnicity, and need
only where it was recorded at the time of the request): adjusting for something recorded after
the request, such as the need written into a plan, adjusts for the outcome and biases the ratio
towards 1. Two adjusted estimates, beside the unadjusted ones:

- a Mantel-Haenszel risk ratio over the strata (every combination of the characteristics, and
  area for several areas), with the Greenland-Robins interval;
- a logistic regression (statsmodels GLM, binomial) of the outcome on the requester group and
  the characteristics as main effects (with area fixed effects for several areas). Levels that
  predict the outcome perfectly are dropped with their requests, as Stata's ``logit`` does:
  the other coefficients' estimates are unchanged by them.

Where an estimate cannot be made (no stratum with requests from both groups, one group's
requests all with the same outcome, separation, too few events for the number of parameters)
it is None and the reason is given in words; no library warning reaches the terminal.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np
from scipy.stats import norm

from copro.stats.compare import log_risk_ratios
from copro.stats.pooling import mantel_haenszel_risk_ratio
from copro.stats.results import CaseMixAdjustment, OddsRatio

#: Fewest events (and non-events) per model parameter for a logistic regression to be reported
#: (Vittinghoff & McCulloch 2007, Am J Epidemiol 165:710-718: 5 to 9 is usually adequate).
MIN_EVENTS_PER_PARAMETER = 5
#: A standard error of the log odds ratio above this means the model is not identified in
#: practice (quasi-separation): no estimate is shown.
MAX_LOG_SE = 5.0


def _logit_method(confidence: float) -> str:
    return (f"logistic regression (binomial GLM, statsmodels), Wald {100 * confidence:g}% "
            "interval")


def _fit(succ, trials, X, confidence: float):
    """The GLM's estimate for column 1 of ``X``, or the reason there is none."""
    import statsmodels.api as sm

    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            fit = sm.GLM(np.column_stack([succ, trials - succ]), X,
                         family=sm.families.Binomial()).fit()
            low, high = fit.conf_int(alpha=1 - confidence)[1]
            est, se, p = float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1])
        except Exception:  # a singular design or a failed fit: no estimate, not a wrong one
            return None, "the model could not be estimated (singular design or failed fit)"
    trouble = [w for w in caught if "separation" in str(w.message).lower()
               or "converge" in str(w.message).lower()]
    if trouble or not fit.converged:
        return None, "the model could not be estimated (separation: some combinations of " \
                     "characteristics predict the outcome perfectly)"
    if not np.isfinite([est, se, low, high, p]).all() or se > MAX_LOG_SE:
        return None, "the model could not be estimated (its estimate has no finite interval)"
    return (np.exp(est), np.exp(low), np.exp(high), p), None


def _odds_ratio(succ, trials, is_a, factors: list[list[str]], label: str,
                confidence: float) -> tuple[OddsRatio | None, str | None]:
    """Odds ratio of group A against B adjusted for ``factors`` (main effects), or why not."""
    keep = trials > 0
    dropped = 0
    changed = True
    while changed:  # levels predicting the outcome perfectly go, with their requests
        changed = False
        for values in factors:
            by_level: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
            for v, s, n, k in zip(values, succ, trials, keep, strict=True):
                if k:
                    by_level[v][0] += s
                    by_level[v][1] += n
            perfect = {v for v, (s, n) in by_level.items() if s == 0 or s == n}
            if perfect and len(perfect) < len(by_level):
                hit = np.array([v in perfect for v in values]) & keep
                dropped += int(trials[hit].sum())
                keep &= ~hit
                changed = True
    s, n, a = succ[keep], trials[keep], is_a[keep]
    for group in (1.0, 0.0):
        gs, gn = s[a == group].sum(), n[a == group].sum()
        if gn == 0:
            return None, "no stratum left with requests from both groups"
        if gs == 0 or gs == gn:
            return None, ("every request from one of the groups had the same outcome "
                          "(separation)")
    columns = [a]
    for values in factors:
        kept_values = [v for v, k in zip(values, keep, strict=True) if k]
        levels = sorted(set(kept_values))
        columns += [np.array([v == level for v in kept_values], float) for level in levels[1:]]
    X = np.column_stack([np.ones(len(s)), *columns])
    events = min(s.sum(), (n - s).sum())
    if events < MIN_EVENTS_PER_PARAMETER * X.shape[1]:
        return None, (f"too few events ({int(events)}) for the {X.shape[1]} parameters of the "
                      f"model (at least {MIN_EVENTS_PER_PARAMETER} per parameter)")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return None, "the model could not be estimated (characteristics confounded with " \
                     "each other: singular design)"
    fitted, why = _fit(s, n, X, confidence)
    if fitted is None:
        return None, why
    if dropped:
        label += (f"; {dropped:,} requests in levels that predict the outcome perfectly "
                  "left out")
    return OddsRatio(*(float(v) for v in fitted), label, confidence), None


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def case_mix_adjustment(rows: list[tuple[str, tuple[str, ...], bool, int, int]],
                        factor_names: tuple[str, ...], outcome_key: str,
                        confidence: float = 0.95) -> CaseMixAdjustment | None:
    """``rows``: (area, levels of the factors, is group A, successes, trials) for groups A and
    B; ``factor_names``: the characteristics the levels are of, all fixed before the request.

    A factor with a single level in the data adjusts for nothing and is left out (e.g. need
    where it was never recorded at the request). Returns the crude and Mantel-Haenszel risk
    ratios (strata: area x the factors) and the crude and adjusted odds ratios; None when
    there are no requests from one of the groups."""
    rows = [r for r in rows if r[4] > 0]
    if not any(r[2] for r in rows) or all(r[2] for r in rows):
        return None
    used = [i for i in range(len(factor_names)) if len({r[1][i] for r in rows}) > 1]
    names = [factor_names[i] for i in used]
    areas = sorted({r[0] for r in rows})
    strata = defaultdict(lambda: [0, 0, 0, 0])
    for area, levels, is_a, s, n in rows:
        cell = strata[(area, *(levels[i] for i in used))]
        cell[0 if is_a else 2] += s
        cell[1 if is_a else 3] += n
    totals = np.array(list(strata.values()), float).sum(axis=0)
    crude_y, crude_se, _ = log_risk_ratios([totals[0]], [totals[1]], [totals[2]], [totals[3]])
    z = norm.ppf(0.5 + confidence / 2)
    crude = float(np.exp(crude_y[0]))
    tables = np.array([c for c in strata.values() if c[1] > 0 and c[3] > 0], float)
    mh, mh_missing = None, None
    if len(tables) == 0:
        mh_missing = "no stratum has requests from both groups"
    else:
        mh = mantel_haenszel_risk_ratio(tables[:, 0], tables[:, 1], tables[:, 2],
                                        tables[:, 3], confidence)
        if mh is None:
            mh_missing = ("no estimate: within the strata with both groups, one group had no "
                          "request with this outcome, or every request had it")
    succ = np.array([r[3] for r in rows], float)
    trials = np.array([r[4] for r in rows], float)
    is_a = np.array([r[2] for r in rows], float)
    crude_or, crude_missing = _odds_ratio(succ, trials, is_a, [],
                                          "unadjusted: " + _logit_method(confidence),
                                          confidence)
    adjusted_for = _and(names) if names else "nothing (no characteristic varies)"
    factors = [[r[1][i] for r in rows] for i in used]
    if len(areas) > 1:
        factors.append([r[0] for r in rows])
        adjusted_for += ", with area fixed effects"
    adjusted_or, adjusted_missing = _odds_ratio(
        succ, trials, is_a, factors, f"adjusted for {adjusted_for}: {_logit_method(confidence)}",
        confidence)
    return CaseMixAdjustment(
        outcome_key=outcome_key, requests=int(trials.sum()), strata=len(tables),
        crude_rr=crude, crude_rr_low=float(crude * np.exp(-z * crude_se[0])),
        crude_rr_high=float(crude * np.exp(z * crude_se[0])),
        stratified=mh, crude_or=crude_or, adjusted_or=adjusted_or,
        strata_definition=" x ".join((["area"] if len(areas) > 1 else []) + names) or "none",
        adjusted_for=adjusted_for, stratified_missing=mh_missing,
        crude_or_missing=crude_missing, adjusted_or_missing=adjusted_missing)
