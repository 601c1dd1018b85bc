"""One login policy (issue 27, items 3, 4 and 7), through Django's test client on the real
views: guesses spread over many addresses lock the account and its owner still gets in by the
emailed unlock link; a password alone never sets up an account's first authenticator app;
an administrator resets a lost device, audited; reset requests are limited and logged;
an idle session is signed out and asks for the second factor again, whatever was visited
first; administrators give the second factor before managing rounds. The attacks that are
about the server (forwarded headers, the admin's login) are replayed through gunicorn in
test_login_policy_server.py."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from copro.web.accounts import audit, invitations
from copro.web.accounts.models import AuditEvent
from copro.web.accounts.sessions import LAST_SEEN
from copro.web.survey.models import LoginAttempt, Round
from tests.web.accounts_helpers import next_code, totp_code, with_second_factor
from tests.web.survey_helpers import LEEDS, PASSWORD, answer, coordinator, signed_in

pytestmark = pytest.mark.django_db
OWNER = "coordinator@leeds-forum.example"


def _owner():
    user = coordinator(OWNER, LEEDS)
    user.email = OWNER
    user.save()
    return user


def _login(client, username=OWNER, password=PASSWORD, next_=""):
    return client.post("/survey/login/" + (f"?next={next_}" if next_ else ""),
                       {"username": username, "password": password})


def _link(message, prefix: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s]+)", message.body)
    assert found, message.body
    return found.group(1)


def test_guesses_over_25_addresses_lock_the_account_but_the_owner_unlocks_by_email():
    _owner()
    answers = []
    for i in range(100):  # 4 guesses from each of 25 addresses: under the per-address limit
        r = _login(Client(REMOTE_ADDR=f"10.1.{i % 25}.1"), password=f"guess {i}")
        answers.append(r.status_code)
    assert answers[:20] == [400] * 20  # 20 checked, then the account is locked
    assert answers[20:] == [429] * 80
    assert LoginAttempt.objects.count() == 20  # refused unchecked: not counted, not tried
    # the attacker holding the right password, from a new address, is refused too
    r = _login(Client(REMOTE_ADDR="10.2.0.1"))
    assert r.status_code == 429 and b"This account is locked" in r.content
    assert "_auth_user_id" not in r.client.session
    # a user name with no account gets the same words (nothing says which names exist)
    for i in range(20):
        _login(Client(REMOTE_ADDR=f"10.3.{i}.1"), username="nobody@example.org")
    nobody = _login(Client(REMOTE_ADDR="10.3.99.1"), username="nobody@example.org")
    assert nobody.status_code == 429 and b"This account is locked" in nobody.content
    # the owner was emailed once, when the cap was reached
    assert [m.to for m in mail.outbox] == [[OWNER]]
    assert AuditEvent.objects.filter(subject=OWNER, detail__startswith="locked after 20").count()
    owner = Client(REMOTE_ADDR="192.0.2.7")
    assert _login(owner).status_code == 429  # without the link, locked as everyone
    link = _link(mail.outbox[0], "/accounts/unlock/")
    assert Client().get(link[:-3] + "xx/").status_code == 404  # a forged token
    r = owner.get(link)
    assert r.status_code == 302 and r["Location"] == "/survey/login/"
    assert b"Your unlock link has been opened" in owner.get("/survey/login/").content
    r = _login(owner)
    assert r.status_code == 302 and r["Location"] == "/survey/manage/"
    # the link worked for the owner's browser only, and now not at all (it signed in)
    assert _login(Client(REMOTE_ADDR="10.2.0.1")).status_code == 429
    assert Client().get(link).status_code == 404
    assert AuditEvent.objects.filter(subject=OWNER, detail="unlock link opened").exists()


def test_a_password_reset_lifts_the_accounts_lock():
    user = _owner()
    for i in range(20):
        _login(Client(REMOTE_ADDR=f"10.1.{i}.1"), password="wrong")
    assert _login(Client(REMOTE_ADDR="192.0.2.7")).status_code == 429
    Client().post("/accounts/password-reset/", {"email": OWNER})
    reset = Client()
    r = reset.get(_link(mail.outbox[-1], "/accounts/password-reset/"))
    new = "a brand new passphrase 31"
    reset.post(r["Location"], {"new_password1": new, "new_password2": new})
    user.refresh_from_db()
    assert user.check_password(new)
    assert _login(Client(REMOTE_ADDR="192.0.2.7"), password=new).status_code == 302


def test_an_unenrolled_account_cannot_be_enrolled_with_its_password_alone():
    """``copro users create`` makes an account with a password and no app: whoever has the
    password signs in, but cannot set up the app (and so cannot read written answers); the
    owner sets it up from the link an administrator emails, with their password."""
    user = _owner()
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    answer(Client(), LEEDS, "families", {"ladder": "informing",
                                         "biggest_difference": "Leeds written answer"})
    thief = signed_in(OWNER, second_factor=False)
    page = thief.get("/accounts/two-factor/setup/")
    assert page.status_code == 403 and b"from your email" in page.content
    assert thief.post("/accounts/two-factor/setup/", {"code": "123456"}).status_code == 403
    assert not TOTPDevice.objects.filter(user=user).exists()  # no key was ever shown
    r = thief.get("/survey/manage/download/?confirm=1&free_text=1", follow=True)
    assert b"Leeds written answer" not in r.content
    # an enrolment link, emailed to the owner; an account that has an app gets none
    invitations.enrolment_link(OWNER, actor="admin", base_url="https://copro.example.org")
    link = _link(mail.outbox[-1], "/accounts/invitation/")
    assert mail.outbox[-1].to == [OWNER]
    owner = Client()
    assert owner.get(link).status_code == 200  # opening it (a mail scanner) uses nothing
    assert owner.post(link, {"password": "not the password"}).status_code == 400
    r = owner.post(link, {"password": PASSWORD})
    assert r["Location"] == "/accounts/two-factor/setup/"
    key = re.search(r'id="key">([A-Z2-7 ]+)<', owner.get(r["Location"]).content.decode())
    r = owner.post("/accounts/two-factor/setup/", {"code": totp_code(key.group(1))})
    assert r.status_code == 200 and b"recovery codes" in r.content
    assert owner.get("/survey/manage/download/?confirm=1&free_text=1").status_code == 200
    # used up; the thief's session still cannot set one up (it now asks for the code)
    assert Client().post(link, {"password": PASSWORD}).status_code == 404
    assert thief.get("/accounts/two-factor/setup/")["Location"].startswith(
        "/accounts/two-factor/?")
    with pytest.raises(invitations.InvitationError, match="already has an authenticator app"):
        invitations.enrolment_link(OWNER, actor="admin", base_url="https://x")
    details = list(AuditEvent.objects.filter(subject=OWNER).values_list("detail", flat=True))
    assert "authenticator set-up link emailed" in details
    assert "authenticator set-up link used" in details


def test_an_administrator_resets_a_lost_device_audited():
    user = _owner()
    old = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    old_key = old.bin_key
    admin_user = get_user_model().objects.create_superuser("admin@copro.example", password=PASSWORD)
    admin = Client()
    admin.force_login(admin_user)
    with_second_factor(admin, admin_user)
    r = admin.post("/admin/auth/user/", {"action": "reset_second_factor",
                                         "_selected_action": [user.pk]})
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.filter(subject=OWNER, action=audit.ACCOUNT,
                                      detail__startswith="second factor reset").get()
    assert event.actor == "admin@copro.example"
    # the lost phone's codes no longer work; the emailed link sets up the new one
    c = signed_in(OWNER, second_factor=False)
    assert c.post("/accounts/two-factor/", {"code": totp_code(old_key)}).status_code == 302
    assert c.get("/accounts/two-factor/setup/").status_code == 403
    link = _link(mail.outbox[-1], "/accounts/invitation/")
    assert "in place of the one you lost" in mail.outbox[-1].body
    new = Client()
    assert new.post(link, {"password": PASSWORD})["Location"] == "/accounts/two-factor/setup/"
    key = re.search(r'id="key">([A-Z2-7 ]+)<',
                    new.get("/accounts/two-factor/setup/").content.decode()).group(1)
    assert new.post("/accounts/two-factor/setup/", {"code": totp_code(key)}).status_code == 200


def test_reset_requests_are_limited_and_logged_without_saying_who_has_an_account():
    _owner()
    attacker = Client(REMOTE_ADDR="10.5.5.5")
    pages = [attacker.post("/accounts/password-reset/", {"email": OWNER}) for _ in range(30)]
    assert {(p.status_code, p["Location"]) for p in pages} == {
        (302, "/accounts/password-reset/sent/")}
    assert len(mail.outbox) == 3  # a day's emails for one address
    logged = AuditEvent.objects.filter(detail__startswith="password reset requested")
    assert logged.count() == 30
    assert logged.filter(detail__endswith="link emailed").count() == 3
    # 3 sent, then 7 refused for the address, then (10 an hour from one client) 20 for it
    assert logged.filter(detail__contains="for this address").count() == 7
    assert logged.filter(detail__contains="from this client").count() == 20
    # an address with no account gets the same answer, and its text is not logged
    other = Client(REMOTE_ADDR="10.6.6.6").post("/accounts/password-reset/",
                                                {"email": "jane.smith@example.org"})
    assert (other.status_code, other["Location"]) == (302, "/accounts/password-reset/sent/")
    assert "jane" not in " ".join(f"{e.subject} {e.detail}" for e in AuditEvent.objects.all())
    # per client: 10 an hour, whatever the addresses
    spray = Client(REMOTE_ADDR="10.7.7.7")
    for i in range(12):
        spray.post("/accounts/password-reset/", {"email": f"someone{i}@example.org"})
    assert logged.filter(detail__contains="from this client").count() == 22
    # the owner loses nothing: the first link emailed still works
    r = Client().get(_link(mail.outbox[0], "/accounts/password-reset/"))
    assert r.status_code == 302 and r["Location"].endswith("/set-password/")


def test_an_idle_session_asks_for_the_second_factor_again():
    coordinator("leeds", LEEDS)
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = signed_in("leeds")
    assert c.get("/survey/manage/download/?confirm=1&free_text=1").status_code == 200
    assert c.session.get_expiry_age() == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    session = c.session
    session[LAST_SEEN] = time.time() - 31 * 60  # 31 minutes without a request
    session.save()
    r = c.get("/survey/manage/download/?confirm=1&free_text=1")
    assert r.status_code == 302 and r["Location"].startswith("/survey/login/")
    assert "_auth_user_id" not in c.session
    assert AuditEvent.objects.filter(
        actor="leeds", detail="signed out after 30 minutes without activity").exists()
    assert _login(c, "leeds").status_code == 302
    r = c.get("/survey/manage/download/?confirm=1&free_text=1")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/two-factor/")
    # 29 minutes idle is not enough
    device = get_user_model().objects.get(username="leeds").totpdevice_set.get()
    c.post("/accounts/two-factor/", {"code": next_code(device), "next": "/"})
    session = c.session
    session[LAST_SEEN] = time.time() - 29 * 60
    session.save()
    assert c.get("/survey/manage/download/?confirm=1&free_text=1").status_code == 200


def test_one_session_policy_whatever_was_visited_first():
    """Issue 28: a coordinator who opened a survey page first got the respondent's 30
    minutes, a clean sign-in Django's two weeks. Now both get the same idle timeout."""
    coordinator("leeds", LEEDS)
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    clean, survey_first = Client(), Client()
    survey_first.post(f"/survey/{LEEDS}/families/all/", {"ladder": "informing"})
    survey_first.get(f"/survey/{LEEDS}/families/")
    for c in (clean, survey_first):
        assert _login(c, "leeds").status_code == 302
        c.get("/survey/manage/")
        assert c.session.get_expiry_age() == 30 * 60
    notice = Client().get("/survey/privacy/").content.decode()
    assert "signed out after 30 minutes without using the site" in notice
    assert "two weeks" not in notice


def test_administrators_give_the_second_factor_before_managing_rounds():
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    c = Client()
    assert _login(c, "admin", next_="/admin/")["Location"] == "/admin/"
    for path in (f"/survey/manage/?la={LEEDS}", "/survey/manage/download/"):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/two-factor/"), path
    r = c.post("/survey/manage/open/", {"la": LEEDS, "label": "Spring"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/two-factor/")
    assert not Round.objects.exists()
    with_second_factor(c, get_user_model().objects.get(username="admin"))
    assert c.get(f"/survey/manage/?la={LEEDS}").status_code == 200
    # a coordinator's management pages (no written answers) still need only the password
    coordinator("leeds", LEEDS)
    assert signed_in("leeds", second_factor=False).get("/survey/manage/").status_code == 200
