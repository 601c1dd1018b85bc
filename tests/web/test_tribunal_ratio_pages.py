"""Issue 25 item 3 on the website: the LA page, its JSON and CSV, and the API carry each
area's ratio of schools' to families' mediation and tribunal rates."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

pytestmark = pytest.mark.django_db

KEYS = ("mediation", "tribunal")


@pytest.fixture(scope="module")
def leeds(bundled_findings):
    findings = bundled_findings
    return next(f for f in findings.local_authorities if f.area.name == "Leeds")


def _words(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_la_page_shows_the_ratio_with_its_interval(client, leeds):
    words = _words(client.get("/la/E08000035"))
    for key in KEYS:
        rr = leeds.outcomes[key].comparison.risk_ratio
        assert re.search(rf"Leeds {key} rate [\d.]+% [\d.]+% to [\d.]+% [\d.]+% "
                         rf"[\d.]+% to [\d.]+% {rr.estimate:.2f} {rr.ci_low:.2f} to "
                         rf"{rr.ci_high:.2f} ", words), key


def test_la_page_gives_the_reason_where_there_is_no_ratio(client):
    words = _words(client.get("/la/E09000031"))  # Waltham Forest: mediation above its base
    assert ("Waltham Forest mediation rate Not compared: had more requests leading to it "
            "than requests in its base (not a rate)") in words


def test_la_json_csv_and_api_carry_the_ratio(client, leeds):
    doc = client.get("/la/E08000035.json").json()
    api = client.get("/api/v1/areas/E08000035").json()
    rows = list(csv.DictReader(io.StringIO(client.get("/la/E08000035.csv").content.decode())))
    row = next(r for r in rows if r["section"] == "area" and r["area_code"] == "E08000035")
    for key in KEYS:
        rr = leeds.outcomes[key].comparison.risk_ratio
        for d in (doc, api):
            got = d["findings"]["outcomes"][key]["comparison"]["risk_ratio"]
            assert (got["estimate"], got["ci_low"], got["ci_high"]) == (
                rr.estimate, rr.ci_low, rr.ci_high)
        assert row[f"{key}_compared"] == "True"
        assert float(row[f"{key}_risk_ratio"]) == pytest.approx(rr.estimate, rel=1e-12)
        assert float(row[f"{key}_rr_ci_low"]) == pytest.approx(rr.ci_low, rel=1e-12)


def test_a_zero_corrected_ratio_is_marked_and_explained(client, bundled_findings):
    findings = bundled_findings
    f = next(f for f in findings.local_authorities
             if (c := f.outcomes["tribunal"].comparison) is not None
             and c.risk_ratio.zero_corrected)
    rr = f.outcomes["tribunal"].comparison.risk_ratio
    words = _words(client.get(f"/la/{f.area.code}"))
    assert (f"{rr.estimate:.2f} {rr.ci_low:.2f} to {rr.ci_high:.2f} * 0.5 added" in words)
    assert "* 0.5 added to every count before dividing" in words
    assert "* 0.5 added to every count" not in _words(client.get("/la/E08000035"))  # Leeds
