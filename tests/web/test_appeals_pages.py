"""Issue 25 on the website: the LA page's SEND Tribunal block (figure, table, flags, both
methods), its JSON and CSV, and the compare page's across-authority association."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

pytestmark = pytest.mark.django_db


def _words(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_leeds_page_shows_every_year_and_the_change_of_method(client):
    r = client.get("/la/E08000035")
    assert r.status_code == 200
    page = r.content.decode()
    words = " ".join(_words(r).split())
    assert "171 appeals registered of 2,673 appealable decisions, an appeal rate of 6.4%" \
        in words
    for year in range(2014, 2026):
        assert re.search(rf"<th scope=\"row\" class=\"govuk-table__header\">{year}</th>", page)
    # 2024 on both methods, in two rows
    assert words.count("2024 old 126 6,463") == 1 and words.count("2024 new 126 3,542") == 1
    assert "The method changed in 2024" in words
    # the figure: an inline SVG with a title and a description, two series
    svg = page[page.index('id="appeals-title"') - 200:]
    assert "<svg" in page and 'aria-labelledby="appeals-title appeals-desc"' in page
    assert "SEND Tribunal appeal rate by year, 2014–2025" in svg
    assert "2025 (new method) 6.4% (171 of 2,673" in words
    assert "Department for Education and HM Courts &amp; Tribunals Service" in page


def test_flagged_year_is_said_and_marked(client):
    words = " ".join(_words(client.get("/la/E10000015")).split())  # Hertfordshire
    assert "Hertfordshire 2024 (new method) flagged: implausible denominator: 2,195" in words
    assert "27.9%" in words and "flagged as implausible" in words


def test_predecessor_history_is_shown_apart(client):
    words = " ".join(_words(client.get("/la/E06000063")).split())  # Cumberland
    assert "Before it, Cumbria (ended 2023), its own figures, not added into these" in words


def test_area_json_and_csv_carry_the_series(client):
    doc = client.get("/la/E08000035.json").json()
    points = doc["appeals"]["series"]["points"]
    last = points[-1]
    assert (last["year"], last["method"], last["appeals"], last["decisions"]) == (
        2025, "new", 171, 2673)
    assert [(p["year"], p["method"]) for p in points if p["year"] == 2024] == [
        (2024, "old"), (2024, "new")]
    assert len({p["year"] for p in points}) == 12
    rows = list(csv.reader(io.StringIO(client.get("/la/E08000035.csv").content.decode())))
    header = rows[0]
    appeals = [r for r in rows if r[0] == "appeals"]
    assert len(appeals) == 13
    row = dict(zip(header, appeals[-1], strict=True))
    assert (row["appeals_year"], row["appeals_appeals"], row["appeals_decisions"]) == (
        "2025", "171", "2673")


def test_compare_page_has_the_association(client):
    words = " ".join(_words(client.get("/compare?la=E08000035")).split())
    assert "Does the gap go with appeals to the SEND Tribunal?" in words
    assert "an association between areas, not proof about any family" in words
