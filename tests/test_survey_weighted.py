"""An LA's families' figures weighted to its DfE counts (copro.survey.weighted via
survey_results), and the partnership items' reliability at every level."""

from __future__ import annotations

import pytest

from copro.counts import Count, Measure
from copro.groups import RequesterGroup
from copro.survey.results import survey_results
from copro.survey.weighted import margins_from_counts
from tests.test_survey_results import AREAS, family

#: DfE's counts in the answers' mix within each group that :func:`_families` merges (families
#: refused with pending and withdrawn, which no one answered; schools' 12 assessed and 2 refused
#: with their pending and withdrawn), so the weighted mix meets DfE's margins and is weighted
MARGINS = {("family", "assessed"): 100, ("family", "not_assessed"): 100,
           ("family", "pending"): 0, ("family", "withdrawn"): 0,
           ("education", "assessed"): 300, ("education", "not_assessed"): 50,
           ("education", "pending"): 0, ("education", "withdrawn"): 0}
#: the same LA with requests pending and withdrawn: merged groups then stand for them in the
#: answers' mix, and the weighted mix misses DfE's
MISSED = {**MARGINS, ("family", "pending"): 20, ("family", "withdrawn"): 5,
          ("education", "not_assessed"): 60, ("education", "pending"): 30,
          ("education", "withdrawn"): 10}


def _families(area, n_refused=12, n_assessed=12, n_own=10, n_other=0):
    """Families refused an assessment answer more (and rate the ladder low); those assessed
    rate it high. ``n_other`` families' requests were made by a health professional."""
    out = [family(area, ladder="informing", request_made_by="me", assessment_agreed="no",
                  scores=(2, 2, 3, 2, 2, 3)) for _ in range(n_refused)]
    out += [family(area, ladder="co_producing", request_made_by="school_or_college",
                   assessment_agreed="yes", scores=(5, 4, 5, 4, 5, 5)) for _ in range(n_assessed)]
    out += [family(area, ladder="engaging", request_made_by="me", assessment_agreed="yes",
                   scores=(4, 4, 4, 4, 4, 4)) for _ in range(n_own)]
    out += [family(area, ladder="consulting", request_made_by="school_or_college",
                   assessment_agreed="no", scores=(3, 3, 3, 3, 3, 3)) for _ in range(2)]
    out += [family(area, ladder="consulting", request_made_by="health_or_social_care",
                   assessment_agreed="no") for _ in range(n_other)]
    return out


def test_the_families_figures_are_weighted_to_the_las_counts_beside_the_raw_ones():
    res = survey_results(_families(AREAS[0]), margins={AREAS[0]: MARGINS})
    level = res.level(AREAS[0], "families")
    w = level.weighted
    # three groups of 10 or more: families assessed (10), families refused (12, with the
    # pending and withdrawn cells no one answered), and every school's request (12 + 2)
    assert w.method == "post-stratification" and w.respondents == 36
    assert w.respondents_mix["columns"]["not_assessed"] == pytest.approx(14 / 36)
    assert w.respondents_mix["columns"]["not_assessed"] == pytest.approx(
        level.distributions["assessment_agreed"].share("no").estimate)
    assert w.population_mix["columns"]["not_assessed"] == pytest.approx(150 / 550)
    assert 1 < w.effective_n < 36
    raw_top, top = level.top_two["ladder"].rate.estimate, w.top_two["ladder"].estimate
    assert raw_top == pytest.approx(22 / 36)
    # each group's weight is its DfE count over its answers
    schools = 350 / 14
    assert top == pytest.approx((10 * 100 / 10 + 12 * schools) / 550)
    assert w.top_two["ladder"].ci_low < top < w.top_two["ladder"].ci_high
    agreed = w.shares["assessment_agreed"]
    assert agreed["yes"].estimate == pytest.approx((100 + 12 * schools) / 550)
    assert w.partnership.estimate > level.partnership.estimate
    assert w.partnership.effective_n == pytest.approx(w.effective_n)


