"""The FOI campaign kit: deadlines, letters, templates, the tracker, and reading returns."""

import json
import sqlite3
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from copro.counts import Measure
from copro.errors import CoproError, InputError
from copro.foi import templates
from copro.foi.deadlines import add_working_days, is_working_day, working_days_between
from copro.foi.layout import FIRST_MEASURE_ROW, GROUPS, MEASURES
from copro.foi.letters import Requester, letter
from copro.foi.tracker import Tracker
from copro.groups import RequesterGroup
from copro.register import find_local_authority, local_authorities
from copro.sources.foi import Cell, parse_value, read_foi_returns, read_return
from tests.in_process import run_copro

G = RequesterGroup
LEEDS = find_local_authority("Leeds")


# --- deadlines -------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "due"), [
    (date(2025, 12, 19), date(2026, 1, 21)),  # Christmas, Boxing Day, New Year's Day
    (date(2026, 3, 27), date(2026, 4, 28)),  # Good Friday 3 April, Easter Monday 6 April
    (date(2026, 1, 3), date(2026, 1, 30)),  # received on a Saturday: Monday is day 1
    (date(2026, 4, 27), date(2026, 5, 27)),  # early May (4th) and spring (25th) bank holidays
    (date(2026, 12, 18), date(2027, 1, 20)),  # Boxing Day 2026 on a Saturday: substitute 28th
    (date(2026, 6, 1), date(2026, 6, 29)),  # no holiday: four weeks
])
def test_statutory_due_dates(sent, due):
    assert add_working_days(sent) == due


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_due_is_the_twentieth_working_day(sent):
    due = add_working_days(sent)
    assert is_working_day(due)
    assert working_days_between(sent, due) == 20
    assert working_days_between(sent, due - timedelta(days=1)) == 19


# --- letters and templates -------------------------------------------------------------------

def test_letter_asks_for_the_study_breakdown_and_cites_the_act():
    text = letter(LEEDS, 2025, Requester("Ada Parent", "ada@example.org", "Forum"),
                  "t.xlsx", date(2026, 1, 5)).text()
    for phrase in ("section 1 of the Freedom of Information Act 2000", "section 10",
                   "1 January 2025 and 31 December 2025", "parent or young person",
                   "school or other education setting", "EHC plans issued within 20 weeks",
                   "excluding exceptions", "t.xlsx", "Ada Parent, Forum", "ada@example.org",
                   "Leeds"):
        assert phrase in text, phrase


def test_requester_must_be_named():
    with pytest.raises(CoproError, match="name"):
        Requester(" ", "a@b.org")


def test_xlsx_template_is_prefilled_and_validated():
    wb = load_workbook(__import__("io").BytesIO(templates.xlsx(LEEDS, 2025)))
    ws = wb["Response"]
    assert ws["B3"].value == "Leeds" and ws["B4"].value == "E08000035"
    assert ws["B5"].value == "383" and ws["B6"].value.startswith("2025")
    rules = ws.data_validations.dataValidation
    assert len(rules) == 1
    assert str(rules[0].sqref) == f"B{FIRST_MEASURE_ROW}:E{FIRST_MEASURE_ROW + 3}"
    assert "Instructions" in wb.sheetnames


# --- reading returns ---------------------------------------------------------------------------

def fill_xlsx(path, area, year, values, notes=None):
    """Fill the generated template: ``values[measure][group]``."""
    path.write_bytes(templates.xlsx(area, year))
    wb = load_workbook(path)
    ws = wb["Response"]
    for i, (measure, _) in enumerate(MEASURES):
        for j, (group, _, _) in enumerate(GROUPS):
            if group in values.get(measure, {}):
                ws.cell(FIRST_MEASURE_ROW + i, 2 + j, values[measure][group])
    wb.save(path)
    return path


def study_values(fam, edu, oth):
    """(received, decided, plans, within 20 weeks) for each group -> values dict with totals."""
    out = {}
    for k, (measure, _) in enumerate(MEASURES):
        row = {G.FAMILY: fam[k], G.EDUCATION: edu[k], G.OTHER: oth[k]}
        row[G.ALL] = sum(row.values())
        out[measure] = row
    return out


def test_filled_xlsx_template(tmp_path):
    vals = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    r = read_return(fill_xlsx(tmp_path / "leeds.xlsx", LEEDS, 2025, vals))
    assert r.area.code == "E08000035" and r.year == "2025"
    assert r.counts[G.EDUCATION][Measure.PLAN_ISSUED].value == 160
    assert r.counts[G.ALL][Measure.RECEIVED].value == 310


