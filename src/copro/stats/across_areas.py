"""How many areas favour each group: the exact sign test and the Wilcoxon signed-rank test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, wilcoxon

SIGN_TEST = "exact binomial sign test, two-sided; areas with equal rates excluded"
SIGNED_RANK = "Wilcoxon signed-rank test, two-sided; zero differences dropped"


@dataclass(frozen=True)
class SignTest:
    """Areas where group A's rate is higher / lower / equal, and the exact sign test."""

    favour_a: int
    favour_b: int
    ties: int
    p_value: float | None
    method: str = SIGN_TEST



@dataclass(frozen=True)
class SignedRank:
    """Wilcoxon signed-rank test on the per-area differences (rate A - rate B)."""

    statistic: float | None
    p_value: float | None
    n: int
    method: str = SIGNED_RANK



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
