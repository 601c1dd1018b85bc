"""The survey in headless Chromium through the production server (`copro serve`): a coordinator
signs in and opens a round, a family answers page by page (the pages carry no script), checks
and sends the answers; every survey page passes axe-core's WCAG 2.2 A and AA checks at a phone's
width and a desktop's, and nothing overflows sideways."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.test_report import FIGURE_TEXT
from tests.web.conftest import COPRO, axe_violations
from tests.web.serve import create_user
from tests.web.survey_helpers import PASSWORD, press, publish_all, sign_in_page

# each table on the page: its caption, and whether it is wider than the box it sits in
TABLE_WIDTHS = """() => [...document.querySelectorAll('main table')].map(t => {
  const box = t.closest('.copro-table-wrap') || t.parentElement;
  return {caption: (t.querySelector('caption') || {textContent: ''}).textContent.trim(),
          wide: t.getBoundingClientRect().width > box.clientWidth + 1};
})"""
LEEDS = "E08000035"


@pytest.fixture(scope="module")
def server(copro_server):
    # every browser here is 127.0.0.1: the per-client limit is raised for this server
    s = copro_server(env={"COPRO_SURVEY_RATE_LIMIT": "1000"})
    env = {**os.environ, "COPRO_DATA_DIR": str(s.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    create_user(env, "leeds-forum", "--la", "Leeds", password=PASSWORD)
    return s


def submit(page, name="Continue"):
    """Press a form's button and wait for the page it leads to: reading the address or counting
    headings straight after a click can catch the page before the browser has left it."""
    press(page, name)


def check_page(page, width):
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    assert page.locator("script").count() == 0  # works without JavaScript: there is none
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} at {width}px is {overflow}px too wide"
    assert axe_violations(page) == [], page.url


@pytest.mark.parametrize("width", [390, 1280])
def test_coordinator_opens_a_round_and_a_family_answers(browser, server, width):
    url = server.url
    coordinator = browser.new_context(viewport={"width": width, "height": 900})
    page = coordinator.new_page()
    page.goto(url + "/survey/login/")
    check_page(page, width)
    page.get_by_label("User name").fill("leeds-forum")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Sign in")
    page.wait_for_url(url + "/survey/manage/")
    if page.get_by_role("button", name="Open a new round").count():
        submit(page, "Open a new round")
    check_page(page, width)
    link = page.get_by_role("link", name=f"{url}/survey/{LEEDS}/families/")
    assert link.count() == 1
    coordinator.close()

    # (JavaScript stays on in the browser only so that axe can run: the pages carry none)
    family = browser.new_context(viewport={"width": width, "height": 900})
    page = family.new_page()
    page.goto(f"{url}/survey/{LEEDS}/families/")
    check_page(page, width)
    submit(page, "Start now")
    # every question is optional: continuing with nothing chosen is fine; then the back link
    submit(page)
    page.wait_for_url("**/decisions/")
    page.get_by_role("link", name="Back").click()
    page.wait_for_url("**/request/")
    page.get_by_label("Me (the parent, carer or young person)").check()
    page.get_by_label("Yes", exact=True).check()
    check_page(page, width)
    submit(page)
    assert "plan" in page.url  # asked because an assessment was agreed
    page.get_by_label("Yes, after more than 20 weeks").check()
    check_page(page, width)
    submit(page)
    page.get_by_label("We were asked our views").check()
    check_page(page, width)
    submit(page)
    check_page(page, width)  # partnership page: skip every item
    submit(page)
    page.get_by_label("Language").check()
    page.get_by_label("Nothing").check()
    submit(page)
    assert page.locator(".govuk-error-summary").count() == 1  # 'Nothing' with another
    check_page(page, width)
    page.get_by_role("link", name="Select 'Nothing' on its own").click()
    page.get_by_label("Nothing").uncheck()
    submit(page)
    for _ in range(6):  # the remaining pages
        if "/check/" in page.url:
            break
        check_page(page, width)
        if page.locator("textarea").count():
            page.locator("textarea").fill("Being listened to; email me at a@b.org")
        submit(page)
    assert "/check/" in page.url, page.url
    check_page(page, width)
    main = page.locator("main").inner_text()
    assert "We were asked our views" in main and "Language" in main
    page.get_by_role("link",
                     name="Change Which of these best describes how decisions about").click()
    page.get_by_label("Our views changed what happened").check()
    submit(page)
    assert "/check/" in page.url
    assert "Our views changed what happened" in page.locator("main").inner_text()
    submit(page, "Send answers")
    assert page.locator(".govuk-panel__title").inner_text() == "Answers sent"
    check_page(page, width)
    family.close()


@pytest.mark.parametrize("path", ["/survey/", "/survey/privacy/", f"/survey/results/{LEEDS}",
                                  "/feeling-and-outcome", f"/la/{LEEDS}",
                                  f"/survey/{LEEDS}/education/",
                                  f"/survey/{LEEDS}/forum/"])
def test_public_survey_pages_pass_axe(browser, server, path):
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(server.url + path)
        check_page(page, width)
        context.close()


def test_done_when_30_families_12_professionals_and_an_import(browser, server, tmp_path):
    """Through Chromium: 30 families and 12 education professionals answer (the one-page form,
    to keep the test short), a Microsoft Forms export is imported, the coordinator closes and
    publishes; the LA page shows the perceived figures beside the measured ratio and who is
    right and how families feel beside what happened to their requests, and
    /feeling-and-outcome lists Leeds."""
    import csv
    import json
    import random
    import urllib.request

    url = server.url
    rng = random.Random(5)
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900})
    page = coordinator.new_page()
    sign_in_page(page, url, "leeds-forum")
    if page.get_by_role("button", name="Open a new round").count():
        press(page, "Open a new round")  # before the context closes under the request
    coordinator.close()
    ladder = ["It was decided without us", "We were told afterwards", "We were asked our views",
              "Our views changed what happened", "We decided together as equal partners"]
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    for audience, n in (("families", 30), ("education", 12)):
        for _ in range(n):
            page.goto(f"{url}/survey/{LEEDS}/{audience}/all/")
            page.get_by_role("group", name="Which of these best describes how decisions"
                             if audience == "families" else
                             "Which of these best describes how the local authority made"
                             ).get_by_label(rng.choice(ladder)).check()
            page.get_by_label(rng.choice(["Requests from parents", "Requests from schools",
                                          "About the same"])).check()
            for item in page.locator("fieldset").filter(has_text="Strongly agree").all()[:3]:
                item.get_by_label(rng.choice(["Agree", "Disagree", "Strongly agree"]),
                                  exact=True).check()
            page.get_by_role("button", name="Send answers").click()
            assert page.locator(".govuk-panel__title").inner_text() == "Answers sent"
    context.close()

    export = tmp_path / "forms.csv"
    with export.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Email", "Which of these best describes how the local authority made "
                    "decisions about your requests with you?",
                    "In your local authority, are requests from parents or from schools more "
                    "likely to be agreed?"])
        for i in range(14):
            w.writerow([i, "anonymous", rng.choice(ladder), "Requests from parents"])
    env = {**os.environ, "COPRO_DATA_DIR": str(server.data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    r = subprocess.run([COPRO, "survey", "import", str(export), "--la", "Leeds",
                        "--audience", "education"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr

    coordinator = browser.new_context(viewport={"width": 1280, "height": 900})
    page = coordinator.new_page()
    sign_in_page(page, url, "leeds-forum")
    press(page, "Close this round", role="link")
    check_page(page, 1280)  # the check page before closing
    press(page, "Close the round")
    publish_all(page, lambda p: check_page(p, 1280))  # and each check page before publishing
    check_page(page, 1280)
    assert [t for t in page.evaluate(TABLE_WIDTHS) if t["wide"]] == []  # was 1,390 px wide
    coordinator.close()

    import time

    time.sleep(2.5)  # the LA page's cache asks for newly published results every 2 s
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/la/{LEEDS}")
    main = page.locator("main").inner_text()
    assert "Who is right in Leeds?" in main and "1.27 (95% CI" in main
    assert "The data side with those who believe schools' requests are favoured" in main
    assert "How families feel, and what happened to their requests" in main
    assert "times as likely as schools' to lead to an assessment (95% CI" in main
    check_page(page, 390)
    # the survey's figures on the LA page fit its column (its one table was 2,922 px wide in
    # 960 px at 1280), and the LA's JSON and CSV carry them
    for width in (1280, 390):
        wide = browser.new_context(viewport={"width": width, "height": 900})
        la = wide.new_page()
        la.goto(f"{url}/la/{LEEDS}")
        tables = la.evaluate(TABLE_WIDTHS)
        assert any(t["caption"].startswith("Families: Leeds beside every") for t in tables)
        if width == 1280:
            assert [t for t in tables if t["wide"]] == [], tables
        check_page(la, width)
        wide.close()
    with urllib.request.urlopen(f"{url}/la/{LEEDS}.json", timeout=30) as resp:
        survey = json.load(resp)["survey"]
    assert {x["audience"]: x["responses"] for x in survey["levels"]}["education"] == 26
    with urllib.request.urlopen(f"{url}/la/{LEEDS}.csv", timeout=30) as resp:
        rows = list(csv.DictReader(resp.read().decode().splitlines()))
    assert any(r["section"] == "survey" and r["survey_figure"] == "responses"
               and r["survey_answers"] == "26" for r in rows)
    page.goto(url + "/feeling-and-outcome")
    assert "Leeds" in page.locator("main").inner_text()
    check_page(page, 390)
    context.close()
    for width in (390, 1280):  # the figure's text is as legible as the report's figures'
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(url + "/feeling-and-outcome")
        figs = page.evaluate(FIGURE_TEXT)
        assert len(figs) == 1 and figs[0]["texts"]
        small = [(t["text"], round(t["px"], 1)) for t in figs[0]["texts"] if t["px"] < 11]
        assert small == [], f"/feeling-and-outcome at {width} px: text under 11 px: {small[:5]}"
        context.close()
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.goto(url + "/survey/")
    page.locator("summary", has_text="Menu").click()  # on a phone the menu starts collapsed
    assert page.get_by_role("link", name="Survey", exact=True).count() == 1
    assert page.get_by_role("link", name="Leeds", exact=True).count() == 1  # published results
    check_page(page, 390)
    page.close()
    with urllib.request.urlopen(f"{url}/survey/results/{LEEDS}.json", timeout=30) as resp:
        doc = json.load(resp)
    by = {x["audience"]: x for x in doc["levels"]}
    # 30, and the answer sent page by page in the test above when it ran first (its two runs
    # send the same answers from the same client: the second is a possible duplicate, left out)
    assert by["families"]["responses"] in (30, 31)
    assert by["education"]["responses"] == 26  # 12 through the browser + 14 imported


@pytest.mark.parametrize("width", [390, 1280])
def test_codes_and_the_coordinators_checks_in_the_browser(browser, server, width):
    """A Kent coordinator opens a round answered with codes and prints codes; a respondent is
    asked for a code (a wrong one is an error), answers with a good one; the round's checks
    page lists what stands out: every page passes axe and fits the width."""
    import re

    url = server.url
    env = {**os.environ, "COPRO_DATA_DIR": str(server.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([COPRO, "users", "create", f"kent-{width}", "--la", "Kent"], env=env,
                   capture_output=True, text=True, timeout=120)
    coordinator = browser.new_context(viewport={"width": width, "height": 900})
    page = coordinator.new_page()
    sign_in_page(page, url, f"kent-{width}")
    if page.get_by_role("button", name="Open a new round").count():
        page.get_by_label("Only people with a code").check()
        press(page, "Open a new round")
    check_page(page, width)
    page.get_by_label("Codes for").select_option("forum")
    page.get_by_label("How many codes").fill("2")
    press(page, "Make codes to print")
    check_page(page, width)
    codes = re.findall(r"Your code: ([A-Z0-9]{5}-[A-Z0-9]{5})", page.content())
    assert len(codes) == 2

    family = browser.new_context(viewport={"width": width, "height": 900})
    answer = family.new_page()
    answer.goto(f"{url}/survey/E10000016/forum/")
    check_page(answer, width)
    answer.get_by_label("Your code").fill("ABCDE-FGHJK")
    press(answer, "Continue")
    assert "not one for this survey" in answer.locator("main").inner_text()
    check_page(answer, width)
    answer.get_by_label("Your code").fill(codes[0])
    press(answer, "Continue")
    answer.get_by_role("button", name="Start now").count() or answer.get_by_role(
        "link", name="Start now").click()
    family.close()

    page.goto(url + "/survey/manage/")
    with page.expect_navigation():
        page.get_by_role("link", name="Check answers").first.click()
    assert "Check the answers" in page.locator("h1").inner_text()
    check_page(page, width)
    coordinator.close()