def test_not_weighted_with_the_margin_and_the_gap_where_the_weighted_mix_misses_dfe_s():
    """Issue 24: the same answers, where DfE counted pending and withdrawn requests: weighted,
    the families refused stand for them too, so what was decided misses DfE's mix; the figures
    are not weighted and the sentence says which margin, how far (recomputed here) and why."""
    res = survey_results(_families(AREAS[0]), margins={AREAS[0]: MISSED})
    w = res.level(AREAS[0], "families").weighted
    assert w.method is None and w.top_two == {} and w.partnership is None
    # weighted by hand: families assessed (10) carry their 100; families refused (12) carry
    # not assessed + pending + withdrawn (125); schools (14: 12 assessed, 2 refused) all 400
    weighted = {"assessed": 100 + 400 * 12 / 14, "not_assessed": 125 + 400 * 2 / 14,
                "pending": 0, "withdrawn": 0}
    total = sum(MISSED.values())
    dfe = {d: sum(v for (_, c), v in MISSED.items() if c == d) for d in weighted}
    worst = max(weighted, key=lambda d: abs(weighted[d] - dfe[d]))
    gap = w.gaps["columns"]
    assert gap.category == worst == "pending"
    assert gap.points == pytest.approx(abs(weighted[worst] - dfe[worst]) / total * 100)
    assert gap.points > 1 and w.gaps["rows"].points == pytest.approx(0, abs=1e-9)
    assert w.not_weighted.startswith("not weighted: the answers could not be weighted to "
                                     "DfE's mix within 1 point. Weighted, what was decided "
                                     f"would be {gap.points:.1f} points from DfE's mix")
    assert (f"(“Not yet decided”: 0.0% of the families, weighted, against "
            f"{dfe['pending'] / total:.1%} of DfE's requests)") in w.not_weighted
    assert "who made the request would be" not in w.not_weighted  # that margin is met
    assert "are weighted together" in w.not_weighted


def test_the_gap_is_not_stated_where_it_would_reveal_the_families_left_out():
    """The gap is a weighted share less DfE's: with 2 families left out of the weighting (a
    health professional made their request) in the share's base, the share is withheld, so
    the sentence says "more than 1 point" and the gap is not given."""
    res = survey_results(_families(AREAS[0], n_other=2), margins={AREAS[0]: MISSED})
    w = res.level(AREAS[0], "families").weighted
    assert w.method is None and w.gaps["columns"] is None and w.met["columns"] is False
    assert ("what was decided would be more than 1 point from DfE's mix (by how much could "
            "reveal fewer families' answers than the threshold)") in w.not_weighted
    assert "points from DfE's mix" not in w.not_weighted
    # with none left out, the same answers' gap is stated
    stated = survey_results(_families(AREAS[0]), margins={AREAS[0]: MISSED})
    assert stated.level(AREAS[0], "families").weighted.gaps["columns"] is not None


def test_weighted_figures_are_withheld_where_they_would_reveal_the_families_left_out():
    """Two families whose request a health professional made are in the raw figures but not
    in the weighted ones: the difference would be their answers, so every weighted figure
    is withheld (the raw ones are shown)."""
    res = survey_results(_families(AREAS[0], n_other=2), margins={AREAS[0]: MARGINS})
    level = res.level(AREAS[0], "families")
    w = level.weighted
    assert w.method == "post-stratification" and w.respondents == 36
    assert level.top_two["ladder"].rate.estimate == pytest.approx(22 / 38)
    figures = [w.top_two["ladder"], w.partnership,
               *(f for opts in w.shares.values() for f in opts.values())]
    assert all(f.estimate is None and f.withheld for f in figures)
    assert "could reveal fewer than 10 families' answers" in w.top_two["ladder"].withheld
    # with ten of them, nothing smaller than 10 is revealed
    res = survey_results(_families(AREAS[0], n_other=10), margins={AREAS[0]: MARGINS})
    assert res.level(AREAS[0], "families").weighted.top_two["ladder"].estimate is not None


