"""Answers exported from Microsoft Forms, Google Forms, SmartSurvey and JISC Online Surveys,
read by question wording; and the instrument written out for print and for those tools."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from openpyxl import Workbook

from copro.errors import InputError
from copro.survey.external import read_external
from copro.survey.instrument import AUDIENCES, load_instrument
from copro.survey.printable import (
    QUESTION_LIST_HEADER,
    form_html,
    form_markdown,
    question_list_csv,
)

INST = load_instrument()


def write_csv(path, header, rows, **kw):
    with path.open("w", newline="", encoding=kw.pop("encoding", "utf-8-sig")) as fh:
        w = csv.writer(fh, **kw)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_microsoft_forms_export(tmp_path):
    # Microsoft Forms: ID, times, Email and Name first; multi-select joined by ';' with a
    # trailing ';'
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
              "Who made the request for an EHC needs assessment?",
              "Which of these best describes how decisions about the request were made?",
              "I was treated as an equal partner.",
              "What made taking part hard? Choose all that apply.",
              "What would have made the biggest difference?"]
    rows = [
        ["1", "1/3/26 10:00:01", "1/3/26 10:04:09", "anonymous", "", "",
         "Me (the parent, carer or young person)", "We were told afterwards", "Disagree",
         "Time or work;The format (forms, meetings);", "Email me: a.parent@example.com"],
        ["2", "1/3/26 11:00:01", "1/3/26 11:03:00", "anonymous", "", "",
         "My child's school or college", "We decided together as equal partners",
         "Strongly agree", "Nothing;", "Nothing, it went well"],
        ["3", "", "", "anonymous", "", "", "", "", "", "", ""],
    ]
    result = read_external(write_csv(tmp_path / "forms.csv", header, rows), INST, "families")
    assert len(result.rows) == 2 and result.empty_rows == 1
    first, second = result.rows
    assert first == {"request_made_by": "me", "ladder": "informing",
                     "equal_partner": "disagree", "barriers": ("time_or_work", "format"),
                     "biggest_difference": "Email me: [email removed]"}
    assert second["barriers"] == ("nothing",) and second["ladder"] == "co_producing"
    assert set(result.unmatched) == {"ID", "Start time", "Completion time", "Email", "Name",
                                     "Last modified time"}
    assert result.free_text_cleaned == 1


def test_google_forms_export_with_commas_inside_labels(tmp_path):
    header = ["Timestamp", "In your local authority, are requests from parents or from "
              "schools more likely to be agreed?", "What made taking part hard? Choose all "
              "that apply.", "Do you know your local parent carer forum?"]
    rows = [["2026/03/01 10:00:00 AM GMT", "Requests from schools",
             "Language, The format (forms, meetings), Not knowing my rights", "I have heard of it"]]
    result = read_external(write_csv(tmp_path / "g.csv", header, rows), INST, "families")
    assert result.rows[0] == {"who_is_favoured": "schools",
                              "barriers": ("language", "format", "rights"),
                              "know_forum": "heard_of_it"}
    assert result.unmatched == ("Timestamp",)


def test_smartsurvey_xlsx_with_one_column_per_option_and_jisc_numbering(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["UserID", "1. Who asked for the assessment?",
               "2. What made taking part hard? Choose all that apply. - Language",
               "2. What made taking part hard? Choose all that apply. - Time or work",
               "3. Families shape SEND services in this local authority. (optional)"])
    ws.append([101, "The school or college", "Language", None, "Agree"])
    ws.append([102, "I do not know", None, None, None])
    wb.save(tmp_path / "smart.xlsx")
    result = read_external(tmp_path / "smart.xlsx", INST, "families")
    assert result.rows == ({"request_made_by": "school_or_college", "barriers": ("language",),
                            "families_shape_services": "agree"},
                           {"request_made_by": "dont_know"})
    assert result.matched["2. What made taking part hard? Choose all that apply. - Language"] \
        == "barriers: language"


def test_a_wrong_answer_stops_with_line_and_column_but_not_the_answer(tmp_path):
    header = ["Timestamp", "Was an assessment agreed?"]
    rows = [["t", "Yes"], ["t", "Ask Mrs Smith at 12 Acacia Avenue"]]
    with pytest.raises(InputError) as err:
        read_external(write_csv(tmp_path / "bad.csv", header, rows), INST, "families")
    message = str(err.value)
    assert "line 3" in message and "'Was an assessment agreed?'" in message
    assert "Smith" not in message and "Acacia" not in message


def test_a_file_with_no_matching_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "other.csv", ["Timestamp", "Favourite colour"], [["t", "red"]])
    with pytest.raises(InputError, match="no column matches a question of the education"):
        read_external(path, INST, "education")


def test_a_rule_broken_in_the_export_is_reported(tmp_path):
    header = ["How many requests for an EHC needs assessment have you made in the last 12 "
              "months?", "How many of those requests were agreed?"]
    path = write_csv(tmp_path / "edu.csv", header, [["4", "3"], ["2", "5"]])
    with pytest.raises(InputError, match=r"line 3, column 'How many of those requests"):
        read_external(path, INST, "education")


def test_cp1252_and_semicolon_csv_from_excel(tmp_path):
    path = write_csv(tmp_path / "excel.csv", ["Was an assessment agreed?",
                                               "What would have made the biggest difference?"],
                     [["Don't know", "Being listened to – sooner"]], encoding="cp1252",
                     delimiter=";")
    result = read_external(path, INST, "families")
    assert result.rows[0] == {"assessment_agreed": "dont_know",
                              "biggest_difference": "Being listened to – sooner"}


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_question_list_round_trips_through_an_export(tmp_path, audience):
    """A survey built from the exported question list, exported back by the tool, is matched
    column for column."""
    rows = list(csv.reader(question_list_csv(INST, audience).splitlines()))
    assert tuple(rows[0]) == QUESTION_LIST_HEADER
    header = ["Timestamp"] + [r[4] for r in rows[1:]]
    answer = []
    for r in rows[1:]:
        q = INST.question(r[2])
        answer.append({"number": "3", "text": "More time"}.get(q.type, r[5].split("; ")[0]))
    path = write_csv(tmp_path / f"{audience}.csv", header, [["t", *answer]])
    result = read_external(path, INST, audience)
    assert result.unmatched == ("Timestamp",)
    assert len(result.matched) == len(rows) - 1


@pytest.mark.parametrize("audience", AUDIENCES)
def test_printable_form_has_every_question_and_option(audience):
    html, md = form_html(INST, audience), form_markdown(INST, audience)
    assert "<script" not in html
    for q in INST.questions_for(audience):
        assert q.text(audience).replace("'", "&#x27;") in html
        assert q.text(audience) in md
        for o in q.options:
            assert o.label in md
    easy = form_markdown(INST, audience, easy_read=True)
    assert all(q.easy_read in easy for q in INST.questions_for(audience))


def test_survey_export_command(tmp_path):
    out = tmp_path / "survey"
    run = subprocess.run([sys.executable, "-m", "copro", "survey", "export", "--out", str(out),
                          "--audience", "education"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "education-form.html", "education-form.md", "education-questions.csv",
        "education-questions.md"]


LADDER = "Which of these best describes how decisions about the request were made?"


def _refused(path) -> str:
    with pytest.raises(InputError) as err:
        read_external(path, INST, "families")
    line = str(err.value)
    assert "\n" not in line and str(path) in line
    return line


def test_an_xlsx_that_is_not_a_zip_says_to_save_it_again(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("ID,Name\n1,someone\n")  # a CSV renamed .xlsx
    assert "save it again from Excel as .xlsx, or as CSV" in _refused(path)


def test_more_than_20000_rows_are_refused_and_20000_are_read(tmp_path):
    rows = [["We were asked our views"]] * 20_000
    assert len(read_external(write_csv(tmp_path / "ok.csv", [LADDER], rows), INST,
                             "families").rows) == 20_000
    line = _refused(write_csv(tmp_path / "big.csv", [LADDER], rows + [["We were asked our views"]]))
    assert "more than 20,000 rows" in line and "split the answers" in line
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([LADDER])
    for _ in range(20_001):
        ws.append(["We were asked our views"])
    wb.save(tmp_path / "big.xlsx")
    assert "more than 20,000 rows" in _refused(tmp_path / "big.xlsx")


def test_blank_rows_of_a_spreadsheet_do_not_count_towards_the_rows(tmp_path):
    rows = [["We were asked our views"]] * 3 + [[""]] * 20_001
    got = read_external(write_csv(tmp_path / "blank.csv", [LADDER], rows), INST, "families")
    assert len(got.rows) == 3 and got.empty_rows == 20_001


def test_more_than_1000_columns_are_refused(tmp_path):
    header = [LADDER] + [f"extra {i}" for i in range(1_000)]
    line = _refused(write_csv(tmp_path / "wide.csv", header, [["We were asked our views"]]))
    assert "more than 1,000 columns" in line and "delete the columns" in line
    wb = Workbook()
    wb.active.append(header)
    wb.save(tmp_path / "wide.xlsx")
    assert "more than 1,000 columns" in _refused(tmp_path / "wide.xlsx")


def test_a_file_over_50_mb_is_refused_before_it_is_read(tmp_path):
    import time

    for name in ("huge.csv", "huge.xlsx"):
        path = tmp_path / name
        with path.open("wb") as fh:
            fh.truncate(50 * 1024 * 1024 + 1)  # sparse: 50 MB and a byte, written at once
        started = time.perf_counter()
        line = _refused(path)
        assert "more than the 50 MB" in line and "split them" in line
        assert time.perf_counter() - started < 1


def test_an_xlsx_that_unpacks_to_more_than_100_mb_is_refused_before_it_is_opened(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(101):
                member.write(block)
    assert path.stat().st_size < 2 * 1024 * 1024  # under even the website's upload cap
    line = _refused(path)
    assert "unpacks to 101 MB, more than the 100 MB" in line
    assert "save it again from Excel as CSV" in line


def test_an_import_error_never_quotes_a_respondents_number(tmp_path):
    made = "How many requests for an EHC needs assessment have you made in the last 12 months?"
    agreed = "How many of those requests were agreed?"
    path = write_csv(tmp_path / "education.csv", [made, agreed], [["37", "41"]])
    with pytest.raises(InputError) as err:
        read_external(path, INST, "education")
    assert err.value.line == 2 and err.value.column == agreed
    message = err.value.message  # (the file's path could hold any digits)
    assert "cannot be more than the number made" in message
    assert "37" not in message and "41" not in message
