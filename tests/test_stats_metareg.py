"""Meta-regression with one moderator, against R's metafor on its documented BCG example:
``rma(yi, vi, mods = ~ ablat, data = dat)`` (dat.bcg, log risk ratios)."""

import numpy as np
import pytest

from copro.stats.meta import meta_regression
from tests.test_stats_meta import bcg_effects

# absolute latitude of the 13 BCG trials (metafor's model.matrix test for this model)
ABLAT = np.array([44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33], dtype=float)


def test_matches_metafor_knha_on_bcg():
    # wviechtb/metafor README.md: rma(yi, vi, mods = ~ ablat, data=dat, test="knha"):
    # tau^2 0.0764, I^2 68.39%, R^2 75.62%, QE(11) 30.7331, intrcpt 0.2515 (se 0.2839),
    # ablat -0.0291 (se 0.0082), t -3.5483, p 0.0046, ci -0.0472 to -0.0111
    y, v = bcg_effects()
    m = meta_regression(y, v, ABLAT, knapp_hartung=True)
    # the exact REML maximum is 0.076348 (the restricted likelihood is lower at 0.07634 and
    # 0.07636); metafor's Fisher scoring stops when tau^2 moves by less than 1e-5 and prints
    # 0.0764: within 6e-5
    assert abs(m.tau2 - 0.0764) < 6e-5
    assert round(100 * m.i2, 2) == 68.39
    assert abs(100 * m.r2 - 75.62) < 0.02  # follows from tau^2 (above)
    assert (round(m.qe, 4), m.qe_df) == (30.7331, 11)
    assert (round(m.intercept, 4), round(m.intercept_se, 4)) == (0.2515, 0.2839)
    assert (round(m.slope, 4), round(m.slope_se, 4)) == (-0.0291, 0.0082)
    assert (round(m.slope_ci_low, 4), round(m.slope_ci_high, 4)) == (-0.0472, -0.0111)
    assert round(m.slope_p, 4) == 0.0046
    assert "Knapp-Hartung" in m.method


def test_matches_metafor_z_predictions_on_bcg():
    # metafor tests (as.data.frame.list.rma): predict(rma(yi, vi, mods = ~ ablat)) for the
    # first three trials: pred -1.0290, -1.3491, -0.9708; se 0.1404, 0.2011, 0.1315
    y, v = bcg_effects()
    m = meta_regression(y, v, ABLAT)
    x = ABLAT[:3]
    pred = m.intercept + m.slope * x
    se = np.sqrt(m.intercept_se**2 + 2 * x * m.covariance + x**2 * m.slope_se**2)
    assert list(np.round(pred, 4)) == [-1.029, -1.3491, -0.9708]
    assert list(np.round(se, 4)) == [0.1404, 0.2011, 0.1315]
    # the z interval is narrower than Knapp-Hartung's here (scale > 1)
    kh = meta_regression(y, v, ABLAT, knapp_hartung=True)
    assert m.slope_ci_high - m.slope_ci_low < kh.slope_ci_high - kh.slope_ci_low


def test_no_between_area_variance_and_refusals():
    x = np.arange(6, dtype=float)
    y = 0.1 + 0.05 * x  # exactly on a line: no residual heterogeneity
    m = meta_regression(y, np.full(6, 0.01), x)
    assert m.tau2 == 0.0 and m.slope == pytest.approx(0.05) and m.qe == pytest.approx(0)
    with pytest.raises(ValueError, match="three"):
        meta_regression([0.1, 0.2], [0.01, 0.01], [1, 2])
    with pytest.raises(ValueError, match="one value"):
        meta_regression([0.1, 0.2, 0.3], [0.01] * 3, [1, 1, 1])
