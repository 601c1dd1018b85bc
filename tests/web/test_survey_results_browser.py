"""The survey's results in headless Chromium through the production server, at a phone's width
(390 px) and a desktop's (1280 px): families' and education professionals' exports imported and
published for Leeds; the results page opens with the finding in one sentence, on the first
screen, its labels linked to the data dictionary's rows; the weighted figures and the
reliability are folded away, each with a one-line summary; the LA page has a jump link to its
survey part and the finding right after its answer. The pages' heights are printed (run with
``-s``) and screenshots kept in the test's temporary folder."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import time

import pytest

from tests.web.conftest import COPRO
from tests.web.serve import create_user
from tests.web.survey_helpers import publish_all, sign_in_page
from tests.web.test_survey_browser import LEEDS, PASSWORD, check_page

FAMILIES_LADDER = "Which of these best describes how decisions about the request were made?"
EDUCATION_LADDER = ("Which of these best describes how the local authority made decisions about "
                    "your requests with you?")
#: first screens: an iPhone 12-14's and a laptop's
SCREENS = {390: 844, 1280: 800}


def _import(env, path, audience: str, header: str, answers: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", header])
        w.writerows([i, a] for i, a in enumerate(answers))
    r = subprocess.run([COPRO, "survey", "import", str(path), "--la", "Leeds", "--audience",
                        audience], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"matched: {header!r}" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def published(copro_server, tmp_path_factory, browser):
    """Leeds: 30 families (12 at the top two rungs of the ladder, 2 "Don't know") and 12
    education professionals (9 at the top two rungs) imported and published."""
    s = copro_server(env={"COPRO_SURVEY_RATE_LIMIT": "1000"})
    env = {**os.environ, "COPRO_DATA_DIR": str(s.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    create_user(env, "leeds-results", "--la", "Leeds", password=PASSWORD)
    folder = tmp_path_factory.mktemp("exports")
    _import(env, folder / "families.csv", "families", FAMILIES_LADDER,
            ["Our views changed what happened"] * 7
            + ["We decided together as equal partners"] * 5
            + ["We were told afterwards"] * 10 + ["It was decided without us"] * 6
            + ["Don't know"] * 2)
    _import(env, folder / "education.csv", "education", EDUCATION_LADDER,
            ["Our views changed what happened"] * 9 + ["We were asked our views"] * 3)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_page(page, s.url, "leeds-results")
    publish_all(page)
    context.close()
    time.sleep(2.5)  # the LA page's cache asks for newly published results every 2 s
    return s


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


FINDING = ("In Leeds, 43% of 28 families (those who placed themselves on the ladder) said "
           "decisions about their request were made with them, against 75% of 12 education "
           "professionals about the local authority's decisions on their requests; across "
           "every local authority surveyed, the same was said by 43% of 28 families and 75% of "
           "12 education professionals.")


@pytest.mark.parametrize("width", sorted(SCREENS))
def test_the_results_page_opens_with_the_finding_on_the_first_screen(browser, published,
                                                                      width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": SCREENS[width]})
    page = context.new_page()
    page.goto(published.url + f"/survey/results/{LEEDS}")
    print(f"\nresults page at {width} px: {_height(page)} px high")
    page.screenshot(path=str(tmp_path / f"results-first-screen-{width}.png"))
    page.screenshot(path=str(tmp_path / f"results-{width}.png"), full_page=True)
    finding = page.locator(".copro-finding")
    assert finding.count() == 1
    text = " ".join(finding.inner_text().split())
    assert text.startswith(FINDING), text
    # on the first screen, whole
    box = finding.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= SCREENS[width], (box, width)
    # its labels lead to the data dictionary's rows, which are there
    links = finding.get_by_role("link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs and all(h.startswith("/data/dictionary#the-survey-s-results--") for h in hrefs)
    # the weighted figures and the reliability are folded, each with a worded summary
    for name in ("Weighted to what DfE counted", "Does the partnership score measure one"):
        summary = page.locator("details > summary", has_text=name)
        assert summary.count() == 1, name
        assert not summary.locator("xpath=..").get_attribute("open")
    check_page(page, width)
    page.goto(published.url + hrefs[0])
    row = page.locator(f"#{hrefs[0].split('#')[1]}")
    assert row.count() == 1 and row.is_visible()
    context.close()


@pytest.mark.parametrize("width", sorted(SCREENS))
def test_the_la_page_leads_to_its_survey_part_with_the_finding_after_the_answer(
        browser, published, width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": SCREENS[width]})
    page = context.new_page()
    page.goto(published.url + f"/la/{LEEDS}")
    print(f"\nLA page at {width} px: {_height(page)} px high; survey part starts at "
          f"{page.locator('#survey-heading').bounding_box()['y']:.0f} px")
    page.screenshot(path=str(tmp_path / f"la-first-screen-{width}.png"))
    main = page.locator("main")
    jump = main.get_by_role("link", name=re.compile("What families and professionals say"))
    assert jump.first.get_attribute("href") == "#survey"
    summary = page.locator(".copro-finding")
    assert summary.count() == 1
    assert " ".join(summary.inner_text().split()).startswith(FINDING)
    # right after the answer, before "In more detail"
    assert summary.bounding_box()["y"] < page.locator("#findings").bounding_box()["y"]
    jump.first.click()
    assert page.locator("#survey").count() == 1
    check_page(page, width)
    context.close()
