"""The weighted families' figures in headless Chromium through the production server: a
families' export is imported and published, and the LA page's survey block and the results
page show the weighted figures with their effective n (and the results page the partnership
items' alpha), at a phone's width and a desktop's,
passing axe-core and without sideways overflow (screenshots in the test's temporary folder)."""

from __future__ import annotations

import csv
import os
import subprocess
import time

import pytest

from tests.web.conftest import COPRO
from tests.web.serve import create_user
from tests.web.survey_helpers import publish_all, sign_in_page
from tests.web.test_survey_browser import LEEDS, PASSWORD, check_page

WHO = "Who made the request for an EHC needs assessment?"
AGREED = "Was an assessment agreed?"
LADDER = "Which of these best describes how decisions about the request were made?"
ITEMS = ("I was treated as an equal partner.", "What I know about my child was valued.",
         "I was kept informed in good time.", "Communication was honest.",
         "The people involved knew my child.", "I understood why the decision was made.")


@pytest.fixture(scope="module")
def published(copro_server, tmp_path_factory):
    """A server with 60 families' answers for Leeds imported and published (weighted in six
    groups of 10, within 1 point of DfE's margins)."""
    s = copro_server(env={"COPRO_SURVEY_RATE_LIMIT": "1000"})
    env = {**os.environ, "COPRO_DATA_DIR": str(s.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    create_user(env, "leeds-forum", "--la", "Leeds", password=PASSWORD)
    export = tmp_path_factory.mktemp("export") / "families.csv"
    me, school = "Me (the parent, carer or young person)", "My child's school or college"
    waiting = "Still waiting for a decision"
    # ten in each combination but withdrawn: weighted within 1 point of Leeds's DfE margins
    rows = ([(me, "Yes", "Our views changed what happened")] * 10
            + [(me, "No", "We were told afterwards")] * 10
            + [(me, waiting, "We were asked our views")] * 10
            + [(school, "Yes", "We decided together as equal partners")] * 10
            + [(school, "No", "We were asked our views")] * 10
            + [(school, waiting, "We were told afterwards")] * 10)
    with export.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", WHO, AGREED, LADDER, *ITEMS])
        for i, row in enumerate(rows):
            agree = "Agree" if row[1] == "Yes" else ("Disagree", "Strongly disagree")[i % 2]
            w.writerow([i, *row, agree, agree, "Strongly agree" if i % 3 else agree,
                        agree, "Neither agree nor disagree" if i % 4 else agree, agree])
    r = subprocess.run([COPRO, "survey", "import", str(export), "--la", "Leeds",
                        "--audience", "families"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for question in (WHO, AGREED, LADDER, *ITEMS):
        assert f"matched: {question!r}" in r.stderr, r.stderr
    return s


def _publish(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_page(page, url, "leeds-forum")
    publish_all(page)
    context.close()
    time.sleep(2.5)  # the LA page's cache asks for newly published results every 2 s


def test_weighted_figures_with_their_effective_n_at_390_and_1280(browser, published,
                                                                  tmp_path):
    _publish(browser, published.url)
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in (f"/la/{LEEDS}", f"/survey/results/{LEEDS}"):
            page.goto(published.url + path)
            block = page.locator("section.copro-weighted")
            assert block.count() == 1, path
            # folded, its one-line summary saying what weighting did to the top-two share
            summary = block.locator("details > summary")
            assert "Families' answers weighted to what DfE counted" in summary.inner_text()
            assert "weighted (an effective sample size of" in summary.inner_text()
            assert not block.get_by_role("table").first.is_visible()
            summary.click()
            text = block.inner_text()
            assert "Families' answers weighted to what DfE counted" in text
            assert "60 families weighted by post-stratification" in text
            assert "an effective sample size of" in text and " of 60" in text  # effective n
            table = block.get_by_role("table").first
            assert "effective n" in table.inner_text()
            # the weighted figures and their effective n are on screen, not scrolled away
            for cell in table.locator("td").all():
                box, wrap = cell.bounding_box(), block.locator(".copro-table-wrap").first
                edge = wrap.bounding_box()
                assert box["x"] + box["width"] <= edge["x"] + edge["width"] + 1, width
            assert " of 60" in table.inner_text()
            assert block.get_by_role("table", name="Who answered and who asked").count() == 1
            assert block.is_visible()
            block.scroll_into_view_if_needed()
            block.screenshot(path=str(tmp_path / f"weighted-{width}{path.replace('/', '-')}.png"))
            check_page(page, width)
        for folded in page.locator("details.copro-fold > summary").all():
            folded.click()
        main = page.locator("main").inner_text()
        assert "Weighted to DfE's counts (effective n)" in main
        alpha = page.get_by_role("table", name="Cronbach's alpha")
        assert alpha.get_by_role("row", name="Leeds: families").count() == 1
        page.screenshot(path=str(tmp_path / f"results-{width}.png"), full_page=True)
        context.close()