def test_filled_csv_template_with_messy_values(tmp_path):
    import csv
    import io

    template = list(csv.reader(io.StringIO(templates.csv_text(LEEDS, 2025))))
    filled = [["1,200", "300", " 50 ", "1550"], ["12.0", "<5", "nil", ""],
              ["not held", "< 5", "0", ""], ["not held", "x", "-", ""]]
    rows = [template[0]] + [row[:5] + vals + ["a note"]
                            for row, vals in zip(template[1:], filled, strict=True)]
    path = tmp_path / "E08000035.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    r = read_return(path)
    c = r.counts
    assert c[G.FAMILY][Measure.RECEIVED].value == 1200
    assert c[G.ALL][Measure.RECEIVED].value == 1550
    assert c[G.FAMILY][Measure.DECIDED_TO_ASSESS].value == 12
    assert c[G.EDUCATION][Measure.DECIDED_TO_ASSESS].missing_reason == "suppressed (<5)"
    assert c[G.OTHER][Measure.DECIDED_TO_ASSESS].value == 0
    assert c[G.FAMILY][Measure.PLAN_ISSUED].missing_reason == "not held"
    assert c[G.EDUCATION][Measure.PLAN_WITHIN_20_WEEKS].missing_reason == "withheld (x)"
    assert "nil or not available" in c[G.OTHER][Measure.PLAN_WITHIN_20_WEEKS].missing_reason


def test_other_layout_found_by_its_labels(tmp_path):
    """Transposed, with a title, labels in other words, no codes: named by its file."""
    wb = Workbook()
    ws = wb.active
    ws.title = "FOI 12345"
    ws["B2"] = "Our reply to your request"
    ws.append([])
    ws.append([None, "Requester", "Requests received", "Assessments agreed (decided to assess)",
               "Plans finalised", "Plans finalised within 20 weeks"])
    ws.append([None, "Parents/carers or young people", 40, 20, 15, 10])
    ws.append([None, "Schools and colleges", 90, 80, 70, 35])
    ws.append([None, "Other professionals", 5, 5, 4, 4])
    ws.append([None, "Total", 135, 105, 89, 49])
    path = tmp_path / "Hartlepool.xlsx"
    wb.save(path)
    r = read_return(path)
    assert r.area.name == "Hartlepool"
    assert r.counts[G.EDUCATION][Measure.DECIDED_TO_ASSESS].value == 80
    assert r.counts[G.ALL][Measure.PLAN_WITHIN_20_WEEKS].value == 49


@pytest.mark.parametrize(("change", "expect"), [
    ({(Measure.RECEIVED, G.ALL): 999}, "cell E9: the groups add up to 310"),
    ({(Measure.PLAN_ISSUED, G.FAMILY): 70, (Measure.PLAN_ISSUED, G.ALL): 238},
     "cell B11: 70 is more than the 60"),
    ({(Measure.RECEIVED, G.FAMILY): "about 100"}, "cell B9: expected a whole number"),
    ({(Measure.RECEIVED, G.FAMILY): -4}, "cell B9: negative count"),
    ({(Measure.RECEIVED, G.FAMILY): 100.5}, "cell B9: expected a whole number"),
])
def test_returns_that_do_not_add_up_are_rejected_naming_the_cell(tmp_path, change, expect):
    vals = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    for (measure, group), v in change.items():
        vals[measure][group] = v
    path = fill_xlsx(tmp_path / "leeds.xlsx", LEEDS, 2025, vals)
    with pytest.raises(InputError) as info:
        read_return(path)
    assert expect in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_local_authority_is_rejected(tmp_path):
    wb = Workbook()
    wb.active.append(["", "Parent or young person", "School"])
    wb.active.append(["Requests received", 1, 2])
    wb.save(tmp_path / "somewhere.xlsx")
    with pytest.raises(InputError, match="cannot tell which local authority"):
        read_return(tmp_path / "somewhere.xlsx")


def test_parse_value_is_strict():
    ok = {"12": 12, 12: 12, "1 234": 1234, "nil": 0, "None": 0}
    for raw, value in ok.items():
        assert parse_value(Cell(raw, "A1"), "f").value == value
    for raw in ("12a", "1e3", "twelve", True):
        with pytest.raises(InputError):
            parse_value(Cell(raw, "A1"), "f")


