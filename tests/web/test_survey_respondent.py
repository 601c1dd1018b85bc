"""The respondent's side (issue 27, item 7): an answer with nothing answered is refused with a
plain message and never stored (it would count towards the 10 a figure needs), on the one-page
form and page by page; "Clear my answers" (a POST with CSRF, no JavaScript) forgets the answers
in progress on a shared device."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from copro.web.survey.models import Response, Round
from copro.web.survey.views import NOTHING_ANSWERED
from tests.web.survey_helpers import INST, LEEDS, answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_():
    return Round.objects.create(area_code=LEEDS, instrument_version="1")


def test_nothing_answered_on_the_one_page_form_is_refused(round_):
    c = Client()
    r = c.post(f"/survey/{LEEDS}/families/all/", {"token": "t1"})
    assert r.status_code == 400
    assert NOTHING_ANSWERED in r.content.decode()
    assert Response.objects.count() == 0
    r = c.post(f"/survey/{LEEDS}/families/all/", {"token": "t2", "ladder": "engaging"})
    assert r.status_code == 302 and Response.objects.count() == 1


def test_nothing_answered_page_by_page_is_refused(round_):
    c = Client()
    r = answer(c, LEEDS, "families", {})  # Continue on every page, then Send
    assert r.status_code == 400
    page = r.content.decode()
    assert NOTHING_ANSWERED in page and "There is a problem" in page
    first = INST.pages_for("families")[0][0].id
    assert f'href="/survey/{LEEDS}/families/{first}/"' in page
    assert Response.objects.count() == 0
    assert answer(Client(), LEEDS, "families", {"ladder": "informing"}).status_code == 302
    assert Response.objects.count() == 1


def _csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_clear_my_answers_forgets_them_and_sends_nothing(round_):
    c = Client(enforce_csrf_checks=True)
    c.get(f"/survey/{LEEDS}/families/")
    first = INST.pages_for("families")[0][0].id
    url = f"/survey/{LEEDS}/families/{first}/"
    page = c.get(url).content.decode()
    q = next(q for q in INST.questions_for("families") if q.page == first and q.type == "single")
    r = c.post(url, {q.id: q.values[0], "csrfmiddlewaretoken": _csrf(page)})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    # the button is a form of its own on every question page and on check and one-page
    assert f'action="/survey/{LEEDS}/families/clear-answers/"' in page
    assert "Clear my answers" in page
    for path in ("check/", "all/"):
        assert "Clear my answers" in c.get(f"/survey/{LEEDS}/families/{path}").content.decode()
    # without the CSRF token: refused, nothing cleared
    assert c.post(f"/survey/{LEEDS}/families/clear-answers/").status_code == 403
    assert f'value="{q.values[0]}" checked' in c.get(url).content.decode()
    # a GET clears nothing
    assert c.get(f"/survey/{LEEDS}/families/clear-answers/").status_code == 405
    r = c.post(f"/survey/{LEEDS}/families/clear-answers/",
               {"csrfmiddlewaretoken": _csrf(page)})
    assert r.status_code == 302 and r["Location"].endswith("/families/?cleared=1")
    assert "Your answers have been cleared" in c.get(r["Location"]).content.decode()
    assert " checked" not in c.get(url).content.decode()  # the next person sees nothing
    assert Response.objects.count() == 0
