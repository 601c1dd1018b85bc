"""Random-effects meta-analysis of per-area effects (log risk ratios)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import chi2
from scipy.stats import t as student_t
from statsmodels.regression.linear_model import WLS
from statsmodels.stats.meta_analysis import combine_effects

from copro.stats.results import RandomEffects

TAU2_METHODS = {
    "REML": "restricted maximum likelihood",
    "DL": "DerSimonian-Laird",
    "PM": "Paule-Mandel",
}


def _neg_restricted_loglik(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return 0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))


def reml_score(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """Derivative of the restricted log-likelihood in tau^2 (0 at an interior REML estimate):
    (sum w^2 (y - mu)^2 - sum w + sum w^2 / sum w) / 2, w = 1 / (v + tau^2)."""
    w = 1.0 / (v + tau2)
    sw = np.sum(w)
    mu = np.sum(w * y) / sw
    return 0.5 * float(np.sum(w**2 * (y - mu) ** 2) - sw + np.sum(w**2) / sw)


def tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate of the between-area variance tau^2.

    The restricted likelihood is maximised over [0, upper] (SciPy's bounded Brent search, which
    finds the maximum to only ~1e-8, the likelihood being flat there), then the root of its
    score (:func:`reml_score`) is found next to that maximum by ``scipy.optimize.brentq``
    (``xtol=1e-15``, ``rtol`` 4 machine epsilons): the estimate is the exact root to
    ~1e-15 relative (see the tests). 0 when the likelihood is highest there (as metafor).
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    upper = max(10.0 * float(np.var(y)) + float(np.max(v)), 1e-8)
    res = minimize_scalar(_neg_restricted_loglik, bounds=(0.0, upper), args=(y, v),
                          method="bounded", options={"xatol": 1e-12, "maxiter": 500})
    tau2 = _score_root_near(float(res.x), y, v)
    # the optimum can sit on the boundary 0: compare explicitly
    at_zero = _neg_restricted_loglik(0.0, y, v)
    return 0.0 if at_zero <= _neg_restricted_loglik(tau2, y, v) else tau2


def _score_root_near(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    """The root of the REML score in the smallest bracket around ``tau2`` (the approximate
    maximum) found by widening it; 0 where the score is negative from 0 to past ``tau2``."""
    step = 1e-6 * max(tau2, 1e-6)
    low, high = max(0.0, tau2 - step), tau2 + step
    for _ in range(60):
        if reml_score(low, y, v) > 0 or low == 0.0:
            break
        step *= 2
        low = max(0.0, low - step)
    for _ in range(60):
        if reml_score(high, y, v) < 0:
            break
        step *= 2
        high += step
    if reml_score(high, y, v) >= 0:
        return tau2
    if reml_score(low, y, v) <= 0:  # low is 0: the likelihood falls from 0 on
        return 0.0
    return float(brentq(reml_score, low, high, args=(y, v), xtol=1e-15))


def random_effects(effects, variances, tau2_method: str = "REML", hksj: bool = False,
                   confidence: float = 0.95) -> RandomEffects:
    """Random-effects meta-analysis of ``effects`` with sampling ``variances``.

    tau^2: ``"REML"`` (:func:`tau2_reml`, written here: no SciPy or statsmodels function
    estimates it), ``"DL"`` or ``"PM"`` (statsmodels ``combine_effects``, ``method_re="dl"`` /
    ``"iterated"``, truncated at 0 as in metafor). Cochran's Q, I^2 and H^2 follow R's
    ``metafor::rma`` (I^2 = tau^2 / (tau^2 + s^2), s^2 the 'typical' sampling variance).

    The mean, its standard error and interval are statsmodels' weighted least squares (``WLS``)
    of the effects on a constant with weights 1 / (v + tau^2): with the scale fixed at 1 and a
    normal interval by default; with ``hksj``, with the scale estimated and t on k-1 df, which
    is the Hartung-Knapp-Sidik-Jonkman interval (statsmodels documents the equivalence in
    ``combine_effects``). ``combine_effects``' own HKSJ interval is not used: it cannot take
    the REML tau^2, and it uses DL's tau^2 untruncated (negative for homogeneous areas), where
    metafor truncates. Agrees with ``metafor::rma`` on its documented examples (see the tests).
    The prediction interval is Higgins, Thompson & Spiegelhalter's (2009), mean +/- t(k-2 df)
    sqrt(tau^2 + SE^2), SE the mean's (HKSJ's with ``hksj``); metafor's ``predict`` uses the
    normal quantile by default, so it is checked against its formula, not metafor.
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

    wls = WLS(y, np.ones(k), weights=1.0 / (v + tau2))
    with np.errstate(all="ignore"):  # identical effects: an estimated scale of 0 is fine
        fit = wls.fit() if hksj else wls.fit(cov_type="fixed scale", use_t=False)
    mu, se = float(fit.params[0]), float(fit.bse[0])
    ci_low, ci_high = (float(b) for b in fit.conf_int(alpha=1 - confidence)[0])
    level = 0.5 + confidence / 2
    pi_low = pi_high = None
    if k >= 3:
        half = float(student_t.ppf(level, k - 2)) * np.sqrt(tau2 + se ** 2)
        pi_low, pi_high = mu - half, mu + half
    method = f"random-effects meta-analysis, tau^2 by {TAU2_METHODS[tau2_method]}"
    if hksj:
        method += ", Hartung-Knapp-Sidik-Jonkman interval (t, k-1 df)"
    method += "; prediction interval t with k-2 df (Higgins, Thompson & Spiegelhalter 2009)"
    return RandomEffects(mu, se, ci_low, ci_high, tau2, float(i2), float(h2),
                         q, df, float(chi2.sf(q, df)), k, pi_low, pi_high, tau2_method, hksj,
                         confidence, method)


