"""The HTML report: its numbers, figures, links and self-containment, and (in a real headless
Chromium) that it renders, passes automated accessibility checks, and its table sorts and filters.
"""

import html
import re
from pathlib import Path

import pytest

from copro.render.sentences import headline
from tests.browser import axe_violations
from tests.in_process import run_copro

FIGURES = ("scatter", "forest", "funnel", "timeliness", "mediation", "appeals-association")


@pytest.fixture(scope="module")
def findings(bundled_findings):
    return bundled_findings


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    proc = run_copro("report", "--all-las", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def _rows(page: str) -> dict[str, list[str]]:
    """data-sort values of every row of the areas table, by area code."""
    table = page[page.index('<table id="areas"'):]
    table = table[:table.index("</table>")]
    return {m.group(1): re.findall(r'data-sort="([^"]*)"', m.group(2))
            for m in re.finditer(r'<tr data-code="([^"]+)">(.*?)</tr>', table, re.S)}


def test_headline_sentences_are_the_audit_sentences(report, findings):
    page = (report / "index.html").read_text()
    for sentence in headline(findings):
        assert html.escape(sentence, quote=False) in html.unescape(page) or sentence in \
            html.unescape(page)


def test_area_table_numbers_equal_the_api(report, findings):
    rows = _rows((report / "index.html").read_text())
    assert len(rows) == len(findings.local_authorities) == 153
    a, b = findings.group_a, findings.group_b
    for f in findings.local_authorities:
        cells = rows[f.area.code]
        out = f.outcomes["assessment"]
        rate_b, n_b, rate_a, n_a, rr, shrunk = cells[1:7]
        for group, rate, n in ((b, rate_b, n_b), (a, rate_a, n_a)):
            r = out.rates[group]
            if r is not None and r.trials and out.comparison is not None:
                assert float(rate) == r.estimate and int(n) == r.trials
            else:  # no rate for an area not compared (its reason is in its place)
                assert rate == ""
        if out.comparison is None:
            assert rr == shrunk == ""
        else:
            assert float(rr) == out.comparison.risk_ratio.estimate
            eb = findings.pooled["assessment"].empirical_bayes.by_area[f.area.code]
            assert float(shrunk) == eb.estimate


def _row_html(page: str, code: str) -> str:
    table = page[page.index('<table id="areas"'):]
    return re.search(rf'<tr data-code="{code}">(.*?)</tr>', table, re.S).group(1)


@pytest.mark.parametrize("code", ["E06000037", "E09000001", "E06000046"])
def test_an_area_not_compared_has_no_rate_and_its_reason_beside_its_name(report, findings,
                                                                          code):
    """West Berkshire (source unknown), the City of London (too few) and the Isle of Wight (no
    figures): no rate or ratio in the table, and the reason in the cell beside the name, the
    one a phone shows (the website's rule)."""
    from copro.render.sentences import why_not_compared

    f = next(x for x in findings.local_authorities if x.area.code == code)
    assert f.outcomes["assessment"].comparison is None
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", _row_html(
        (report / "index.html").read_text(), code), re.S)
    reason = html.unescape(re.sub(r"<[^>]+>", "", cells[1]))
    assert reason == why_not_compared(findings, f, short=True)
    assert reason.startswith(("Not compared", "No figures"))
    assert not any("%" in c or re.search(r"\d\.\d", c) for c in cells[2:8]), cells


def test_every_figure_has_title_description_and_caption(report):
    page = (report / "index.html").read_text()
    for fig_id in FIGURES:
        block = page[page.index(f'<figure id="figure-{fig_id}">'):]
        block = block[:block.index("</figure>")]
        assert f'role="img" aria-labelledby="{fig_id}-title {fig_id}-desc"' in block
        title = re.search(rf'<title id="{fig_id}-title">([^<]+)</title>', block).group(1)
        desc = re.search(rf'<desc id="{fig_id}-desc">([^<]+)</desc>', block).group(1)
        assert len(title) > 20 and len(desc) > 100
        assert "<figcaption>" in block


def test_report_is_self_contained(report):
    for page in [report / "index.html", *sorted((report / "la").glob("*.html"))[:5]]:
        text = page.read_text()
        assert "<script src" not in text and "<link" not in text
        urls = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', text))
        assert urls == set(), urls


def test_links_between_index_and_area_pages(report, findings):
    index = (report / "index.html").read_text()
    links = re.findall(r'href="(la/[^"]+\.html)"', index)
    assert len(links) == 153
    for link in links:
        assert (report / link).is_file()
    leeds = (report / "la" / "leeds.html").read_text()
    assert 'href="../index.html"' in leeds
    assert (report / "la" / "../index.html").resolve() == (report / "index.html").resolve()


