"""Importing the same answers again, re-formatted, adds nothing (issue 27, item 7: York's
"responses 60" from 12 people): an import is recognised by its answers (normalised), not by
the file's bytes, dates, IDs, column order or format."""

from __future__ import annotations

import csv
import random

from tests.web.test_survey_commands import FAMILY_HEADER, forms_export, rows, run

LADDER = FAMILY_HEADER[5]


def _reformatted(first, path, with_new: int = 0):
    """The same answers as another export would give them: columns shuffled, other IDs and
    times, answers in other case and spacing; ``with_new`` more people answering the same."""
    with first.open(encoding="utf-8-sig", newline="") as fh:
        header, *body = list(csv.reader(fh))
    body += [list(body[0]) for _ in range(with_new)]
    order = list(range(len(header)))
    random.Random(4).shuffle(order)
    table = [[header[i] for i in order]]
    for n, row in enumerate(body):
        row = list(row)
        row[0] = str(1000 + n)  # the tool's own ID
        row[1] = row[2] = f"0{n % 9 + 1}/03/2026 10:{n:02d}"  # times, another format
        row[5] = "  " + row[5].upper() + " "
        row[8] = row[8].replace(" ", "  ")
        table.append([row[i] for i in order])
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        for r in table:
            wb.active.append(r)
        wb.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, delimiter=";").writerows(table)
    return path


def test_the_same_answers_reformatted_as_csv_or_xlsx_add_nothing(tmp_path):
    db = tmp_path / "data"
    first = forms_export(tmp_path / "forms.csv", 12)
    args = ["--la", "York", "--audience", "families"]
    r = run(db, "survey", "import", str(first), *args)
    assert r.returncode == 0 and "imported 12 families" in r.stderr, r.stderr
    for again in (_reformatted(first, tmp_path / "again.csv"),
                  _reformatted(first, tmp_path / "again.xlsx")):
        r = run(db, "survey", "import", str(again), *args)
        assert r.returncode == 0, r.stderr
        assert "every row" in r.stderr and "nothing added" in r.stderr, r.stderr
    assert rows(db, "select count(*) from survey_response") == [(12,)]
    # two more people giving the same answers as the first, in a later export: added
    later = _reformatted(first, tmp_path / "later.xlsx", with_new=2)
    r = run(db, "survey", "import", str(later), *args)
    assert r.returncode == 0 and "imported 2 families" in r.stderr, r.stderr
    assert rows(db, "select count(*) from survey_response") == [(14,)]
