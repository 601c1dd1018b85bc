"""An area's rank among others with the uncertainty of that rank (simulation), and the audit's
benchmark of each local authority among its statistical neighbours, recomputed here from the
bundled DfE file and DfE's neighbours list."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import StratifiedTable

from copro.render.sentences import benchmark_verdict, plain_answer, rank_sentence
from copro.sources.neighbours import bundled_neighbours
from copro.stats.ranks import rank_interval


def test_certain_estimates_have_a_certain_rank():
    r = rank_interval([0.1, 0.5, 0.3, 0.9], [0, 0, 0, 0], 2)
    assert (r.rank, r.of, r.low, r.high) == (2, 4, 2, 2)


def test_indistinguishable_estimates_could_rank_anywhere():
    r = rank_interval([0.2] * 9, [0.5] * 9, 4)
    assert r.rank == 1  # ties share the better place
    assert (r.low, r.high) == (1, 9)


def test_rank_interval_matches_an_independent_simulation():
    est, se = np.log([1.27, 1.46, 1.57, 1.23, 1.65]), np.array([0.02, 0.06, 0.05, 0.02, 0.07])
    r = rank_interval(est, se, 0, draws=20_000, seed=7)
    rng = np.random.default_rng(123)
    ranks = [1 + sum(x < d[0] for x in d[1:])
             for d in rng.normal(est, se, size=(20_000, len(est)))]
    assert (r.low, r.high) == tuple(np.percentile(ranks, [2.5, 97.5], method="inverted_cdf"))
    assert rank_interval(est, se, 0, draws=20_000, seed=7) == r  # seeded: reproducible


def test_the_draws_are_made_once_and_are_a_fresh_generators(monkeypatch):
    """The normal draws depend only on their number, the number of areas and the seed, so
    they are made once and kept: the intervals are those of a generator seeded afresh at
    each call (the draws computed here again), and a second call draws nothing."""
    from copro.stats import ranks

    est, se = np.log([1.27, 1.46, 1.57]), np.array([0.2, 0.06, 0.3])
    for index in range(3):
        sample = est + se * np.random.default_rng(97).standard_normal((1234, 3))
        fresh = 1 + np.sum(sample < sample[:, [index]], axis=1)
        low, high = np.quantile(fresh, [0.025, 0.975], method="inverted_cdf")
        r = rank_interval(est, se, index, draws=1234, seed=97)
        assert (r.low, r.high) == (low, high)
    generators = []
    real = np.random.default_rng
    monkeypatch.setattr(ranks.np.random, "default_rng",
                        lambda *a: generators.append(a) or real(*a))
    assert rank_interval(est * 2, se, 1, draws=1234, seed=97).of == 3
    assert generators == []
    with pytest.raises(ValueError):  # the kept draws cannot be changed by their user
        ranks._standard_normals(1234, 3, 97)[0, 0] = 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(0, 1)), min_size=1, max_size=12),
       st.data())
def test_the_interval_holds_the_rank_and_lies_in_1_to_k(pairs, data):
    i = data.draw(st.integers(0, len(pairs) - 1))
    r = rank_interval([p[0] for p in pairs], [p[1] for p in pairs], i, draws=2000)
    assert 1 <= r.low <= r.high <= r.of == len(pairs)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        rank_interval([0.1, float("nan")], [0.1, 0.1], 0)
    with pytest.raises(ValueError):
        rank_interval([0.1, 0.2], [0.1], 0)


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


def test_every_local_authority_among_its_neighbours_recomputed(findings):
    by_code = {f.area.code: f for f in findings.local_authorities}
    listed = bundled_neighbours()
    seen = 0
    for f in findings.local_authorities:
        o = f.outcomes["assessment"]
        n = o.against_neighbours
        if o.comparison is None:
            assert n is None
            continue
        assert n.listed == tuple(x.code for x in listed.of(f.area.code))
        comps = [by_code[c].outcomes["assessment"].comparison for c in n.listed]
        assert n.compared == tuple(c for c, x in zip(n.listed, comps, strict=True) if x)
        comps = [c for c in comps if c]
        tables = np.array([[[c.rate_a.successes, c.rate_a.trials - c.rate_a.successes],
                            [c.rate_b.successes, c.rate_b.trials - c.rate_b.successes]]
                           for c in comps], dtype=float).transpose(1, 2, 0)
        assert n.pooled.estimate == pytest.approx(StratifiedTable(tables).riskratio_pooled)
        assert n.pooled.ci_low < n.pooled.estimate < n.pooled.ci_high
        ror = n.contrast.ratio_of_ratios
        assert ror.estimate == pytest.approx(o.comparison.risk_ratio.estimate
                                             / n.pooled.estimate)
        assert (n.contrast.kind == "similar") == (ror.ci_low <= 1 <= ror.ci_high)
        mine = o.comparison.risk_ratio.estimate
        assert n.rank.rank == 1 + sum(c.risk_ratio.estimate < mine for c in comps)
        assert n.rank.of == len(comps) + 1
        assert n.rank.low <= n.rank.rank <= n.rank.high
        seen += 1
    assert seen > 120


def test_leeds_rank_pooled_ratio_and_verdict_in_words(findings):
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    n = leeds.outcomes["assessment"].against_neighbours
    answer = plain_answer(findings, leeds)
    assert "their requests pooled" in answer.against_neighbours
    assert (f"were {n.pooled.estimate:.2f} times as likely to succeed (95% CI "
            f"{n.pooled.ci_low:.2f} to {n.pooled.ci_high:.2f})") in answer.against_neighbours
    assert answer.sentences.index(answer.against_neighbours) == \
        answer.sentences.index(answer.against_national) + 1
    assert n.contrast.kind == "smaller" and "matters less who asks in Leeds than among them" \
        in answer.against_neighbours
    text = rank_sentence(findings, leeds)
    assert f"the 2nd lowest of the {n.rank.of}" in text
    assert f"anywhere from {n.rank.low}" in text and (n.rank.low, n.rank.high) != (2, 2)
    assert benchmark_verdict(findings, leeds) == (
        "In short, the gap between schools' requests and families' requests in Leeds is "
        "smaller than its statistical neighbours' and England's.")
