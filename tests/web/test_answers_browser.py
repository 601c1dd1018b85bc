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
