"""Issue 27, item 6, replayed through the real server: the paced ballot stuffing of
tests/web/test_survey_round_history.py sent to `copro serve` (gunicorn, two workers, SQLite) over
HTTP, each answer from its own address, and found on the coordinator's checks page as served.

The server is configured as behind a reverse proxy at 127.0.0.1 (``COPRO_TRUSTED_PROXIES``, as
docs/deploy.md says for nginx on the same machine), and each answer carries its own address in
``X-Forwarded-For``: the per-client rate limit is left at its default, and sees 48 addresses,
as it would behind nginx."""

from __future__ import annotations

import http.client
import json
import random
import re
import subprocess
import urllib.parse
from pathlib import Path

from tests.test_survey_anomalies import T0, genuine_round, paced_attack
from tests.web.serve import server_env, start_serve
from tests.web.survey_helpers import KENT, PASSWORD
from tests.web.survey_load import COPRO_PY

ROOT = Path(__file__).resolve().parents[2]
FORM = f"/survey/{KENT}/families/all/"

#: Kent's coordinator, its earlier round (stored directly and published, as the Django test
#: does: only the attack needs the pages) and the open round, opened 14 days ago
SETUP = """
import json, sys
from datetime import timedelta
from copro.web.commands import setup_django, migrate; setup_django(); migrate()
from django.contrib.auth import get_user_model
from django.utils import timezone
from copro.survey.answers import clean_answers
from copro.survey.instrument import load_instrument
from copro.web.survey import publishing, store
from copro.web.survey.models import Coordinator, Round
given = json.load(sys.stdin)
code, inst, now = given["code"], load_instrument(), timezone.now()
user = get_user_model().objects.create_user("kent", password=given["password"])
Coordinator.objects.create(user=user, area_code=code)
earlier = Round.objects.create(area_code=code, instrument_version="1")
for s in given["earlier"]:
    answers, errors = clean_answers(inst, "families", s["answers"])
    assert not errors, errors
    store.save_response(earlier, "families", answers, client=s["client"], token=None,
                        seconds=s["seconds"])
opened = now - timedelta(days=60)
Round.objects.filter(pk=earlier.pk).update(opened_at=opened,
                                           closed_at=opened + timedelta(days=14))
publishing.publish(earlier.pk, code)
r = Round.objects.create(area_code=code, instrument_version="1")
Round.objects.filter(pk=r.pk).update(opened_at=now - timedelta(days=14))
print(r.pk)
"""

#: The answers' send times and seconds on the form as the attack made them (in the order they
#: were sent, so in the order of their IDs), then the round closed; the stored hashes printed
TIMES = """
import json, sys
from datetime import timedelta
from copro.web.commands import setup_django; setup_django()
from django.utils import timezone
from copro.web.survey.models import Response, Round
given = json.load(sys.stdin)
r = Round.objects.get(pk=given["round"])
ids = list(Response.objects.filter(round=r).order_by("id").values_list("id", flat=True))
assert len(ids) == len(given["times"]), (len(ids), len(given["times"]))
for pk, (offset, seconds) in zip(ids, given["times"]):
    Response.objects.filter(pk=pk).update(submitted_at=r.opened_at + timedelta(seconds=offset),
                                          seconds_to_complete=seconds)
Round.objects.filter(pk=r.pk).update(closed_at=timezone.now())
print(json.dumps(list(Response.objects.filter(round=r).values_list("client_hash", flat=True))))
"""


