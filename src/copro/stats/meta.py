"""Random-effects meta-analysis of per-area effects (log risk ratios)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import chi2, norm
from scipy.stats import t as student_t
from statsmodels.stats.meta_analysis import combine_effects

from copro.stats.results import RandomEffects

TAU2_METHODS = {
    "REML": "restricted maximum likelihood",
    "DL": "DerSimonian-Laird",
    "PM": "Paule-Mandel",
}





def tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate of the between-area variance tau^2 (maximises the restricted likelihood)."""
    def neg_restricted_loglik(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    upper = max(10.0 * float(np.var(y)) + float(np.max(v)), 1e-8)
    res = minimize_scalar(neg_restricted_loglik, bounds=(0.0, upper), method="bounded",
                          options={"xatol": 1e-12, "maxiter": 500})
    tau2 = float(res.x)
    # the optimum can sit on the boundary 0: compare explicitly
    return 0.0 if neg_restricted_loglik(0.0) <= neg_restricted_loglik(tau2) else tau2


def random_effects(effects, variances, tau2_method: str = "REML", hksj: bool = False,
                   confidence: float = 0.95) -> RandomEffects:
    """Random-effects meta-analysis of ``effects`` with sampling ``variances``.

    tau^2: ``"REML"`` (written here), ``"DL"`` or ``"PM"`` (statsmodels ``combine_effects``,
    ``method_re="dl"`` / ``"iterated"``). Cochran's Q, I^2 and H^2 follow R's ``metafor::rma``
    (I^2 = tau^2 / (tau^2 + s^2), s^2 the 'typical' sampling variance). With ``hksj`` the interval
    uses the Hartung-Knapp-Sidik-Jonkman variance and t with k-1 df. Agrees with ``metafor::rma``
    on its documented examples (see the tests).
    """
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    k = len(y)
    if k < 2:
        raise ValueError("a random-effects meta-analysis needs at least two areas")
    if tau2_method == "REML":
        tau2 = tau2_reml(y, v)
    elif tau2_method in ("DL", "PM"):
        # only tau^2 is taken from statsmodels; its other summaries use an untruncated tau^2,
        # which can divide by zero when the effects are homogeneous: silence that
        with np.errstate(all="ignore"):
            res = combine_effects(y, v, method_re="dl" if tau2_method == "DL" else "iterated")
        tau2 = max(0.0, float(res.tau2))  # tau^2 is truncated at 0, as in metafor
    else:
        raise ValueError(f"unknown tau^2 method '{tau2_method}'; expected REML, DL or PM")

    w_fe = 1.0 / v
    mu_fe = np.sum(w_fe * y) / np.sum(w_fe)
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    df = k - 1
    typical_v = df * np.sum(w_fe) / (np.sum(w_fe) ** 2 - np.sum(w_fe ** 2))
    i2 = tau2 / (tau2 + typical_v)
    h2 = (tau2 + typical_v) / typical_v

    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    se = float(np.sqrt(1.0 / np.sum(w)))
    level = 0.5 + confidence / 2
    if hksj:
        se = float(np.sqrt(np.sum(w * (y - mu) ** 2) / (df * np.sum(w))))
        crit = float(student_t.ppf(level, df))
    else:
        crit = float(norm.ppf(level))
    pi_low = pi_high = None
    if k >= 3:
        half = float(student_t.ppf(level, k - 2)) * np.sqrt(tau2 + se ** 2)
        pi_low, pi_high = mu - half, mu + half
    method = f"random-effects meta-analysis, tau^2 by {TAU2_METHODS[tau2_method]}"
    if hksj:
        method += ", Hartung-Knapp-Sidik-Jonkman interval (t, k-1 df)"
    method += "; prediction interval t with k-2 df (Higgins, Thompson & Spiegelhalter 2009)"
    return RandomEffects(mu, se, mu - crit * se, mu + crit * se, tau2, float(i2), float(h2),
                         q, df, float(chi2.sf(q, df)), k, pi_low, pi_high, tau2_method, hksj,
                         confidence, method)
