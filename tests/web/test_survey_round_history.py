"""A round against its LA's history (issue 27, item 6), on the website: the paced stuffing of the
issue sent through the survey's own pages is found far from Kent's earlier published round and
as one answer at once, on the checks page; publishing it needs the audited confirmation. The
history is the LA's other published rounds, or its statistical neighbours' pooled when those
hold fewer than 10 answers (never named)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from copro.survey.answers import clean_answers
from copro.web.survey import store
from copro.web.survey.models import Response, Round
from copro.web.survey.round_history import per_hour, round_history
from tests.test_survey_anomalies import genuine_round, paced_attack
from tests.web.survey_helpers import INST, KENT, answer, coordinator, publish, signed_in

pytestmark = pytest.mark.django_db


def _published_round(code: str, subs, opened, days=14) -> Round:
    """An earlier round of ``subs`` (stored directly: only the attack needs the pages),
    closed after ``days`` and published."""
    r = Round.objects.create(area_code=code, instrument_version="1")
    for s in subs:
        answers, errors = clean_answers(INST, "families", s.answers)
        assert not errors
        store.save_response(r, "families", answers, client=s.client, token=None,
                            seconds=s.seconds)
    Round.objects.filter(pk=r.pk).update(opened_at=opened,
                                         closed_at=opened + timedelta(days=days))
    r.refresh_from_db()
    return publish(r)


def test_the_paced_attack_through_the_pages_is_far_from_kents_earlier_round():
    """Kent's earlier round: 40 genuine (discontented) families. This round: 12 genuine answers
    over two weeks and 36 stuffed (a contented template, three questions varied in each), each
    from its own address through the survey's pages; the stuffed ones 8 a minute and 35 s
    each on the form (the test client cannot wait: the send times and seconds are set after
    sending, as the attack made them)."""
    from copro.web.accounts.models import AuditEvent

    coordinator("kent", KENT)
    manager = signed_in("kent")
    rng = random.Random(27)
    now = timezone.now()
    _published_round(KENT, genuine_round(rng, 40, satisfaction=-1.2), now - timedelta(days=60))
    opened = now - timedelta(days=14)
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    Round.objects.filter(pk=r.pk).update(opened_at=opened)
    real = genuine_round(random.Random(12), 12, satisfaction=-1.2, start=2000)
    stuffed = paced_attack(rng)
    for i, s in enumerate(real + stuffed):
        sent = answer(Client(), KENT, "families", s.answers, remote=f"10.27.{i // 200}.{i % 200}")
        assert sent.status_code == 302, sent.status_code
        stored = Response.objects.latest("id")
        Response.objects.filter(pk=stored.pk).update(
            submitted_at=opened + (s.at - s.at.replace(day=2, hour=18, minute=0)),
            seconds_to_complete=s.seconds)
    assert Response.objects.filter(round=r).count() == 48
    Round.objects.filter(pk=r.pk).update(closed_at=now)
    page = manager.get(f"/survey/manage/round/{r.pk}/checks/").content.decode()
    assert "Nothing stands out" not in page
    assert "Kent&#x27;s other published rounds (40 answers) would give about" in page
    assert "may be a genuine change" in page and "No answers are named" in page
    assert "within the hour from" in page and "one answer at once" in page
    assert "top two rungs of the ladder" in page and "left without the" in page  # without them
    # no connection's hash, let alone its address (the hashes of this round's answers, sent
    # through the pages; the earlier round's were written by the test: "g1", found by chance
    # in a form's random token)
    for client in Response.objects.filter(round=r).values_list("client_hash", flat=True):
        assert len(client) >= 16 and client not in page
    assert "10.27." not in page
    refused = manager.post(f"/survey/manage/round/{r.pk}/publish/", {"confirm": "yes"})
    assert refused.status_code == 400
    assert "or answers far from earlier rounds" in refused.content.decode()
    done = manager.post(f"/survey/manage/round/{r.pk}/publish/",
                        {"confirm": "yes", "flags_seen": "yes"})
    assert done.status_code == 302
    detail = AuditEvent.objects.get(action="round published", subject=f"round {r.pk}").detail
    assert "shift (0 answers)" in detail and "answer_burst (" in detail


def test_a_round_without_its_history_has_none_of_these_findings():
    """The same answers with no earlier round anywhere: no history, so neither check runs
    (the round's own checks still do)."""
    from copro.web.survey.coordinate import _report

    rng = random.Random(27)
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    for s in genuine_round(rng, 12, satisfaction=-1.2) + paced_attack(rng):
        answers, _ = clean_answers(INST, "families", s.answers)
        store.save_response(r, "families", answers, client=s.client, token=None, seconds=35)
    history = round_history(r)
    assert history.answers == {} and history.per_hour is None
    kinds = {f.kind for f in _report(r).findings}
    assert not {"shift", "answer_burst"} & kinds


def test_with_too_few_answers_of_its_own_the_neighbours_are_pooled_and_not_named():
    from copro.sources.neighbours import bundled_neighbours

    rng = random.Random(5)
    now = timezone.now()
    first, second = (n.code for n in bundled_neighbours().of(KENT)[:2])
    _published_round(first, genuine_round(rng, 10), now - timedelta(days=90))
    _published_round(second, genuine_round(rng, 12), now - timedelta(days=80))
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    history = round_history(r)
    assert history.source == {"families": "Kent's statistical neighbours' published rounds, "
                                          "pooled (22 answers)"}
    assert sum(history.answers[("families", "ladder")].values()) == 22
    names = store.local_authorities()
    assert names[first] not in history.source["families"]


def test_its_own_published_rounds_come_first_and_the_rate_is_per_hour_open():
    rng = random.Random(6)
    now = timezone.now()
    _published_round(KENT, genuine_round(rng, 14), now - timedelta(days=40), days=7)
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    history = round_history(r)
    assert history.source == {"families": "Kent's other published rounds (14 answers)"}
    assert history.per_hour == pytest.approx(14 / (7 * 24))
    assert per_hour(r) == history.per_hour
