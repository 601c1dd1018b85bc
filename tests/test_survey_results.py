"""Results at every level, and disclosure control: no count under 10 can be recovered by
subtracting shown figures across audiences or levels."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from copro.stats import survey as st
from copro.survey.instrument import load_instrument
from copro.survey.results import Answers, survey_results

INST = load_instrument()
AREAS = ("E08000035", "E06000001", "E09000007")


def family(area, ladder="engaging", belief="parents", scores=(4, 4, 4, 4, 4, 4), **extra):
    items = ("equal_partner", "knowledge_valued", "kept_informed", "honest_communication",
             "knew_child", "understood_decision")
    scale = {o.score: o.value for o in INST.question("equal_partner").options if o.score}
    answers = {"ladder": ladder, "who_is_favoured": belief,
               **{i: scale[s] for i, s in zip(items, scores, strict=True) if s}, **extra}
    return Answers(area, "families", "1", answers)


def random_answers(rng: random.Random, area: str, audience: str) -> Answers:
    answers = {}
    for q in INST.questions_for(audience):
        if q.type not in ("single", "multi") or rng.random() < 0.25:
            continue
        if q.type == "single":
            answers[q.id] = rng.choice(q.values)
        else:
            answers[q.id] = tuple(v for v in q.values[:5] if rng.random() < 0.4)
    return Answers(area, audience, "1", answers)


_PARTNERSHIP = ("equal_partner", "knowledge_valued", "kept_informed", "honest_communication",
                "knew_child", "understood_decision")


def test_a_cell_under_ten_shows_nothing_and_pools_nowhere():
    responses = [family(AREAS[0]) for _ in range(12)] + [family(AREAS[1], ladder="informing")
                                                         for _ in range(7)]
    res = survey_results(responses)
    small = res.level(AREAS[1], "families")
    assert small.responses_withheld
    # every question answered is withheld; one nobody answered is empty (0 answers), not
    # withheld: 0 is no small count to protect
    for qid, d in small.distributions.items():
        assert d.withheld if qid in ("ladder", "who_is_favoured", *_PARTNERSHIP) else \
            (d.answers == 0 and d.withheld is None and d.shares == ()), qid
    assert small.partnership.estimate is None and small.top_two["ladder"].rate is None
    england = res.level(None, "families")
    assert england.responses == 12 and england.areas == 1
    assert england.top_two["ladder"].rate.successes == 12  # the 7 'informing' are not in it
    big = res.level(AREAS[0], "families")
    assert big.partnership.estimate == pytest.approx(4.0)
    assert big.top_two["ladder"].rate.estimate == 1.0
    assert st.SELF_SELECTION_CAVEAT == res.caveat


def test_beliefs_use_the_las_measured_ratio():
    responses = [family(AREAS[0], belief="parents") for _ in range(8)] + [
        family(AREAS[0], belief="schools") for _ in range(4)]
    measured = {AREAS[0]: st.MeasuredRatio(1.27, 1.15, 1.40, "Katz"), None: st.MeasuredRatio(
        1.73, 1.71, 1.75, "Mantel-Haenszel")}
    res = survey_results(responses, measured)
    b = res.level(AREAS[0], "families").beliefs
    assert b.data_favours == "education" and b.right.successes == 4 and b.right.trials == 12
    assert res.level(None, None).beliefs.measured.estimate == 1.73


def test_feeling_points_only_where_enough_families_answered():
    rng = random.Random(4)
    codes = [f"E0600{i:04d}" for i in range(8)]
    responses = []
    measured = {}
    for i, code in enumerate(codes):
        n = 15 if i < 6 else 6
        responses += [family(code, ladder=rng.choice(["engaging", "informing", "consulting"]))
                      for _ in range(n)]
        measured[code] = st.MeasuredRatio(1 + i / 10, 0.9 + i / 10, 1.1 + i / 10, "Katz")
    res = survey_results(responses, measured)
    assert [p.area_code for p in res.across.points] == codes[:6]
    # six LAs are fewer than the simulation asks for: no correlation, and the reason
    assert res.across.estimate is None and "fewer than 20" in res.across.not_computed
    # each LA with a figure has its feeling beside its outcome; a withheld LA has neither
    for i, code in enumerate(codes):
        f = res.level(code, "families").feeling
        if i >= 6:
            assert f is None
        else:
            assert f.perceived.rate is not None and f.measured == measured[code]
            assert f.sentence() and f.pointing in ("same way", "different ways", "cannot tell")


def _shown_vectors(res):
    """Every shown figure as (level, question, counts by option), the attacker's material."""
    out = {}
    for key, level in res.levels.items():
        for qid, d in level.distributions.items():
            # a figure no one answered is 0 in every count: subtracting it changes nothing
            if not d.withheld and d.answers:
                out[(key, qid)] = (d.answers, tuple(s.rate.successes for s in d.shares))
        for qid, p in level.top_two.items():
            if p.rate is not None:
                out[(key, qid + ":top_two")] = (p.answers, (p.rate.successes,))
    return out