def test_area_page_numbers_and_funnel_highlight(report, findings):
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    page = (report / "la" / "leeds.html").read_text()
    rr = leeds.outcomes["assessment"].comparison.risk_ratio
    assert f"{rr.estimate:.2f} times as likely" in page
    start = page.index('<figure id="figure-funnel">')
    figure = page[start:page.index("</figure>", start)]
    assert 'id="pt-E08000035"' in figure
    # the highlighted point is drawn last (on top of the others), large, and named
    highlight = figure[figure.index('<g class="highlight">'):]
    assert "<circle" in highlight and ">Leeds</text>" in highlight
    assert highlight.index("</g>") > highlight.index(">Leeds</text>")
    assert "Open Government Licence v3.0" in page and findings.provenance.sha256 in page


def test_single_area_page_is_named_for_the_area(tmp_path):
    """`report --la Kent` writes kent.html: a name a parent can map back to Kent."""
    for name, expected in (("Kent", "kent.html"), ("E06000023", "bristol-city-of.html")):
        out = tmp_path / expected
        proc = run_copro("report", "--la", name, "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        assert [p.name for p in out.iterdir()] == [expected]


def _drawn(monkeypatch) -> list[str]:
    """The report's figures drawn from now on, by name of the drawing function."""
    from copro.render import figures

    drawn: list[str] = []

    def counted(name: str, draw):
        def drawing(*args, **kwargs):
            drawn.append(f"{name} label={kwargs['label']}" if name == "funnel_plot" else name)
            return draw(*args, **kwargs)
        return drawing

    for name in ("rates_scatter", "forest_plot", "funnel_plot", "national_rates_by_group"):
        monkeypatch.setattr(figures, name, counted(name, getattr(figures, name)))
    return drawn


def test_each_figure_is_drawn_once_and_only_where_a_page_shows_it(tmp_path, findings,
                                                                   monkeypatch):
    """An area page shows only the plain funnel (its own point highlighted): `report --la`
    draws that alone; the index draws the rest and not it; --all-las draws each once for all
    its pages. The figures are the same whatever the order they are drawn in."""
    from copro.render.report import write_report

    drawn = _drawn(monkeypatch)
    leeds = next(f for f in findings.local_authorities if f.area.name == "Leeds")
    write_report(findings, tmp_path / "leeds", area=leeds)
    assert drawn == ["funnel_plot label=0"]
    drawn.clear()
    write_report(findings, tmp_path / "index")
    assert sorted(drawn) == ["forest_plot", "funnel_plot label=10", "national_rates_by_group",
                             "rates_scatter", "rates_scatter"]
    drawn.clear()
    write_report(findings, tmp_path / "all", all_las=True)
    assert sorted(drawn) == ["forest_plot", "funnel_plot label=0", "funnel_plot label=10",
                             "national_rates_by_group", "rates_scatter", "rates_scatter"]
    index = (tmp_path / "index" / "index.html").read_text()
    assert index.split("<footer")[0].count("<svg") == (
        (tmp_path / "all" / "index.html").read_text().split("<footer")[0].count("<svg"))


def test_unknown_area_writes_nothing(tmp_path):
    proc = run_copro("report", "--la", "Atlantis", "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and not (tmp_path / "r").exists()




PAGES = {"index": "index.html", "area": "la/leeds.html"}

# In the page: the layout measures the browser tests check.
LAYOUT = """() => {
  const lines = (cell) => {
    const style = getComputedStyle(cell);
    const pad = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
    return (cell.getBoundingClientRect().height - pad) / line;
  };
  const rows = [...document.querySelectorAll("tr")].filter(r => r.getClientRects().length);
  return {
    pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth,
    tallest: Math.max(0, ...rows.flatMap(r => [...r.cells].map(lines))),
    tables: [...document.querySelectorAll("table")].filter(t => t.getClientRects().length)
      .map(t => {
        const wrap = t.closest(".table-wrap");
        const style = wrap && getComputedStyle(wrap);
        const hint = wrap && getComputedStyle(wrap, "::before");
        const cap = t.caption && t.caption.getBoundingClientRect();
        const box = wrap && wrap.getBoundingClientRect();
        return {id: t.id || t.caption?.textContent.slice(0, 40), inWrap: !!wrap,
                captionInView: !cap || !box || (cap.left >= box.left - 1
                                                && cap.right <= box.right + 1),
                overflowX: style && style.overflowX, border: style && style.borderTopWidth,
                scrolls: !!wrap && wrap.scrollWidth > wrap.clientWidth + 1,
                hint: hint ? hint.content : "", hintDisplay: hint ? hint.display : ""};
      }),
  };
}"""

# Every text of every figure: its rendered font size and box.
FIGURE_TEXT = """() => [...document.querySelectorAll("figure svg")].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {id: svg.closest("figure").id, texts: [...svg.querySelectorAll("text")]
    .filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
      return {text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize) * scale,
              box: [r.left, r.top, r.right, r.bottom]}; })};
})"""


def _open(browser, report, which: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((report / PAGES[which]).as_uri())
    return page


@pytest.mark.parametrize("which", list(PAGES))
def test_desktop_no_overflow_and_no_row_taller_than_three_lines(browser, report, which):
    page = _open(browser, report, which, 1280)
    m = page.evaluate(LAYOUT)
    assert m["pageWidth"] <= m["viewport"]
    assert m["tallest"] <= 3.2, f"a table row is {m['tallest']:.1f} lines tall"
    wide = [t["id"] for t in m["tables"] if t["scrolls"]]
    assert wide == [], f"tables wider than the page at 1280 px: {wide}"


@pytest.mark.parametrize("which", list(PAGES))
def test_phone_tables_scroll_inside_a_visible_container(browser, report, which):
    page = _open(browser, report, which, 390)
    m = page.evaluate(LAYOUT)
    assert m["pageWidth"] <= m["viewport"], "the page itself scrolls sideways"
    for t in m["tables"]:
        assert t["inWrap"] and t["overflowX"] in ("auto", "scroll"), t
        assert float(t["border"].removesuffix("px")) >= 1, t  # the box's edge shows
        assert t["captionInView"], t  # the caption is not cut off at the side
        if t["scrolls"]:  # and it says that it scrolls
            assert "Scroll sideways" in t["hint"] and t["hintDisplay"] == "block", t
    if which == "index":
        assert next(t for t in m["tables"] if t["id"] == "areas")["scrolls"]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("which", list(PAGES))
def test_pages_pass_axe(browser, report, which, width):
    page = _open(browser, report, which, width)
    assert axe_violations(page) == []


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("which", list(PAGES))
def test_figure_labels_legible_and_apart(browser, report, which, width):
    page = _open(browser, report, which, width)
    figs = page.evaluate(FIGURE_TEXT)
    assert len(figs) == (len(FIGURES) if which == "index" else 1)
    for fig in figs:
        assert fig["texts"], fig["id"]
        small = [(t["text"], round(t["px"], 1)) for t in fig["texts"] if t["px"] < 11]
        assert small == [], f"{fig['id']} at {width} px: text under 11 px: {small[:5]}"
        texts = fig["texts"]
        clashes = [(x["text"], y["text"]) for i, x in enumerate(texts) for y in texts[i + 1:]
                   if _overlap(x["box"], y["box"]) > 2]
        assert clashes == [], f"{fig['id']} at {width} px: labels overlap: {clashes[:5]}"


def test_index_renders_the_whole_report(browser, report, tmp_path):
    from PIL import Image, ImageStat

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto((report / "index.html").as_uri())
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot).convert("L")
    assert image.size[1] > 3000  # the whole report, not an empty page
    stat = ImageStat.Stat(image)
    assert stat.stddev[0] > 20  # text and figures, not a blank page
    assert sum(image.histogram()[:128]) / (image.size[0] * image.size[1]) > 0.01
    assert page.locator("figure svg").count() == len(FIGURES)


def test_table_sorts_and_filters_in_the_browser(browser, report, findings):
    page = browser.new_page()
    page.goto((report / "index.html").as_uri())
    page.get_by_role("button", name="Ratio", exact=True).first.click()
    first = page.locator("#areas tbody tr").first.get_attribute("data-code")
    compared = [f for f in findings.local_authorities if f.outcomes["assessment"].comparison]
    smallest = min(compared, key=lambda f: f.outcomes["assessment"].comparison.risk_ratio.estimate)
    assert first == smallest.area.code
    page.get_by_label("Filter local authorities").fill("leeds")
    assert page.locator("#areas tbody tr:visible").count() == 1


def test_area_page_renders(browser, report):
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto((report / "la" / "leeds.html").as_uri())
    assert page.locator("h1").inner_text().startswith("Leeds")
