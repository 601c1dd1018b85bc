"""The admin's door onto answers (issue 27, item 7): an administrator can read a published
answer in Django's admin but not change, add or delete it, nor delete its round; the server
refuses the admin's own POSTs, not only its buttons."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from copro.survey.instrument import CURRENT_VERSION
from copro.web.survey.models import Response, Round
from tests.web.accounts_helpers import with_second_factor
from tests.web.survey_helpers import LEEDS, PASSWORD, answer, coordinator, publish

pytestmark = pytest.mark.django_db


def _admin() -> Client:
    admin = get_user_model().objects.create_superuser("admin", password=PASSWORD)
    c = Client()
    c.post("/survey/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    with_second_factor(c, admin)
    return c


def _csrf(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                     page.content.decode()).group(1)


def _state():
    return sorted(Response.objects.values_list("id", "answers", "published", "set_aside_at",
                                               "set_aside_reason"))


def test_the_admin_cannot_change_or_delete_a_published_answer_or_its_round():
    coordinator("leeds", LEEDS)
    r = Round.objects.create(area_code=LEEDS, instrument_version=CURRENT_VERSION)
    for i in range(10):
        answer(Client(), LEEDS, "families", {"ladder": "informing"},
               remote=f"10.0.2.{i}")
    publish(r)
    assert Response.objects.filter(published=True).count() == 10
    before = _state()
    one = Response.objects.first()
    c = _admin()
    page = c.get(f"/admin/survey/response/{one.pk}/change/")
    assert page.status_code == 200  # read, yes
    assert b'name="published"' not in page.content and b"Delete" not in page.content
    token = _csrf(page)
    # the admin's own POSTs, as its buttons would send them, refused by the server
    changed = c.post(f"/admin/survey/response/{one.pk}/change/", {
        "csrfmiddlewaretoken": token, "published": "", "answers": '{"ladder": "informing"}',
        "set_aside_reason": "x", "possible_duplicate": "on"})
    assert changed.status_code == 403
    deleted = c.post(f"/admin/survey/response/{one.pk}/delete/",
                     {"csrfmiddlewaretoken": token, "post": "yes"})
    assert deleted.status_code == 403
    bulk = c.post("/admin/survey/response/", {
        "csrfmiddlewaretoken": token, "action": "delete_selected", "post": "yes",
        "_selected_action": [str(x.pk) for x in Response.objects.all()]})
    assert bulk.status_code in (200, 302, 403)
    assert c.post("/admin/survey/response/add/", {"csrfmiddlewaretoken": token}
                  ).status_code == 403
    # nor by its round: deleting it would delete the answers; its dates are not editable
    assert c.post(f"/admin/survey/round/{r.pk}/delete/",
                  {"csrfmiddlewaretoken": token, "post": "yes"}).status_code == 403
    c.post("/admin/survey/round/", {
        "csrfmiddlewaretoken": token, "action": "delete_selected", "post": "yes",
        "_selected_action": [str(r.pk)]})
    c.post(f"/admin/survey/round/{r.pk}/change/", {
        "csrfmiddlewaretoken": token, "label": "renamed", "published_at_0": "",
        "published_at_1": "", "closed_at_0": "", "closed_at_1": ""})
    r.refresh_from_db()
    assert r.published_at is not None and r.closed_at is not None
    assert _state() == before


def test_an_empty_unpublished_round_can_still_be_deleted_in_the_admin():
    r = Round.objects.create(area_code=LEEDS, instrument_version=CURRENT_VERSION)
    c = _admin()
    page = c.get(f"/admin/survey/round/{r.pk}/delete/")
    assert page.status_code == 200
    assert c.post(f"/admin/survey/round/{r.pk}/delete/",
                  {"csrfmiddlewaretoken": _csrf(page), "post": "yes"}).status_code == 302
    assert not Round.objects.filter(pk=r.pk).exists()
