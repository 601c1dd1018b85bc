"""Survey submissions under load, for the kill -9 test and `make bench`: a running server's open
round, and clients that send whole answer sets through the one-page form (one POST each, with
Django's CSRF cookie and token) and record which submissions were acknowledged."""

from __future__ import annotations

import http.client
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from tests.web.serve import server_env  # noqa: F401 - also for the benchmark

CODE = "E08000035"
PATH = f"/survey/{CODE}/families/all/"
COPRO_PY = str(Path(sys.executable))

LADDER = ["decided_without_us", "informing", "consulting", "engaging", "co_producing"]
AGREE = ["strongly_disagree", "disagree", "neither", "agree", "strongly_agree"]
ITEMS = ["equal_partner", "knowledge_valued", "kept_informed", "honest_communication",
         "knew_child", "understood_decision"]


def open_round(data_dir: Path, database_url: str | None, code: str = CODE) -> None:
    """Open a survey round for ``code`` in the server's database (as a coordinator would)."""
    script = ("from copro.web.commands import setup_django, migrate; setup_django(); migrate(); "
              "from copro.web.survey.models import Round; "
              f"Round.objects.create(area_code={code!r}, instrument_version='1')")
    subprocess.run([COPRO_PY, "-c", script], env=server_env(data_dir, database_url),
                   check=True, timeout=300, capture_output=True)


def new_database(url: str, name: str) -> str:
    """A new empty database in the PostgreSQL cluster at ``url``; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def csrf(url: str) -> tuple[str, str]:
    """(cookie value, form token) from the one-page form."""
    host = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    con.request("GET", PATH)
    r = con.getresponse()
    body = r.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    con.close()
    return cookie, token


def random_form(rng: random.Random, token: str) -> dict:
    form = {"ladder": rng.choice(LADDER), "who_is_favoured": rng.choice(
        ["parents", "schools", "same", "dont_know"]), "token": token}
    for item in ITEMS:
        if rng.random() < 0.8:
            form[item] = rng.choice(AGREE)
    return form


class Submitters:
    """``clients`` threads, each sending submissions back to back over its own connection,
    until ``stop()``; ``acknowledged`` holds the tokens of submissions answered 302 (stored)."""

    def __init__(self, url: str, clients: int):
        self.url = urllib.parse.urlsplit(url)
        self.cookie, self.form_token = csrf(url)
        self.acknowledged: list[str] = []
        self.errors = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(clients)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self._stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _run(self, i: int) -> None:
        rng = random.Random(i)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": f"csrftoken={self.cookie}", "Referer": self.url.geturl()}
        con = None
        while not self._stop.is_set():
            token = f"{i:03d}{rng.getrandbits(96):024x}"
            form = random_form(rng, token)
            form["csrfmiddlewaretoken"] = self.form_token
            try:
                if con is None:
                    con = http.client.HTTPConnection(self.url.hostname, self.url.port,
                                                     timeout=10)
                con.request("POST", PATH, urllib.parse.urlencode(form), headers)
                r = con.getresponse()
                r.read()
                if r.status == 302:
                    with self._lock:
                        self.acknowledged.append(token)
                else:
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                con = None
                time.sleep(0.05)
