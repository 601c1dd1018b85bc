"""Done when, in headless Chromium through the production server (`copro serve`) with email
sent over SMTP to a real local SMTP server (aiosmtpd) started here: an administrator sets up
their authenticator app and invites a coordinator from the admin; the invitation arrives; the
coordinator sets a password, sets up an authenticator app (codes computed here as the app
does), opens a round, downloads the written answers (which the audit log shows, by whom),
signs out; a password reset by email works, and the written answers then need a code again."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import threading
import time

import pytest

from tests.web.accounts_helpers import totp_code
from tests.web.conftest import COPRO, axe_violations, free_port
from tests.web.survey_helpers import press, sign_in_page

PASSWORD = "a long test passphrase 42"
NEW_PASSWORD = "coordinator passphrase 2026"
RESET_PASSWORD = "after the reset passphrase 7"
LEEDS = "E08000035"
ADMIN, COORDINATOR = "admin@copro.example", "coordinator@leeds-forum.example"


class Mailbox:
    """aiosmtpd's handler: every message received, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(msg)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, count: int, timeout: float = 30) -> email.message.EmailMessage:
        """The ``count``-th message to ``to``, waiting for it."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                mine = [m for m in self.messages if to in str(m["To"])]
                if len(mine) >= count:
                    return mine[count - 1]
                left = deadline - time.monotonic()
                assert left > 0, f"no email number {count} to {to} within {timeout} s"
                self.arrived.wait(left)


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def server(copro_server, smtp):
    _, port = smtp
    s = copro_server(env={"COPRO_EMAIL_URL": f"smtp://127.0.0.1:{port}",
                          "COPRO_EMAIL_FROM": "copro@copro.example",
                          "COPRO_SURVEY_RATE_LIMIT": "1000"})
    env = {**os.environ, "COPRO_DATA_DIR": str(s.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    r = subprocess.run([COPRO, "users", "create", ADMIN, "--admin"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    # made on the command line: its authenticator app only from a set-up link
    r = subprocess.run([COPRO, "users", "enrol", ADMIN, "--show"],
                       env={**env, "COPRO_SITE_URL": s.url}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    s.admin_link = r.stdout.strip()
    return s


def _link(message, url: str) -> str:
    body = message.get_body(("plain",)).get_content()
    found = re.search(re.escape(url) + r"/accounts/[^\s]+", body)
    assert found, body
    return found.group(0)


def _set_up_app(page) -> str:
    """On the set-up page: the key as a person would type it, and the app's code for it."""
    assert page.locator("h1").inner_text() == "Set up your authenticator app"
    assert axe_violations(page) == [], page.url
    key = page.locator("#key").inner_text()
    page.get_by_label("Code from the app").fill(totp_code(key))
    press(page, "Confirm")
    assert page.locator("h1").inner_text() == "Your recovery codes"
    assert page.locator("#recovery-codes li").count() == 10
    assert axe_violations(page) == [], page.url
    press(page, "Continue", "link")
    return key


