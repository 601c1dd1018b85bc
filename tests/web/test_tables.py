"""The table of every local authority, sorted and filtered on the server (no JavaScript): by
each column, by region and by compared or not, with counts; orders recomputed here from the
audit run directly on the bundled file."""

from __future__ import annotations

import html
import re

import pytest

from copro.web.explorer.tables import SORTS, TableQuery, table_query

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


def _codes(response) -> list[str]:
    page = response.content.decode()
    return re.findall(r'<tr class="govuk-table__row" data-code="(E\d{8})">', page)


def _ratio(f):
    c = f.outcomes["assessment"].comparison
    return None if c is None else c.risk_ratio.estimate


def test_sorted_by_ratio_both_ways_not_compared_last(client, findings):
    las = findings.local_authorities
    compared = sorted((f for f in las if _ratio(f) is not None),
                      key=lambda f: (_ratio(f), f.area.name.lower()))
    rest = sorted((f.area.code for f in las if _ratio(f) is None),
                  key=lambda c: next(f.area.name.lower() for f in las if f.area.code == c))
    assert _codes(client.get("/?sort=ratio")) == [f.area.code for f in compared] + rest
    down = sorted(compared, key=lambda f: (_ratio(f), f.area.name.lower()), reverse=True)
    assert _codes(client.get("/?sort=ratio&order=desc")) == [f.area.code for f in down] + rest


@pytest.mark.parametrize("sort", SORTS)
def test_every_column_sorts_and_its_heading_says_so(client, sort):
    r = client.get(f"/?sort={sort}&order=desc")
    assert r.status_code == 200 and len(_codes(r)) == 153
    page = html.unescape(r.content.decode())
    head = page[page.index("<thead"):page.index("</thead>")]
    assert head.count('aria-sort="descending"') == 1
    # selecting the sorted column again reverses it
    assert f'href="?sort={sort}#table"' in head or (sort == "name" and 'href="?#table"' in head)


def test_filtered_to_one_region_with_counts(client, findings):
    yh = next(r for r in findings.regions if r.area.name == "Yorkshire and The Humber")
    members = {f.area.code for f in findings.local_authorities
               if f.area.region_code == yh.area.code}
    r = client.get(f"/?region={yh.area.code}&sort=ratio")
    assert set(_codes(r)) == members and "E08000035" in members
    page = html.unescape(r.content.decode())
    assert f"Showing {len(members)} of 153 local authorities" in page
    assert f'<option value="{yh.area.code}" selected>Yorkshire and The Humber ({len(members)})' \
        in page
    compared = sum(f.outcomes["assessment"].comparison is not None
                   for f in findings.local_authorities if f.area.code in members)
    assert f"Compared ({compared})" in page
    assert f"Not compared ({len(members) - compared})" in page
    # the sort is kept through the filter form
    assert '<input type="hidden" name="sort" value="ratio">' in page


def test_compared_or_not(client, findings):
    yes = {f.area.code for f in findings.local_authorities
           if f.outcomes["assessment"].comparison is not None}
    assert set(_codes(client.get("/?compared=yes"))) == yes
    no = set(_codes(client.get("/?compared=no")))
    assert no == {f.area.code for f in findings.local_authorities} - yes
    assert "E06000037" in no  # West Berkshire


def test_unknown_choices_fall_back_to_the_default_table(client):
    default = _codes(client.get("/"))
    assert _codes(client.get("/?sort=<script>&order=up&region=E99&compared=maybe")) == default
    assert table_query({"sort": "ratio", "region": "nowhere"}, ["E12000001"]) == \
        TableQuery("ratio")


def test_every_technical_heading_links_to_its_plain_words(client):
    page = client.get("/").content.decode()
    head = page[page.index("<thead"):page.index("</thead>")]
    for anchor in ("assessment-rate", "ratio", "rank-among-neighbours"):
        assert f'/methods#{anchor}"' in head
        assert f'id="{anchor}"' in client.get("/methods").content.decode()


def _luminance(colour: str) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_map_hexagons_stand_out_from_the_page_and_uncertain_ones_are_hatched(client, findings):
    from copro.web.explorer import hexmap

    assert _contrast(hexmap.OUTLINE, "#ffffff") >= 3  # WCAG 1.4.11, every shade outlined
    page = client.get("/").content.decode()
    assert page.count(f'stroke="{hexmap.OUTLINE}"') >= 153
    hatched = set(re.findall(r'data-hatched="(E\d{8})"', page))
    for f in findings.local_authorities:
        c = f.outcomes["assessment"].comparison
        spans = c is not None and hexmap.band(c.risk_ratio.ci_low) is not hexmap.band(
            c.risk_ratio.ci_high)
        assert (f.area.code in hatched) == spans, f.area.name
    assert f"so the colour is not certain ({len(hatched)})" in html.unescape(page)


@pytest.mark.django_db
def test_the_search_box_is_not_filled_with_the_tables_settings(client):
    """The table's sort and filter settings once took the search box's name in the page's
    context: the home page's search box read "TableQuery(sort='name', ...)"."""
    for path in ("/", "/?sort=ratio&order=desc", "/?compared=no"):
        page = client.get(path).content.decode()
        box = re.search(r'<input[^>]*id="site-search"[^>]*>', page).group(0)
        assert 'value=""' in box, box
