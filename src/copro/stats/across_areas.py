"""How many areas favour each group: the exact sign test and the Wilcoxon signed-rank test."""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest, wilcoxon

from copro.stats.results import SignedRank, SignTest


def sign_test(differences) -> SignTest:
    """Exact two-sided sign test (``scipy.stats.binomtest`` with p = 1/2) on the signs of
    ``differences``; zero differences are counted as ties and excluded."""
    d = np.asarray(differences, dtype=float)
    pos, neg = int(np.sum(d > 0)), int(np.sum(d < 0))
    ties = len(d) - pos - neg
    p = float(binomtest(pos, pos + neg, 0.5).pvalue) if pos + neg > 0 else None
    return SignTest(pos, neg, ties, p)


def signed_rank(differences) -> SignedRank:
    """Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, zero differences dropped)."""
    d = np.asarray(differences, dtype=float)
    nonzero = d[d != 0]
    if len(nonzero) < 1:
        return SignedRank(None, None, 0)
    res = wilcoxon(nonzero, zero_method="wilcox")
    return SignedRank(float(res.statistic), float(res.pvalue), int(len(nonzero)))
