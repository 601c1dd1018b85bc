"""Issue 28's "done when": a forum volunteer runs a round alone on the website, in Chromium
through `copro serve`: sign in, open a round, a venue window taking 12 answers from one
connection (past a limit of 5 an hour), paper forms typed in while signed in, an export
uploaded with its preview, an anomaly set aside singly, close, merge two small rounds, publish,
download in plain words, hand over. Counts agree on every page. Each step's screen is saved at
1280 and 390 px into docs/images/survey/ (docs/survey-rounds.md shows them)."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import COPRO
from tests.web.survey_helpers import PASSWORD, press, sign_in_page
from tests.web.test_accounts_browser import smtp  # noqa: F401 - the real SMTP server fixture

LEEDS = "E08000035"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images" / "survey"
LIMIT = 5
LADDER = ["It was decided without us", "We were told afterwards", "We were asked our views",
          "Our views changed what happened", "We decided together as equal partners"]


@pytest.fixture(scope="module")
def server(copro_server, smtp):  # noqa: F811
    # every browser here is 127.0.0.1, one connection: the per-connection limit is the test
    s = copro_server(env={"COPRO_SURVEY_RATE_LIMIT": str(LIMIT),
                          "COPRO_EMAIL_URL": f"smtp://127.0.0.1:{smtp[1]}",
                          "COPRO_EMAIL_FROM": "copro@copro.example"})
    env = {**os.environ, "COPRO_DATA_DIR": str(s.data_dir), "COPRO_NEW_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    r = subprocess.run([COPRO, "users", "create", "leeds-forum", "--la", "Leeds", "--forum",
                        "Leeds Parent Carer Forum"], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return s


def shot(page, name: str) -> None:
    """The page as it is, at 1280 px and at 390 px (whole page), into docs/images/survey/."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - "
                                 "document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width}px is {overflow}px too wide"
        target = IMAGES / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        _small(target)
    page.set_viewport_size({"width": 1280, "height": 900})


def _small(target: Path) -> None:
    """A page's picture in a 128-colour palette (a third of the bytes; the pages are flat
    colours and text), checked to be a page and not a blank."""
    from PIL import Image

    with Image.open(target) as image:
        assert image.width in (1280, 390)
        assert len(image.convert("L").getcolors(256)) > 16
        small = image.convert("RGB").quantize(colors=128)
    small.save(target, optimize=True)