def _attack(res, cells):
    """Try every subtraction of shown lower-level figures from a shown wider one; return what
    it recovers that rests on 1 to 9 answers."""
    shown = _shown_vectors(res)
    found = []
    wider = [k for k in shown if k[0][0] is None or k[0][1] is None]
    for (level, qid) in wider:
        area, audience = level
        # each way of splitting the wider figure into shown figures beneath it: its LA-and-
        # audience cells, or (for every audience together) its audience-level figures
        partitions = [[c for c in cells if (area is None or c[0] == area)
                       and (audience is None or c[1] == audience)]]
        if audience is None:
            partitions.append([(area, a) for a in ("families", "education", "forum")])
        total_n, total = shown[(level, qid)]
        for parts in partitions:
            children = [shown[(c, qid)] for c in parts if (c, qid) in shown]
            for r in range(len(children) + 1):
                for subset in itertools.combinations(children, r):
                    n = total_n - sum(c[0] for c in subset)
                    counts = [t - sum(c[1][i] for c in subset) for i, t in enumerate(total)]
                    if 0 < n < st.MIN_ANSWERS and all(x >= 0 for x in counts):
                        found.append((level, qid, n, counts))
    return found


@settings(max_examples=25, deadline=None)
@given(sizes=hst.lists(hst.integers(0, 16), min_size=6, max_size=6), seed=hst.integers(0, 99))
def test_no_subtraction_across_audiences_or_levels_recovers_a_withheld_count(sizes, seed):
    rng = random.Random(seed)
    cells = [(a, aud) for a in AREAS[:2] for aud in ("families", "education", "forum")]
    responses = [random_answers(rng, a, aud) for (a, aud), n in zip(cells, sizes, strict=True)
                 for _ in range(n)]
    res = survey_results(responses)
    assert _attack(res, cells) == []
    # a wider level is exactly the sum of the shown cells beneath it (withheld when that is 0
    # but someone answered)
    for audience in ("families", "education", "forum"):
        top = res.level(None, audience)
        shown = sum(len([r for r in responses if (r.area_code, r.audience) == c])
                    for c in cells if c[1] == audience and res.level(*c) is not None
                    and not res.level(*c).responses_withheld)
        assert (0 if top.responses_withheld else top.responses) == shown


def test_the_attack_would_find_a_count_if_wider_levels_pooled_everything(monkeypatch):
    """The subtraction test can fail: with naive pooling (every cell in the wider figures) it
    recovers the small cell."""
    rng = random.Random(2)
    cells = [(AREAS[0], "families"), (AREAS[1], "families")]
    responses = [random_answers(rng, *cells[0]) for _ in range(20)] + [
        random_answers(rng, *cells[1]) for _ in range(4)]
    monkeypatch.setattr(st, "pool_shown", lambda parts, base, m=10: [
        a for answers in parts.values() for a in answers])
    res = survey_results(responses)
    assert _attack(res, cells) != []


def test_education_professionals_reported_share_agreed():
    responses = [Answers(AREAS[0], "education", "1", {"requests_made": 4, "requests_agreed": 3})
                 for _ in range(6)] + [
        Answers(AREAS[0], "education", "1", {"requests_made": 2, "requests_agreed": 0})
        for _ in range(6)]
    res = survey_results(responses)
    m = res.level(AREAS[0], "education").reported_agreed
    assert m.answers == 12 and m.estimate == pytest.approx(18 / 36)
    assert res.level(None, "education").reported_agreed.estimate == pytest.approx(0.5)
    few = survey_results(responses[:9]).level(AREAS[0], "education").reported_agreed
    assert few.estimate is None and few.withheld


