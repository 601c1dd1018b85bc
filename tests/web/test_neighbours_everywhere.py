"""Every local authority's statistical neighbours, in every output: the terminal (`copro la`),
the report, and the web page with its JSON and CSV. DfE's requests file codes Buckinghamshire,
North Yorkshire and Somerset by their old county codes and the neighbours file by their current
ones; before the register joined them, 46 neighbour entries on 38 LAs' pages said "not in these
data" for an LA that is in the data. No output may say that of any LA in the data, and each
output's "Not compared" list must be exactly the neighbours the audit did not compare.

Made cheap enough to run on every LA: the findings are computed once (the file's for the
terminal and report, the database's for the site, as each is shown); the report is written once
for all LAs; the site is asked through Django's test client, each LA's page built once for its
three forms (its answer and neighbours figures are plain SVG, drawn in milliseconds, so the real
neighbours figure is checked on every page too).
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from rich.console import Console

from copro.render.numbers import names
from copro.sources.neighbours import bundled_neighbours

pytestmark = pytest.mark.django_db
NOT_IN = "not in these data"


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


def _expected(findings):
    """For every LA: its neighbours' (code, name) closest first, and the names of those the
    audit did not compare, as every output must list them."""
    by_code = {f.area.code: f for f in findings.local_authorities}
    out = {}
    for f in findings.local_authorities:
        listed = bundled_neighbours().of(f.area.code)
        assert len(listed) == 10, f.area.name
        missing = [n for n in listed if n.code not in by_code]
        assert not missing, f"{f.area.name}: neighbours not in the data: {missing}"
        uncompared = [by_code[n.code].area.name for n in listed
                      if by_code[n.code].outcomes[findings.primary].comparison is None]
        out[f.area.code] = ([(n.code, by_code[n.code].area.name) for n in listed], uncompared)
    return out


def _words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _check_words(where: str, text: str, neighbours, uncompared) -> None:
    assert NOT_IN not in text, where
    for rank, (_, name) in enumerate(neighbours, start=1):
        assert f"{rank}. {name}" in text, f"{where}: neighbour {rank}. {name}"
    if uncompared:  # the exact list is checked in the JSON and CSV
        assert f"Not compared: {names(uncompared)}." in text, where


def test_the_three_recoded_las_are_neighbours_and_have_neighbours(findings):
    codes = {f.area.code for f in findings.local_authorities}
    assert {"E06000060", "E06000065", "E06000066"} <= codes
    assert not codes & {"E10000002", "E10000023", "E10000027"}
    named = sum(n.code in {"E06000060", "E06000065", "E06000066"}
                for f in findings.local_authorities for n in bundled_neighbours().of(f.area.code))
    assert named == 46
    expected = _expected(findings)
    assert expected["E10000016"][1] == ["Essex"]  # Kent: Somerset is compared (ratio 1.93)


def test_terminal_and_report_name_every_neighbour(findings, tmp_path):
    from copro.render.report import write_report
    from copro.render.terminal import print_area

    expected = _expected(findings)
    for f in findings.local_authorities:
        out = io.StringIO()
        print_area(findings, f, Console(file=out, width=400, color_system=None),
                   bundled_neighbours())
        neighbours, uncompared = expected[f.area.code]
        _check_words(f"copro la {f.area.name}", " ".join(out.getvalue().split()), neighbours,
                     uncompared)
    written = write_report(findings, tmp_path, all_las=True, neighbours=bundled_neighbours())
    pages = {p.name: p for p in written}
    from copro.render.report import _area_file

    for f in findings.local_authorities:
        text = _words(pages[_area_file(f).split("/")[-1]].read_text(encoding="utf-8"))
        neighbours, uncompared = expected[f.area.code]
        _check_words(f"report, {f.area.name}", text, neighbours, uncompared)


@pytest.fixture
def fast_pages(monkeypatch):
    """Each LA page built once for its three forms; the site's page cache emptied before and
    after, so no other test sees these pages."""
    from copro.web.explorer import pages, views

    built = {}
    real = pages.area_page

    def once(findings, f, survey=None):
        if f.area.code not in built:
            built[f.area.code] = real(findings, f, survey)
        return built[f.area.code]

    monkeypatch.setattr(pages, "area_page", once)
    views._responses.clear()
    yield
    views._responses.clear()


def _neighbours_figure(page: str) -> str:
    """The description of an LA page's neighbours figure (its <desc>): the rows in words."""
    found = re.search(r'<desc id="neighbours-desc">([^<]*)</desc>', page)
    assert found, "no neighbours figure"
    return html.unescape(found.group(1))


def test_every_web_page_json_and_csv_name_every_neighbour(client, fast_pages):
    from copro.web.explorer.store import current_dataset, findings_for

    site = findings_for(current_dataset(fresh=True))
    expected = _expected(site)
    for f in site.local_authorities:
        code = f.area.code
        neighbours, uncompared = expected[code]
        r = client.get(f"/la/{code}")
        assert r.status_code == 200, code
        _check_words(f"/la/{code}", _words(r.content.decode()), neighbours, uncompared)
        figure = _neighbours_figure(r.content.decode())
        for _, name in neighbours:  # every neighbour drawn, compared or with why not
            assert f"{name}: " in figure, f"/la/{code}: {name} not in the neighbours figure"
        assert [n for _, n in neighbours if f"{n}: not compared" in figure] == uncompared, code
        doc = client.get(f"/la/{code}.json").json()["statistical_neighbours"]
        rows = [x for x in doc["rows"] if x["kind"] == "neighbour"]
        assert [(x["code"], x["name"]) for x in rows] == neighbours, code
        assert [x["name"] for x in rows if x["not_compared"]] == uncompared, code
        assert NOT_IN not in str(doc), code
        table = list(csv.reader(io.StringIO(client.get(f"/la/{code}.csv").content.decode())))
        header = table[0]
        at = header.index("neighbours_comparison")
        mine = [dict(zip(header[at:], row[at:], strict=True)) for row in table[1:]
                if row[0] == "neighbours_table" and row[at] == "neighbour"]
        assert [(x["neighbours_code"], x["neighbours_name"]) for x in mine] == neighbours, code
        assert [x["neighbours_name"] for x in mine if x["neighbours_not_compared"]] \
            == uncompared, code
        assert not any(NOT_IN in c for row in table for c in row), code


def test_kent_and_somerset_as_a_reader_sees_them(client):
    """The real pages (figures drawn): Kent's neighbours include Somerset, compared; Somerset,
    which had none, has its ten."""
    kent = _words(client.get("/la/E10000016").content.decode())
    assert "Not compared: Essex." in kent and NOT_IN not in kent
    assert re.search(r"10\. Somerset Very close .{0,60} 1\.93 1\.69 to 2\.21", kent)
    somerset = _words(client.get("/la/E06000066").content.decode())
    assert "1. Suffolk Very close" in somerset and "10. Essex" in somerset
    assert NOT_IN not in somerset
