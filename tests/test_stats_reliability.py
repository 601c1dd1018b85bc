"""Cronbach's alpha of the partnership items (copro.stats.reliability): against pingouin and
its published example (which pingouin's documentation checks against R's psych::alpha)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from copro.stats.reliability import cronbach_alpha, scale_reliability


def test_the_published_example_listwise():
    data = pg.read_dataset("cronbach_wide_missing")
    rows = [[None if pd.isna(v) else float(v) for v in r] for r in data.to_numpy()]
    r = scale_reliability(rows, min_complete=2, resamples=999)
    # pingouin's documentation: psych::alpha(data, use="complete.obs") gives 0.8017
    assert r.alpha == pytest.approx(0.8016949152542373)
    assert r.complete_sets == len(data.dropna())


def test_agrees_with_pingouin_on_random_scales():
    rng = np.random.default_rng(3)
    for _ in range(5):
        trait = rng.normal(size=(60, 1))
        x = np.clip(np.round(3 + trait + rng.normal(scale=1.2, size=(60, 6))), 1, 5)
        expected, _ = pg.cronbach_alpha(pd.DataFrame(x))
        assert cronbach_alpha(x) == pytest.approx(expected)


def test_bootstrap_interval_contains_alpha_and_narrows_with_more_respondents():
    rng = np.random.default_rng(5)

    def scale(n):
        trait = rng.normal(size=(n, 1))
        return np.clip(np.round(3 + trait + rng.normal(size=(n, 6))), 1, 5).tolist()

    small, large = scale_reliability(scale(30)), scale_reliability(scale(400))
    for r in (small, large):
        assert r.ci_low <= r.alpha <= r.ci_high
    assert large.ci_high - large.ci_low < small.ci_high - small.ci_low
    assert large.alpha > 0.7


def test_fewer_than_ten_complete_sets_is_not_computed():
    rows = [[4, 4, 3, 5, 4, 4]] * 9 + [[4, None, 3, 5, 4, 4]] * 5
    r = scale_reliability(rows)
    assert r.alpha is None and "fewer than 10" in r.not_computed
    same = scale_reliability([[3, 3, 3, 3, 3, 3]] * 12)
    assert same.alpha is None and same.not_computed