def test_a_weighted_figure_is_withheld_whenever_its_raw_figure_is():
    small = _families(AREAS[1], n_refused=3, n_assessed=1, n_own=3, n_other=2)  # 9 weighted
    res = survey_results(small + _families(AREAS[0]), margins={AREAS[0]: MARGINS,
                                                                 AREAS[1]: MARGINS})
    w = res.level(AREAS[1], "families").weighted
    assert w.method is None and "fewer than 10" in w.not_weighted
    assert w.respondents_mix is None and not w.shares
    # a raw figure not shown (withheld: fewer than 10 answered the plan question; or nobody
    # answered it, which is said as "no answers", not as withheld) is not shown weighted either
    big = res.level(AREAS[0], "families")
    raw = big.distributions["plan_issued"]
    assert raw.withheld or raw.answers == 0
    assert not raw.shares
    assert all(f.estimate is None and (f.withheld or raw.answers == 0)
               for f in big.weighted.shares["plan_issued"].values())


def test_not_weighted_without_the_las_counts_and_only_for_one_las_families():
    res = survey_results(_families(AREAS[0]), margins={AREAS[0]: None})
    assert "missing or suppressed" in res.level(AREAS[0], "families").weighted.not_weighted
    res = survey_results(_families(AREAS[0]), margins={AREAS[0]: MARGINS})
    assert res.level(None, "families").weighted is None
    assert res.level(AREAS[0], None).weighted is None
    assert survey_results(_families(AREAS[0])).level(AREAS[0], "families").weighted is None


def test_margins_from_dfe_counts():
    cells = {RequesterGroup.FAMILY: {m: Count(10) for m in Measure},
             RequesterGroup.EDUCATION: {m: Count(20) for m in Measure}}
    m = margins_from_counts(cells)
    assert m[("education", "pending")] == 20 and len(m) == 8
    cells[RequesterGroup.EDUCATION][Measure.WITHDRAWN] = Count(None, "c")
    assert margins_from_counts(cells) is None
    assert margins_from_counts(None) is None


def test_reliability_of_the_partnership_items_at_every_level():
    consistent = [family(AREAS[0], scores=(s, s, s, s, s, max(1, s - 1)))
                  for s in (1, 2, 3, 4, 5) * 3]
    res = survey_results(consistent + [family(AREAS[1]) for _ in range(5)])
    r = res.level(AREAS[0], "families").reliability
    assert r.complete_sets == 15 and r.alpha > 0.95 and r.ci_low <= r.alpha <= r.ci_high
    assert res.level(AREAS[1], "families").reliability.alpha is None
    # the level above pools only the cells whose score is shown
    assert res.level(None, "families").reliability.complete_sets == 15


def test_a_weighted_figure_pools_only_what_its_raw_figure_pools():
    """Two published blocks of one LA's families: 36 who all placed themselves on the ladder,
    and 11 of whom only 5 did. The raw ladder share pools the first block alone (5 is too few
    to show); the weighted share must not take in those 5 either. The second block's answers
    are in DfE's mix (2:2:6:1), so weighted as one group it keeps the margins."""
    from dataclasses import replace

    first = [replace(a, block=1) for a in _families(AREAS[0])]
    kinds = ([("me", "yes")] * 2 + [("me", "no")] * 2 + [("school_or_college", "yes")] * 6
             + [("school_or_college", "no")])
    second = [replace(family(AREAS[0], ladder="consulting", request_made_by=who,
                             assessment_agreed=agreed, scores=(3, 3, 3, 3, 3, 3)), block=2)
              for who, agreed in kinds]
    for i, a in enumerate(second):
        if i >= 5:
            a.answers.pop("ladder")
    res = survey_results(first + second, margins={AREAS[0]: MARGINS})
    level = res.level(AREAS[0], "families")
    assert level.top_two["ladder"].answers == len(first)
    assert level.weighted.top_two["ladder"].answers == len(first)
    assert level.weighted.top_two["ladder"].estimate is not None
    # the questions both blocks show are weighted over both, each block on its own
    assert level.weighted.respondents == len(first) + len(second)
    assert level.weighted.partnership.answers == len(first) + len(second)
