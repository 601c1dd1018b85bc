"""Coordinators acting at the same instant, against the real `copro serve` (gunicorn, two worker
processes, threads) on PostgreSQL: two coordinators (or two tabs) setting the same answers aside
at once set them aside once, say so once and log it once (a set-aside count read before the
other request committed would be counted, confirmed and logged twice)."""

from __future__ import annotations

import http.client
import re
import subprocess
import urllib.parse

from tests.web.serve import create_user, server_env
from tests.web.survey_load import COPRO_PY, new_database
from tests.web.test_survey_integrity import _at_once, _connected, _rows, _server, _sign_in

ANSWERS = 6
TABS = 8
TRIALS = 3


def _answers(data_dir, database_url) -> tuple[int, list[int]]:
    """A closed round of Leeds (one LA has one open round at a time) with ``ANSWERS``
    families' answers: (round id, answer ids)."""
    script = ("from copro.web.commands import setup_django; setup_django(); "
              "from django.utils import timezone; "
              "from copro.web.survey.models import Response, Round; "
              "r = Round.objects.create(area_code='E08000035', instrument_version='1', "
              "closed_at=timezone.now()); "
              f"ids = [Response.objects.create(round=r, area_code='E08000035', "
              f"audience='families', instrument_version='1', answers={{'ladder': 'informing'}}"
              f").pk for _ in range({ANSWERS})]; "
              "print(r.pk, *ids)")
    made = subprocess.run([COPRO_PY, "-c", script], env=server_env(data_dir, database_url),
                          capture_output=True, text=True, timeout=300, check=True)
    round_id, *ids = map(int, made.stdout.split())
    return round_id, ids


def _follow(url: str, cookies: str, location: str) -> str:
    """The page a redirect leads to (with the one-time message the change left)."""
    host = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    con.request("GET", location, headers={"Cookie": cookies})
    r = con.getresponse()
    body = r.read().decode()
    con.close()
    return body


def test_two_coordinators_setting_the_same_answers_aside_at_once_count_and_log_them_once(
        tmp_path, postgres_url, seeded):
    database_url = new_database(postgres_url, "copro_coordinate_set_aside")
    data_dir, proc, url = _server(tmp_path, database_url, seeded)
    try:
        create_user(server_env(data_dir, database_url), "leeds", "--la", "Leeds",
                    password="a long test passphrase 42")
        # each tab its own session: the one-time messages do not mix
        sessions = [_sign_in(url) for _ in range(TABS)]
        for trial in range(TRIALS):
            round_id, ids = _answers(data_dir, database_url)
            connections = _connected(url, TABS)

            def send(i, round_id=round_id, ids=ids, connections=connections):
                cookies, token = sessions[i]
                con = connections[i]
                con.request("POST", f"/survey/manage/round/{round_id}/set-aside/",
                            urllib.parse.urlencode({
                                "csrfmiddlewaretoken": token, "confirm": "yes",
                                "ids": ",".join(map(str, ids)), "reason": f"tab {i}"}),
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Cookie": cookies, "Referer": url})
                r = con.getresponse()
                r.read()
                con.close()
                # the one-time message travels in a cookie (Django's default message storage)
                sent = re.search(r"messages=([^;]*)", r.getheader("Set-Cookie") or "")
                return r.status, r.getheader("Location"), sent and f"; messages={sent[1]}"

            results = _at_once(TABS, send)
            assert [s for s, _, _ in results] == [302] * TABS, results
            said = []
            for i, (_, location, message) in enumerate(results):
                page = _follow(url, sessions[i][0] + (message or ""), location)
                said += [int(n) for n in re.findall(r"(\d+) answers? set aside \(IDs", page)]
                said += [0] * page.count("Nothing changed: those answers were already set aside")
            # the answers were set aside once: one request says so, the others that nothing
            # changed
            assert sorted(said, reverse=True) == [ANSWERS] + [0] * (TABS - 1), (trial, said)
            logged = _rows(data_dir, database_url,
                           "select detail from accounts_auditevent where action = "
                           f"'answers set aside' and subject = 'round {round_id}'")
            assert logged == [(f"{ANSWERS} answer(s) set aside",)], (trial, logged)
            aside = _rows(data_dir, database_url,
                          "select count(distinct set_aside_reason) from survey_response "
                          f"where round_id = {round_id} and set_aside_at is not null")
            assert aside == [(1,)], (trial, aside)  # one request's reason, not overwritten
    finally:
        proc.terminate()
        proc.wait(timeout=30)
