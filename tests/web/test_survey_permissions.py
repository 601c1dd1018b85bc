"""Every coordinator permission is checked on the server: a coordinator of one LA never sees or
acts on another LA's rounds, answers, free text or unpublished results; anonymous users are
sent to log in; logins are rate-limited with lockout."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from copro.web.survey.models import Response, Round
from tests.web.accounts_helpers import with_second_factor
from tests.web.survey_helpers import KENT, LEEDS, PASSWORD, answer, coordinator, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_las():
    coordinator("leeds", LEEDS)
    coordinator("kent", KENT)
    kent_round = Round.objects.create(area_code=KENT, instrument_version="1")
    for i in range(12):
        answer(Client(), KENT, "families", {"ladder": "informing",
                                            "biggest_difference": f"Kent secret {i}"},
               remote=f"10.3.0.{i}")
    return kent_round


MANAGE_GETS = ["/survey/manage/", "/survey/manage/download/?confirm=1&free_text=1",
               "/survey/manage/qr/families.svg"]


@pytest.mark.parametrize("path", MANAGE_GETS)
def test_anonymous_users_are_sent_to_log_in(path):
    r = Client().get(path)
    assert r.status_code == 302 and r["Location"].startswith("/survey/login/")


def test_anonymous_posts_change_nothing(two_las):
    c = Client()
    for path in ("/survey/manage/open/", f"/survey/manage/round/{two_las.pk}/close/",
                 f"/survey/manage/round/{two_las.pk}/publish/"):
        assert c.post(path, {"la": KENT, "confirm": "yes"}).status_code == 302
    two_las.refresh_from_db()
    assert two_las.closed_at is None and two_las.published_at is None


def test_a_coordinator_cannot_reach_another_las_survey(two_las):
    leeds = signed_in("leeds")
    for path in ("/survey/manage/?la=" + KENT,
                 "/survey/manage/download/?confirm=1&free_text=1&la=" + KENT,
                 "/survey/manage/qr/families.svg?la=" + KENT):
        assert leeds.get(path).status_code == 403, path
    for path in (f"/survey/manage/round/{two_las.pk}/close/",
                 f"/survey/manage/round/{two_las.pk}/publish/"):
        assert leeds.post(path, {"confirm": "yes"}).status_code == 404  # not Leeds's round
        assert leeds.post(path, {"la": KENT, "confirm": "yes"}).status_code == 403
    two_las.refresh_from_db()
    assert two_las.closed_at is None and two_las.published_at is None
    # their own download holds only their own LA's answers
    own = leeds.get("/survey/manage/download/?confirm=1&free_text=1").content.decode()
    assert "Kent secret" not in own and own.count("\n") == 1
    # and Kent's unpublished results are not on any public address
    for path in (f"/survey/results/{KENT}.json", "/feeling-and-outcome.json", f"/la/{KENT}"):
        body = Client().get(path).content.decode()
        assert "Kent secret" not in body
    doc = json.loads(Client().get(f"/survey/results/{KENT}.json").content)
    assert all(level["responses"] in (0, None) for level in doc["levels"])


def test_a_coordinator_sees_and_downloads_their_own(two_las):
    kent = signed_in("kent")
    page = kent.get("/survey/manage/").content.decode()
    assert "12" in page and "Kent" in page
    warning = kent.get("/survey/manage/download/").content.decode()
    assert "can still identify someone" in warning
    without = kent.get("/survey/manage/download/?confirm=1").content.decode()
    assert "Kent secret" not in without and without.count("\n") == 13
    with_text = kent.get("/survey/manage/download/?confirm=1&free_text=1").content.decode()
    assert with_text.count("Kent secret") == 12
    svg = kent.get("/survey/manage/qr/education.svg")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<?xml")


def test_an_administrator_chooses_any_la():
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    admin = signed_in("admin")
    assert admin.get("/survey/manage/").status_code == 404  # must choose an LA
    assert admin.get(f"/survey/manage/?la={KENT}").status_code == 200
    assert admin.post("/survey/manage/open/", {"la": KENT}).status_code == 302
    assert Round.objects.filter(area_code=KENT).count() == 1


def test_an_account_without_an_la_gets_nothing():
    get_user_model().objects.create_user("nobody", password=PASSWORD)
    assert signed_in("nobody").get("/survey/manage/").status_code == 403


def test_wrong_passwords_from_one_address_never_lock_the_coordinator_out_elsewhere():
    """Failures count per account AND address together: 5 wrong passwords for Leeds from one
    address make that address wait, with a wait that doubles at each further lockout; the real
    coordinator at another address signs in, and so do other accounts from the same address
    (a venue's shared connection)."""
    from datetime import timedelta

    from django.utils import timezone

    from copro.web.survey.models import LoginAttempt

    coordinator("leeds", LEEDS)
    coordinator("kent", KENT)
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(5):
        r = attacker.post("/survey/login/", {"username": "leeds", "password": "wrong"})
        assert r.status_code == 400
    r = attacker.post("/survey/login/", {"username": "leeds", "password": PASSWORD})
    assert r.status_code == 429 and b"Too many failed attempts" in r.content
    assert b"Wait 15 minutes" in r.content and "_auth_user_id" not in attacker.session
    # the real coordinator, elsewhere, is not locked out
    real = Client(REMOTE_ADDR="10.8.8.8")
    assert real.post("/survey/login/", {"username": "leeds",
                                        "password": PASSWORD}).status_code == 302
    # nor is another account from the attacker's (shared) address
    for _ in range(25):
        attacker.post("/survey/login/", {"username": f"nobody{_}", "password": "wrong"})
    assert Client(REMOTE_ADDR="10.9.9.9").post("/survey/login/", {
        "username": "kent", "password": PASSWORD}).status_code == 302
    # back-off: after the wait, 5 more failures lock the pair for twice as long
    LoginAttempt.objects.update(at=timezone.now() - timedelta(minutes=16))
    for _ in range(5):
        assert attacker.post("/survey/login/", {"username": "leeds",
                                                "password": "wrong"}).status_code == 400
    r = attacker.post("/survey/login/", {"username": "leeds", "password": PASSWORD})
    assert r.status_code == 429 and b"Wait 30 minutes" in r.content
    # nothing stored says who or where: only keyed hashes
    for row in LoginAttempt.objects.values("username_hash", "client_hash"):
        assert "leeds" not in str(row) and "10.9" not in str(row)


def test_login_does_not_redirect_off_site():
    coordinator("leeds", LEEDS)
    r = Client().post("/survey/login/?next=https://evil.example/", {"username": "leeds",
                                                                     "password": PASSWORD})
    assert r["Location"] == "/survey/manage/"


def test_session_cookie_is_http_only_and_rotated_on_login():
    coordinator("leeds", LEEDS)
    c = Client()
    c.get("/survey/login/")
    c.session.save()
    before = c.session.session_key
    r = c.post("/survey/login/", {"username": "leeds", "password": PASSWORD})
    assert r.cookies["sessionid"]["httponly"]
    assert c.session.session_key != before


def test_the_admin_never_shows_free_text(two_las):
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    c = Client()
    c.force_login(get_user_model().objects.get(username="admin"))
    with_second_factor(c, get_user_model().objects.get(username="admin"))
    listing = c.get("/admin/survey/response/")
    assert listing.status_code == 200
    detail = c.get(f"/admin/survey/response/{Response.objects.first().pk}/change/")
    assert detail.status_code == 200
    for r in (listing, detail):
        assert b"Kent secret" not in r.content