def test_folder_of_returns_to_counts_with_every_authority(tmp_path):
    vals = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    fill_xlsx(tmp_path / "a.xlsx", LEEDS, 2025, vals)
    bad = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    bad[Measure.RECEIVED][G.ALL] = 1
    essex = find_local_authority("Essex")
    fill_xlsx(tmp_path / "b.xlsx", essex, 2025, bad)
    (tmp_path / "readme.txt").write_text("ignored")
    counts, rejected = read_foi_returns(tmp_path)
    assert [r.path.name for r in rejected] == ["b.xlsx"]
    cells = counts.cells("2025")
    assert len(cells) == len(local_authorities()) == 153
    assert cells[LEEDS.code][G.FAMILY][Measure.PLAN_ISSUED].value == 50
    assert cells["E06000001"][G.FAMILY][Measure.RECEIVED].missing_reason == "no FOI return"
    assert cells[LEEDS.code][G.HEALTH][Measure.RECEIVED].missing


def test_an_audit_of_a_folder_with_no_return_is_refused(tmp_path):
    """A folder with no return in it (a wrong folder, or the campaign's letters' folder) was
    audited as 153 local authorities "not returned", under a title with no scope
    ("does it matter who asks? , unknown"): it is refused in one line, exit 2, nothing
    written."""
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "readme.txt").write_text("the returns go here")
    out = tmp_path / "areas.csv"
    for args in (("audit", "--foi", str(tmp_path / "returns"), "--csv", str(out)),
                 ("la", "Leeds", "--foi", str(tmp_path / "returns"))):
        r = run_copro(*args)
        assert r.returncode == 2, r.stdout
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        assert f"{tmp_path / 'returns'}: no FOI returns in it" in r.stderr
        assert "copro foi letters" in r.stderr and r.stdout == ""
    assert not out.exists()


def test_a_folder_of_rejected_returns_is_audited_under_a_title_that_says_so(tmp_path):
    """Returns were given but none accepted: the audit runs (each rejection is reported) and
    its title says that no local authority has figures, instead of leaving its scope blank."""
    bad = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    bad[Measure.RECEIVED][G.ALL] = 1
    fill_xlsx(tmp_path / "essex.xlsx", find_local_authority("Essex"), 2025, bad)
    r = run_copro("audit", "--foi", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "return rejected, not audited" in r.stderr and "essex.xlsx" in r.stderr
    title = r.stdout.splitlines()[0]
    assert "does it matter who asks? no local authority with figures" in title, title
    assert "? ," not in r.stdout
    # the report too: it stopped with a traceback (IndexError naming its overall figures)
    r = run_copro("report", "--foi", str(tmp_path), "--out", str(tmp_path / "report"))
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "the local authorities together (none has figures)" in page


# --- tracker -------------------------------------------------------------------------------

def test_tracker_lifecycle(tmp_path):
    db = tmp_path / "campaign.sqlite"
    with Tracker(db) as t:
        r = t.sent(LEEDS, "2025", date(2025, 12, 19))
        assert r.due == date(2026, 1, 21) and r.status == "awaiting"
        assert not r.overdue(date(2026, 1, 21)) and r.overdue(date(2026, 1, 22))
        with pytest.raises(CoproError, match="section"):
            t.update(LEEDS, "refused", date(2026, 1, 10))
        r = t.update(LEEDS, "refused", date(2026, 1, 10), section="12")
        assert r.section == "12" and not r.overdue(date(2026, 3, 1))
        r = t.update(LEEDS, "internal_review", date(2026, 2, 2), note="asked for review")
        assert r.due == add_working_days(date(2026, 2, 2)) and "asked for review" in r.notes
    with Tracker(db) as t:  # persisted
        assert t.get(LEEDS.code).status == "internal_review"
    assert sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0] == 3


def test_track_and_status_commands(tmp_path):
    db = str(tmp_path / "c.sqlite")
    run = run_copro
    assert run("foi", "track", "--db", db, "sent", "Leeds", "Essex", "Hartlepool", "--year",
               "2025", "--date", "2026-01-05").returncode == 0
    assert run("foi", "track", "--db", db, "answered", "Essex", "--date",
               "2026-01-20").returncode == 0
    assert run("foi", "track", "--db", db, "refused", "hartlepool", "--section", "12",
               "--date", "2026-01-22").returncode == 0
    out = run("foi", "status", "--db", db, "--today", "2026-02-10")
    assert out.returncode == 0
    assert "Overdue: 1" in out.stdout and "Leeds" in out.stdout
    assert "answered 1" in out.stdout and "refused 1" in out.stdout and "overdue 1" in out.stdout
    assert "Hartlepool (s.12)" in out.stdout
    bad = run("foi", "track", "--db", db, "answered", "Atlantis")
    assert bad.returncode == 2 and "no local authority called 'Atlantis'" in bad.stderr


# --- a whole campaign ------------------------------------------------------------------------

