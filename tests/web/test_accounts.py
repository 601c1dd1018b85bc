"""Accounts for a national service, through Django's test client on the real views: invitations
(single-use, expiring), the second factor before any free text and before the admin, recovery
codes, deactivation and hand-over, and the append-only audit log (what it records, and that it
holds no answer)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from copro.web.accounts import audit, invitations
from copro.web.accounts.models import AppendOnly, AuditEvent, Invitation
from copro.web.survey.models import Round
from tests.web.accounts_helpers import next_code, totp_code, with_second_factor
from tests.web.survey_helpers import KENT, LEEDS, PASSWORD, answer, coordinator, signed_in

pytestmark = pytest.mark.django_db
SMTP = "django.core.mail.backends.locmem.EmailBackend"
NEW_PASSWORD = "another long passphrase 77"


def _invite(email="coordinator@forum.example", code=LEEDS, **kw):
    with override_settings(EMAIL_BACKEND=SMTP):
        invitations.invite(email, area_code=code, invited_by="admin@example.org",
                           base_url="https://copro.example.org", **kw)
    link = re.search(r"https://copro\.example\.org(/accounts/invitation/[^/\s]+/)",
                     mail.outbox[-1].body)
    return link.group(1)


def _accept(client, path, password=NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def test_an_invitation_sets_the_password_once_and_leads_to_the_authenticator_setup():
    path = _invite(forum="Leeds Parent Carer Forum")
    assert mail.outbox[-1].to == ["coordinator@forum.example"]
    user = get_user_model().objects.get(username="coordinator@forum.example")
    assert not user.is_active and not user.has_usable_password()
    assert user.survey_coordinator.area_code == LEEDS
    # the token itself is never stored, only its hash
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()
    c = Client()
    assert c.get(path).status_code == 200
    weak = _accept(c, path, "password")
    assert weak.status_code == 400  # Django's validators: too short, too common
    r = _accept(c, path)
    assert r.status_code == 302 and r["Location"] == "/accounts/two-factor/setup/"
    user.refresh_from_db()
    assert user.is_active and user.check_password(NEW_PASSWORD)
    # single use: the same link again, from anyone, is refused
    assert Client().get(path).status_code == 404
    assert _accept(Client(), path, "a third long passphrase 9").status_code == 404


def test_the_access_log_never_holds_a_links_secret(caplog):
    caplog.set_level("INFO", logger="copro.access")
    path = _invite()
    token = path.rstrip("/").rsplit("/", 1)[1]
    Client().get(path)
    Client().get(f"/accounts/password-reset/MQ/{token}/")
    Client().get("/accounts/password-reset/sent/")
    logged = [r.getMessage() for r in caplog.records if r.name == "copro.access"]
    assert '"/accounts/invitation/(secret)/"' in " ".join(logged)
    assert '"/accounts/password-reset/sent/"' in " ".join(logged)
    assert token not in " ".join(logged)


def test_an_expired_invitation_is_refused():
    path = _invite()
    Invitation.objects.all().update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(path).status_code == 404
    assert _accept(Client(), path).status_code == 404
    assert not get_user_model().objects.get(username="coordinator@forum.example").is_active


@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def test_inviting_without_email_configured_says_so():
    with pytest.raises(invitations.InvitationError, match="COPRO_EMAIL_URL"):
        invitations.invite("a@b.example", area_code=LEEDS, invited_by="x", base_url="https://x")


def test_setting_up_the_app_needs_its_code_then_gives_recovery_codes_once():
    path = _invite()
    c = Client()
    _accept(c, path)
    page = c.get("/accounts/two-factor/setup/").content.decode()
    key = re.search(r'id="key">([A-Z2-7 ]+)<', page).group(1)
    assert c.post("/accounts/two-factor/setup/", {"code": "000000" if totp_code(key) != "000000"
                                                  else "111111"}).status_code == 400
    time.sleep(1.1)  # django-otp's throttle: a second try waits 1 s after a failure, then 2 ...
    r = c.post("/accounts/two-factor/setup/", {"code": totp_code(key)})
    assert r.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", r.content.decode())
    assert len(codes) == 10
    # issue 28: the codes can be downloaded as a text file (no script) or printed
    from urllib.parse import unquote

    link = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)" '
                     r'download="copro-recovery-codes.txt"', r.content.decode())
    assert link and unquote(link.group(1)).split("\r\n")[3:13] == codes
    assert "print this page" in r.content.decode()
    # set up once: the page now asks for a code instead of offering a new key
    assert c.get("/accounts/two-factor/setup/")["Location"].startswith("/accounts/two-factor/")
    # a recovery code signs a new session in, once
    for expected in (302, 400):
        other = Client()
        other.post("/survey/login/", {"username": "coordinator@forum.example",
                                      "password": NEW_PASSWORD})
        r = other.post("/accounts/two-factor/", {"code": codes[0], "next": "/survey/manage/"})
        assert r.status_code == expected


def test_free_text_needs_a_second_factor_on_the_server():
    coordinator("leeds", LEEDS)
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    answer(Client(), LEEDS, "families", {"ladder": "informing",
                                         "biggest_difference": "Leeds written answer"})
    c = signed_in("leeds", second_factor=False)
    assert c.get("/survey/manage/").status_code == 200  # no free text there
    plain = c.get("/survey/manage/download/?confirm=1")
    assert plain.status_code == 200 and b"Leeds written answer" not in plain.content
    r = c.get("/survey/manage/download/?confirm=1&free_text=1")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/two-factor/?next=")
    # no app yet: the code page sends them to set one up, keeping where they were going
    r2 = c.get(r["Location"])
    assert r2["Location"].startswith("/accounts/two-factor/setup/?next=/survey/manage/download/")
    with_second_factor(c, get_user_model().objects.get(username="leeds"))
    r = c.get("/survey/manage/download/?confirm=1&free_text=1")
    assert r.status_code == 200 and b"Leeds written answer" in r.content
    # a wrong code is refused and recorded
    c2 = signed_in("leeds", second_factor=False)
    device = get_user_model().objects.get(username="leeds").totpdevice_set.get()
    wrong = "123456" if next_code(device) != "123456" else "654321"
    assert c2.post("/accounts/two-factor/", {"code": wrong}).status_code == 400
    assert AuditEvent.objects.filter(action=audit.SECOND_FACTOR_FAILED, actor="leeds").exists()


def test_the_admin_needs_a_second_factor():
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    c = Client()
    r = c.post("/survey/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert r["Location"] == "/admin/"
    r = c.get("/admin/")
    assert r.status_code == 302
    assert c.get(r["Location"])["Location"].startswith("/accounts/two-factor/")
    assert c.get("/admin/accounts/auditevent/").status_code == 302
    with_second_factor(c, get_user_model().objects.get(username="admin"))
    assert c.get("/admin/").status_code == 200
    log = c.get("/admin/accounts/auditevent/")
    assert log.status_code == 200 and b"sign-in" in log.content
    # a change in the admin (a coordinator's LA) is recorded: which field, not its value
    leeds = coordinator("leeds", LEEDS).survey_coordinator
    page = c.get(f"/admin/survey/coordinator/{leeds.pk}/change/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    r = c.post(f"/admin/survey/coordinator/{leeds.pk}/change/", {
        "csrfmiddlewaretoken": csrf, "user": leeds.user_id, "area_code": KENT, "forum": ""})
    assert r.status_code == 302, r.content[:2000]
    event = AuditEvent.objects.filter(action=audit.ACCOUNT, actor="admin").latest("id")
    assert event.detail.startswith("changed in the admin: Changed")
    assert "Local authority" in event.detail and KENT not in event.detail


def test_the_audit_log_records_who_did_what_and_never_an_answer():
    coordinator("leeds", LEEDS)
    coordinator("kent", KENT)
    Client().post("/survey/login/", {"username": "leeds", "password": "wrong password 1"})
    Client().post("/survey/login/", {"username": "Jane Smith 07700900123", "password": "x"})
    c = signed_in("leeds")
    c.post("/survey/manage/open/", {"label": "Spring"})
    r = Round.objects.get(area_code=LEEDS)
    for i in range(10):  # a round is published only with at least 10 answers per audience
        answer(Client(), LEEDS, "families", {"ladder": "informing",
                                             "biggest_difference": "My son's school, Oak Lane"},
               remote=f"10.0.1.{i}")
    c.post(f"/survey/manage/round/{r.pk}/close/", {"confirm": "yes"})
    c.post(f"/survey/manage/round/{r.pk}/publish/", {"confirm": "yes"})
    r.refresh_from_db()
    assert r.published_at is not None
    c.get("/survey/manage/download/?confirm=1&free_text=1")
    c.post("/survey/logout/")
    events = [(e.actor, e.action, e.area_code, e.detail)
              for e in AuditEvent.objects.order_by("id")]
    assert ("leeds", "failed sign-in", "", "") in events
    assert ("", "failed sign-in", "", "no such account") in events  # what was typed is not kept
    assert ("leeds", "sign-in", "", "") in events
    assert ("leeds", "second factor", "", "authenticator app") in events
    for action in ("round opened", "round closed", "round published"):
        assert ("leeds", action, LEEDS, "") in events
    assert ("leeds", "download", LEEDS, "with written answers") in events
    assert ("leeds", "sign-out", "", "") in events
    everything = " ".join(f"{e.actor} {e.subject} {e.detail}" for e in AuditEvent.objects.all())
    assert "Oak Lane" not in everything and "Jane Smith" not in everything
    assert "informing" not in everything


def test_the_audit_log_is_append_only():
    e = audit.record(audit.PURGE, actor="(command line)", detail="x")
    e.detail = "changed"
    with pytest.raises(AppendOnly):
        e.save()
    with pytest.raises(AppendOnly):
        e.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=e.pk).update(detail="changed")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=e.pk).detail == "x"


def test_deactivation_and_hand_over():
    old = coordinator("old@forum.example", LEEDS)
    old.survey_coordinator.forum = "Leeds PCF"
    old.survey_coordinator.save()
    c = signed_in("old@forum.example", second_factor=False)
    with override_settings(EMAIL_BACKEND=SMTP):
        invitations.hand_over("old@forum.example", "New@Forum.example", actor="admin",
                              base_url="https://copro.example.org")
    old.refresh_from_db()
    assert not old.is_active
    # their open session ends at its next request, and they cannot sign in again
    assert c.get("/survey/manage/").status_code == 302
    assert Client().post("/survey/login/", {"username": "old@forum.example",
                                            "password": PASSWORD}).status_code == 400
    new = get_user_model().objects.get(username="new@forum.example")
    assert (new.survey_coordinator.area_code, new.survey_coordinator.forum) == (LEEDS,
                                                                               "Leeds PCF")
    assert mail.outbox[-1].to == ["new@forum.example"]
    details = set(AuditEvent.objects.values_list("detail", flat=True))
    assert {"deactivated", "invited as coordinator",
            "handed over from old@forum.example"} <= details
    # an active account cannot be invited again
    with override_settings(EMAIL_BACKEND=SMTP), pytest.raises(invitations.InvitationError):
        _accept(Client(), _invite("new@forum.example"))
        invitations.invite("new@forum.example", area_code=LEEDS, invited_by="x",
                           base_url="https://x")


def test_djangos_error_line_never_holds_a_links_secret(capsys):
    """A server error on an emailed link's page: Django's "Internal Server Error: <path>" goes
    through the settings' log handler without the link's secret."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    logging.getLogger("django.request").error("%s: %s", "Internal Server Error",
                                              "/accounts/unlock/MQ/c0ffee-5ecret/")
    err = capsys.readouterr().err
    assert "Internal Server Error: /accounts/unlock/(secret)/" in err
    assert "5ecret" not in err
