"""The first screen of an area's page, at a phone's and a desktop's width, in Chromium through
the production server: an area that was not compared leads with why, and no 'in every 100'
figure, big number or dot; a compared area names England's figure and its decided base; the
home table never shows a not-compared area's rate without its reason beside it."""

from __future__ import annotations

import os

import pytest

SCREENS = {390: 844, 1280: 800}
SHOTS = os.environ.get("COPRO_SCREENSHOTS")  # a folder: keep the screenshots to look at

FIRST_SCREEN = """() => {
  const h = window.innerHeight, out = [];
  const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, r = document.createRange();
    r.selectNodeContents(n);
    const box = r.getBoundingClientRect();
    if (box.height && box.top < h && box.bottom > 0 && box.left < window.innerWidth
        && box.right > 0) out.push(n.textContent);
  }
  return out.join(' ').replace(/\\s+/g, ' ');
}"""


@pytest.fixture(scope="module")
def screens(browser, live_url):
    contexts = {w: browser.new_context(viewport={"width": w, "height": h})
                for w, h in SCREENS.items()}
    yield {w: c.new_page() for w, c in contexts.items()}, live_url
    for c in contexts.values():
        c.close()


def _first_screen(page, url: str, name: str) -> str:
    page.goto(url)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{page.viewport_size['width']}.png"))
    return page.evaluate(FIRST_SCREEN)


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("code, name, why", [
    ("E06000037", "West Berkshire", "did not record who made most requests"),
    ("E09000001", "City of London", "too few requests"),
])
def test_not_compared_area_leads_with_why_and_no_rate(screens, width, code, name, why):
    by_width, url = screens
    page = by_width[width]
    text = _first_screen(page, f"{url}/la/{code}", name.lower().replace(" ", "-"))
    assert f"We can't say for {name}" in text
    assert why in text
    assert "in every 100" not in text and " in 100" not in text
    assert page.locator(".copro-big-number").count() == 0
    assert page.locator(".copro-answer__figure").count() == 0


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("code, name, decided", [("E08000035", "leeds", "818"),
                                                  ("E10000016", "kent", "1,745")])
def test_compared_area_names_england_and_decided_base(screens, width, code, name, decided):
    by_width, url = screens
    page = by_width[width]
    _first_screen(page, f"{url}/la/{code}", name)
    answer = page.locator(".copro-answer").inner_text()
    assert f"of the {decided} that were decided" in answer
    assert "In England, 47 in every 100" in answer and "1.73 times" in answer
    assert "Education, health and care plans" in answer and "calendar year 2025" in answer


def test_home_table_never_shows_a_not_compared_rate_without_its_reason(screens):
    by_width, url = screens
    page = by_width[390]
    page.goto(url + "/")
    if SHOTS:
        page.locator("tr[data-code='E06000037']").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, "home-table-390.png"))
    for code in ("E06000037", "E09000001", "E06000046"):
        row = page.locator(f"tr[data-code='{code}']")
        cell = row.locator("td").first
        text = cell.inner_text()
        assert "%" not in text and ("Not compared" in text or "No figures" in text)
        box, wrap = cell.bounding_box(), page.locator(".copro-table-wrap").first.bounding_box()
        assert box["x"] + 40 < wrap["x"] + wrap["width"]  # it starts inside the first screen


# Every text of the LA page's answer and neighbours figures (drawn as SVG by
# copro.render.dot_figures), its rendered size and box, the boxes of England's triangles, and
# the figure's own box.
DOT_FIGURES = """() => [...document.querySelectorAll(
    ".copro-answer__figure svg, .copro-neighbours-figure svg")].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const box = (el) => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
  return {id: svg.querySelector("title").id, box: box(svg),
          marks: [...svg.querySelectorAll("polygon.national")].map(box),
          texts: [...svg.querySelectorAll("text")].filter(t => t.textContent.trim())
            .map(t => ({text: t.textContent.trim(), box: box(t),
                        px: parseFloat(getComputedStyle(t).fontSize) * scale}))};
})"""


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("code", ["E08000035", "E10000016", "E09000007", "E06000066"])
def test_answer_and_neighbours_figures_legible_apart_and_mark_england(screens, width, code):
    """The SVG figures as a reader sees them: text at least 11 px, no two texts on each other,
    every text inside its figure, and England's rate for each group marked by a triangle (named
    in the axis label) that covers no text."""
    by_width, url = screens
    page = by_width[width]
    page.goto(f"{url}/la/{code}")
    figures = {f["id"]: f for f in page.evaluate(DOT_FIGURES)}
    assert set(figures) == {"answer-title", "neighbours-title"}, code
    for fig in figures.values():
        where = f"{code} {fig['id']} at {width} px"
        texts = fig["texts"]
        small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < 11]
        assert small == [], f"{where}: text under 11 px: {small[:5]}"
        clashes = [(x["text"], y["text"]) for i, x in enumerate(texts) for y in texts[i + 1:]
                   if _overlap(x["box"], y["box"]) > 2]
        assert clashes == [], f"{where}: texts overlap: {clashes[:5]}"
        b = fig["box"]
        outside = [t["text"] for t in texts if t["box"][0] < b[0] - 1 or t["box"][2] > b[2] + 1
                   or t["box"][1] < b[1] - 1 or t["box"][3] > b[3] + 1]
        assert outside == [], f"{where}: text beyond the figure's edge: {outside}"
    answer = figures["answer-title"]
    assert len(answer["marks"]) == 2, code  # England's rate, one for each group
    assert any(t["text"].endswith("; ▲ England") for t in answer["texts"]), code
    covered = [t["text"] for m in answer["marks"] for t in answer["texts"]
               if _overlap(m, t["box"]) > 0]
    assert covered == [], f"{code} at {width} px: England's triangle over {covered}"
