"""Random-effects meta-analysis, against R's metafor documented examples."""

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import t as student_t
from statsmodels.stats.meta_analysis import combine_effects

from copro.stats.compare import log_risk_ratios
from copro.stats.meta import random_effects, reml_score
from tests.test_stats_pooling import bcg_strata


def bcg_effects():
    y, se, _ = log_risk_ratios(*bcg_strata())
    return y, se**2


def test_reml_matches_metafor_bcg():
    # metafor README / rma() docs: tau^2 0.3132, I^2 92.22%, H^2 12.86, Q(12) 152.2330,
    # estimate -0.7145, se 0.1798, ci -1.0669 to -0.3622
    y, v = bcg_effects()
    r = random_effects(y, v, "REML")
    assert round(r.tau2, 4) == 0.3132
    assert round(100 * r.i2, 2) == 92.22
    assert round(r.h2, 2) == 12.86
    assert round(r.q, 4) == 152.2330
    assert (round(r.estimate, 4), round(r.se, 4)) == (-0.7145, 0.1798)
    assert (round(r.ci_low, 4), round(r.ci_high, 4)) == (-1.0669, -0.3622)


def test_knha_matches_metafor_bcg():
    # rma(yi, vi, data=dat, test="knha"): se 0.1808, ci -1.1084 to -0.3206
    y, v = bcg_effects()
    r = random_effects(y, v, "REML", hksj=True)
    assert round(r.se, 4) == 0.1808
    assert (round(r.ci_low, 4), round(r.ci_high, 4)) == (-1.1084, -0.3206)
    assert "Hartung-Knapp" in r.method


# Kacker (2004) example, computed with metafor (statsmodels' test results, results_meta.py)
KACKER_Y = np.array([61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9])
KACKER_V = np.array([0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])


def _score_60_digits(tau2: Decimal, y, v) -> Decimal:
    """The REML score, d/d tau^2 of the restricted log-likelihood, times 2, in 60 digits."""
    w = [1 / (vi + tau2) for vi in v]
    sw = sum(w)
    mu = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sw
    return (sum(wi * wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True)) - sw
            + sum(wi * wi for wi in w) / sw)


def exact_reml(y, v) -> tuple[float, float, float]:
    """(tau^2, mean, HKSJ standard error) from the exact root of the REML score for these
    (float) inputs: bisection in 60-digit decimal arithmetic, independent of copro and SciPy."""
    with localcontext() as ctx:
        ctx.prec = 60
        y = [Decimal(float(x)) for x in y]
        v = [Decimal(float(x)) for x in v]
        low, high = Decimal(0), Decimal(100)
        assert _score_60_digits(low, y, v) > 0 > _score_60_digits(high, y, v)
        for _ in range(200):  # 100 / 2^200: far below 1e-40
            mid = (low + high) / 2
            low, high = (mid, high) if _score_60_digits(mid, y, v) > 0 else (low, mid)
        w = [1 / (vi + low) for vi in v]
        mu = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
        hksj_var = (sum(wi * (yi - mu) ** 2 for wi, yi in zip(w, y, strict=True))
                    / ((len(y) - 1) * sum(w)))
        return float(low), float(mu), float(hksj_var.sqrt())


@pytest.mark.parametrize("data", ["bcg", "kacker"])
def test_reml_is_the_exact_root_of_its_score(data):
    # metafor prints tau^2 to 4 decimals (0.3132 for BCG, asserted above); the exact root of
    # the REML score equation, from 60-digit bisection, pins it to 1e-10
    y, v = bcg_effects() if data == "bcg" else (KACKER_Y, KACKER_V)
    tau2, mu, hksj_se = exact_reml(y, v)
    r = random_effects(y, v, "REML")
    assert abs(r.tau2 - tau2) < 1e-10
    assert abs(reml_score(r.tau2, y, v)) < 1e-10
    assert abs(r.estimate - mu) < 1e-10
    knha = random_effects(y, v, "REML", hksj=True)
    assert abs(knha.se - hksj_se) < 1e-10
    crit = student_t.ppf(0.975, len(y) - 1)
    assert abs(knha.ci_low - (mu - crit * hksj_se)) < 1e-10
    assert abs(knha.ci_high - (mu + crit * hksj_se)) < 1e-10


@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(0.001, 2.0)), min_size=2, max_size=30))
def test_reml_is_a_root_of_its_score_or_zero(areas):
    y, v = (np.array(x) for x in zip(*areas, strict=True))
    tau2 = random_effects(y, v, "REML").tau2
    w = 1 / (v + tau2)
    if tau2 > 0:
        assert abs(reml_score(tau2, y, v)) <= 1e-10 * np.sum(w)
    else:  # the restricted likelihood falls from tau^2 = 0 on
        assert reml_score(0.0, y, v) <= 1e-10 * np.sum(w)


