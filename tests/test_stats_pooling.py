"""Mantel-Haenszel pooled risk ratio, against R's metafor (rma.mh) on the BCG trials."""

import math

import numpy as np
import pytest

from copro.stats.compare import log_risk_ratios
from copro.stats.pooling import mantel_haenszel_risk_ratio

# metafor's dat.bcg: tpos, tneg, cpos, cneg (Colditz et al. 1994)
BCG = np.array([
    [4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
    [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
    [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
    [27, 16886, 29, 17825],
])


def bcg_strata():
    a, n1 = BCG[:, 0], BCG[:, 0] + BCG[:, 1]
    c, n2 = BCG[:, 2], BCG[:, 2] + BCG[:, 3]
    return a, n1, c, n2


def test_matches_metafor_rma_mh_on_bcg():
    # metafor tests/testthat (rma.mh vs Stata metan): beta -0.454, ci -0.531 to -0.377,
    # zval -11.53, QE 152.57; exp: 0.635 (0.588, 0.686)
    a, n1, c, n2 = bcg_strata()
    y, se, _ = log_risk_ratios(a, n1, c, n2)
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2, y, se**2)
    assert round(math.log(mh.estimate), 3) == -0.454
    assert round(math.log(mh.ci_low), 3) == -0.531
    assert round(math.log(mh.ci_high), 3) == -0.377
    assert round(math.log(mh.estimate) / mh.log_se, 2) == -11.53
    assert round(mh.homogeneity_q, 2) == 152.57
    assert mh.homogeneity_df == 12
    assert (round(mh.estimate, 3), round(mh.ci_low, 3), round(mh.ci_high, 3)) == (
        0.635, 0.588, 0.686)


def test_one_stratum_is_the_crude_ratio():
    y, se, _ = log_risk_ratios([30], [50], [20], [60])
    mh = mantel_haenszel_risk_ratio([30], [50], [20], [60], y, se**2)
    assert mh.estimate == pytest.approx(1.8)
    assert math.isnan(mh.homogeneity_p)


def test_identical_strata_are_homogeneous():
    a, n1, c, n2 = [30] * 4, [50] * 4, [20] * 4, [60] * 4
    y, se, _ = log_risk_ratios(a, n1, c, n2)
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2, y, se**2)
    assert mh.estimate == pytest.approx(1.8)
    assert mh.homogeneity_q == pytest.approx(0, abs=1e-12)
    assert mh.homogeneity_p == pytest.approx(1.0)
