"""Sign test and signed-rank test across areas."""

from math import comb

import pytest

from copro.stats.across_areas import sign_test, signed_rank


def test_sign_test_by_hand():
    # 9 areas favour A, 2 favour B, 1 tie: p = 2 * P(X <= 2), X ~ Bin(11, 1/2)
    s = sign_test([0.1] * 9 + [-0.2] * 2 + [0.0])
    assert (s.favour_a, s.favour_b, s.ties) == (9, 2, 1)
    expected = 2 * sum(comb(11, i) for i in range(3)) / 2**11
    assert s.p_value == pytest.approx(expected)


def test_sign_test_without_differences():
    s = sign_test([0.0, 0.0])
    assert s.p_value is None and s.ties == 2


def test_signed_rank_drops_zero_differences():
    r = signed_rank([0.0, 0.1, 0.2, -0.05, 0.3])
    assert r.n == 4
    assert r.statistic == 1.0  # the one negative difference has rank 1
    assert 0 < r.p_value < 1
