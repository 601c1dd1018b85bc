"""The integrity of a round under real concurrency, against the real `copro serve` (gunicorn,
two worker processes) on SQLite and on PostgreSQL: one address sending 100 answers at the same
instant stores exactly the limit (the count is atomic in the database, not check-then-insert),
the rest get a kind page; ten simultaneous "open a new round" posts open one round."""

from __future__ import annotations

import http.client
import random
import re
import sqlite3
import subprocess
import threading
import urllib.parse

import pytest

from tests.web.serve import COPRO, create_user, server_env, start_serve
from tests.web.survey_load import PATH, csrf, new_database, open_round, random_form

LIMIT = 20


def _rows(data_dir, database_url, sql: str):
    if database_url is None:
        with sqlite3.connect(data_dir / "copro.sqlite3") as con:
            return con.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url) as con:
        return con.execute(sql).fetchall()


def _server(tmp_path, database_url, seeded):
    """`copro serve` on a copy of a site after its first start (tests/web/seed.py)."""
    data_dir = tmp_path / "data"
    seeded.copy(data_dir, database_url)
    env = {**server_env(data_dir, database_url), "COPRO_SURVEY_RATE_LIMIT": str(LIMIT)}
    proc, url = start_serve(env, data_dir / "serve.log", workers=2)
    return data_dir, proc, url


def _connected(url: str, n: int) -> list[http.client.HTTPConnection]:
    """``n`` connections to the server, each connected before the barrier: the posts go at
    once."""
    host = urllib.parse.urlsplit(url)
    connections = [http.client.HTTPConnection(host.hostname, host.port, timeout=120)
                   for _ in range(n)]
    for con in connections:
        con.connect()
    return connections


def _at_once(n: int, send) -> list:
    """``send(i)`` from ``n`` threads released together; their results."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        results[i] = send(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def ballot_stuffing(tmp_path, database_url, seeded):
    data_dir, proc, url = _server(tmp_path, database_url, seeded)
    try:
        open_round(data_dir, database_url)
        cookie, form_token = csrf(url)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": f"csrftoken={cookie}", "Referer": url}
        connections = _connected(url, 100)

        def send(i):
            form = random_form(random.Random(i), f"stuff{i:04d}")
            form["csrfmiddlewaretoken"] = form_token
            con = connections[i]
            con.request("POST", PATH, urllib.parse.urlencode(form), headers)
            r = con.getresponse()
            body = r.read().decode()
            con.close()
            return r.status, body
        results = _at_once(100, send)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    statuses = [s for s, _ in results]
    assert statuses.count(302) == LIMIT and statuses.count(429) == 100 - LIMIT, statuses
    stored = _rows(data_dir, database_url, "select count(*) from survey_response")[0][0]
    assert stored == LIMIT
    busy = next(b for s, b in results if s == 429)
    assert "Lots of people are answering from this connection" in busy
    assert "have not been lost" in busy
    # only a keyed hash of the address is stored, never the address
    hashes = _rows(data_dir, database_url, "select client_hash from survey_submissioncount")
    assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for (h,) in hashes)
    assert "127.0.0.1" not in str(_rows(data_dir, database_url,
                                        "select * from survey_response"))


def test_ballot_stuffing_at_one_instant_stores_the_limit_sqlite(tmp_path, seeded):
    ballot_stuffing(tmp_path, None, seeded)


def test_ballot_stuffing_at_one_instant_stores_the_limit_postgresql(tmp_path, postgres_url,
                                                                    seeded):
    ballot_stuffing(tmp_path, new_database(postgres_url, "copro_integrity_stuffing"), seeded)


def _sign_in(url: str) -> str:
    """A coordinator's cookies after signing in through the login form."""
    host = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    con.request("GET", "/survey/login/")
    r = con.getresponse()
    body = r.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = {"username": "leeds", "password": "a long test passphrase 42",
            "csrfmiddlewaretoken": token}
    con.request("POST", "/survey/login/", urllib.parse.urlencode(form), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}",
        "Referer": url})
    r = con.getresponse()
    r.read()
    assert r.status == 302, r.status
    session = re.search(r"sessionid=([^;]+)", r.getheader("Set-Cookie")).group(1)
    return f"csrftoken={cookie}; sessionid={session}", token


