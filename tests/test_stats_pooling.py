"""Mantel-Haenszel pooled risk ratio, against R's metafor (rma.mh) on the BCG trials."""

import math

import numpy as np
import pytest

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
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2)
    assert round(math.log(mh.estimate), 3) == -0.454
    assert round(math.log(mh.ci_low), 3) == -0.531
    assert round(math.log(mh.ci_high), 3) == -0.377
    assert round(math.log(mh.estimate) / mh.log_se, 2) == -11.53
    assert round(mh.homogeneity_q, 2) == 152.57
    assert mh.homogeneity_df == 12
    assert (round(mh.estimate, 3), round(mh.ci_low, 3), round(mh.ci_high, 3)) == (
        0.635, 0.588, 0.686)


def test_matches_metafor_leave_one_out_on_bcg():
    # metafor tests/testthat (leave1out for rma.mh, RR, dat.bcg), without trial 1:
    # estimate -0.4514, se 0.0394, Q 151.9153
    a, n1, c, n2 = (x[1:] for x in bcg_strata())
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2)
    assert round(math.log(mh.estimate), 4) == -0.4514
    assert round(mh.log_se, 4) == 0.0394
    assert round(mh.homogeneity_q, 4) == 151.9153
    assert mh.homogeneity_df == 11 and mh.homogeneity_left_out == 0


@pytest.mark.parametrize("extra", [(0, 40, 0, 30), (0, 1, 0, 3), (25, 25, 60, 60)])
def test_tables_at_0_or_100_percent_in_both_groups_are_left_out_of_q(extra):
    """metafor's rma.mh drops tables with no events (or only events) in both groups from Q
    (drop00=TRUE): a double-zero table leaves BCG's estimate, SE and Q as they were."""
    a, n1, c, n2 = (np.append(x, e) for x, e in zip(bcg_strata(), extra, strict=True))
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2)
    assert mh.homogeneity_left_out == 1 and mh.homogeneity_df == 12 and mh.strata == 14
    if extra[0] == 0:  # no events: nothing added to the Mantel-Haenszel sums either
        assert round(mh.homogeneity_q, 2) == 152.57
        assert round(math.log(mh.estimate), 3) == -0.454


def test_a_table_with_one_zero_cell_stays_in_q():
    a, n1, c, n2 = (np.append(x, e) for x, e in zip(bcg_strata(), (0, 40, 3, 30),
                                                     strict=True))
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2)
    assert mh.homogeneity_left_out == 0 and mh.homogeneity_df == 13
    assert mh.homogeneity_q > mantel_haenszel_risk_ratio(*bcg_strata()).homogeneity_q


def test_no_estimate_without_successes_in_one_group():
    # metafor gives NA when sum(ai) == 0 or sum(ci) == 0
    assert mantel_haenszel_risk_ratio([0, 0], [10, 20], [3, 4], [10, 20]) is None
    assert mantel_haenszel_risk_ratio([1, 2], [10, 20], [0, 0], [10, 20]) is None


def test_one_stratum_is_the_crude_ratio():
    mh = mantel_haenszel_risk_ratio([30], [50], [20], [60])
    assert mh.estimate == pytest.approx(1.8)
    # metafor: with one table (k.yi = 1) QE = 0, QEp = 1
    assert (mh.homogeneity_q, mh.homogeneity_df, mh.homogeneity_p) == (0.0, 0, 1.0)


def test_identical_strata_are_homogeneous():
    a, n1, c, n2 = [30] * 4, [50] * 4, [20] * 4, [60] * 4
    mh = mantel_haenszel_risk_ratio(a, n1, c, n2)
    assert mh.estimate == pytest.approx(1.8)
    assert mh.homogeneity_q == pytest.approx(0, abs=1e-12)
    assert mh.homogeneity_p == pytest.approx(1.0)
