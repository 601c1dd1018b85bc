"""The explorer's pages and their JSON and CSV, against copro's audit engine run directly on
the bundled file (not through the database): the database round trip and the pages must give
the audit's own figures, for several kinds of local authority."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from copro.audit import audit
from copro.render import area_table
from copro.render.json_out import findings_dict, to_plain
from copro.render.sentences import area_sentences, headline
from copro.sources.dfe import bundled_dfe_path, read_dfe_requests

pytestmark = pytest.mark.django_db

# compared (large, small, London), not compared (source not recorded; suppressed), a successor
# authority (Cumberland), a county
AREAS = ("E08000035", "E10000016", "E09000007", "E10000012", "E06000046", "E06000063",
         "E06000001")


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


def _la(findings, code):
    return next(f for f in findings.local_authorities if f.area.code == code)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _words(response) -> str:
    """The page's text without its markup (technical terms in sentences are links)."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def test_leeds_page_shows_its_ratio(client, findings):
    r = client.get("/la/E08000035")
    assert r.status_code == 200
    page = _text(r)
    rr = _la(findings, "E08000035").outcomes["assessment"].comparison.risk_ratio.estimate
    assert f"{rr:.2f}" == "1.27"
    assert "In Leeds, requests from schools and other education settings were 1.27 times" in page
    assert "In Leeds, 73 in every 100 families&#x27; requests led to an assessment (600 of the " \
           "818 that were decided); 93 in every 100 from schools (1,410 of 1,511)." in page \
        or "In Leeds, 73 in every 100 families' requests led to an assessment (600 of the 818 " \
           "that were decided); 93 in every 100 from schools (1,410 of 1,511)." in page
    assert '<meta property="og:title" content="Leeds: does it matter who asks' in page
    assert '<meta name="description" content="In Leeds, 73 in every 100' in page


