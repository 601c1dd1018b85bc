"""The coordinator's anomaly report and setting answers aside: 106 varied answers from one
connection in a burst are named (burst, one connection's share, time to complete), identical
answers too; set aside, they are kept, counted as set aside, left out of the results and of
publication; a published round's answers can no longer be set aside."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from copro.survey.answers import clean_answers
from copro.web.survey import publishing, store
from copro.web.survey.models import Response, Round
from tests.web.survey_helpers import INST, KENT, coordinator, random_answers, signed_in

pytestmark = pytest.mark.django_db


def test_ballot_stuffing_is_named_and_can_be_set_aside():
    coordinator("kent", KENT)
    manager = signed_in("kent")
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    rng = random.Random(5)
    start = timezone.now() - timedelta(hours=2)
    # 30 real families over two hours, each from their own connection, taking minutes
    for i in range(30):
        answers, _ = clean_answers(INST, "families", random_answers(rng, "families"))
        resp, _ = store.save_response(r, "families", answers, client=f"family{i}", token=None,
                                      seconds=300 + i)
        Response.objects.filter(pk=resp.pk).update(submitted_at=start + timedelta(minutes=4 * i))
    # 106 varied answers from one connection within a minute, a few seconds each
    stuffed = []
    for _ in range(106):
        answers, _ = clean_answers(INST, "families", random_answers(rng, "families"))
        resp, _ = store.save_response(r, "families", answers, client="one-address",
                                      token=None, seconds=3)
        stuffed.append(resp.pk)
    # and 4 identical answers
    for i in range(4):
        store.save_response(r, "families", {"ladder": "co_producing", "who_is_favoured":
                                            "parents"}, client=f"x{i}", token=None, seconds=90)
    page = manager.get(f"/survey/manage/round/{r.pk}/checks/").content.decode()
    assert "106 answers (76% of the round) from one connection" in page
    assert "answers in the minute from" in page
    assert "106 answers sent less than 30 seconds after the first page" in page
    assert "4 families answers identical in every question" in page
    assert "one-address" not in page  # the connection is never named by its hash

    ids = ",".join(str(i) for i in stuffed)
    manager.post(f"/survey/manage/round/{r.pk}/set-aside/",
                 {"ids": ids, "reason": "106 answers from one connection", "confirm": "yes"})
    assert Response.objects.count() == 140  # kept, never deleted
    assert Response.objects.filter(set_aside_at__isnull=False).count() == 106
    manage = manager.get("/survey/manage/").content.decode()
    assert "106 not counted (106 set aside by you)" in manage  # counted as set aside
    level = store.coordinator_results(KENT).level(KENT, "families")
    assert level.responses == 34
    # put back, then set aside again: the coordinator can change their mind until publishing
    manager.post(f"/survey/manage/round/{r.pk}/set-aside/", {"ids": ids, "action": "restore"})
    assert not Response.objects.filter(set_aside_at__isnull=False).exists()
    manager.post(f"/survey/manage/round/{r.pk}/set-aside/", {"ids": ids, "reason": "burst",
                                                             "confirm": "yes"})

    Round.objects.filter(pk=r.pk).update(closed_at=timezone.now())
    check = manager.get(f"/survey/manage/round/{r.pk}/publish/").content.decode()
    assert "106 not counted (106 set aside by you): these answers are kept, not counted and " \
        "not published" in check
    plan = publishing.publish(r.pk, KENT)
    assert plan.answers["families"] == 34
    doc = json.loads(Client().get(f"/survey/results/{KENT}.json").content)
    assert next(x for x in doc["levels"] if x["audience"] == "families")["responses"] == 34
    # published: its figures are fixed
    refused = manager.post(f"/survey/manage/round/{r.pk}/set-aside/",
                           {"ids": str(Response.objects.first().pk)})
    assert refused.status_code == 403


def test_another_las_coordinator_cannot_see_or_set_aside():
    coordinator("kent", KENT)
    coordinator("leeds", "E08000035")
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    resp, _ = store.save_response(r, "forum", {"who_is_favoured": "parents"}, client="c",
                                  token=None)
    leeds = signed_in("leeds")
    assert leeds.get(f"/survey/manage/round/{r.pk}/checks/").status_code == 404
    assert leeds.post(f"/survey/manage/round/{r.pk}/set-aside/",
                      {"ids": str(resp.pk), "confirm": "yes"}).status_code == 404
    assert not Response.objects.filter(set_aside_at__isnull=False).exists()


def test_paced_stuffing_is_shown_and_publishing_it_needs_an_audited_confirmation():
    """Issue 27, item 6: 36 varied copies of one contented answer from 36 addresses, 8 a
    minute, 35 s each, beside 12 genuine answers over two weeks: the checks page names them
    and shows the figure without them; publishing needs a confirmation, which is audited."""
    from copro.web.accounts.models import AuditEvent
    from tests.test_survey_anomalies import genuine_round, paced_attack

    coordinator("kent", KENT)
    manager = signed_in("kent")
    opened = timezone.now() - timedelta(days=14)
    r = Round.objects.create(area_code=KENT, instrument_version="1")
    Round.objects.filter(pk=r.pk).update(opened_at=opened)
    rng = random.Random(27)
    for s in genuine_round(rng, 12, satisfaction=-1.2) + paced_attack(rng):
        answers, errors = clean_answers(INST, "families", s.answers)
        assert not errors
        resp, _ = store.save_response(r, "families", answers, client=s.client, token=None,
                                      seconds=s.seconds)
        at = opened + (s.at - s.at.replace(day=2, hour=18, minute=0, second=0, microsecond=0))
        Response.objects.filter(pk=resp.pk).update(submitted_at=at)
    Round.objects.filter(pk=r.pk).update(closed_at=timezone.now())
    page = manager.get(f"/survey/manage/round/{r.pk}/checks/").content.decode()
    assert "Nothing stands out" not in page
    assert "answers in the hour from" in page and "of one pattern of answers" in page
    assert "top two rungs of the ladder" in page and "left without the" in page
    check = manager.get(f"/survey/manage/round/{r.pk}/publish/").content.decode()
    assert "I have looked at these signs" in check
    refused = manager.post(f"/survey/manage/round/{r.pk}/publish/", {"confirm": "yes"})
    assert refused.status_code == 400
    assert Round.objects.get(pk=r.pk).published_at is None
    done = manager.post(f"/survey/manage/round/{r.pk}/publish/",
                        {"confirm": "yes", "flags_seen": "yes"})
    assert done.status_code == 302 and Round.objects.get(pk=r.pk).published_at is not None
    event = AuditEvent.objects.get(action="round published")
    assert event.detail.startswith("with unresolved signs confirmed: ")
    assert "cluster" in event.detail and "arrival" in event.detail