def main_text(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def send_one_page(page, url, audience, ladder, favoured="Requests from parents",
                  text="") -> str:
    """One answer through the one-page form; the heading of the page that follows."""
    page.goto(f"{url}/survey/{LEEDS}/{audience}/all/")
    question = ("Which of these best describes how decisions" if audience == "families" else
                "Which of these best describes how the local authority made")
    page.get_by_role("group", name=question).get_by_label(ladder).check()
    page.get_by_label(favoured).check()
    if text:
        page.locator("textarea").fill(text)
    press(page, "Send answers")
    return page.locator("h1").inner_text()


def rounds_row(page, name: str) -> list[str]:
    row = page.locator("table.copro-rounds tbody tr").filter(has_text=name)
    return [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]


def test_a_volunteer_runs_a_round_alone(browser, server, smtp, tmp_path):  # noqa: F811
    url = server.url
    volunteer = browser.new_context(viewport={"width": 1280, "height": 900},
                                    accept_downloads=True)
    page = volunteer.new_page()

    # sign in, open a round
    page.goto(url + "/survey/login/")
    shot(page, "01-sign-in")
    sign_in_page(page, url, "leeds-forum")
    page.get_by_label('Name for the round (optional, e.g. "Spring 2026")').fill("Spring 2027")
    shot(page, "02-open-a-round")
    press(page, "Open a new round")
    assert "A round is open" in main_text(page)

    # five families answer alike on one connection (each writes something different, so none
    # is a duplicate); the sixth is turned away
    public = browser.new_context(viewport={"width": 390, "height": 900})
    phone = public.new_page()
    for i in range(LIMIT):
        assert send_one_page(phone, url, "families", LADDER[1],
                             text=f"Answer {i + 1}") == "Answers sent"
    assert send_one_page(phone, url, "families", LADDER[2]) == \
        "Lots of people are answering from this connection"
    shot(phone, "03-turned-away")
    page.reload()
    assert "1 turned away between" in main_text(page)

    # a venue window for this connection: 12 SENCOs answer from it
    page.get_by_label('Where (optional, e.g. "SENCO network meeting")').fill(
        "SENCO network meeting")
    page.get_by_label("For how many hours (1 to 8)").fill("2")
    shot(page, "04-venue-window")
    press(page, "Open a venue window for this connection")
    assert "Venue window open until" in main_text(page)
    for i in range(12):
        assert send_one_page(phone, url, "education", LADDER[i % 5],
                             favoured=["Requests from parents", "Requests from schools",
                                       "About the same"][i % 3]) == "Answers sent", i
    public.close()

    # paper forms, typed in while signed in: never limited, recorded as entered by them
    for i in range(3):
        assert send_one_page(page, url, "families", LADDER[i + 2],
                             text=f"Paper form {i + 1}") == "Answers sent"
    page.goto(url + "/survey/manage/")
    assert "Signed in as leeds-forum" in main_text(page)
    assert rounds_row(page, "Spring 2027")[1:4] == ["8", "12", "0"]  # 5 + 3 families

    # an export of the forum's Microsoft Form, uploaded with its preview
    export = tmp_path / "forum-members.csv"
    with export.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Start time", "Email", "Name",
                    "Which of these best describes how the local authority works with the "
                    "parent carer forum?",
                    "In your local authority, are requests from parents or from schools "
                    "more likely to be agreed?"])
        for i in range(10):
            w.writerow([i + 1, "3/3/27 19:00", "anonymous", "", LADDER[(i * 2) % 5],
                        ["Requests from parents", "Requests from schools"][i % 2]])
        w.writerow([11, "", "anonymous", "", "", ""])
    press(page, "Upload answers from Microsoft Forms", "link")
    page.get_by_label("Parent carer forum members").check()
    page.get_by_label("The export (CSV or .xlsx)").set_input_files(str(export))
    press(page, "Show what will be stored")
    preview = main_text(page)
    assert "Will be stored 10 answers" in preview and "Empty rows (ignored) 1" in preview
    assert "ID; Start time; Email; Name (not questions of this survey" in preview
    page.get_by_label("A new round (closed, for imported answers)").check()
    page.get_by_label("Name for a new round (optional)").fill("Forum members' form")
    shot(page, "05-upload-preview")
    press(page, "Store 10 answers")
    assert "10 answers from forum-members.csv stored in Forum members' form" in main_text(page)

    # the checks page: the five alike are listed; one is set aside on its own
    press(page, "Check answers of Spring 2027", "link")
    checks = main_text(page)
    assert "5 families answers identical in every question" in checks
    assert "SENCO network meeting: 12 answers from one connection" in checks
    first = page.locator("table tbody tr").first
    answer_id = first.locator("td").nth(1).inner_text().strip()
    shot(page, "06-checks")
    first.locator("input[type=checkbox]").check()
    press(page, "Set aside the answers ticked")
    confirm = main_text(page)
    assert "Families: 8 answers counted now; setting this aside leaves 7: still under 10, " \
        "nothing for families would be published" in confirm
    page.get_by_label("Why (kept with the answers").fill("same person as answer before")
    shot(page, "07-set-aside-check")
    press(page, "Set it aside")
    assert f"1 answer set aside (IDs {answer_id})." in main_text(page)

    # close: the same counts as the rounds table
    page.goto(url + "/survey/manage/")
    row = rounds_row(page, "Spring 2027")
    assert row[1:4] == ["7", "12", "0"] and row[4].startswith("1 not counted (1 set aside")
    press(page, "Close this round", "link")
    close = main_text(page)
    assert "Families 7 answers counted so far 1 not counted (1 set aside by you)" in close
    assert "Education professionals 12 answers counted so far" in close
    shot(page, "08-close")
    press(page, "Close the round")

    # merge the two small rounds (neither can publish forum members' figures alone)
    page.get_by_label("Spring 2027", exact=True).check()
    page.get_by_label("Forum members' form (imported)").check()
    press(page, "Merge the rounds ticked")
    merge = main_text(page)
    assert re.search(r"Families 7 .*No: fewer than 10", merge)
    assert "Parent carer forum members 10 Yes" in merge
    shot(page, "09-merge")
    press(page, "Merge the rounds")
    assert rounds_row(page, "Spring 2027")[1:4] == ["7", "12", "10"]

    # publish: the same numbers again
    press(page, "Publish results of Spring 2027", "link")
    publish = main_text(page)
    assert "Families 7 1 not counted (1 set aside by you) No: fewer than 10" in publish
    assert "Education professionals 12 Yes" in publish
    assert "Parent carer forum members 10 Yes" in publish
    if page.locator("#flags_seen").count():
        page.locator("#flags_seen").check()
    shot(page, "10-publish")
    press(page, "Publish the results")
    assert rounds_row(page, "Spring 2027")[0] == "published"
    shot(page, "11-manage-after")

    # download in the survey's words
    press(page, "Download your answers", "link")
    with page.expect_download() as got:
        page.get_by_role("link", name="Download answers without written answers (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 5 + 12 + 3 + 10
    assert {r["How it came"] for r in rows} == {"website", "venue answer",
                                               "paper form (typed in)", "imported"}
    aside = next(r for r in rows if r["Answer ID"] == answer_id)
    assert aside["Set aside (why)"] == "same person as answer before"
    assert aside["Which of these best describes how decisions about the request were "
                 "made?"] == LADDER[1]
    assert sum(r["Venue"] == "SENCO network meeting" for r in rows) == 12
    assert sum(r["Published"] == "yes" for r in rows) == 22

    # hand over to the next coordinator
    page.goto(url + "/survey/manage/")
    press(page, "hand the survey over to a new coordinator", "link")
    page.get_by_label("The new coordinator's email address").fill("next@leeds-forum.example")
    shot(page, "12-handover")
    press(page, "Hand over and sign me out")
    assert page.locator(".govuk-panel__title").inner_text() == "The survey is handed over"
    invitation = smtp[0].wait_for("next@leeds-forum.example", 1)
    assert "Leeds" in invitation.get_body(("plain",)).get_content()
    page.goto(url + "/survey/manage/")
    assert "/survey/login/" in page.url
    volunteer.close()
