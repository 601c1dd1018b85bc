"""Shared devices and lost answers: survey pages are never stored by the browser, answers in
progress are forgotten after a few idle minutes, sending them ends the session, and an answer
begun while a round was open is still taken for a short while after it closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from copro.web.survey.models import Response, Round
from tests.web.survey_helpers import LEEDS

pytestmark = pytest.mark.django_db
SECRET = "My son Sam at Oakfield"
BASE = f"/survey/{LEEDS}/forum"


def _begin(client: Client) -> None:
    """Start the forum survey and write a free-text answer, without sending it."""
    assert client.get(f"{BASE}/").status_code == 200
    r = client.post(f"{BASE}/beliefs/", {"who_is_favoured": "parents"})
    assert r.status_code == 302
    r = client.post(r["Location"], {})
    assert r.status_code == 302
    r = client.post(r["Location"], {"biggest_difference": SECRET})
    assert r.status_code == 302 and r["Location"].endswith("/check/")


def test_survey_pages_are_never_stored_by_the_browser():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    _begin(c)
    for path in (f"{BASE}/", f"{BASE}/check/", f"{BASE}/all/", f"{BASE}/done/",
                 f"{BASE}/beliefs/"):
        r = c.get(path)
        assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"], path


def test_answers_in_progress_are_forgotten_after_idle_minutes():
    """The next person on a family tablet opens /check/ after the first walked away: the
    first person's written answer is not there."""
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    tablet = Client()
    _begin(tablet)
    assert SECRET in tablet.get(f"{BASE}/check/").content.decode()  # still active: kept
    assert tablet.cookies["sessionid"]["max-age"] == 30 * 60  # the cookie ends too
    session = tablet.session
    key = f"survey:{LEEDS}:forum"
    state = session[key]
    state["touched"] -= 31 * 60  # 31 minutes without a page
    session[key] = state
    session.save()
    assert SECRET not in tablet.get(f"{BASE}/check/").content.decode()


def test_the_confirmation_page_ends_the_session():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    tablet = Client()
    _begin(tablet)
    check = tablet.get(f"{BASE}/check/")
    before = tablet.session.session_key
    r = tablet.post(f"{BASE}/check/", {"token": check.context["token"]})
    assert r.status_code == 302 and Response.objects.count() == 1
    done = tablet.get(r["Location"])
    assert done.status_code == 200
    assert tablet.session.session_key != before and not dict(tablet.session)
    assert SECRET not in tablet.get(f"{BASE}/check/").content.decode()


def test_an_answer_begun_before_the_round_closed_is_still_taken():
    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    midway, late = Client(), Client()
    _begin(midway)
    token = midway.get(f"{BASE}/check/").context["token"]
    Round.objects.filter(pk=round_.pk).update(closed_at=timezone.now())
    # someone arriving after the close cannot start
    assert late.get(f"{BASE}/").status_code == 404
    # the one who began while it was open sends their answers
    r = midway.post(f"{BASE}/check/", {"token": token})
    assert r.status_code == 302 and r["Location"].endswith("/done/")
    assert Response.objects.filter(round=round_).count() == 1


def test_the_grace_period_ends():
    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    slow = Client()
    _begin(slow)
    token = slow.get(f"{BASE}/check/").context["token"]
    Round.objects.filter(pk=round_.pk).update(closed_at=timezone.now() - timedelta(minutes=31))
    r = slow.post(f"{BASE}/check/", {"token": token})
    assert r.status_code == 404 and b"not open" in r.content
    assert not Response.objects.exists()


def test_an_answer_arriving_after_publication_is_kept_but_not_published():
    from copro.web.survey import publishing, store

    round_ = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for _ in range(10):
        store.save_response(round_, "forum", {"who_is_favoured": "parents"}, client="",
                            token=None)
    midway = Client()
    _begin(midway)
    token = midway.get(f"{BASE}/check/").context["token"]
    Round.objects.filter(pk=round_.pk).update(closed_at=timezone.now())
    publishing.publish(round_.pk, LEEDS)
    assert midway.post(f"{BASE}/check/", {"token": token}).status_code == 302
    assert Response.objects.filter(round=round_).count() == 11
    assert Response.objects.filter(round=round_, published=True).count() == 10
