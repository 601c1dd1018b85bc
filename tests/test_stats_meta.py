"""Random-effects meta-analysis, against R's metafor documented examples."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import t as student_t

from copro.stats.compare import log_risk_ratios
from copro.stats.meta import random_effects
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
