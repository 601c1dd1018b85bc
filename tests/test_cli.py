"""The ``copro`` command end to end, as a user runs it (a real subprocess)."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests import independent as ind
from tests.conftest import dfe_row, la_rows, write_dfe
from tests.libraries import run_noting_libraries

COPRO = shutil.which("copro", path=str(Path(sys.executable).parent)) or "copro"


def run(*args, check=True):
    proc = subprocess.run([COPRO, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def audit_json():
    return json.loads(run("audit", "--json").stdout)


def test_json_agrees_with_independent_computation(audit_json, dfe_csv):
    data = ind.load(dfe_csv)
    england = data[("National", "England")]
    a, n1 = ind.assessment(england, ind.SCHOOL)
    c, n2 = ind.assessment(england, ind.FAMILY)
    national = audit_json["pooled"]["assessment"]["national"]
    assert national["rate_a"]["successes"] == a and national["rate_a"]["trials"] == n1
    assert national["rate_b"]["successes"] == c and national["rate_b"]["trials"] == n2
    rr, low, high = ind.katz(a, n1, c, n2)
    got = national["risk_ratio"]
    assert (got["estimate"], got["ci_low"], got["ci_high"]) == pytest.approx((rr, low, high))
    by_name = {f["area"]["name"]: f for f in audit_json["local_authorities"]}
    assert len(by_name) == 153
    compared, excluded = ind.comparable_las(data)
    for name in compared:
        rows = data[("Local authority", name)]
        a, n1 = ind.assessment(rows, ind.SCHOOL)
        c, n2 = ind.assessment(rows, ind.FAMILY)
        comparison = by_name[name]["outcomes"]["assessment"]["comparison"]
        assert comparison["risk_ratio"]["estimate"] == pytest.approx(ind.katz(a, n1, c, n2)[0])
        lo, hi = ind.wilson(c, n2)[1:]
        assert (comparison["rate_b"]["ci_low"], comparison["rate_b"]["ci_high"]) == \
            pytest.approx((lo, hi))
    cov = audit_json["pooled"]["assessment"]["coverage"]
    assert {x["area"]["name"]: x["reason"] for x in cov["not_comparable"]} == excluded


def test_json_carries_provenance_methods_and_headline(audit_json, dfe_csv):
    import hashlib

    p = audit_json["provenance"]
    assert p["sha256"] == hashlib.sha256(dfe_csv.read_bytes()).hexdigest()
    assert "Open Government Licence v3.0" in p["attribution"]
    assert audit_json["schema"] == "copro.audit/1"
    assert audit_json["headline"][0].startswith("In England in 2025")
    pooled = audit_json["pooled"]["assessment"]
    assert "Mantel-Haenszel" in pooled["mantel_haenszel"]["method"]
    assert pooled["random_effects"]["REML"]["prediction_low"] is not None


def test_terminal_output_has_headline_numbers_and_attribution(audit_json):
    out = run("audit").stdout
    national = audit_json["pooled"]["assessment"]["national"]["risk_ratio"]
    assert f"{national['estimate']:.2f} times as likely" in out
    assert f"95% CI {national['ci_low']:.2f} to {national['ci_high']:.2f}" in out
    assert "Open Government Licence v3.0" in out
    assert "Isle of Wight" in out and "Essex" in out  # not comparable, by name
    assert "not proof of unfair treatment" in out


def test_la_scorecard_by_name_and_code(audit_json):
    leeds = next(f for f in audit_json["local_authorities"] if f["area"]["name"] == "Leeds")
    rr = leeds["outcomes"]["assessment"]["comparison"]["risk_ratio"]["estimate"]
    for key in ("Leeds", "leeds", "E08000035", "383"):
        out = run("la", key).stdout
        assert out.startswith("Leeds (E08000035")
        assert f"{rr:.2f} times as likely" in out
        assert "Yorkshire and The Humber" in out and "England" in out


def test_la_finds_an_authority_by_any_of_its_codes_and_names():
    for key in ("E06000066", "E10000027", "933", "Somerset Council"):
        out = run("la", key).stdout
        assert out.startswith("Somerset (E06000066, DfE 933)"), key
        assert "Somerset beside its statistical neighbours" in out, key
        assert "not in these data" not in out, key
    assert run("la", "Hull").stdout.startswith("Kingston upon Hull, City of (E06000010")
    assert run("la", "Kent County Council").stdout.startswith("Kent (E10000016")


def test_la_a_shared_short_name_lists_the_candidates():
    proc = run("la", "Northants", check=False)
    assert proc.returncode == 2
    assert "'Northants' may mean North Northamptonshire (E06000061) or West " \
           "Northamptonshire (E06000062); give one of these" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    proc = run("la", "Cumbria", check=False)
    assert proc.returncode == 2 and "Cumbria was replaced in 2023 by Cumberland and " \
        "Westmorland and Furness; give one of these" in proc.stderr


def test_la_unknown_name_suggests_close_matches():
    proc = run("la", "Isle of Wite", check=False)
    assert proc.returncode == 2
    assert "did you mean 'Isle of Wight'" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_csv_and_xlsx_exports(tmp_path, audit_json):
    csv_path, xlsx_path = tmp_path / "areas.csv", tmp_path / "areas.xlsx"
    run("audit", "--csv", str(csv_path), "--xlsx", str(xlsx_path))
    with csv_path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1 + 9 + 153
    leeds = next(r for r in rows if r["area_name"] == "Leeds")
    ref = next(f for f in audit_json["local_authorities"] if f["area"]["name"] == "Leeds")
    assert float(leeds["assessment_risk_ratio"]) == pytest.approx(
        ref["outcomes"]["assessment"]["comparison"]["risk_ratio"]["estimate"])
    wight = next(r for r in rows if r["area_name"] == "Isle of Wight")
    assert wight["assessment_compared"] == "False"
    assert "not available (x)" in wight["assessment_not_comparable_reason"]
    about = (tmp_path / "areas.about.txt").read_text()
    assert "Open Government Licence v3.0" in about and audit_json["provenance"]["sha256"] in about
    wb = load_workbook(xlsx_path, read_only=True)
    assert wb.sheetnames == ["Areas", "About"]
    assert sum(1 for _ in wb["Areas"].iter_rows()) == 1 + 163
    about_cells = " ".join(str(r[0].value) for r in wb["About"].iter_rows())
    assert "Open Government Licence v3.0" in about_cells


def test_options_compare_year_and_hksj(tmp_path):
    out = json.loads(run("audit", "--json", "--compare", "family", "education", "--year",
                         "2025", "--hksj", "--tau2", "DL").stdout)
    assert out["options"]["group_a"] == "family" and out["options"]["hksj"] is True
    assert out["options"]["tau2_methods"][0] == "DL"
    assert out["pooled"]["assessment"]["national"]["risk_ratio"]["estimate"] < 1
    assert "Hartung-Knapp" in out["pooled"]["assessment"]["random_effects"]["DL"]["method"]


def test_own_data_file(tmp_path):
    rows = (la_rows("Aton", "E06000901", (5, 5, 9, 1), (8, 2, 9, 1))
            + la_rows("Beton", "E06000902", (10, 10, 18, 2), (16, 4, 18, 2)))
    path = write_dfe(tmp_path / "mine.csv", rows)
    out = json.loads(run("audit", "--json", "--data", str(path)).stdout)
    assert out["provenance"]["source"] == "mine.csv"
    assert len(out["local_authorities"]) == 2


@pytest.mark.parametrize(("rows_kw", "expect"), [
    ({"received": "ten"}, "line 2, column 'requests_received_in_year'"),
    ({"tribunal": -1}, "negative"),
    ({"received": 99}, "add up"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, rows_kw, expect):
    path = write_dfe(tmp_path / "bad.csv", [dfe_row(**rows_kw)])
    out = tmp_path / "never.csv"
    proc = run("audit", "--data", str(path), "--csv", str(out), check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("copro: error: ") and expect in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == "" and not out.exists()


def test_a_refused_file_is_refused_before_the_statistics_libraries_load(tmp_path):
    """A file copro cannot read is refused as soon as it is read: SciPy, statsmodels and
    pandas (~2 s of CPU on the 2-core machine) are loaded only for a file that will be
    audited, so a wrong file costs its user a fraction of a second."""
    bad_dfe = write_dfe(tmp_path / "bad.csv", [dfe_row(received="ten")])
    bad_cases = tmp_path / "cases.csv"
    bad_cases.write_text("not,a,case,file\n1,2,3,4\n")
    for args in (["--data", str(bad_dfe)], ["--cases", str(bad_cases)],
                 ["--sen2", str(tmp_path / "missing.xml")], ["--foi", str(tmp_path / "no-returns")],
                 ["--data", str(tmp_path / "missing.csv")]):
        proc, loaded = run_noting_libraries(["audit", *args], ("scipy", "statsmodels", "pandas"))
        assert proc.returncode == 2 and proc.stderr.startswith("copro: error: "), (args,
                                                                                  proc.stderr)
        assert loaded == [], args


def test_a_report_folder_copro_will_not_replace_is_refused_before_any_work(tmp_path):
    """`copro report` into a folder holding files it did not write, onto a file, or below a
    file, is refused at once, with the line it gave after the work before: nothing is audited
    or drawn (SciPy and matplotlib never load) and nothing is written."""
    foreign = tmp_path / "site"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    a_file = tmp_path / "r"
    a_file.write_text("not a folder")
    in_the_way = f"{a_file}: cannot create the folder (a file is in the way); choose another place"
    cases = [(foreign, [], f"{foreign}: holds notes.txt, which copro did not write; choose a "
                           "new or empty folder, or a previous report's"),
             (foreign, ["--all-las"], None),
             (a_file, [], f"{a_file}: exists and is not a folder"),
             (a_file, ["--all-las"], None),
             (a_file, ["--la", "Leeds"], in_the_way),
             (a_file / "report", [], in_the_way),
             (a_file / "report", ["--la", "Leeds"], in_the_way)]
    expect = None
    for out, extra, message in cases:
        expect = message or expect
        proc, loaded = run_noting_libraries(["report", "--out", str(out), *extra],
                                            ("scipy", "statsmodels", "matplotlib"))
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == f"copro: error: {expect}\n", (out, extra)
        assert loaded == [], (out, extra)
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    assert a_file.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "site"]


@pytest.mark.parametrize("args", [
    ["audit", "--data", "/nonexistent.csv"],
    ["audit", "--year", "1999"],
    ["audit", "--compare", "family", "grandparents"],
    ["audit", "--csv", "/nonexistent-dir/out.csv"],
])
def test_bad_options_exit_2_with_one_line(args):
    proc = run(*args, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0


# --- standard output that goes away or fills up -------------------------------------------

def printing_commands(tmp_path) -> dict[str, list[str]]:
    """Every command that prints on standard output, with what it needs to print."""
    db = tmp_path / "campaign.sqlite"
    run("foi", "track", "--db", str(db), "sent", "Leeds", "--year", "2025", "--date",
        "2026-01-05")
    return {
        "audit": ["audit"],
        "audit-json": ["audit", "--json"],
        "audit-compare": ["audit", "--compare", "health", "family"],
        "la": ["la", "Leeds"],
        "las": ["las"],
        "help": ["--help"],
        "command-help": ["report", "--help"],
        "version": ["--version"],
        "foi-status": ["foi", "status", "--db", str(db), "--today", "2026-02-01"],
        "foi-track": ["foi", "track", "--db", str(db), "note", "Leeds", "pipe"],
        "survey-help": ["survey", "import", "--help"],
        "db-list": ["db", "list"],
    }


COMMANDS = ["audit", "audit-json", "audit-compare", "la", "las", "help", "command-help",
            "version", "foi-status", "foi-track", "survey-help", "db-list"]


@pytest.mark.parametrize("name", COMMANDS)
def test_a_closed_pipe_is_a_normal_end(name, tmp_path):
    """`copro ... | head -1`: the reader leaves early; exit code 0, nothing on standard error.
    The pipe's reading end is closed before copro writes a byte, so every write fails."""
    import os

    argv = printing_commands(tmp_path)[name]
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([COPRO, *argv], stdout=write, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    finally:
        os.close(write)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize("name", ["audit", "audit-json", "la", "las", "foi-status", "help"])
def test_piped_into_head(name, tmp_path):
    """The same through a shell pipeline, as a person types it."""
    import shlex

    argv = printing_commands(tmp_path)[name]
    line = " ".join(shlex.quote(a) for a in [COPRO, *argv])
    proc = subprocess.run(["bash", "-c", f"{line} | head -1; exit ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert len(proc.stdout.splitlines()) == 1


@pytest.mark.parametrize("name", ["audit", "audit-json", "la", "las", "help", "foi-status"])
def test_standard_output_on_a_full_disk_is_one_line(name, tmp_path):
    """`copro audit > /dev/full`: one line naming standard output and the reason, exit 2."""
    argv = printing_commands(tmp_path)[name]
    with open("/dev/full", "w") as full:
        proc = subprocess.run([COPRO, *argv], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("copro: error: standard output: cannot be written"), \
        proc.stderr
    assert "disk is full" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
