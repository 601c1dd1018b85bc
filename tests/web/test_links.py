"""Links someone follows from an email or a handout are built from the operator's
``COPRO_SITE_URL``, never from the request's Host header: a forged Host would otherwise send
the owner of an account a working link to the forger's site. Password resets (and the survey
links a coordinator hands out) fall back to the request's address, which Django accepts only
among the allowed hosts, where the site address is unset; invitations, authenticator set-up
links and handovers refuse, in one line; an unlock link is not sent. An unlock link works
once."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from copro.web.accounts.models import AuditEvent, Invitation
from tests.web.accounts_helpers import with_second_factor
from tests.web.survey_helpers import LEEDS, PASSWORD, coordinator, signed_in

pytestmark = pytest.mark.django_db
SITE = "https://copro.example.org"
FORGED = "attacker.example"
OWNER = "owner@leeds-forum.example"


@pytest.fixture
def any_host(settings):
    """The worst case: the operator allows any Host (so Django does not refuse a forged one)
    and the site's address is configured."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<]+", text)


def _owner():
    user = coordinator(OWNER, LEEDS)
    user.email = OWNER
    user.save()
    return user


def _admin() -> Client:
    user = get_user_model().objects.create_superuser("admin@copro.example", password=PASSWORD)
    client = Client(HTTP_HOST=FORGED)
    client.force_login(user)
    return with_second_factor(client, user)


def _lock(host: str) -> None:
    for i in range(20):
        Client(REMOTE_ADDR=f"10.1.{i}.1", HTTP_HOST=host).post(
            "/survey/login/", {"username": OWNER, "password": f"guess {i}"})


def test_a_password_reset_link_comes_from_the_site_address_not_the_host(any_host):
    _owner()
    Client(HTTP_HOST=FORGED).post("/accounts/password-reset/", {"email": OWNER})
    (link,) = _links(mail.outbox[-1].body)
    assert link.startswith(SITE + "/accounts/password-reset/"), link


def test_without_a_site_address_a_reset_link_uses_an_allowed_host_only(settings):
    settings.SITE_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _owner()
    assert Client(HTTP_HOST=FORGED).post(
        "/accounts/password-reset/", {"email": OWNER}).status_code == 400  # not an allowed host
    assert mail.outbox == []
    Client(HTTP_HOST="localhost").post("/accounts/password-reset/", {"email": OWNER})
    (link,) = _links(mail.outbox[-1].body)
    assert link.startswith("http://localhost/accounts/password-reset/"), link


def test_an_unlock_link_comes_from_the_site_address_and_works_once(any_host):
    _owner()
    _lock(FORGED)
    (link,) = _links(mail.outbox[-1].body)
    assert link.startswith(SITE + "/accounts/unlock/"), link
    path = link.removeprefix(SITE)
    owner = Client()
    assert owner.get(path).status_code == 302
    assert Client().get(path).status_code == 404  # used: refused, in another browser too
    assert owner.get(path).status_code == 404  # and in the same one
    assert AuditEvent.objects.filter(subject=OWNER, detail="unlock link opened").count() == 1


def test_without_a_site_address_no_unlock_link_is_sent(any_host):
    any_host.SITE_URL = ""
    _owner()
    _lock(FORGED)
    assert mail.outbox == []
    assert AuditEvent.objects.filter(
        subject=OWNER, detail__contains="COPRO_SITE_URL not set: no unlock link sent").exists()


def test_an_administrators_invitation_and_set_up_link_come_from_the_site_address(any_host):
    user = _owner()
    admin = _admin()
    r = admin.post("/admin/accounts/invitation/add/", {
        "email": "new@kent-forum.example", "area_code": "E10000016", "forum": ""})
    assert r.status_code == 302, r.content[:500]
    (link,) = _links(mail.outbox[-1].body)
    assert link.startswith(SITE + "/accounts/invitation/"), link
    admin.post("/admin/auth/user/", {"action": "reset_second_factor",
                                     "_selected_action": [user.pk]})
    (link,) = _links(mail.outbox[-1].body)
    assert link.startswith(SITE + "/accounts/invitation/"), link


def test_without_a_site_address_the_admin_refuses_to_invite_or_send_a_set_up_link(any_host):
    any_host.SITE_URL = ""
    user = _owner()
    admin = _admin()
    r = admin.post("/admin/accounts/invitation/add/", {
        "email": "new@kent-forum.example", "area_code": "E10000016", "forum": ""},
        follow=True)
    page = r.content.decode()
    assert "COPRO_SITE_URL is not set" in page
    assert not Invitation.objects.filter(user__username="new@kent-forum.example").exists()
    r = admin.post("/admin/auth/user/", {"action": "reset_second_factor",
                                         "_selected_action": [user.pk]}, follow=True)
    assert "COPRO_SITE_URL is not set" in r.content.decode()
    assert mail.outbox == []


def test_a_handover_link_comes_from_the_site_address_and_is_refused_without_one(any_host):
    coordinator("leeds", LEEDS)
    any_host.SITE_URL = ""
    manager = signed_in("leeds")
    r = manager.post("/survey/manage/handover/", {"confirm": "yes", "email": "new@forum.example"},
                     HTTP_HOST=FORGED)
    assert r.status_code == 400 and "COPRO_SITE_URL is not set" in r.content.decode()
    assert mail.outbox == [] and get_user_model().objects.get(username="leeds").is_active
    any_host.SITE_URL = SITE
    manager.post("/survey/manage/handover/", {"confirm": "yes", "email": "new@forum.example"},
                 HTTP_HOST=FORGED)
    (link,) = _links(mail.outbox[-1].body)
    assert link.startswith(SITE + "/accounts/invitation/"), link


def test_the_survey_links_a_coordinator_hands_out_use_the_site_address(any_host):
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    page = manager.get("/survey/manage/", HTTP_HOST=FORGED).content.decode()
    assert f"{SITE}/survey/{LEEDS}/families/" in page
    assert FORGED not in page
