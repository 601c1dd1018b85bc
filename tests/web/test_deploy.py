"""The deployment recipe, tested: Debian's nginx with deploy/nginx-copro.conf (only its ports,
certificate paths, static folder and upstream changed for the test) and a throwaway certificate
in front of `copro serve` with COPRO_HTTPS=1 on loopback. HTTP redirects to HTTPS; the security
headers arrive; nginx serves the static files; the rate limit sees each client's own address
(X-Forwarded-For believed only from the proxy: nginx replaces what a client sends, and
gunicorn's port ignores it from anyone else); a survey answer goes through. And `copro serve`
refuses to start under COPRO_HTTPS=1 while the privacy notice is still the template."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.web.conftest import missing
from tests.web.pg import free_port
from tests.web.serve import COPRO, server_env, start_serve
from tests.web.survey_load import open_round

ROOT = Path(__file__).resolve().parents[2]
HOST = "copro.example.org"
LEEDS = "E08000035"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PRIVACY = {"COPRO_SURVEY_CONTROLLER": "Test Forums Network CIC",
           "COPRO_SURVEY_CONTACT": "dpo@forums.example"}


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}",
                    "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _site_config(folder: Path, http_port, https_port, app_port, cert, key, static) -> Path:
    text = (ROOT / "deploy" / "nginx-copro.conf").read_text()
    for old, new in (("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen [::]:80;", ""),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("listen [::]:443 ssl http2;", ""),
                     (f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert)),
                     (f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key)),
                     ("/var/lib/copro/static/", f"{static}/"),
                     ("http://127.0.0.1:8000", f"http://127.0.0.1:{app_port}")):
        assert old in text, f"deploy/nginx-copro.conf no longer has {old!r}"
        text = text.replace(old, new)
    site = folder / "copro.conf"
    site.write_text(text)
    main = folder / "nginx.conf"
    temp = " ".join(f"{k}_temp_path {folder}/{k};" for k in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
daemon off;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    {temp}
    include {site};
}}
""")
    return main


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, seeded):
    if NGINX is None:
        missing("nginx is not installed (Debian package 'nginx')")
    if shutil.which("openssl") is None:
        missing("openssl is not installed (Debian package 'openssl')")
    folder = tmp_path_factory.mktemp("deploy")
    data_dir = folder / "data"
    seeded.copy(data_dir)  # a site after its first start (tests/web/seed.py)
    env = {**server_env(data_dir, None), **PRIVACY, "COPRO_HTTPS": "1",
           "COPRO_ALLOWED_HOSTS": f"{HOST},127.0.0.1", "COPRO_SURVEY_RATE_LIMIT": "2"}
    app, app_url = start_serve(env, data_dir / "serve.log")
    nginx = None
    try:
        open_round(data_dir, None)
        cert, key = _certificate(folder)
        http_port, https_port = free_port(), free_port()
        main = _site_config(folder, http_port, https_port, urllib.parse.urlsplit(app_url).port,
                            cert, key, data_dir / "static")
        check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(main)],
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(main)],
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", https_port, timeout=2).connect()
                break
            except OSError:
                assert time.monotonic() < deadline, (folder / "error.log").read_text()
                time.sleep(0.2)
        yield {"http": http_port, "https": https_port, "app": app_url, "cert": cert}
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=30)
        app.terminate()
        app.wait(timeout=30)


def request(deployed, path, method="GET", body=None, headers=None, source="127.0.0.2",
            tls=True):
    """One request through nginx (or, with tls=False and port given, plain HTTP), from the
    loopback address ``source``: (status, headers, body)."""
    if tls:
        ctx = ssl.create_default_context(cafile=str(deployed["cert"]))
        con = http.client.HTTPSConnection("127.0.0.1", deployed["https"], context=ctx,
                                          source_address=(source, 0), timeout=30)
    else:
        con = http.client.HTTPConnection("127.0.0.1", deployed["http"],
                                         source_address=(source, 0), timeout=30)
    con.request(method, path, body, {"Host": HOST, **(headers or {})})
    r = con.getresponse()
    out = r.status, r.headers, r.read()
    con.close()
    return out


def test_http_redirects_to_https_and_the_headers_arrive(deployed):
    status, headers, _ = request(deployed, "/survey/?x=1", tls=False)
    assert status == 301 and headers["Location"] == f"https://{HOST}/survey/?x=1"
    status, headers, body = request(deployed, "/")
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # the static files: nginx from the collected folder, cached for a year
    css = re.search(rb'href="(/static/copro/copro\.[0-9a-f]+\.css)"', body).group(1).decode()
    status, headers, body = request(deployed, css)
    assert status == 200 and b"govuk" in body
    assert "immutable" in headers["Cache-Control"]
    assert headers["Strict-Transport-Security"]
    # the privacy notice is filled in from the settings
    _, _, body = request(deployed, "/survey/privacy/")
    assert b"Test Forums Network CIC" in body and b"dpo@forums.example" in body
    assert b"It is a template" not in body


def _answer(deployed, source: str, headers: dict | None = None) -> int:
    """A whole survey answer (the one-page form) through nginx: the final status."""
    path = f"/survey/{LEEDS}/families/all/"
    status, h, body = request(deployed, path, source=source)
    assert status == 200
    cookie = re.search(r"csrftoken=([^;]+)", h["Set-Cookie"]).group(1)
    assert "Secure" in h["Set-Cookie"]
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    token = re.search(rb'name="token" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "token": token,
                                   "ladder": "engaging", "who_is_favoured": "schools"})
    status, h, _ = request(deployed, path, "POST", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}",
        "Referer": f"https://{HOST}{path}", **(headers or {})}, source=source)
    if status == 302:
        done = urllib.parse.urlsplit(h["Location"]).path
        status2, _, page = request(deployed, done, source=source)
        assert status2 == 200 and b"Answers sent" in page
    return status


def test_answers_through_nginx_and_the_rate_limit_sees_each_client(deployed):
    # the limit is 2 answers per client per hour here
    assert [_answer(deployed, "127.0.0.2") for _ in range(2)] == [302, 302]
    assert _answer(deployed, "127.0.0.2") == 429
    # a client cannot pose as another by sending X-Forwarded-For: nginx replaces it
    assert _answer(deployed, "127.0.0.2", {"X-Forwarded-For": "203.0.113.9"}) == 429
    # another client is another address, though both reach gunicorn from nginx's
    assert _answer(deployed, "127.0.0.3") == 302
    # straight to gunicorn's port from elsewhere: X-Forwarded-Proto and -For are not believed
    url = urllib.parse.urlsplit(deployed["app"])
    con = http.client.HTTPConnection("127.0.0.1", url.port, source_address=("127.0.0.4", 0),
                                     timeout=30)
    con.request("GET", "/survey/", headers={"Host": HOST, "X-Forwarded-Proto": "https",
                                            "X-Forwarded-For": "203.0.113.7"})
    r = con.getresponse()
    assert r.status == 301 and r.headers["Location"] == f"https://{HOST}/survey/"


def test_https_mode_refuses_the_template_privacy_notice(tmp_path):
    env = {**server_env(tmp_path, None), "COPRO_HTTPS": "1"}
    for key in PRIVACY:
        env.pop(key, None)
    r = subprocess.run([COPRO, "serve", "--port", str(free_port())], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "privacy notice is still the template" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