def test_campaign_end_to_end(tmp_path):
    """Letters and templates -> filled returns -> ingest -> audit, checked against the numbers
    put in the returns."""
    out = tmp_path / "campaign"
    chosen = [a for a in local_authorities()][:12]
    args = ["foi", "letters", "--year", "2025", "--name", "Ada Parent", "--email",
            "ada@example.org", "--out", str(out)]
    for a in chosen:
        args += ["--la", a.code]
    assert run_copro(*args).returncode == 0
    assert len(list((out / "letters").glob("*.docx"))) == 12
    returns = tmp_path / "returns"
    returns.mkdir()
    truth = {}
    for i, area in enumerate(chosen):
        fam = (100 + i, 60, 40 + i % 5, 20)
        edu = (150, 130, 110 + i % 3, 70)
        oth = (10, 8, 6, 4)
        truth[area.code] = (fam, edu)
        template = next((out / "templates").glob(f"{area.code}-*.xlsx"))
        fill_xlsx(returns / template.name, area, 2025, study_values(fam, edu, oth))
    db = tmp_path / "c.sqlite"
    ingest = run_copro("foi", "ingest", str(returns), "--db", str(db))
    assert ingest.returncode == 0 and "12 return(s) accepted, 0 rejected" in ingest.stdout
    recorded = sqlite3.connect(db).execute("SELECT sha256, accepted FROM returns").fetchall()
    assert len(recorded) == 12 and all(len(sha) == 64 and ok == 1 for sha, ok in recorded)
    audit = run_copro("audit", "--foi", str(returns), "--json")
    assert audit.returncode == 0, audit.stderr
    result = json.loads(audit.stdout)
    assert [o["key"] for o in result["outcomes"]][:3] == ["plan", "plan_timeliness",
                                                          "assessment"]
    plan = result["pooled"]["plan"]
    fam_plans = sum(t[0][2] for t in truth.values())
    fam_received = sum(t[0][0] for t in truth.values())
    national = plan["national"]
    assert (national["rate_b"]["successes"], national["rate_b"]["trials"]) == (
        fam_plans, fam_received)
    assert national["risk_ratio"]["ci_low"] < national["risk_ratio"]["estimate"]
    assert len(plan["coverage"]["compared"]) == 12
    not_compared = {x["area"]["name"]: x for x in plan["coverage"]["not_comparable"]}
    assert len(not_compared) == 153 - 12
    assert all("no FOI return" in x["detail"] for x in not_compared.values())
    assert result["headline"][0].startswith(
        "In 2025, in the 12 local authorities together, requests from schools")
    assert "to end in an EHC plan" in result["headline"][0]
    timeliness = result["pooled"]["plan_timeliness"]["sign_test"]
    assert timeliness["favour_a"] + timeliness["favour_b"] + timeliness["ties"] == 12
    report = run_copro("report", "--foi", str(returns), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report" / "index.html").read_text()
    assert "Plan rates" in page and "20-week timeliness" in page
    # twelve returns are not England, and the report does not say they are
    assert_not_called_england(page)
    assert_not_called_england(audit.stdout)  # the JSON too
    assert "12 local authorities" in page and "each of its 153" not in page
    terminal = run_copro("audit", "--foi", str(returns))
    assert terminal.returncode == 0 and terminal.stdout.splitlines()[0].endswith(
        "12 local authorities, 2025")
    assert_not_called_england(terminal.stdout)
    la = run_copro("la", chosen[0].name, "--foi", str(returns))
    assert la.returncode == 0, la.stderr
    assert_not_called_england(la.stdout)
    assert "the 12 local authorities together" in la.stdout


def without_appeals(text: str) -> str:
    """``text`` less its SEND Tribunal sections, whose England is DfE's published national total
    (a separate source covering every authority), never the audited areas added together."""
    import json
    import re

    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        doc.pop("appeals", None)
        for area in doc.get("local_authorities", []) + [doc.get("national") or {}]:
            if isinstance(area, dict):
                area.pop("appeals", None)
        return json.dumps(doc, ensure_ascii=False)
    text = re.sub(r'<h2 id="appeals">.*?(?=<h2|</main>|$)', "", text, flags=re.S)
    text = re.sub(r'<section class="copro-appeals".*?</section>', "", text, flags=re.S)
    text = re.sub(r"<h2[^>]*>Does the gap go with appeals.*?(?=<h2|</main>|$)", "", text,
                  flags=re.S)
    return re.sub(r"^(SEND Tribunal appeals|Does the gap go with appeals).*?^- Appeals: "
                  r"Contains public sector[^\n]*\n", "", text, flags=re.S | re.M)


def assert_not_called_england(text: str) -> None:
    """No sentence, title or label calls a subset of local authorities 'England' (the words
    'East of England', the Department's name and 'not figures for England' are fine; so is the
    England of the SEND Tribunal sections, DfE's own national total)."""
    import re

    cleaned = re.sub(r"East of England|These are not figures for England", "",
                     without_appeals(text))
    assert "England" not in cleaned, cleaned[max(0, cleaned.find("England") - 120):
                                             cleaned.find("England") + 60]


# --- the kit says one thing, and the template accepts it -------------------------------------

def test_template_validation_accepts_what_the_letter_asks_for():
    """The letter and the Instructions sheet ask for '<5' for a withheld number and 'not held'
    for a figure not held: the template's validation must not refuse either, and its message
    says the same as they do."""
    wb = load_workbook(__import__("io").BytesIO(templates.xlsx(LEEDS, 2025)))
    rule = wb["Response"].data_validations.dataValidation[0]
    assert rule.type == "custom"  # not 'whole': text such as '<5' is allowed by type
    assert rule.errorStyle != "stop"  # an LA's own wording warns, never blocks
    first = f"B{FIRST_MEASURE_ROW}"
    assert f'LEFT(TRIM({first}),1)="<"' in rule.formula1
    assert f'LOWER(TRIM({first}))="not held"' in rule.formula1
    assert f"ISNUMBER({first})" in rule.formula1 and f"{first}>=0" in rule.formula1
    instructions = " ".join(c.value or "" for c in wb["Instructions"]["A"])
    text = letter(LEEDS, 2025, Requester("Ada", "ada@example.org"), "t.xlsx").text()
    for said in (rule.error, rule.prompt, instructions, text):
        assert "<5" in said and "not held" in said
        assert "leave blank" not in said and "leave the cell blank" not in said
    # and what the validation lets through, copro reads
    for typed, reason in (("<5", "suppressed"), ("not held", "not held")):
        count = parse_value(Cell(typed, first), "f")
        assert count.missing and reason in count.missing_reason


def test_rejected_return_is_recorded_against_its_authority(tmp_path):
    """A rejected return names its LA in the tracker, which stops showing it as awaiting or
    overdue; the audit says the return was rejected, not that there was none."""
    db = str(tmp_path / "c.sqlite")
    run = run_copro
    assert run("foi", "track", "--db", db, "sent", "Leeds", "--year", "2025", "--date",
               "2026-01-05").returncode == 0
    returns = tmp_path / "returns"
    returns.mkdir()
    bad = study_values((100, 60, 50, 30), (200, 170, 160, 120), (10, 8, 8, 6))
    bad[Measure.RECEIVED][G.ALL] = 1
    fill_xlsx(returns / "leeds.xlsx", LEEDS, 2025, bad)
    ingest = run("foi", "ingest", str(returns), "--db", db, "--date", "2026-01-20")
    assert ingest.returncode == 2
    codes = sqlite3.connect(db).execute("SELECT la_code, accepted FROM returns").fetchall()
    assert codes == [(LEEDS.code, 0)]
    status = run("foi", "status", "--db", db, "--today", "2026-03-01")
    assert "Overdue: 0" in status.stdout and "awaiting" not in status.stdout
    assert "Returns rejected: 1" in status.stdout and "Leeds (leeds.xlsx)" in status.stdout
    audit = run("audit", "--foi", str(returns), "--json")
    leeds = next(x for x in json.loads(audit.stdout)["pooled"]["plan"]["coverage"]
                 ["not_comparable"] if x["area"]["code"] == LEEDS.code)
    assert "FOI return rejected" in leeds["detail"]


def test_track_commands_say_what_they_did(tmp_path):
    db = str(tmp_path / "c.sqlite")
    run = run_copro
    bad_year = run("foi", "track", "--db", db, "sent", "Leeds", "--year", "last year")
    assert bad_year.returncode == 2 and "--year" in bad_year.stderr
    assert run("foi", "track", "--db", db, "sent", "Leeds", "--year", "2025").returncode == 0
    note = run("foi", "track", "--db", db, "note", "Leeds", "phoned the team")
    assert note.returncode == 0 and "Leeds" in note.stdout and "note" in note.stdout
    review = run("foi", "track", "--db", db, "review", "Leeds")
    assert review.returncode == 0 and "internal review" in review.stdout
    assert "internal_review" not in review.stdout
    no_email = run("foi", "letters", "--year", "2025", "--name", "Ada", "--la", "Leeds",
                   "--out", str(tmp_path / "o"))
    assert no_email.returncode == 2 and "--email" in no_email.stderr
