"""Issue 28, item 2: a coordinator uploads a Microsoft Forms export on the manage page: a
preview of what will be stored, ignored and looks like a duplicate, then stored on
confirmation into a new round or a chosen one; the same answers exported again add nothing.
The upload path alone takes bodies up to 2 MB, from a signed-in session only."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from copro.web.survey.models import Response, Round
from tests.web.survey_helpers import LEEDS, coordinator, signed_in

pytestmark = pytest.mark.django_db

HEADER = ["ID", "Start time", "Email", "Name",
          "Who made the request for an EHC needs assessment?",
          "Which of these best describes how decisions about the request were made?",
          "What would have made the biggest difference?"]
ROWS = [["1", "1/3/26 10:00", "anonymous", "", "Me (the parent, carer or young person)",
         "We were told afterwards", "Call me on 07700 900123"],
        ["2", "1/3/26 11:00", "anonymous", "", "My child’s school or college",
         "We decided together as equal partners", "Nothing, it went well"],
        ["3", "", "anonymous", "", "", "", ""]]


def _csv(rows, header=HEADER) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    return buf.getvalue().encode("utf-8-sig")


def _text(r) -> str:
    return html.unescape(" ".join(r.content.decode().split()))


def test_upload_preview_then_store_and_the_same_answers_again_add_nothing():
    coordinator("leeds", LEEDS)
    c = signed_in("leeds")
    form = _text(c.get("/survey/manage/upload/"))
    assert "Microsoft Forms" in form and "at most 2 MB" in form
    preview = c.post("/survey/manage/upload/", {
        "audience": "families", "file": SimpleUploadedFile("forms.csv", _csv(ROWS))})
    page = _text(preview)
    assert preview.status_code == 200, page[:300]
    assert "Will be stored</dt><dd class=\"govuk-summary-list__value\">2 answers" in page
    assert "1 written answer had email addresses, phone numbers" in page
    assert "Empty rows (ignored)</dt><dd class=\"govuk-summary-list__value\">1" in page
    assert "ID; Start time; Email; Name (not questions of this survey" in page
    assert "We were told afterwards" in page  # the answers in the survey's words
    assert "07700" not in page
    assert not Response.objects.exists()  # nothing stored before the confirmation
    done = c.post("/survey/manage/upload/", {"confirm": "yes", "round": "new",
                                             "label": "Forms export"}, follow=True)
    assert "2 answers from forms.csv stored in Forms export." in _text(done)
    r = Round.objects.get(label="Forms export")
    assert r.imported and Response.objects.filter(round=r, source="import").count() == 2
    assert "07700" not in " ".join(Response.objects.values_list("free_text", flat=True))
    # re-exported: straight apostrophes, other IDs and times, another column order
    again = [["7", "2/3/26", "x", "", row[4].replace("’", "'"), row[5], row[6]]
             for row in ROWS]
    preview = _text(c.post("/survey/manage/upload/", {
        "audience": "families", "file": SimpleUploadedFile("again.csv", _csv(again))}))
    assert "2 rows with the same answers as rows already imported" in preview
    assert "Nothing new to store" in preview
    assert Response.objects.count() == 2


def test_upload_into_the_open_round_and_a_bad_file_gets_a_plain_error():
    coordinator("leeds", LEEDS)
    c = signed_in("leeds")
    c.post("/survey/manage/open/", {"label": "Spring"})
    bad = c.post("/survey/manage/upload/", {
        "audience": "families",
        "file": SimpleUploadedFile("forms.csv", _csv([["1", "", "", "", "Someone", "", ""]]))})
    assert bad.status_code == 400
    assert "forms.csv, line 2, column 'Who made the request" in _text(bad)
    assert "/tmp" not in _text(bad) and "Traceback" not in _text(bad)
    c.post("/survey/manage/upload/", {"audience": "families",
                                      "file": SimpleUploadedFile("forms.csv", _csv(ROWS))})
    spring = Round.objects.get(label="Spring")
    c.post("/survey/manage/upload/", {"confirm": "yes", "round": str(spring.pk)})
    assert Response.objects.filter(round=spring).count() == 2
    assert Round.objects.count() == 1
    assert Response.objects.filter(round=spring, source="import").count() == 2


def test_the_larger_cap_is_for_a_signed_in_upload_only():
    coordinator("leeds", LEEDS)
    c = signed_in("leeds")
    rows = [["", "", "", "", "", "", "x" * 100]] * 6000  # about 700 KB of empty-ish rows
    body = _csv(rows)
    assert 600_000 < len(body) < 2 * 1024 * 1024
    ok = c.post("/survey/manage/upload/", {"audience": "families",
                                           "file": SimpleUploadedFile("big.csv", body)})
    assert ok.status_code in (200, 400) and ok.status_code != 413
    anonymous = Client().post("/survey/manage/upload/", {
        "audience": "families", "file": SimpleUploadedFile("big.csv", body)})
    assert anonymous.status_code == 413
    other = c.post("/survey/manage/open/", {"label": "x" * 700_000})
    assert other.status_code == 413  # every other path keeps 128 KB
    huge = c.post("/survey/manage/upload/", {
        "audience": "families", "file": SimpleUploadedFile("huge.csv", b"a" * 2_200_000)})
    assert huge.status_code == 413