def open_rounds_at_once(tmp_path, database_url, seeded):
    data_dir, proc, url = _server(tmp_path, database_url, seeded)
    try:
        create_user(server_env(data_dir, database_url), "leeds", "--la", "Leeds",
                    password="a long test passphrase 42")
        cookies, token = _sign_in(url)
        connections = _connected(url, 10)

        def send(i):
            con = connections[i]
            con.request("POST", "/survey/manage/open/", urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, "label": f"Spring {i}"}), {
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies,
                "Referer": url})
            r = con.getresponse()
            r.read()
            return r.status
        statuses = _at_once(10, send)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert statuses == [302] * 10, statuses
    open_ = _rows(data_dir, database_url,
                  "select count(*) from survey_round where closed_at is null")[0][0]
    assert open_ == 1


def test_ten_simultaneous_open_round_posts_open_one_sqlite(tmp_path, seeded):
    open_rounds_at_once(tmp_path, None, seeded)


def test_ten_simultaneous_open_round_posts_open_one_postgresql(tmp_path, postgres_url, seeded):
    open_rounds_at_once(tmp_path, new_database(postgres_url, "copro_integrity_rounds"), seeded)


def test_the_database_itself_refuses_a_second_open_round_on_postgresql(tmp_path, postgres_url):
    """The partial unique index, not only the view, holds one open round per LA."""
    import psycopg

    url = new_database(postgres_url, "copro_integrity_index")
    data_dir = tmp_path / "data"
    migrate = subprocess.run([COPRO, "db", "migrate"], env=server_env(data_dir, url),
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    insert = ("insert into survey_round (area_code, instrument_version, label, opened_at, "
              "imported, access) values ('E08000035', '1', '', now(), false, 'open')")
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(insert)
        with pytest.raises(psycopg.errors.UniqueViolation):
            con.execute(insert)
        con.execute("update survey_round set closed_at = now()")
        con.execute(insert)  # once the first is closed, another may open


def one_code_at_once(tmp_path, database_url, seeded):
    """Ten people sending the same single-use code at the same instant store one answer."""
    from tests.web.survey_load import COPRO_PY

    data_dir, proc, url = _server(tmp_path, database_url, seeded)
    try:
        script = ("from copro.web.commands import setup_django, migrate; setup_django(); "
                  "migrate(); from copro.web.survey.models import Round; "
                  "from copro.web.survey.invitations import make_codes; "
                  "r = Round.objects.create(area_code='E08000035', instrument_version='1', "
                  "access='codes'); print(make_codes(r, 'families', 1)[0])")
        made = subprocess.run([COPRO_PY, "-c", script], env=server_env(data_dir, database_url),
                              capture_output=True, text=True, timeout=300, check=True)
        code = made.stdout.strip().splitlines()[-1]
        cookie, form_token = csrf(url)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": f"csrftoken={cookie}", "Referer": url}
        connections = _connected(url, 10)

        def send(i):
            form = random_form(random.Random(i), f"code{i:04d}")
            form.update(csrfmiddlewaretoken=form_token, code=code)
            connections[i].request("POST", PATH, urllib.parse.urlencode(form), headers)
            r = connections[i].getresponse()
            r.read()
            return r.status
        statuses = _at_once(10, send)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert statuses.count(302) == 1, statuses
    assert _rows(data_dir, database_url, "select count(*) from survey_response")[0][0] == 1


def test_one_code_sent_ten_times_at_once_stores_one_answer_sqlite(tmp_path, seeded):
    one_code_at_once(tmp_path, None, seeded)


def test_one_code_sent_ten_times_at_once_stores_one_answer_postgresql(tmp_path, postgres_url,
                                                                      seeded):
    one_code_at_once(tmp_path, new_database(postgres_url, "copro_integrity_codes"), seeded)