def test_every_share_of_one_question_has_one_base_dont_know_left_out():
    """The reviewer's page: 24 families, 6 of them "don't know" on the ladder. The top-two share
    and the rung shares are both out of the 18 on the ladder; beliefs are out of those with a
    view."""
    responses = ([family(AREAS[0], ladder="co_producing", belief="schools")] * 6
                 + [family(AREAS[0], ladder="engaging", belief="dont_know")] * 4
                 + [family(AREAS[0], ladder="informing", belief="parents")] * 8
                 + [family(AREAS[0], ladder="dont_know", belief="schools")] * 6)
    level = survey_results(responses).level(AREAS[0], "families")
    ladder, top = level.distributions["ladder"], level.top_two["ladder"]
    assert level.responses == 24
    assert ladder.answers == top.answers == 18 and ladder.left_out == 6
    top_values = [o.value for o in INST.question("ladder").options if o.top]
    assert sum(ladder.share(v).successes for v in top_values) == top.rate.successes == 10
    assert ladder.share("dont_know") is None
    assert level.beliefs.answers == 20 and level.beliefs.believe_schools.trials == 20
    assert level.beliefs.believe_schools.successes == 12


@settings(max_examples=25, deadline=None)
@given(rounds=hst.lists(hst.lists(hst.integers(0, 14), min_size=3, max_size=3), min_size=1,
                        max_size=4), seed=hst.integers(0, 99))
def test_publishing_round_after_round_changes_figures_only_by_blocks_of_ten(rounds, seed):
    """Rounds published one after another (each a block per audience): between any two
    published states, every figure's base changes by 0 or by at least 10 answers."""
    from dataclasses import replace

    rng = random.Random(seed)
    area = AREAS[0]
    published: list[Answers] = []
    states = []
    for block, sizes in enumerate(rounds):
        for audience, n in zip(("families", "education", "forum"), sizes, strict=True):
            published += [replace(random_answers(rng, area, audience), block=block)
                          for _ in range(n)]
        states.append(_shown_vectors(survey_results(published)))
    for before, after in itertools.combinations(states, 2):
        for key in before.keys() | after.keys():
            n_before = before[key][0] if key in before else 0
            n_after = after[key][0] if key in after else 0
            assert n_after - n_before == 0 or abs(n_after - n_before) >= st.MIN_ANSWERS, key


def test_a_small_round_is_never_pooled_into_a_published_cell():
    big = [replace_block(family(AREAS[0]), 1) for _ in range(12)]
    small = [replace_block(family(AREAS[0], ladder="decided_without_us"), 2) for _ in range(3)]
    before = survey_results(big).level(AREAS[0], "families")
    after = survey_results(big + small).level(AREAS[0], "families")
    assert before == after and after.responses == 12
    # without blocks (a coordinator's own view) the 15 are one cell
    assert survey_results([replace_block(a, None) for a in big + small]).level(
        AREAS[0], "families").responses == 15


def replace_block(a: Answers, block) -> Answers:
    from dataclasses import replace

    return replace(a, block=block)


def test_no_answers_is_not_withheld_but_answers_in_withheld_blocks_are():
    """A question nobody answered is 0 answers, not withheld; one whose few answers sit in a
    block too small to pool (3 of a round's 12) is withheld at every level, never '0'."""
    from dataclasses import replace

    first = [replace(family(AREAS[0]), block=1) for _ in range(12)]
    second = [replace(family(AREAS[0], **({"know_forum": "yes"} if i < 3 else {})), block=2)
              for i in range(12)]
    res = survey_results(first + second)
    for level in (res.level(AREAS[0], "families"), res.level(None, "families")):
        assert level.distributions["know_forum"].withheld, "3 answers hidden, not 'no answers'"
        assert level.distributions["know_forum"].answers == 0  # pooled from no block
        nobody = level.distributions["barriers"]
        assert nobody.answers == 0 and nobody.withheld is None


def test_a_level_whose_respondents_all_sit_in_withheld_blocks_is_withheld_not_empty():
    """3 education professionals in a block of their own (too small to show): their LA, their
    LA's audiences together and every LA surveyed say "withheld", never 0 respondents (which
    would tell the reader nobody answered); an audience nobody answered is 0, not withheld."""
    from dataclasses import replace

    families = [replace(family(AREAS[0]), block=1) for _ in range(12)]
    education = [Answers(AREAS[1], "education", "1", {"who_is_favoured": "schools"}, block=2)
                 for _ in range(3)]
    res = survey_results(families + education)
    for key in ((AREAS[1], "education"), (AREAS[1], None), (None, "education")):
        level = res.level(*key)
        assert level.responses_withheld, key
        assert level.distributions["who_is_favoured"].withheld, key
    for key in ((AREAS[0], "families"), (AREAS[0], None), (None, "families"), (None, None)):
        level = res.level(*key)
        assert not level.responses_withheld and level.responses == 12, key
    forum = res.level(None, "forum")  # nobody answered: 0, not withheld
    assert forum.responses == 0 and not forum.responses_withheld