@pytest.mark.parametrize("code", AREAS)
def test_area_json_is_the_audit(client, findings, code):
    r = client.get(f"/la/{code}.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    doc = r.json()
    f = _la(findings, code)
    assert doc["findings"] == json.loads(json.dumps(to_plain(f)))
    assert doc["sentences"] == area_sentences(findings, f)
    assert doc["england"] == json.loads(json.dumps(to_plain(findings.national)))
    region = findings.region_of(f.area)
    assert doc["region"] == json.loads(json.dumps(to_plain(region)))
    assert doc["provenance"]["sha256"] == findings.provenance.sha256


@pytest.mark.parametrize("code", AREAS)
def test_area_html_and_csv_are_the_audit(client, findings, code):
    f = _la(findings, code)
    page = _words(client.get(f"/la/{code}"))
    for sentence in area_sentences(findings, f):
        assert sentence in page
    assert (f'<h1 class="govuk-heading-xl copro-answer__title">{f.area.name}: does it matter '
            'who asks?</h1>') in _text(client.get(f"/la/{code}"))
    r = client.get(f"/la/{code}.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    width = len(area_table.columns(findings))
    assert rows[0][:width + 1] == ["section", *area_table.columns(findings)]
    areas = [row[1:width + 1] for row in rows[1:] if row[0] == "area"]
    expected = [area_table._row(findings, x)
                for x in (f, findings.region_of(f.area), findings.national)]
    assert areas == [["" if v is None else str(v) for v in row] for row in expected]


def test_not_compared_area_says_why(client, findings):
    essex = _la(findings, "E10000012")
    assert essex.outcomes["assessment"].comparison is None
    page = _words(client.get("/la/E10000012"))
    assert "cannot be compared" in page and "Not compared:" in page


@pytest.mark.parametrize("code", ["E08000035", "E10000020", "E08000031"])
def test_funnel_point_is_marked_unmistakably(client, code):
    """The LA's point was drawn the same size as every other, in the orange of the limit
    lines, and its name sat beside Norfolk's: now it is large, in a colour no line uses, and
    named once, clear of every other label."""
    from copro.render.figures import HIGHLIGHT, _text_boxes

    page = client.get(f"/la/{code}").content.decode()
    start = page.index('aria-labelledby="funnel-title funnel-desc"')
    svg = page[start:page.index("</svg>", start)]
    mark = svg[svg.index('<g class="highlight">'):]
    assert f'fill="{HIGHLIGHT}"' in mark and 'r="9"' in mark
    lines = set(re.findall(r"stroke: (#[0-9a-fA-F]{6})", svg[:svg.index('<g class="highlight">')]))
    assert HIGHLIGHT.lower() not in {c.lower() for c in lines}
    name = re.search(r'<text [^>]*>([^<]+)</text>', mark).group(1)
    assert svg.count(f">{name}</text>") == 1  # its small label gave way to the large one
    label = [b for b in _text_boxes(svg) if b in _text_boxes(mark)][-1]
    others = [b for b in _text_boxes(svg[:svg.index('<g class="highlight">')])]
    assert not any(label[0] < o[2] and o[0] < label[2] and label[1] < o[3] and o[1] < label[3]
                   for o in others), name


def test_index_headline_map_and_table(client, findings):
    r = client.get("/")
    page = _text(r)
    for sentence in headline(findings):
        assert sentence in _words(r)
    codes = set(re.findall(r'<polygon class="copro-hex" data-code="(E\d{8})"', page))
    assert codes == {f.area.code for f in findings.local_authorities} and len(codes) == 153
    rows = re.findall(r'<tr class="govuk-table__row" data-code="(E\d{8})">', page)
    assert len(rows) == 153
    assert "Open Innovations" in page and "The map in words" in page
    leeds = page[page.index('data-code="E08000035">'):]
    rr = _la(findings, "E08000035").outcomes["assessment"].comparison.risk_ratio
    assert (f'{rr.estimate:.2f}<span class="copro-ci">{rr.ci_low:.2f} to {rr.ci_high:.2f}'
            f'</span>') in leeds[:leeds.index("</tr>")]


def test_hex_colours_follow_the_ratio(client, findings):
    from copro.web.explorer import hexmap

    page = client.get("/").content.decode()
    for f in findings.local_authorities:
        c = f.outcomes["assessment"].comparison
        colour = hexmap.band(None if c is None else c.risk_ratio.estimate).colour
        assert f'data-code="{f.area.code}" fill="{colour}"' in page


def test_index_json_and_csv_are_the_audit(client, findings):
    doc = client.get("/index.json").json()
    assert doc == json.loads(json.dumps(findings_dict(findings)))
    assert client.get("/.json").json() == doc
    rows = list(csv.reader(io.StringIO(client.get("/index.csv").content.decode())))
    assert rows[0] == area_table.columns(findings)
    assert rows[1:] == [["" if v is None else str(v) for v in row]
                        for row in area_table.rows(findings)]


def test_name_slug_and_dfe_code_redirect(client):
    for path in ("/la/leeds", "/la/383", "/la/e08000035"):
        r = client.get(path)
        assert r.status_code == 301 and r["Location"] == "/la/E08000035", path
    r = client.get("/la/kingston-upon-hull-city-of.json")
    assert r.status_code == 301 and r["Location"].endswith(".json")
    assert client.get("/la/atlantis").status_code == 404


@pytest.mark.parametrize("query", ["Leeds", "leeds", "E08000035", "383", " LEEDS "])
def test_search_finds_by_name_ons_or_dfe_code(client, query):
    r = client.get("/search", {"q": query})
    assert r.status_code == 302 and r["Location"] == "/la/E08000035"


def test_old_codes_redirect_to_the_current_code(client):
    """DfE's requests file codes Somerset E10000027; its page is at its current code. A code
    always names the same authority, so the redirect is permanent (301)."""
    for old, new in (("/la/E10000027", "/la/E06000066"), ("/la/e10000027", "/la/E06000066"),
                     ("/la/E10000027.json", "/la/E06000066.json"),
                     ("/la/E10000027.csv", "/la/E06000066.csv"),
                     ("/la/E10000002", "/la/E06000060"), ("/la/E10000023", "/la/E06000065")):
        r = client.get(old)
        assert r.status_code == 301 and r["Location"] == new, old
    r = client.get("/la/E06000066.json")
    assert r.status_code == 200 and r.json()["area"]["code"] == "E06000066"
    # an abolished authority has no page: to the search, which lists its successors
    r = client.get("/la/E10000006")
    assert r.status_code == 302 and r["Location"] == "/search?q=E10000006"
    page = _words(client.get(r["Location"]))
    assert "Cumbria was replaced in 2023 by Cumberland and Westmorland and Furness." in page


@pytest.mark.parametrize(("query", "code"), [
    ("Leeds City Council", "E08000035"), ("Kent County Council", "E10000016"),
    ("Bucks", "E06000060"), ("Hull", "E06000010"), ("Royal Borough of Greenwich", "E09000011"),
    ("London Borough of Hackney", "E09000012"), ("E10000027", "E06000066")])
def test_search_as_people_name_councils(client, query, code):
    r = client.get("/search", {"q": query})
    assert r.status_code == 302 and r["Location"] == f"/la/{code}", query


def test_search_shared_short_name_lists_results_not_an_error(client):
    r = client.get("/search", {"q": "Northants"})
    assert r.status_code == 200
    page = _text(r)
    assert "govuk-error-summary" not in page and "govuk-error-message" not in page
    assert "2 local authorities match ‘Northants’" in page
    assert '<a class="govuk-link" href="/la/E06000061">North Northamptonshire</a>' in page
    assert '<a class="govuk-link" href="/la/E06000062">West Northamptonshire</a>' in page
    beds = _text(client.get("/search", {"q": "Beds"}))
    for code in ("E06000055", "E06000056", "E06000032"):
        assert f'href="/la/{code}"' in beds


def test_search_near_miss_suggests(client):
    r = client.get("/search", {"q": "Leds"})
    assert r.status_code == 200  # suggestions are results, not an error
    page = _text(r)
    assert "govuk-error-summary" not in page
    assert "No local authority is called ‘Leds’: the closest names" in page
    # each suggestion is a link to its page (names such as "Kingston upon Hull, City of" hold a
    # comma, so a comma-separated sentence of them did not read)
    assert '<a class="govuk-link" href="/la/E08000035">Leeds</a>' in page
    nothing = client.get("/search", {"q": "Xqzw"})
    assert nothing.status_code == 404 and "govuk-error-summary" in _text(nothing)
    kingston = _text(client.get("/search", {"q": "Kingston"}))
    assert ">Kingston upon Hull, City of</a>" in kingston
    assert ">Kingston upon Thames</a>" in kingston


def test_compare_up_to_four(client, findings):
    r = client.get("/compare", {"la": ["Leeds", "383", "Kent", "E09000007"]})
    assert r.status_code == 200
    page = _text(r)
    for code in ("E08000035", "E10000016", "E09000007"):
        for s in area_sentences(findings, _la(findings, code)):
            assert s in page
    doc = client.get("/compare.json", {"la": ["Leeds", "Kent"]}).json()
    assert [a["area"]["code"] for a in doc["areas"]] == ["E08000035", "E10000016"]
    assert doc["areas"][0]["findings"] == json.loads(json.dumps(
        to_plain(_la(findings, "E08000035"))))
    too_many = client.get("/compare", {"la": ["Leeds", "Kent", "Essex", "Camden", "York"]})
    assert too_many.status_code == 400 and "at most 4" in _text(too_many)
    unknown = client.get("/compare.json", {"la": ["Atlantis"]})
    assert unknown.status_code == 400 and unknown.json()["errors"]


def test_methods_data_and_healthz(client, findings):
    for path in ("/methods", "/methods.json", "/methods.csv", "/data", "/data.json",
                 "/data.csv", "/healthz", "/healthz.json", "/healthz.csv"):
        assert client.get(path).status_code == 200, path
    data = _text(client.get("/data"))
    assert findings.provenance.sha256 in data and "Open Government Licence v3.0" in data
    doc = client.get("/data.json").json()
    assert doc["datasets"][0]["sha256"] == findings.provenance.sha256
    assert client.get("/healthz.json").json()["status"] == "ok"


def test_counts_download_is_the_table(client, findings):
    from copro.web.explorer.models import Dataset

    slug = Dataset.objects.get(sha256=findings.provenance.sha256).slug
    r = client.get(f"/data/{slug}/counts.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    counts = read_dfe_requests(bundled_dfe_path())
    assert sorted(tuple(x) for x in rows[1:]) == sorted(
        tuple("" if v is None else str(v) for v in rec) for rec in counts.records)


def test_security_headers(client):
    r = client.get("/la/E08000035")
    csp = r["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in r.content.decode()
    for path in ("/", "/la/E08000035", "/compare?la=Leeds", "/search?q=Leeds", "/data"):
        assert "Set-Cookie" not in client.get(path), path  # no cookie, so no consent banner


def test_debug_is_off_and_the_secret_key_is_kept(settings):
    import os
    import stat

    from copro.web import settings as copro_settings

    assert copro_settings.DEBUG is False
    key_file = copro_settings.DATA_DIR / "secret_key"
    assert key_file.read_text() == copro_settings.SECRET_KEY and len(copro_settings.SECRET_KEY) > 40
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_pages_are_gzipped_for_clients_that_ask(client):
    import gzip

    plain = client.get("/la/E08000035")
    packed = client.get("/la/E08000035", headers={"Accept-Encoding": "gzip, br"})
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3


def test_compare_pages_do_not_keep_what_was_typed(client):
    """A comparison is kept by the LAs found, so the same LAs asked for by name or by code
    give the same page; a page with errors (which repeats the input) is never kept."""
    by_name = client.get("/compare", {"la": ["leeds", "kent"]}).content
    by_code = client.get("/compare", {"la": ["E08000035", "886"]}).content
    assert by_name == by_code and b"la=E08000035&amp;la=E10000016" in by_name
    first = client.get("/compare", {"la": ["Leeds", "Jane Smith"]})
    assert first.status_code == 400 and "Jane Smith" in first.content.decode()
    assert "Jane Smith" not in client.get("/compare", {"la": ["Leeds", "Kent"]}).content.decode()


@pytest.fixture(scope="module")
def three_areas(tmp_path_factory):
    """Findings from DfE's own file cut to three local authorities (a researcher's extract:
    no England or regional rows), rendered through the explorer's pages."""
    path = tmp_path_factory.mktemp("three") / "three.csv"
    with bundled_dfe_path().open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    keep = [r for r in rows if r["geographic_level"] == "Local authority"
            and r["new_la_code"] in ("E08000035", "E10000016", "E09000007")]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(keep)
    return audit(read_dfe_requests(path))


def test_three_areas_are_not_called_england_on_the_website(three_areas, rf):
    from django.template.loader import render_to_string

    from copro.web.explorer import pages
    from tests.test_foi import assert_not_called_england

    leeds = _la(three_areas, "E08000035")
    rendered = []
    for page, path in ((pages.index_page(three_areas), "/"),
                       (pages.area_page(three_areas, leeds), "/la/E08000035"),
                       (pages.compare_page(three_areas, [leeds], []), "/compare"),
                       (pages.methods_page(three_areas), "/methods")):
        text = html.unescape(render_to_string(page.template, page.context,
                                              request=rf.get(path)))
        # the hex map places each area "roughly where it is in England": geography, not a claim
        text = text.replace("roughly in its place in England", "").replace(
            "roughly where it is in England", "")
        # the SEND Tribunal block's England is DfE's published national total (a separate
        # source covering every authority), not the audited areas added together
        text = re.sub(r'<section class="copro-appeals".*?</section>', "", text, flags=re.S)
        assert_not_called_england(re.sub(r"<[^>]+>", " ", text))
        rendered.append(text)
    index, area, compare, methods = rendered
    assert "Requests received in Camden, Kent and Leeds in" in index
    assert "Beside Yorkshire and The Humber and Camden, Kent and Leeds together" in area \
        or "Beside Camden, Kent and Leeds together" in area
    assert "Camden, Kent and Leeds together" in compare
    assert "around the rate for Camden, Kent and Leeds together" in methods
    # never "Camden, Kent and Leeds together's" (the methods page had read so six times)
    for text in rendered:
        assert "together's" not in text and "together’s" not in text
    words = " ".join(re.sub(r"<[^>]+>", " ", methods).split())
    assert "divided by the ratio of Camden, Kent and Leeds together;" in words
    assert "on the same side of 1 as the ratio of Camden, Kent and Leeds together" in words


def test_funnel_method_says_what_the_limits_allow_for(client, findings):
    """The methods page names the over-dispersed limits the findings carry (it once said
    'no overdispersion adjustment' while the report drew them)."""
    funnel = findings.pooled[findings.primary].funnels[findings.group_b]
    assert funnel.overdispersion is not None
    text = _text(client.get("/methods"))
    assert "no overdispersion adjustment" not in text
    assert "allowing for over-dispersion" in text and "around the rate for England" in text


def test_methods_page_speaks_in_words(client):
    """The methods list once showed its keys run together ('Riskratio', 'Pooledratio',
    'Groupscompared: education over family'); it now has labels and a plain-words section."""
    text = _text(client.get("/methods"))
    for raw in ("Riskratio", "Pooledratio", "Acrossareas", "Mindecisions", "education over family",
                "Denominator"):
        assert raw not in text, raw
    assert "In plain words" in text and "Ratio of two rates" in text
    assert "requests from schools and other education settings over requests from families" \
        in text


@pytest.mark.parametrize("path, status, title", [
    ("/no-such-page", 404, "Page not found"),
    ("/la/E99999999", 404, "Page not found"),
    ("/accessibility", 200, "Accessibility statement"),
])
def test_pages_have_proper_titles(client, path, status, title):
    r = client.get(path)
    assert r.status_code == status
    page = _text(r)
    assert f"<title>{title} – copro</title>" in page and 'rel="stylesheet"' in page


def test_error_pages_403_and_500_are_styled_with_titles(rf):
    """403 was an unstyled '403 Forbidden' and 500 a page without the site's look."""
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    request = rf.get("/survey/manage/")
    r = defaults.permission_denied(request, PermissionDenied("You coordinate another local "
                                                             "authority's survey"))
    page = html.unescape(r.content.decode())
    assert r.status_code == 403 and "<title>You cannot see this page – copro</title>" in page
    assert 'rel="stylesheet"' in page and "another local authority's survey" in page
    r = defaults.server_error(request)
    page = html.unescape(r.content.decode())
    assert r.status_code == 500 and 'rel="stylesheet"' in page
    assert "<title>Sorry, there is a problem with the service – copro</title>" in page


def test_la_csv_and_json_carry_neighbours_and_survey(client):
    r = client.get("/la/E08000035.csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    sections = [row["section"] for row in rows]
    assert sections.count("neighbour") == 10  # the area table's row for each neighbour
    table = [row for row in rows if row["section"] == "neighbours_table"]
    assert [row["neighbours_name"] for row in table][:4] == [
        "Leeds", "Portsmouth", "Southend-on-Sea", "Sheffield"]
    assert table[1]["neighbours_closeness"] == "Very close"
    assert "survey_audience" in rows[0]  # the survey's figures have their columns
    doc = client.get("/la/E08000035.json").json()
    assert doc["schema"] == "copro.web.area/3" and doc["survey"]["levels"]
    assert [x["name"] for x in doc["statistical_neighbours"]["rows"]][-2:] == [
        "Yorkshire and The Humber", "England"]


@pytest.mark.parametrize("code", AREAS)
def test_every_methods_link_on_an_area_page_reaches_its_section(client, code):
    """The answer once linked to /methods#against-england, a section the methods page did not
    have: every in-page anchor an area's page links to exists on the methods page."""
    page = client.get(f"/la/{code}").content.decode()
    anchors = set(re.findall(r'href="/methods#([^"]+)"', page))
    ids = set(re.findall(r'\bid="([^"]+)"', client.get("/methods").content.decode()))
    assert anchors, "an area's page links to the methods page's sections"
    assert anchors <= ids, sorted(anchors - ids)


def test_methods_page_explains_the_comparison_with_england(client):
    words = _words(client.get("/methods"))
    section = words[words.index("How an area is set against England"):]
    for said in ("It matters more who asks", "It matters less who asks",
                 "Cannot be told apart", "The gap runs the other way",
                 "ratio of the two ratios", "Altman & Bland 2003"):
        assert said in section, said
