"""DfE's SEND Tribunal appeal-rate tables: the two bundled files read in full (checked against
figures in the published files), the same files as Excel saves them, and hostile variants of
each quirk (one clear error naming the file and the line)."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest

from copro.errors import InputError
from copro.sources.tribunal import (
    NEW,
    OLD,
    bundled_appeal_rates,
    bundled_paths,
    read_appeal_rates,
)

LEEDS, HERTS = "E08000035", "E10000015"
OLD_FILE, NEW_FILE = bundled_paths()
OLD_TEXT, NEW_TEXT = OLD_FILE.read_text(encoding="utf-8"), NEW_FILE.read_text(encoding="utf-8")


def read(text: str | bytes, name="t.csv", tmp_path=None):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_appeal_rates([tmp_path / name if tmp_path else name], [raw])


def test_bundled_files_are_the_published_ones():
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in bundled_paths()] == [
        "40f7c9eeb609844de1378b777723f4f053daa4105cfdd89f3bdd600a1bbf24f2",
        "b6dae0934361edb35ce175f0d2d46bc6be07dfaaf68f2b7fabad597b076c0095"]


def test_leeds_england_and_the_two_methods():
    r = bundled_appeal_rates()
    assert r.years() == tuple(range(2014, 2026))
    leeds = r.areas[LEEDS].years
    assert (leeds[2025, NEW].appeals, leeds[2025, NEW].decisions) == (171, 2673)
    assert leeds[2025, NEW].published_rate == pytest.approx(0.064)
    assert (leeds[2015, OLD].appeals, leeds[2015, OLD].decisions) == (6, 2533)  # "2,533"
    # 2024 on both methods: the same appeals, two denominators
    assert (leeds[2024, OLD].appeals, leeds[2024, OLD].decisions) == (126, 6463)
    assert (leeds[2024, NEW].appeals, leeds[2024, NEW].decisions) == (126, 3542)
    assert (2025, OLD) not in leeds and (2023, NEW) not in leeds
    e = r.england
    assert (e[2025, NEW].appeals, e[2025, NEW].decisions) == (26977, 405735)
    assert (e[2024, NEW].appeals, e[2024, NEW].decisions) == (22276, 364912)
    assert (e[2024, OLD].appeals, e[2024, OLD].decisions) == (22276, 689739)
    assert (e[2014, OLD].appeals, e[2014, OLD].decisions) == (4108, 251096)


def test_every_year_sums_to_the_england_total_and_153_current_authorities():
    r = bundled_appeal_rates()
    for key, total in r.england.items():
        rows = [a.years[key] for a in r.areas.values() if key in a.years]
        assert sum(y.appeals or 0 for y in rows) == total.appeals
        assert sum(y.decisions or 0 for y in rows) == total.decisions
    for year in (2023, 2024, 2025):
        method = OLD if year == 2023 else NEW
        live = [a for a in r.areas.values()
                if a.years.get((year, method)) and a.years[year, method].appeals is not None]
        assert len(live) == 153, year


def test_predecessors_symbols_and_wrong_codes():
    r = bundled_appeal_rates()
    cumbria, northants = r.areas["E10000006"], r.areas["E10000021"]
    assert cumbria.ended == 2023 and cumbria.years[2022, OLD].appeals == 46
    assert cumbria.years[2023, OLD].appeals is None
    assert "did not exist" in cumbria.years[2023, OLD].missing
    assert northants.years[2021, OLD].appeals == 85  # appeals but no denominator
    assert northants.years[2021, OLD].decisions is None
    bournemouth, poole = r.areas["E06000028"], r.areas["E06000029"]  # rows with no code
    assert bournemouth.years[2018, OLD].appeals == 20 and poole.years[2014, OLD].appeals == 3
    # ' - ' is zero; the Isles of Scilly's empty 2023 appeals cell (rate 0.0%) is zero too
    scilly = r.areas["E06000053"].years
    assert scilly[2015, OLD].appeals == 0 and scilly[2023, OLD].appeals == 0
    # ' x ' is suppressed
    assert r.areas["E10000030"].years[2024, NEW].decisions is None  # Surrey
    assert "suppressed" in r.areas["E10000030"].years[2024, NEW].missing
    # wrong codes matched by name, and said
    assert r.areas["E06000018"].years[2014, OLD].appeals == 18  # Nottingham, code 891 in file
    assert r.areas["E10000024"].years[2014, OLD].appeals == 47  # Nottinghamshire, 928
    assert r.areas["E10000003"].years[2014, OLD].appeals == 85  # Cambridgeshire, 823
    said = " ".join(r.notes)
    for name in ("Nottingham has the code 891", "Nottinghamshire has the code 928",
                 "Northamptonshire has the code 892", "Cambridgeshire has the code 823",
                 "Isles of Scilly 2023"):
        assert name in said
    # Hertfordshire's implausible new-method 2024 is read as published (flagged downstream)
    herts = r.areas[HERTS].years
    assert (herts[2024, NEW].decisions, herts[2024, OLD].decisions) == (2195, 13889)


def _as_excel_grid(text: str) -> list[list[object]]:
    """The CSV as Excel would hold it after opening and saving: numbers as numbers,
    percentages as fractions, spaces kept in symbol cells."""
    out = []
    for row in csv.reader(io.StringIO(text)):
        cells: list[object] = []
        for c in row:
            s = c.strip()
            if re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", s) and c == c.strip():
                cells.append(int(s.replace(",", "")))
            elif re.fullmatch(r"\d+\.\d+%", s):
                cells.append(float(s[:-1]) / 100)
            else:
                cells.append(c if c else None)
        while cells and cells[-1] is None:  # Excel drops trailing empty cells
            cells.pop()
        out.append(cells)
    return out


def _xlsx(text: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in _as_excel_grid(text):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_same_files_saved_by_excel_read_the_same(tmp_path):
    want = bundled_appeal_rates()
    xlsx = read_appeal_rates([tmp_path / "a.xlsx", tmp_path / "b.xlsx"],
                             [_xlsx(OLD_TEXT), _xlsx(NEW_TEXT)])
    bom = read_appeal_rates([tmp_path / "a.csv", tmp_path / "b.csv"],
                            [b"\xef\xbb\xbf" + OLD_TEXT.replace("\n", "\r\n").encode(),
                             NEW_TEXT.encode("cp1252")])
    for got in (xlsx, bom):
        assert got.england == want.england
        assert {c: a.years for c, a in got.areas.items()} == \
            {c: a.years for c, a in want.areas.items()}


def test_a_later_years_file_of_the_same_layout(tmp_path):
    text = NEW_TEXT.replace(",,2024,,,2025,,", ",,2025,,,2026,,")
    r = read(text, tmp_path=tmp_path)
    assert r.years() == (2025, 2026)
    assert r.areas[LEEDS].years[2026, NEW].appeals == 171


def _swap(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


HOSTILE = [
    ("not-the-table", "a,b,c\n1,2,3\n", ["no row of years"]),
    ("unknown-heading", lambda: _swap(NEW_TEXT, "Total Appealable Decisions,", "Plans,"),
     ["line 8", "Plans", "expected"]),
    ("missing-rate-column", lambda: _swap(OLD_TEXT, ",SEND Tribunal Appeal Rate2,", ",,"),
     ["line 5", "year 2014"]),
    ("bad-code-heading", lambda: _swap(NEW_TEXT, ",Old LA code,", ",Code,"),
     ["line 8", "LA code"]),
    ("rate-disagrees", lambda: _swap(NEW_TEXT, "171,2673,6.40%", "171,2673,9.40%"),
     ["line 55", "2025", "171 / 2,673"]),
    ("not-a-count", lambda: _swap(NEW_TEXT, "171,2673", "171,26x73"), ["line 55", "decisions"]),
    ("rate-without-percent", lambda: _swap(NEW_TEXT, "171,2673,6.40%", "171,2673,6.40"),
     ["line 55", "%"]),
    ("unknown-la", lambda: _swap(NEW_TEXT, "Leeds,383", "Leedz,383"),
     ["line 55", "names no local authority"]),
    ("unlisted-wrong-code", lambda: _swap(NEW_TEXT, "Leeds,383", "Leeds,384"),
     ["line 55", "Leeds has the code 384", "383"]),
    ("known-wrong-code-other-la", lambda: _swap(NEW_TEXT, "Leeds,383", "Leeds,891"),
     ["line 55", "Nottinghamshire"]),
    ("duplicate-la", lambda: _swap(NEW_TEXT, "Leeds,383,126", "Leeds,383,126", 1).replace(
        "Kirklees,382", "Leeds,383"), ["Leeds appears twice"]),
    ("unknown-region", lambda: _swap(NEW_TEXT, "NORTH EAST,", "NORTHERN POWERHOUSE,"),
     ["line 9", "region heading"]),
    ("sum-off", lambda: _swap(NEW_TEXT, "22276,364912,6.10%,26977",
                              "22276,364912,6.10%,26978"),
     ["2025", "26,977", "26,978", "line 173"]),
    ("no-england-total", lambda: NEW_TEXT.replace("England Total,", "England Totl,"),
     ["line 173", "names no local authority"]),
    ("long-row", lambda: _swap(NEW_TEXT, "171,2673,6.40%", "171,2673,6.40%,99"),
     ["line 55", "9 cells"]),
    ("row-after-total", lambda: _swap(NEW_TEXT, "England Total,,22276,364912,6.10%,26977,"
                                      "405735,6.60%\n",
                                      "England Total,,22276,364912,6.10%,26977,405735,6.60%\n"
                                      "Leeds,383,1,2,50.00%,1,2,50.00%\n"),
     ["after the England total"]),
    ("empty-appeals-nonzero-rate", lambda: _swap(NEW_TEXT, "171,2673,6.40%", ",2673,6.40%"),
     ["line 55", "empty"]),
    ("appeals-of-zero-decisions", lambda: _swap(NEW_TEXT, "171,2673,6.40%", "171,0,0.00%"),
     ["line 55", "0 decisions"]),
    ("binary", b"\x00\x01\x02PK garbage" * 50, ["no row of years"]),
]


@pytest.mark.parametrize("case", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_variants_are_refused_with_one_line(case, tmp_path):
    _, content, words = case
    content = content() if callable(content) else content
    with pytest.raises(InputError) as err:
        read(content, "bad.csv", tmp_path)
    message = str(err.value)
    assert "\n" not in message and "bad.csv" in message
    assert "Leedz" not in message  # a cell that names no authority is never echoed
    for w in words:
        assert w in message, (w, message)


def test_a_damaged_workbook_is_refused(tmp_path):
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        read(b"PK\x03\x04 not a zip", "bad.xlsx", tmp_path)