def test_reml_score_is_the_derivative_of_the_restricted_likelihood():
    y, v = bcg_effects()

    def loglik(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return -0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    for tau2 in (0.05, 0.3, 1.0):
        h = 1e-6
        numeric = (loglik(tau2 + h) - loglik(tau2 - h)) / (2 * h)
        assert reml_score(tau2, y, v) == pytest.approx(numeric, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("method, method_re", [("DL", "dl"), ("PM", "iterated")])
def test_hksj_agrees_with_statsmodels_combine_effects(method, method_re):
    res = combine_effects(KACKER_Y, KACKER_V, method_re=method_re, use_t=True)
    assert res.tau2 > 0  # not truncated, so the two use the same tau^2
    r = random_effects(KACKER_Y, KACKER_V, method, hksj=True)
    assert r.se == pytest.approx(res.sd_eff_w_re_hksj, rel=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx(tuple(res.conf_int(alpha=0.05)[3]),
                                                  rel=1e-12)


def test_hksj_with_tau2_truncated_at_zero_is_metafors_not_combine_effects():
    # DL's tau^2 is negative here: metafor (and copro) truncate it at 0, so the HKSJ interval
    # is the fixed-effect one with estimated scale; combine_effects' random-effects HKSJ
    # interval uses the negative tau^2 instead
    y, v = np.array([0.0, 0.2, 0.1, 0.3]), np.array([0.04, 0.05, 0.03, 0.04])
    res = combine_effects(y, v, method_re="dl", use_t=True)
    assert -min(v) < res.tau2 < 0
    fixed_hksj, random_hksj = res.conf_int(alpha=0.05)[2:]
    r = random_effects(y, v, "DL", hksj=True)
    assert r.tau2 == 0
    assert (r.ci_low, r.ci_high) == pytest.approx(tuple(fixed_hksj), rel=1e-12)
    assert abs(r.ci_low - random_hksj[0]) > 1e-3


def test_dl_matches_metafor_kacker():
    r = random_effects(KACKER_Y, KACKER_V, "DL")
    assert r.tau2 == pytest.approx(0.288049246973751, rel=1e-8)
    assert r.estimate == pytest.approx(62.3901386044504, rel=1e-10)
    assert r.se == pytest.approx(0.245749668040304, rel=1e-8)
    assert r.ci_low == pytest.approx(61.9084781058787, rel=1e-10)
    assert r.i2 == pytest.approx(0.67744403741711, rel=1e-8)
    assert r.q == pytest.approx(24.801897741835, rel=1e-8)


def test_dl_knha_matches_metafor_kacker():
    r = random_effects(KACKER_Y, KACKER_V, "DL", hksj=True)
    assert r.se == pytest.approx(0.29477605699879, rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx((61.710383798052, 63.0698934108488),
                                                  rel=1e-10)
    # and statsmodels' own HKSJ interval, which copro's agrees with where both apply
    res = combine_effects(KACKER_Y, KACKER_V, method_re="dl", use_t=True)
    assert res.sd_eff_w_re_hksj == pytest.approx(0.29477605699879, rel=1e-8)
    assert tuple(res.conf_int(alpha=0.05)[3]) == pytest.approx(
        (61.710383798052, 63.0698934108488), rel=1e-10)


def test_pm_matches_metafor_kacker():
    r = random_effects(KACKER_Y, KACKER_V, "PM")
    assert r.tau2 == pytest.approx(0.705395309224248, rel=1e-5)
    assert r.estimate == pytest.approx(62.4076199113286, rel=1e-7)
    assert r.se == pytest.approx(0.338030602684471, rel=1e-5)


def test_prediction_interval_is_higgins_t_with_k_minus_2_df():
    y, v = bcg_effects()
    r = random_effects(y, v, "REML")
    half = student_t.ppf(0.975, 11) * np.sqrt(r.tau2 + r.se**2)
    assert r.prediction_low == pytest.approx(r.estimate - half)
    assert r.prediction_high == pytest.approx(r.estimate + half)
    # wider than the confidence interval whenever tau^2 > 0
    assert r.prediction_low < r.ci_low and r.prediction_high > r.ci_high


def test_no_prediction_interval_with_two_areas():
    r = random_effects([0.1, 0.3], [0.01, 0.02])
    assert r.prediction_low is None and r.prediction_high is None


def test_one_area_is_not_a_meta_analysis():
    with pytest.raises(ValueError):
        random_effects([0.1], [0.01])


@given(st.lists(st.floats(0.001, 1.0), min_size=2, max_size=15), st.floats(-2, 2))
def test_identical_effects_have_no_heterogeneity(variances, effect):
    for method in ("REML", "DL", "PM"):
        r = random_effects([effect] * len(variances), variances, method)
        assert r.tau2 == pytest.approx(0, abs=1e-8)
        assert r.estimate == pytest.approx(effect, abs=1e-9)
        assert 0 <= r.i2 <= 1e-6


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="REML, DL or PM"):
        random_effects([0.1, 0.2, 0.3], [0.01] * 3, "ML")
