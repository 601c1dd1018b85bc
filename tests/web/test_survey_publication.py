"""Publication that cannot be differenced: rounds of 1, 3 and 9 answers published into figures
already public reveal nothing by subtraction; a round with no audience of 10 is not published;
the linear check over everything ever published refuses a republication that changed; closing
and publishing go through check pages; a round closed by mistake can be reopened."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from django.test import Client

from copro.survey.answers import clean_answers
from copro.survey.publication import revealing_combination
from copro.web.survey import publishing, store
from copro.web.survey.models import PublishedBlock, Response, Round
from tests.web.survey_helpers import INST, LEEDS, coordinator, random_answers, signed_in

pytestmark = pytest.mark.django_db


def _round(code=LEEDS, **counts) -> Round:
    """A closed round with ``counts[audience]`` random answers per audience."""
    r = Round.objects.create(area_code=code, instrument_version="1")
    rng = random.Random(sum(counts.values()) * 31 + Round.objects.count())
    for audience, n in counts.items():
        for _ in range(n):
            answers, errors = clean_answers(INST, audience, random_answers(rng, audience))
            assert not errors
            store.save_response(r, audience, answers, client="", token=None)
    r.closed_at = r.opened_at
    r.save(update_fields=["closed_at"])
    return r


def _numbers(doc, path=()):
    """Every number of answers behind a figure (its base) in a results document, by where it
    is (option counts inside a figure are parts of it)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _numbers(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            key = (v.get("area_code"), v.get("audience")) if isinstance(v, dict) else i
            yield from _numbers(v, (*path, key))
    elif isinstance(doc, int) and not isinstance(doc, bool) and path[-1] in (
            "responses", "answers", "respondents"):
        yield path, doc


def _published(code=LEEDS) -> dict:
    store._results.clear()
    return dict(_numbers(json.loads(Client().get(f"/survey/results/{code}.json").content)))


def test_rounds_of_1_3_and_9_reveal_nothing_by_subtraction():
    """Figures already public (20 families); then rounds adding 1, 3 and 9 families (each
    beside 10 or more of another audience, so the round itself can be published). Subtracting
    any published state from any other, for every figure at every level, gives 0 or at least
    10: never the answers of the 1, 3 or 9."""
    states = []
    publishing.publish(_round(families=20).pk, LEEDS)
    states.append(_published())
    for small, other in ((1, "education"), (3, "forum"), (9, "education")):
        plan = publishing.publish(_round(families=small, **{other: 10 + small}).pk, LEEDS)
        assert "families" not in plan.shown and other in plan.shown
        states.append(_published())
    fam = ("levels", (LEEDS, "families"), "responses")
    assert [s[fam] for s in states] == [20, 20, 20, 20]
    # every families figure is the same before and after: nothing of the 1, 3 or 9 shows
    doc = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    families = [x for x in doc["levels"] if x["audience"] == "families"]
    store._results.clear()
    publishing.publish(_round(families=20).pk, LEEDS)  # more families: their block is added
    after = json.loads(Client().get(f"/survey/results/{LEEDS}.json").content)
    assert [x for x in after["levels"] if x["audience"] == "families"] != families
    assert next(x for x in after["levels"] if x["audience"] == "families")["responses"] == 40
    states.append(_published())
    differences = set()
    for a, b in itertools.combinations(states, 2):
        for key in a.keys() | b.keys():
            differences.add(abs(b.get(key, 0) - a.get(key, 0)))
    # level against level within one state (an LA's audiences together minus one audience)
    for s in states:
        for key, value in s.items():
            if key[0] == "levels" and key[1][1] is not None:
                whole = (key[0], (key[1][0], None), *key[2:])
                if whole in s:
                    differences.add(abs(s[whole] - value))
    assert differences and not differences & set(range(1, 10)), sorted(differences)
    # the small answers stay with the coordinator, never public
    assert Response.objects.filter(audience="families", published=False).count() == 13


def test_a_round_without_10_answers_in_any_audience_is_not_published():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    for n in (1, 3, 9):
        r = _round(families=n)
        page = manager.post(f"/survey/manage/round/{r.pk}/publish/", {"confirm": "yes"})
        assert page.status_code == 400
        assert b"No audience has 10 answers" in page.content
        r.refresh_from_db()
        assert r.published_at is None and not Response.objects.filter(published=True).exists()
        with pytest.raises(publishing.PublishRefused):
            publishing.publish(r.pk, LEEDS)


def test_a_republished_round_that_changed_is_refused_by_the_linear_check():
    """A round published, unpublished (by an administrator), one answer removed, published
    again: the two publications differ by one person, so the second is refused."""
    r = _round(families=12)
    publishing.publish(r.pk, LEEDS)
    Round.objects.filter(pk=r.pk).update(published_at=None)
    Response.objects.filter(round=r).update(published=False)
    Response.objects.filter(round=r).first().delete()
    r.refresh_from_db()
    plan = publishing.plan(r)
    assert plan.problems and not plan.possible
    assert "reveal the answers of 1 person" in plan.reason
    with pytest.raises(publishing.PublishRefused):
        publishing.publish(r.pk, LEEDS)
    assert PublishedBlock.objects.count() == 1


def test_the_linear_check():
    a, b, c = (frozenset(range(i, i + n)) for i, n in ((0, 3), (100, 12), (200, 15)))
    assert revealing_combination([b, c]) is None  # disjoint blocks of 10 or more
    assert revealing_combination([a | b, b]) == 3  # before and after: 3 people
    assert revealing_combination([a | b | c, b | c, c]) == 3
    assert revealing_combination([a | b, b | c, a | c]) == 3  # (ab + ac - bc) / 2 = a
    # two overlapping blocks whose atoms are all 10 or more: nothing smaller to find
    assert revealing_combination([b | c, c]) is None


def test_the_linear_check_on_weighted_figures():
    """A weighted figure publishes each group of weighting cells' part of its base beside
    each block's (the raw figures): it reveals answers when a group, or the people of a block
    left out of the weighting, number from 1 to 9."""
    from copro.survey.publication import weighted_figure_reveals

    def check(values, groups, blocks=None):
        return weighted_figure_reveals(values, blocks or [1] * len(values), groups)

    yes = [True] * 20
    assert not check(yes, ["a"] * 10 + ["b"] * 10)
    assert check(yes[:12], ["a"] * 10 + ["b"] * 2)  # a group of 2
    assert check(yes[:12], ["a"] * 11 + [None])  # one family left out of the weighting
    assert not check(yes, ["a"] * 10 + [None] * 10)  # ten left out
    # a group of 10 with only 9 in this figure's base
    assert check([None] + yes[:19], ["a"] * 10 + ["b"] * 10)
    # two blocks, each a group of its own
    assert not check([True] * 22, ["a"] * 12 + ["b"] * 10, [1] * 12 + [2] * 10)


def _only_once_confirmed(manager, r, action: str, field: str) -> None:
    """Posting ``action`` without its check page's confirmation (the old one-click form)
    changes nothing; confirmed, it sets ``field``."""
    manager.post(f"/survey/manage/round/{r.pk}/{action}/")
    r.refresh_from_db()
    assert getattr(r, field) is None
    manager.post(f"/survey/manage/round/{r.pk}/{action}/", {"confirm": "yes"})
    r.refresh_from_db()
    assert getattr(r, field) is not None


def test_closing_and_publishing_go_through_check_pages_and_a_closed_round_reopens():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    manager.post("/survey/manage/open/", {"label": "Spring"})
    r = Round.objects.get(area_code=LEEDS)
    check = manager.get(f"/survey/manage/round/{r.pk}/close/")
    assert check.status_code == 200 and b"Are you sure you want to close" in check.content
    _only_once_confirmed(manager, r, "close", "closed_at")
    # closed by mistake: reopened
    assert manager.post(f"/survey/manage/round/{r.pk}/reopen/").status_code == 302
    r.refresh_from_db()
    assert r.closed_at is None and store.open_round(LEEDS) == r
    for _ in range(11):
        store.save_response(r, "families", {"ladder": "engaging"}, client="", token=None)
    manager.post(f"/survey/manage/round/{r.pk}/close/", {"confirm": "yes"})
    check = manager.get(f"/survey/manage/round/{r.pk}/publish/")
    assert check.status_code == 200 and b"Check before you publish" in check.content
    assert b"cannot be undone" in check.content and b"fewer than 10" not in check.content
    _only_once_confirmed(manager, r, "publish", "published_at")
    # a published round is never reopened
    assert manager.post(f"/survey/manage/round/{r.pk}/reopen/").status_code == 403


def test_reopening_is_refused_while_another_round_is_open():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    old = _round(families=2)
    manager.post("/survey/manage/open/", {"label": "New"})
    r = manager.post(f"/survey/manage/round/{old.pk}/reopen/")
    assert r.status_code == 409 and b"Another round is open" in r.content
    assert Round.objects.filter(area_code=LEEDS, closed_at__isnull=True).count() == 1


def test_the_database_holds_one_open_round_per_la():
    from django.db import IntegrityError, transaction

    Round.objects.create(area_code=LEEDS, instrument_version="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(area_code=LEEDS, instrument_version="1")
    # closed and imported rounds are not limited
    from django.utils import timezone

    Round.objects.create(area_code=LEEDS, instrument_version="1", imported=True)
    Round.objects.create(area_code=LEEDS, instrument_version="1", closed_at=timezone.now())
    assert Round.objects.filter(area_code=LEEDS).count() == 3
