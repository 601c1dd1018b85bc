"""Single-use invitation codes: a round opened for codes takes answers only with an unused code
of its own; each code answers once; the coordinator prints them or downloads them as CSV; only
keyed hashes are stored; the per-connection limit does not apply (a venue's Wi-Fi is fine)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from copro.web.survey.models import InvitationCode, Response, Round
from tests.web.survey_helpers import LEEDS, coordinator, signed_in

pytestmark = pytest.mark.django_db
BASE = f"/survey/{LEEDS}/forum"


def _codes(manager, n=3, fmt="print", audience="forum") -> list[str]:
    r = Round.objects.get(area_code=LEEDS, closed_at__isnull=True)
    page = manager.post(f"/survey/manage/round/{r.pk}/codes/",
                        {"audience": audience, "number": str(n), "format": fmt})
    assert page.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(page.content.decode())))
        assert rows[0] == ["code", "link"]
        assert all(link.endswith(f"/survey/{LEEDS}/{audience}/?code={c}") for c, link in rows[1:])
        return [c for c, _ in rows[1:]]
    import re

    return re.findall(r"Your code: ([A-Z0-9]{5}-[A-Z0-9]{5})", page.content.decode())


def _answer(client: Client, code: str | None, remote="10.0.0.1"):
    start = client.get(f"{BASE}/" + (f"?code={code}" if code else ""), REMOTE_ADDR=remote)
    if start.status_code != 200 or b"Your code" in start.content:
        return start
    for page, data in (("beliefs", {"who_is_favoured": "parents"}), ("strategic", {}),
                       ("difference", {})):
        client.post(f"{BASE}/{page}/", data, REMOTE_ADDR=remote)
    token = client.get(f"{BASE}/check/", REMOTE_ADDR=remote).context["token"]
    return client.post(f"{BASE}/check/", {"token": token}, REMOTE_ADDR=remote)


@pytest.fixture
def manager(monkeypatch):
    monkeypatch.setenv("COPRO_SURVEY_RATE_LIMIT", "2")
    coordinator("leeds", LEEDS)
    m = signed_in("leeds")
    m.post("/survey/manage/open/", {"label": "Forum evening", "access": "codes"})
    return m


def test_a_code_answers_once(manager):
    codes = _codes(manager, 3)
    assert len(codes) == 3 and len(set(codes)) == 3
    # without a code: asked for one, cannot reach the questions
    start = Client().get(f"{BASE}/")
    assert b"Your code" in start.content and b"Start now" not in start.content
    assert Client().get(f"{BASE}/beliefs/").status_code == 302
    wrong = Client().get(f"{BASE}/?code=ABCDE-FGHJK")
    assert wrong.status_code == 400 and b"not one for this survey" in wrong.content
    # each code once, from one venue's connection: more than the per-connection limit of 2
    for c in codes:
        r = _answer(Client(), c.lower().replace("-", " "))  # as typed: case and spaces
        assert r.status_code == 302 and r["Location"].endswith("/done/"), r.status_code
    assert Response.objects.count() == 3
    again = _answer(Client(), codes[0])
    assert again.status_code == 400 and b"already been used" in again.content
    assert Response.objects.count() == 3
    # only keyed hashes are kept
    stored = list(InvitationCode.objects.values_list("code_hash", flat=True))
    assert all(c.replace("-", "") not in h for c in codes for h in stored)
    assert InvitationCode.objects.filter(used_at__isnull=False).count() == 3


def test_codes_as_csv_and_for_one_audience(manager):
    codes = _codes(manager, 2, fmt="csv", audience="families")
    r = Client().get(f"{BASE}/?code={codes[0]}")  # a families code on the forum survey
    assert r.status_code == 400 and b"not one for this survey" in r.content


def test_a_code_used_between_starting_and_sending_is_refused_kindly(manager):
    (code,) = _codes(manager, 1)
    first, second = Client(), Client()
    second.get(f"{BASE}/?code={code}")
    second.post(f"{BASE}/beliefs/", {"who_is_favoured": "schools"})
    assert _answer(first, code).status_code == 302
    token = second.get(f"{BASE}/check/").context["token"]
    r = second.post(f"{BASE}/check/", {"token": token})
    assert r.status_code == 409 and b"already been used" in r.content
    assert Response.objects.count() == 1


def test_an_open_link_round_needs_no_code():
    coordinator("leeds", LEEDS)
    signed_in("leeds").post("/survey/manage/open/", {"label": "Open"})
    assert Round.objects.get().access == "open"
    assert _answer(Client(), None).status_code == 302
