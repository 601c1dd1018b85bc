"""`copro users create`, `copro survey import` and `copro survey purge` against a real database
(a fresh SQLite data folder per test, through the installed command)."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

COPRO = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "copro")

FAMILY_HEADER = ["ID", "Start time", "Completion time", "Email", "Name",
                 "Which of these best describes how decisions about the request were made?",
                 "I was treated as an equal partner.",
                 "In your local authority, are requests from parents or from schools more "
                 "likely to be agreed?", "What would have made the biggest difference?"]


def run(data_dir: Path, *args, env=None):
    environ = {**os.environ, "COPRO_DATA_DIR": str(data_dir), **(env or {})}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([COPRO, *args], env=environ, capture_output=True, text=True,
                          timeout=300)


def forms_export(path: Path, n: int, bad_line: int | None = None, first_id: int = 1) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(FAMILY_HEADER)
        for i in range(n):
            ladder = "Our views changed what happened" if i % 3 else "We were told afterwards"
            if i + 2 == bad_line:
                ladder = "Somewhere in between"
            w.writerow([i + first_id, "t", "t", "anonymous", "", ladder, "Agree",
                        "Requests from schools", f"More time. ring 07700 900{i:03d}"])
    return path


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data"


def rows(db: Path, sql: str):
    with sqlite3.connect(db / "copro.sqlite3") as con:
        return con.execute(sql).fetchall()


def test_users_create(db):
    r = run(db, "users", "create", "leeds-forum", "--la", "Leeds", "--forum", "Leeds PCF",
            env={"COPRO_NEW_PASSWORD": "a long test passphrase 42"})
    assert r.returncode == 0, r.stderr
    assert rows(db, "select area_code, forum from survey_coordinator") == [
        ("E08000035", "Leeds PCF")]
    again = run(db, "users", "create", "leeds-forum", "--la", "Leeds",
                env={"COPRO_NEW_PASSWORD": "a long test passphrase 42"})
    assert again.returncode == 2 and "already exists" in again.stderr
    weak = run(db, "users", "create", "x", "--la", "Leeds", env={"COPRO_NEW_PASSWORD": "123"})
    assert weak.returncode == 2 and weak.stderr.startswith("copro: error: password:")
    assert "Traceback" not in weak.stderr


def test_import_a_microsoft_forms_export_lands_in_the_results(db, tmp_path):
    path = forms_export(tmp_path / "forms.csv", 14)
    r = run(db, "survey", "import", str(path), "--la", "E08000035", "--audience", "families")
    assert r.returncode == 0, r.stderr
    assert "imported 14 families response(s) for E08000035" in r.stderr
    assert "not matched (ignored): 'Email'" in r.stderr
    stored = rows(db, "select audience, source, free_text from survey_response")
    assert len(stored) == 14 and all(s[:2] == ("families", "import") for s in stored)
    assert all("07700" not in s[2] for s in stored)
    assert rows(db, "select imported, published_at is null from survey_round") == [(1, 1)]


def test_importing_answers_loads_no_statistics_library(db, tmp_path):
    """Storing answers computes no interval, so `copro survey import` does not load SciPy,
    statsmodels or pandas (~2 s of a 3 s import on the 2-core machine): they are imported when
    a result is first computed (copro.stats.rates)."""
    from tests.libraries import run_noting_libraries

    path = forms_export(tmp_path / "forms.csv", 3)
    environ = {**os.environ, "COPRO_DATA_DIR": str(db)}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    r, loaded = run_noting_libraries(["survey", "import", str(path), "--la", "Leeds",
                                      "--audience", "families"],
                                     ("scipy", "statsmodels", "pandas"), env=environ)
    assert r.returncode == 0, r.stderr
    assert "imported 3 families response(s)" in r.stderr
    assert loaded == []


def test_a_bad_import_stores_nothing(db, tmp_path):
    path = forms_export(tmp_path / "forms.csv", 14, bad_line=9)
    r = run(db, "survey", "import", str(path), "--la", "Leeds", "--audience", "families")
    assert r.returncode == 2
    assert "forms.csv, line 9, column 'Which of these best describes" in r.stderr
    assert "Somewhere" not in r.stderr and "Traceback" not in r.stderr
    assert not (db / "copro.sqlite3").exists() or rows(
        db, "select count(*) from survey_response") == [(0,)]


def test_purge_deletes_old_free_text_only(db, tmp_path):
    run(db, "survey", "import", str(forms_export(tmp_path / "a.csv", 3)), "--la", "Leeds",
        "--audience", "families")
    with sqlite3.connect(db / "copro.sqlite3") as con:
        con.execute("update survey_round set closed_at = datetime('now', '-400 days')")
    # a later export with two more people (the 4th and 5th rows: an import is recognised by
    # its answers, so the first three are not added again)
    run(db, "survey", "import", str(forms_export(tmp_path / "b.csv", 5)), "--la", "Leeds",
        "--audience", "families")
    r = run(db, "survey", "purge")
    assert r.returncode == 0 and "of 3 response(s) older than 365 days" in r.stderr
    assert sorted(bool(t) for (t,) in rows(db, "select free_text from survey_response")) == [
        False, False, False, True, True]
    assert rows(db, "select count(*) from survey_response where answers != '{}'") == [(5,)]


def test_importing_the_same_export_twice_adds_nothing(db, tmp_path):
    """The same file again is recognised by its hash; a later export of the same form (its
    first rows and new ones) adds only the new rows; two identical answer rows with different
    IDs are two people."""
    first = forms_export(tmp_path / "forms.csv", 14)
    assert run(db, "survey", "import", str(first), "--la", "Leeds", "--audience",
               "families").returncode == 0
    again = run(db, "survey", "import", str(first), "--la", "Leeds", "--audience", "families")
    assert again.returncode == 0 and "already imported" in again.stderr
    assert "nothing added" in again.stderr
    assert rows(db, "select count(*) from survey_response") == [(14,)]
    assert rows(db, "select count(*) from survey_round") == [(1,)]
    copy = tmp_path / "copy of forms.csv"  # the same rows in another file (saved again)
    copy.write_bytes(first.read_bytes().replace(b"\r\n", b"\n"))
    r = run(db, "survey", "import", str(copy), "--la", "Leeds", "--audience", "families")
    assert r.returncode == 0 and "every row" in r.stderr and "nothing added" in r.stderr
    later = forms_export(tmp_path / "later.csv", 20)  # the form's export a week on
    r = run(db, "survey", "import", str(later), "--la", "Leeds", "--audience", "families")
    assert r.returncode == 0, r.stderr
    assert "imported 6 families" in r.stderr and "14 row(s) already imported" in r.stderr
    assert rows(db, "select count(*) from survey_response") == [(20,)]
    # nothing of a row is stored but its keyed hash
    keys = [k for (k,) in rows(db, "select import_key from survey_response")]
    assert len(set(keys)) == 20 and all(len(k) == 64 for k in keys)


def test_formulas_in_an_import_are_echoed_as_text(db, tmp_path):
    """A header beginning with = is echoed as text; the cells are stored as written (the
    coordinator's downloads neutralise them: tests/web/test_survey_files.py)."""
    path = tmp_path / "forms.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*FAMILY_HEADER, "=cmd|' /C calc'!A0"])
        for i in range(3):
            w.writerow([i, "t", "t", "", "", "We were told afterwards", "Agree",
                        "Requests from schools", '=HYPERLINK("http://evil.example/")', "x"])
    r = run(db, "survey", "import", str(path), "--la", "Leeds", "--audience", "families")
    assert r.returncode == 0, r.stderr
    assert "not matched (ignored): \"'=cmd" in r.stderr  # shown as text
    assert rows(db, "select free_text from survey_response")[0][0].startswith("=HYPERLINK")