def test_invitation_two_factors_download_and_password_reset(browser, server, smtp):
    mailbox, _ = smtp
    url = server.url

    # the administrator sets up their authenticator app from their set-up link
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    page.goto(server.admin_link)
    assert axe_violations(page) == [], page.url
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Continue")
    _set_up_app(page)
    # the admin has no sign-in page of its own: the one sign-in page, then the admin
    page.goto(url + "/admin/")
    page.wait_for_url(url + "/admin/")
    page.goto(url + "/admin/accounts/invitation/add/")
    page.get_by_label("Email").fill(COORDINATOR)
    page.get_by_label("Local authority").select_option(LEEDS)
    page.get_by_label("Parent carer forum").fill("Leeds Parent Carer Forum")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "was added successfully" in page.locator(".messagelist").inner_text()

    # the invitation arrives over SMTP
    invitation = mailbox.wait_for(COORDINATOR, 1)
    assert invitation["From"] == "copro@copro.example"
    link = _link(invitation, url)

    coordinator = browser.new_context(viewport={"width": 390, "height": 900},
                                      accept_downloads=True)
    page = coordinator.new_page()
    page.goto(link)
    assert axe_violations(page) == [], page.url
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    press(page, "Set password")
    key = _set_up_app(page)
    page.wait_for_url(url + "/survey/manage/")
    press(page, "Open a new round")

    family = browser.new_context()
    fpage = family.new_page()
    fpage.goto(f"{url}/survey/{LEEDS}/families/all/")
    fpage.get_by_label("What would have made the biggest difference?").fill(
        "Being listened to at the first meeting")
    press(fpage, "Send answers")
    assert fpage.locator(".govuk-panel__title").inner_text() == "Answers sent"
    family.close()

    page.goto(url + "/survey/manage/download/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download answers with written answers (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "Being listened to at the first meeting" in text

    # the download is in the audit log, with who and which; never the answer
    admin_page = admin.pages[0]
    admin_page.goto(url + "/admin/accounts/auditevent/?action=download")
    rows = admin_page.locator("#result_list tbody tr").all_inner_texts()
    assert any(COORDINATOR in r and "with written answers" in r and LEEDS in r for r in rows)
    admin_page.goto(url + "/admin/accounts/auditevent/")
    log = admin_page.locator("#result_list").inner_text()
    assert "round opened" in log and "invited as coordinator" in log
    assert "Being listened to" not in log
    admin.close()

    page.goto(url + "/survey/manage/")
    press(page, "Sign out")
    page.wait_for_url(url + "/survey/login/")

    # forgotten password: a reset by email
    press(page, "Forgotten your password?", "link")
    assert axe_violations(page) == [], page.url
    page.get_by_label("Email address").fill(COORDINATOR)
    press(page, "Send the link")
    assert page.locator("h1").inner_text() == "Check your email"
    page.goto(_link(mailbox.wait_for(COORDINATOR, 2), url))
    page.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    page.get_by_label("Confirm new password").fill(RESET_PASSWORD)
    press(page, "Set password")
    assert page.locator("h1").inner_text() == "Your password has been changed"

    sign_in_page(page, url, COORDINATOR, RESET_PASSWORD)
    # a new session: the written answers need the app's code again (the next one: a code
    # works once)
    page.goto(url + "/survey/manage/download/")
    press(page, "Download answers with written answers (CSV)", "link")
    assert page.locator("h1").inner_text() == "Enter your code"
    assert axe_violations(page) == [], page.url
    page.get_by_label("Code").fill(totp_code(key, at=time.time() + 30))
    press(page, "Continue")
    # back on the downloads page, which no longer asks for the code
    assert page.locator("h1").inner_text() != "Enter your code"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download answers with written answers (CSV)").click()
    assert "Being listened to" in open(download.value.path(), encoding="utf-8").read()
    coordinator.close()


def _cli(server, *args, **env):
    full = {**os.environ, "COPRO_DATA_DIR": str(server.data_dir), **env}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([COPRO, "users", *args], env=full, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_invites_by_email_and_hands_over(server, smtp):
    mailbox, port = smtp
    email_env = {"COPRO_EMAIL_URL": f"smtp://127.0.0.1:{port}",
                 "COPRO_SITE_URL": "https://copro.example.org"}
    r = _cli(server, "invite", "first@kent-forum.example", "--la", "Kent", **email_env)
    assert r.returncode == 0, r.stderr
    assert _link(mailbox.wait_for("first@kent-forum.example", 1),
                 "https://copro.example.org").startswith(
        "https://copro.example.org/accounts/invitation/")
    r = _cli(server, "handover", "first@kent-forum.example", "second@kent-forum.example",
             **email_env)
    assert r.returncode == 0, r.stderr
    mailbox.wait_for("second@kent-forum.example", 1)
    # without the email settings, or for a bad address: one line, exit 2
    for args, env, says in (
            (("invite", "x@kent-forum.example", "--la", "Kent"), {}, "COPRO_EMAIL_URL"),
            (("invite", "not an address", "--la", "Kent"), email_env, "not an email address"),
            (("invite", "y@kent-forum.example", "--la", "Kent"),
             {"COPRO_EMAIL_URL": email_env["COPRO_EMAIL_URL"]}, "COPRO_SITE_URL"),
            (("deactivate", "nobody@kent-forum.example"), {}, "no account")):
        r = _cli(server, *args, **{"COPRO_EMAIL_URL": "", "COPRO_SITE_URL": "", **env})
        assert r.returncode == 2, (args, r.stderr)
        assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
