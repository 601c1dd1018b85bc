"""The login attacks of issue 27 replayed through the real server (`copro serve`, gunicorn),
with email over SMTP to a local server (aiosmtpd): forwarded headers are believed from a
configured proxy only; the admin's login takes no password and the one sign-in page is
throttled; 100 guesses over 25 addresses lock the account, and its owner gets in with the
emailed unlock link; an account made on the command line gets its authenticator set-up link
from `copro users enrol`."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import urllib.parse

import pytest

from tests.web.conftest import COPRO, free_port
from tests.web.test_accounts_browser import Mailbox

PASSWORD = "a long test passphrase 42"
ADMIN, OWNER = "admin@copro.example", "coordinator@leeds-forum.example"


class Visitor:
    """One browser: its cookies, and (behind a trusted proxy) the address the proxy says."""

    def __init__(self, url: str, forwarded_for: str | None = None, **headers):
        self.host = urllib.parse.urlsplit(url)
        self.cookies: dict[str, str] = {}
        self.headers = {**headers, **({"X-Forwarded-For": forwarded_for}
                                      if forwarded_for else {})}

    def request(self, method: str, path: str, form: dict | None = None, **headers):
        con = http.client.HTTPConnection(self.host.hostname, self.host.port, timeout=60)
        h = {**self.headers, **headers,
             "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.token})
            h["Content-Type"] = "application/x-www-form-urlencoded"
        con.request(method, path, body, h)
        r = con.getresponse()
        text = r.read().decode()
        for value in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if token:
            self.token = token.group(1)
        con.close()
        return r.status, r.headers, text

    def sign_in(self, username: str, password: str, next_: str = ""):
        path = "/survey/login/" + (f"?next={next_}" if next_ else "")
        self.request("GET", path)
        return self.request("POST", path, {"username": username, "password": password})


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def _cli(server, *args, **env):
    full = {**os.environ, "COPRO_DATA_DIR": str(server.data_dir), "COPRO_NEW_PASSWORD": PASSWORD,
            **env}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    r = subprocess.run([COPRO, "users", *args], env=full, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def proxied(copro_server, smtp):
    """`copro serve` told that loopback is its reverse proxy (as nginx on the same machine),
    so that a test can speak for many client addresses through X-Forwarded-For."""
    _, port = smtp
    email = {"COPRO_EMAIL_URL": f"smtp://127.0.0.1:{port}", "COPRO_SITE_URL": "http://x.test"}
    s = copro_server(env={"COPRO_TRUSTED_PROXIES": "127.0.0.1", **email})
    _cli(s, "create", ADMIN, "--admin")
    _cli(s, "create", OWNER, "--la", "Leeds")
    s.email_env = email
    return s


def _csrf_refused_as_secure(server, **headers) -> bool:
    """Whether the server took this request for HTTPS: Django's CSRF check then also wants a
    Referer (a plain-HTTP POST with a good token and no Referer passes it)."""
    v = Visitor(server.url, **headers)
    v.request("GET", "/survey/login/")
    status, _, body = v.request("POST", "/survey/login/", {"username": "x", "password": "y"})
    assert status in (400, 403), status
    return status == 403 and "Your form could not be sent" in body


def test_forwarded_headers_are_ignored_without_a_configured_proxy(copro_server, proxied):
    plain = copro_server()  # loopback, no COPRO_TRUSTED_PROXIES, no COPRO_HTTPS
    for header in ({"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"},
                   {"X-Forwarded-Protocol": "ssl"}):
        assert not _csrf_refused_as_secure(plain, **header), header
    # the same request from a configured proxy is believed (the check above can fail)
    assert _csrf_refused_as_secure(proxied, **{"X-Forwarded-Proto": "https"})
    # and only X-Forwarded-Proto, the header nginx's recipe sets
    assert not _csrf_refused_as_secure(proxied, **{"X-Forwarded-Ssl": "on"})


def test_the_admin_login_is_the_throttled_sign_in(proxied):
    attacker = Visitor(proxied.url, forwarded_for="203.0.113.9")
    attacker.request("GET", "/survey/login/")
    # the admin's own login page takes no password: it sends to the one sign-in page
    status, headers, _ = attacker.request("POST", "/admin/login/",
                                          {"username": ADMIN, "password": PASSWORD})
    assert status == 302 and headers["Location"].startswith("/survey/login/?next=")
    assert "sessionid" not in attacker.cookies
    statuses = [attacker.sign_in(ADMIN, f"wrong {i}", "/admin/")[0] for i in range(30)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    status, _, body = attacker.sign_in(ADMIN, PASSWORD, "/admin/")
    assert status == 429 and "Too many failed attempts" in body
    status, _, _ = attacker.request("GET", "/admin/")
    assert status == 302  # not signed in
    # the administrator elsewhere signs in, then is asked for the second factor
    admin = Visitor(proxied.url, forwarded_for="198.51.100.1")
    status, headers, _ = admin.sign_in(ADMIN, PASSWORD, "/admin/")
    assert status == 302 and headers["Location"] == "/admin/"
    status, headers, _ = admin.request("GET", "/admin/login/?next=/admin/")
    assert headers["Location"].startswith("/accounts/two-factor/")


def test_guesses_over_25_addresses_lock_the_account_and_the_owner_unlocks(proxied, smtp):
    mailbox, _ = smtp
    statuses = [Visitor(proxied.url, forwarded_for=f"203.0.{i % 25}.7").sign_in(
        OWNER, f"guess {i}")[0] for i in range(100)]
    assert statuses.count(400) == 20 and statuses.count(429) == 80
    thief = Visitor(proxied.url, forwarded_for="203.0.200.1")
    status, _, body = thief.sign_in(OWNER, PASSWORD)
    assert status == 429 and "This account is locked" in body
    message = mailbox.wait_for(OWNER, 1)
    assert "locked" in str(message["Subject"])
    link = re.search(r"http://x\.test(/accounts/unlock/\S+)",
                     message.get_body(("plain",)).get_content()).group(1)
    owner = Visitor(proxied.url, forwarded_for="198.51.100.77")
    assert owner.sign_in(OWNER, PASSWORD)[0] == 429
    status, headers, _ = owner.request("GET", link)
    assert status == 302
    status, headers, _ = owner.sign_in(OWNER, PASSWORD)
    assert status == 302 and headers["Location"] == "/survey/manage/"
    assert thief.sign_in(OWNER, PASSWORD)[0] == 429


def test_an_account_made_on_the_command_line_is_enrolled_by_its_emailed_link(proxied, smtp):
    mailbox, _ = smtp
    made = "kent@kent-forum.example"
    _cli(proxied, "create", made, "--la", "Kent")
    thief = Visitor(proxied.url, forwarded_for="203.0.113.50")
    assert thief.sign_in(made, PASSWORD)[0] == 302
    status, _, body = thief.request("GET", "/accounts/two-factor/setup/")
    assert status == 403 and "set-up link" in body
    _cli(proxied, "enrol", made, **proxied.email_env)
    link = re.search(r"http://x\.test(/accounts/invitation/\S+)",
                     mailbox.wait_for(made, 1).get_body(("plain",)).get_content()).group(1)
    owner = Visitor(proxied.url, forwarded_for="198.51.100.50")
    owner.request("GET", link)
    status, headers, _ = owner.request("POST", link, {"password": PASSWORD})
    assert status == 302 and headers["Location"] == "/accounts/two-factor/setup/"
    status, _, body = owner.request("GET", "/accounts/two-factor/setup/")
    assert status == 200 and 'id="key"' in body