def _django(data_dir: Path, script: str, given: dict) -> str:
    """``script`` run with Django on the server's data folder, ``given`` on its stdin; its
    last line of output."""
    done = subprocess.run([COPRO_PY, "-c", script], input=json.dumps(given), cwd=ROOT,
                          env=server_env(data_dir, None), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def _request(url: str, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, str, http.client.HTTPResponse]:
    host = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    sent = {"Referer": url, **(headers or {})}
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    con.request(method, path, urllib.parse.urlencode(body) if body is not None else None, sent)
    r = con.getresponse()
    text = r.read().decode()
    con.close()
    return r.status, text, r


def _sign_in(url: str) -> tuple[str, str]:
    """Kent's coordinator's cookies and CSRF token, signed in through the login form."""
    status, body, r = _request(url, "GET", "/survey/login/")
    cookie = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    status, _, r = _request(url, "POST", "/survey/login/", {
        "username": "kent", "password": PASSWORD, "csrfmiddlewaretoken": token},
        {"Cookie": f"csrftoken={cookie}"})
    assert status == 302, status
    session = re.search(r"sessionid=([^;]+)", r.getheader("Set-Cookie")).group(1)
    return f"csrftoken={cookie}; sessionid={session}", token


def test_the_paced_attack_through_the_real_server_is_far_from_kents_earlier_round(tmp_path,
                                                                                 seeded):
    """Kent's earlier round: 40 genuine (discontented) families. This round: 12 genuine answers
    and 36 stuffed (a contented template, three questions varied in each), each sent to the
    server's one-page form from its own address (X-Forwarded-For, from the trusted proxy at
    127.0.0.1); the test cannot wait two weeks, so the send times and seconds on the form are
    set afterwards as the attack made them (the stuffed ones 8 a minute, 35 s each). The
    checks page, fetched through the server, shows both findings and the figure without the
    flagged answers, and no address or connection hash; publishing without the confirmation
    is refused."""
    rng = random.Random(27)
    earlier = genuine_round(rng, 40, satisfaction=-1.2)
    real = genuine_round(random.Random(12), 12, satisfaction=-1.2, start=2000)
    stuffed = paced_attack(rng)
    data_dir = tmp_path / "data"
    seeded.copy(data_dir, None)
    env = {**server_env(data_dir, None), "COPRO_TRUSTED_PROXIES": "127.0.0.1"}
    proc, url = start_serve(env, data_dir / "serve.log", workers=2)
    try:
        round_id = int(_django(data_dir, SETUP, {"code": KENT, "password": PASSWORD, "earlier": [
            {"answers": s.answers, "client": s.client, "seconds": s.seconds} for s in earlier]}))
        status, body, r = _request(url, "GET", FORM)
        assert status == 200, status
        cookie = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie")).group(1)
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        for i, s in enumerate(real + stuffed):
            form = {**s.answers, "token": f"replay{i:04d}", "csrfmiddlewaretoken": form_token}
            status, body, _ = _request(url, "POST", FORM, form, {
                "Cookie": f"csrftoken={cookie}",
                "X-Forwarded-For": f"10.27.{i // 200}.{i % 200}"})
            assert status == 302, (i, status, body[:500])
        hashes = json.loads(_django(data_dir, TIMES, {"round": round_id, "times": [
            [(s.at - T0).total_seconds(), s.seconds] for s in real + stuffed]}))
        assert len(hashes) == 48 and len(set(hashes)) == 48  # each from its own address
        cookies, token = _sign_in(url)
        status, page, _ = _request(url, "GET", f"/survey/manage/round/{round_id}/checks/",
                                   headers={"Cookie": cookies})
        assert status == 200, status
        refused, refusal, _ = _request(url, "POST", f"/survey/manage/round/{round_id}/publish/",
                                       {"confirm": "yes", "csrfmiddlewaretoken": token},
                                       {"Cookie": cookies})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Nothing stands out" not in page
    assert "Kent&#x27;s other published rounds (40 answers) would give about" in page
    assert "may be a genuine change" in page and "No answers are named" in page
    assert "within the hour from" in page and "one answer at once" in page
    assert "top two rungs of the ladder" in page and "left without the" in page  # without them
    for client in hashes:
        assert client not in page  # no connection's hash, let alone its address
    assert "10.27." not in page
    assert refused == 400, refused
    assert "or answers far from earlier rounds" in refusal
