"""Bounded work per request (issue 27, item 2): a long written answer is refused before it is
cleaned, a body over the cap before it is read; through the real `copro serve` (gunicorn, four
workers), four simultaneous 100,000-character answers leave every worker answering within 2 s
(quadratic cleaning hung a worker until gunicorn killed it after 60 s, and four at once killed
three of the four)."""

from __future__ import annotations

import http.client
import subprocess
import threading
import time
import urllib.parse

import pytest
from django.test import Client

from copro.survey.instrument import load_instrument
from copro.web.survey.models import Response, Round
from tests.web.serve import server_env, start_serve
from tests.web.survey_helpers import LEEDS
from tests.web.survey_load import PATH, csrf, open_round

TEXT_Q = next(q for q in load_instrument().questions if q.type == "text")
LONG = "1-" * 50_000  # 100,000 characters the old email pattern tried at every position


@pytest.mark.django_db
def test_a_long_answer_is_refused_with_a_plain_message_and_nothing_stored():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    assert c.get(f"/survey/{LEEDS}/families/all/").status_code == 200  # imports done
    started = time.perf_counter()
    r = c.post(f"/survey/{LEEDS}/families/all/", {"ladder": "engaging", TEXT_Q.id: LONG})
    assert time.perf_counter() - started < 2
    assert r.status_code == 400
    assert f"Write {TEXT_Q.max_length} characters or fewer" in r.content.decode()
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_body_over_the_cap_is_refused_before_it_is_read():
    Round.objects.create(area_code=LEEDS, instrument_version="1")
    c = Client()
    assert c.get(f"/survey/{LEEDS}/families/all/").status_code == 200
    started = time.perf_counter()
    r = c.post(f"/survey/{LEEDS}/families/all/", {"ladder": "engaging",
                                                   TEXT_Q.id: "a" * 1_200_000})
    assert time.perf_counter() - started < 0.1
    assert r.status_code == 413
    assert "What you sent is too long" in r.content.decode()
    assert Response.objects.count() == 0


def _workers(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                         text=True).stdout
    return {int(p) for p in out.split()}


def _post(url: str, body: str, headers: dict) -> tuple[int, float, str]:
    host = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=90)
    started = time.perf_counter()
    con.request("POST", PATH, body, headers)
    r = con.getresponse()
    text = r.read().decode()
    con.close()
    return r.status, time.perf_counter() - started, text


def _get(url: str, path: str) -> tuple[int, float]:
    host = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=90)
    started = time.perf_counter()
    con.request("GET", path)
    r = con.getresponse()
    r.read()
    con.close()
    return r.status, time.perf_counter() - started


def test_four_long_answers_at_once_leave_every_worker_answering(tmp_path, seeded):
    data_dir = tmp_path / "data"
    seeded.copy(data_dir)  # a site after its first start (tests/web/seed.py)
    env = server_env(data_dir, None)
    proc, url = start_serve(env, data_dir / "serve.log", workers=4)
    try:
        open_round(data_dir, None)
        cookie, token = csrf(url)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": f"csrftoken={cookie}", "Referer": url}
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "ladder": "engaging",
                                       TEXT_Q.id: LONG})
        for _ in range(8):  # every worker has imported what a survey page needs
            _get(url, PATH)
        before = _workers(proc.pid)
        assert len(before) == 4
        results: list = [None] * 4
        barrier = threading.Barrier(4)

        def send(i):
            barrier.wait()
            results[i] = _post(url, body, headers)
        threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2)  # the long answers are in the workers
        pages = [_get(url, PATH) for _ in range(12)]
        for t in threads:
            t.join(timeout=120)
        assert [(s, "characters or fewer" in text) for s, _, text in results] == \
            [(400, True)] * 4
        assert max(seconds for _, seconds, _ in results) < 2, results
        assert all(s == 200 and seconds < 2 for s, seconds in pages), pages
        # a 1.2 MB body is refused by the cap at once
        status, seconds, _ = _post(url, urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, TEXT_Q.id: "a" * 1_200_000}), headers)
        assert status == 413 and seconds < 2
        assert _workers(proc.pid) == before  # no worker killed or restarted
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "WORKER TIMEOUT" not in (data_dir / "serve.log").read_text()