# --- meta-regression with one moderator ---------------------------------------------------

def _design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(x)), x])


def _neg_restricted_loglik_mods(tau2: float, y: np.ndarray, v: np.ndarray,
                                X: np.ndarray) -> float:
    """-(restricted log-likelihood) of the mixed-effects model y = X b + u + e (constants
    dropped): (sum log(v + tau^2) + log det(X'WX) + sum w (y - X b_hat)^2) / 2."""
    w = 1.0 / (v + tau2)
    xtwx = X.T @ (w[:, None] * X)
    b = np.linalg.solve(xtwx, X.T @ (w * y))
    r = y - X @ b
    return 0.5 * (np.sum(np.log(v + tau2)) + np.linalg.slogdet(xtwx)[1] + np.sum(w * r * r))


def tau2_reml_mods(y, v, x) -> float:
    """REML estimate of the residual between-area variance with one moderator ``x``: the
    restricted likelihood maximised over [0, upper] by SciPy's bounded Brent search (to 1e-12
    in tau^2), and compared with its value at 0 (the estimate is 0 if that is higher)."""
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    X = _design(np.asarray(x, dtype=float))
    upper = max(10.0 * float(np.var(y)) + float(np.max(v)), 1e-8)
    res = minimize_scalar(_neg_restricted_loglik_mods, bounds=(0.0, upper), args=(y, v, X),
                          method="bounded", options={"xatol": 1e-12, "maxiter": 500})
    tau2 = float(res.x)
    at_zero = _neg_restricted_loglik_mods(0.0, y, v, X)
    return 0.0 if at_zero <= _neg_restricted_loglik_mods(tau2, y, v, X) else tau2


def meta_regression(effects, variances, moderator, knapp_hartung: bool = False,
                    confidence: float = 0.95):
    """Mixed-effects meta-regression of ``effects`` (sampling ``variances``) on one
    ``moderator``, tau^2 by REML: R's ``metafor::rma(yi, vi, mods = ~ x, method = "REML")``
    (``test = "knha"`` with ``knapp_hartung``). The coefficients, their standard errors and
    intervals are statsmodels' weighted least squares with weights 1 / (v + tau^2) (scale fixed
    at 1, normal intervals; with Knapp-Hartung the scale is estimated and t has k-2 df, as
    metafor's, which does not truncate the scale at 1). R^2 is metafor's
    (tau^2 without - tau^2 with) / tau^2 without, truncated at 0; I^2 uses the residual
    'typical' sampling variance. Agrees with metafor's documented BCG example (tests)."""
    from copro.stats.results import MetaRegression

    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    x = np.asarray(moderator, dtype=float)
    k = len(y)
    if k < 3:
        raise ValueError("a meta-regression with one moderator needs at least three areas")
    if np.ptp(x) == 0:
        raise ValueError("the moderator takes one value in every area: nothing to regress on")
    X = _design(x)
    tau2 = tau2_reml_mods(y, v, x)
    tau2_without = tau2_reml(y, v)
    wls = WLS(y, X, weights=1.0 / (v + tau2))
    with np.errstate(all="ignore"):
        fit = wls.fit() if knapp_hartung else wls.fit(cov_type="fixed scale", use_t=False)
    ci = fit.conf_int(alpha=1 - confidence)
    # residual heterogeneity: QE from the fixed-effects (tau^2 = 0) fit; I^2 as metafor
    w = 1.0 / v
    xtwx = X.T @ (w[:, None] * X)
    b_fe = np.linalg.solve(xtwx, X.T @ (w * y))
    qe = float(np.sum(w * (y - X @ b_fe) ** 2))
    P = np.diag(w) - (w[:, None] * X) @ np.linalg.solve(xtwx, (X * w[:, None]).T)
    typical_v = (k - 2) / np.trace(P)
    i2 = tau2 / (tau2 + typical_v)
    r2 = None if tau2_without <= 0 else max(0.0, (tau2_without - tau2) / tau2_without)
    method = ("mixed-effects meta-regression with one moderator, τ² (between-area variance) "
              "by restricted maximum likelihood (as metafor::rma(yi, vi, mods = ~ x))")
    method += (", Knapp-Hartung standard errors (t, k-2 df)" if knapp_hartung
               else ", normal (z) intervals")
    return MetaRegression(float(fit.params[0]), float(fit.bse[0]), float(fit.params[1]),
                          float(fit.bse[1]), float(ci[1][0]), float(ci[1][1]),
                          float(fit.pvalues[1]), tau2, tau2_without, r2, float(i2), qe, k - 2,
                          float(chi2.sf(qe, k - 2)), k, knapp_hartung,
                          float(fit.cov_params()[0, 1]), confidence, method)
