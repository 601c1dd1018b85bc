"""Reader for DfE's SEND Tribunal appeal-rate tables: appeals registered with the SEND Tribunal
and each local authority's total appealable decisions, by calendar year.

The supporting files to "Education, health and care plans" (``SEND Tribunals and appeal rate
2014-2024.csv``, ``SEND appealable decisions rate 2024-2025.csv``; both bundled), any later year's
file of the same layout, and the same file saved by Excel (XLSX, or CSV with a byte-order mark or
in Windows-1252) are read strictly. The layout is not tidy data, and every quirk is handled by
name below (search for "Quirk"):

- title, source and note rows above the table; the table starts at a row of years (``2014``,
  ``2015`` ...), followed by a row of column names; anything else is refused;
- per year, three columns (appeals, appealable decisions, rate with a ``%``), and for a year
  published on both methods two more (``In development: Total Appealable Decisions``, ``In
  development: SEND Tribunal Appeal Rate``) on the new method;
- region header rows in capitals (``NORTH EAST``, ``INNER LONDON``) between the authorities;
- footnote digits glued to names and headings (``Cumberland8``, ``Appeals registered4``);
- thousands commas in one file (``"2,533"``) and bare numbers in the other;
- symbols: ``-`` zero appeals, ``..`` not available (the authority did not exist), ``x``
  suppressed or not available; stray spaces round every cell;
- predecessor authorities with their own rows (Cumbria, Northamptonshire, Bournemouth and Poole,
  the last two with no code), matched through the register (:mod:`copro.register`) and kept as
  their own history;
- wrong old codes: in the 2014-2024 file Nottingham 891, Nottinghamshire 928 and
  Northamptonshire 892 (DfE's codes are 892, 891 and 928), and in both files Central
  Bedfordshire 873 and Cambridgeshire 823 (DfE's are 823 and 873; found by this reader's check,
  the data README does not list them): every row is matched on its name and its code; a
  disagreement is accepted only for these five, by name, and said in the notes;
- an empty appeals cell where the published rate is 0.0% (Isles of Scilly, 2023): zero appeals;
- the "England Total" row (published totals), checked against the sum of the authorities' rows,
  and the "England total excluding suppressed" row.

Each year's method is recorded: until 2023 the old method (appealable decisions include an
assumed annual review of every plan); from 2024 the new one (annual reviews actually completed),
except where a file gives the same year on both (the 2014-2024 file's 2024: its plain columns
are the old method, its "In development" columns the new). Every published rate is checked
against appeals / decisions to its published 0.1%.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from copro.errors import InputError
from copro.inputs import (
    cell_text,
    csv_rows,
    decode_text,
    open_xlsx,
    sheet_rows,
    shown,
    visible_sheets,
)
from copro.provenance import read_input, sha256_hex
from copro.register import Identity, by_code, resolve

BUNDLED_FILES = ("dfe-send-tribunal-appeal-rate-2014-2024.csv",
                 "dfe-send-tribunal-appeal-rate-2024-2025.csv")
ATTRIBUTION = ("Contains public sector information licensed under the Open Government Licence "
               "v3.0. Source: Department for Education and HM Courts & Tribunals Service, SEND "
               "Tribunal appeal rates (Education, health and care plans supporting files).")
OLD, NEW = "old", "new"
#: The first year whose appealable decisions count the annual reviews completed (DfE changed
#: the method in 2024; the 2024-2025 file's footnote 5).
NEW_METHOD_FROM = 2024
METHODS = {
    OLD: "appealable decisions with an assumed annual review of every plan (to 2024)",
    NEW: "appealable decisions with the annual reviews actually completed (from 2024)",
}

#: Quirk: wrong old LA codes. (name as published, code as published) -> the code DfE's
#: requests file and the register give that authority. The first three are in the 2014-2024
#: file; the Cambridgeshire / Central Bedfordshire swap is in both files (each row's figures
#: are the named authority's: Cambridgeshire's are about three times Central Bedfordshire's).
KNOWN_WRONG_CODES = {("nottingham", "891"): "892", ("nottinghamshire", "928"): "891",
                     ("northamptonshire", "892"): "928",
                     ("central bedfordshire", "873"): "823", ("cambridgeshire", "823"): "873"}

#: Quirk: region header rows, in capitals, between the authorities' rows.
REGION_HEADINGS = frozenset({
    "NORTH EAST", "NORTH WEST", "YORKSHIRE AND THE HUMBER", "EAST MIDLANDS", "WEST MIDLANDS",
    "EAST OF ENGLAND", "EAST", "LONDON", "INNER LONDON", "OUTER LONDON", "SOUTH EAST",
    "SOUTH WEST"})

#: Quirk: DfE's symbols in these tables, and what each means.
ZERO = "-"
SYMBOLS = {"..": "not available: the authority did not exist", "x": "suppressed or not available",
           "~": "suppressed"}
NOT_PUBLISHED = "not published for this authority in this year"

_YEAR = re.compile(r"(19|20)\d\d")
_FOOTNOTE = re.compile(r"(?<=[A-Za-z)])\d+(,\d+)*$")  # 'Cumberland8', 'Decisions1,9'
_COUNT = re.compile(r"\d{1,3}(,\d{3})+|\d+")  # '2,533' or '2533'
_PERCENT = re.compile(r"(\d+(\.\d+)?)%")
MAX_COUNT = 10_000_000
RATE_TOLERANCE = 0.0005 + 1e-9  # rates are published to 0.1%


@dataclass(frozen=True)
class AppealYear:
    """One authority (or England) in one year, on one method."""

    year: int
    method: str  # OLD or NEW
    appeals: int | None
    decisions: int | None
    published_rate: float | None  # as a fraction, rounded to 0.1% by DfE
    missing: str | None = None  # why appeals or decisions are missing


@dataclass(frozen=True)
class AppealArea:
    """One authority's rows, past or present, with its identity from the register."""

    code: str  # canonical ONS code
    name: str
    ended: int | None  # the year an abolished authority ended
    successors: tuple[str, ...]
    years: dict[tuple[int, str], AppealYear] = field(default_factory=dict)


@dataclass(frozen=True)
class AppealSource:
    name: str
    sha256: str
    years: tuple[int, ...]
    rows_read: int  # authorities' rows


@dataclass(frozen=True)
class AppealRates:
    """Every authority's appeals and appealable decisions, England's published totals, the
    files they came from and what the reader did about each file's quirks."""

    areas: dict[str, AppealArea]
    england: dict[tuple[int, str], AppealYear]
    england_excluding_suppressed: dict[tuple[int, str], AppealYear]
    sources: tuple[AppealSource, ...]
    notes: tuple[str, ...]
    attribution: str = ATTRIBUTION

    def years(self) -> tuple[int, ...]:
        return tuple(sorted({y for y, _ in self.england}))


def bundled_paths() -> tuple[Path, ...]:
    return tuple(Path(str(resources.files("copro") / "data" / n)) for n in BUNDLED_FILES)


_bundled: AppealRates | None = None


def bundled_appeal_rates() -> AppealRates:
    """The two bundled files, read once per process."""
    global _bundled
    if _bundled is None:
        _bundled = read_appeal_rates(bundled_paths())
    return _bundled


# --- one file -----------------------------------------------------------------------------

@dataclass
class _Column:
    year: int
    measure: str  # 'appeals', 'decisions', 'rate'
    method: str


@dataclass
class _File:
    areas: dict[str, AppealArea]
    england: dict[tuple[int, str], AppealYear]
    excluding: dict[tuple[int, str], AppealYear]
    source: AppealSource
    notes: list[str]


def _grid(path: Path, raw: bytes) -> tuple[list[tuple[int, list[str]]], str]:
    """(line or row number, cells as text) and the unit ('line' or 'row')."""
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() == ".xlsx":
        wb = open_xlsx(path, raw)
        sheets = visible_sheets(wb)
        if not sheets:
            raise InputError(path, "the workbook has no visible sheet; expected the appeal "
                                   "rate table")
        rows = [(n, [_xlsx_cell(c.value) for c in cells])
                for n, cells in sheet_rows(path, sheets[0])]
        return rows, "row"
    text, _ = decode_text(raw)
    return list(csv_rows(path, text)), "line"


def _xlsx_cell(value: object) -> str:
    # Quirk (Excel): counts come back as numbers, and a '1.40%' cell as the fraction 0.014;
    # keep the fraction's digits (repr) and mark it, so the rate reader knows it is a fraction.
    if isinstance(value, float) and not value.is_integer():
        return f"={value!r}"
    text = cell_text(value)
    return "" if text is None else text


def _clean(text: str) -> str:
    """Quirk: stray spaces round every cell (' - ', ' .. ', '  ')."""
    return " ".join(str(text).split())


def _unfoot(text: str) -> str:
    """Quirk: footnote digits glued to names and headings ('Cumberland8', 'Poole5',
    'Total Appealable Decisions1,9')."""
    return _FOOTNOTE.sub("", _clean(text)).strip()


def _is_blank(cells: list[str]) -> bool:
    return not any(_clean(c) for c in cells)


def _header(path: Path, rows, unit: str) -> tuple[int, list[_Column | None], int]:
    """The position of the row of years, the meaning of every column, and the code column."""
    for i, (line, cells) in enumerate(rows):
        years = [(j, int(_clean(c))) for j, c in enumerate(cells)
                 if j >= 2 and _YEAR.fullmatch(_clean(c))]
        if not years:
            continue
        first = _clean(cells[0]).lower()
        if first not in ("", "local authority") or i + 1 >= len(rows):
            raise InputError(path, "a row of years that does not start the table (expected "
                                   "'Local Authority' or a blank first cell)", line, unit=unit)
        names_line, names = rows[i + 1]
        columns: list[_Column | None] = [None] * max(len(cells), len(names))
        bounds = [j for j, _ in years] + [len(columns)]
        for (start, year), end in zip(years, bounds[1:], strict=True):
            found = []
            for j in range(start, end):
                heading = _unfoot(names[j]) if j < len(names) else ""
                if not heading:
                    continue  # Quirk: trailing blank columns after the last year
                col = _column(heading, year)
                if col is None:
                    raise InputError(path, f"column {j + 1} is headed '{shown(heading)}'; "
                                           "expected Appeals registered, Total Appealable "
                                           "Decisions or SEND Tribunal Appeal Rate (optionally "
                                           "'In development:')", names_line, unit=unit)
                columns[j] = col
                found.append((col.measure, col.method != OLD or "In development" in heading))
            kinds = [m for m, _ in found]
            if kinds[:3] != ["appeals", "decisions", "rate"] or \
                    kinds[3:] not in ([], ["decisions", "rate"]):
                raise InputError(path, f"year {year}: columns {', '.join(kinds) or 'none'}; "
                                       "expected appeals, decisions, rate (and, for a year on "
                                       "both methods, 'In development' decisions and rate)",
                                 names_line, unit=unit)
            _set_methods(columns, start, end, year, both=len(kinds) == 5)
        if len({y for _, y in years}) != len(years):
            raise InputError(path, "a year appears twice in the row of years", line, unit=unit)
        code_heading = (_clean(cells[1]) or _clean(names[1]) if len(names) > 1 else "").lower()
        if code_heading not in ("la code", "old la code"):
            raise InputError(path, "the second column is not headed 'LA code' or 'Old LA "
                                   "code'", names_line, unit=unit)
        return i, columns, 1
    raise InputError(path, "no row of years (2014, 2015 ...) heading the table: not a SEND "
                           "Tribunal appeal rate table", unit=unit)


def _column(heading: str, year: int) -> _Column | None:
    text = heading.lower()
    new = text.startswith("in development:")
    text = text.removeprefix("in development:").strip()
    if text in ("appeals registered", "appeals") and not new:
        measure = "appeals"
    elif text == "total appealable decisions":
        measure = "decisions"
    elif text in ("send tribunal appeal rate", "appeal rate"):
        measure = "rate"
    else:
        return None
    return _Column(year, measure, NEW if new else "?")


def _set_methods(columns, start: int, end: int, year: int, both: bool) -> None:
    """Quirk: the method changed in 2024. A year given on both methods has plain columns on
    the old method and 'In development' columns on the new; otherwise, before 2024 old, from
    2024 new."""
    plain = OLD if both or year < NEW_METHOD_FROM else NEW
    for j in range(start, end):
        if columns[j] is not None and columns[j].method == "?":
            columns[j].method = plain


def _count(path: Path, text: str, line: int, unit: str, what: str) -> tuple[int | None, str | None]:
    value = _clean(text)
    if value == ZERO:
        return 0, None  # Quirk: ' - ' is zero appeals
    if value in SYMBOLS:
        return None, SYMBOLS[value]
    if value == "":
        return None, NOT_PUBLISHED
    if _COUNT.fullmatch(value):  # Quirk: thousands commas in one file only
        n = int(value.replace(",", ""))
        if n <= MAX_COUNT:
            return n, None
    raise InputError(path, f"{what}: '{shown(value)}' is not a count, '-', '..' or 'x'",
                     line, unit=unit)


def _rate(path: Path, text: str, line: int, unit: str, what: str) -> float | None:
    value = _clean(text)
    if value in ("", *SYMBOLS):
        return None
    m = _PERCENT.fullmatch(value)
    if m:
        return round(float(m.group(1)) / 100, 6)  # published to 0.01 of a percent
    if value.startswith("="):  # Quirk (Excel): a percentage cell read as its fraction
        try:
            x = float(value[1:])
        except ValueError:
            x = -1.0
        if 0 <= x <= 1:
            return round(x, 6)
    if value in ("0", "1"):  # Excel: 0% and 100% come back as whole numbers
        return float(value)
    raise InputError(path, f"{what}: '{shown(value)}' is not a rate with '%' (or '..', 'x')",
                     line, unit=unit)


def _read_one(path: Path, raw: bytes) -> _File:
    rows, unit = _grid(path, raw)
    top, columns, _ = _header(path, rows, unit)
    width = len(columns)
    areas: dict[str, AppealArea] = {}
    lines: dict[str, int] = {}
    england: dict[tuple[int, str], AppealYear] = {}
    excluding: dict[tuple[int, str], AppealYear] = {}
    notes: list[str] = []
    la_rows = england_line = 0
    for line, cells in rows[top + 2:]:
        if _is_blank(cells):
            if england:
                break  # the table ends after the England total; notes follow
            if la_rows:
                raise InputError(path, "a blank row before the England total row", line,
                                 unit=unit)
            continue
        if len(cells) > width and not _is_blank(cells[width:]):
            raise InputError(path, f"{len(cells)} cells where the table has {width} columns",
                             line, unit=unit)
        cells = cells + [""] * (width - len(cells))  # Quirk (Excel): trailing blanks dropped
        name = _unfoot(cells[0])
        rest = cells[1:width]
        if name.isupper() and _is_blank(rest):
            if name not in REGION_HEADINGS:
                raise InputError(path, "a row in capitals with no figures, like a region "
                                       "heading, that is not one of England's regions", line,
                                 unit=unit)
            continue  # Quirk: region header rows in capitals
        if not name:
            raise InputError(path, "a row with no local authority name", line, unit=unit)
        lower = name.lower()
        # Quirk: the 'England total excluding suppressed' row's published rate (5.7% in 2024)
        # is not its own appeals / decisions (22,082 / 364,912 = 6.1%): kept, not checked
        check = lower != "england total excluding suppressed"
        values = _years(path, cells, columns, line, unit, name, notes, check)
        if lower == "england total":
            england, england_line = values, line
            continue
        if lower == "england total excluding suppressed":
            excluding = values
            continue
        if england:
            raise InputError(path, "a local authority's row after the England total row",
                             line, unit=unit)
        identity = _identity(path, name, _clean(cells[1]), line, unit, notes)
        if identity.code in areas:
            raise InputError(path, f"{identity.name} appears twice (also on {unit} "
                                   f"{lines[identity.code]})", line, unit=unit)
        lines[identity.code] = line
        areas[identity.code] = AppealArea(identity.code, identity.name, identity.ended,
                                          identity.successors, values)
        la_rows += 1
    if not areas:
        raise InputError(path, "no local authority rows in the table", unit=unit)
    if not england:
        raise InputError(path, "no 'England Total' row after the local authorities", unit=unit)
    _check_totals(path, areas, england, england_line, unit)
    years = tuple(sorted({c.year for c in columns if c is not None}))
    return _File(areas, england, excluding,
                 AppealSource(path.name, sha256_hex(raw), years, la_rows), notes)


def _years(path, cells, columns, line, unit, name, notes,
           check: bool = True) -> dict[tuple[int, str], AppealYear]:
    """Every (year, method) of one row, checked: the rate is appeals / decisions."""
    by_key: dict[tuple[int, str], dict[str, str]] = {}
    appeals_cell: dict[int, str] = {}
    for j, col in enumerate(columns):
        if col is None:
            continue
        if col.measure == "appeals":
            appeals_cell[col.year] = cells[j]
        else:
            by_key.setdefault((col.year, col.method), {})[col.measure] = cells[j]
    out = {}
    for (year, method), got in by_key.items():
        where = f"{year} ({method} method)"
        # the new method's appeals are the same appeals (one column per year)
        appeals, why_a = _count(path, appeals_cell[year], line, unit, f"{where} appeals")
        decisions, why_d = _count(path, got["decisions"], line, unit, f"{where} decisions")
        rate = _rate(path, got["rate"], line, unit, f"{where} rate")
        if appeals is None and why_a == NOT_PUBLISHED and decisions and rate == 0.0:
            # Quirk: an empty appeals cell where the rate is 0.0% (Isles of Scilly 2023)
            appeals, why_a = 0, None
            notes.append(f"{path.name}, {unit} {line}: {name} {year}: the appeals cell is "
                         "empty and the rate 0.0%: read as 0 appeals")
        if appeals is None and why_a == NOT_PUBLISHED and rate:
            raise InputError(path, f"{where}: the appeals cell is empty but the rate is "
                                   f"{rate:.1%}; expected a count", line, unit=unit)
        if appeals is not None and decisions and check:
            if rate is None:
                raise InputError(path, f"{where}: appeals and decisions are given but the rate "
                                       "is not", line, unit=unit)
            if abs(appeals / decisions - rate) > RATE_TOLERANCE:
                raise InputError(path, f"{where}: the rate {rate:.1%} is not {appeals:,} / "
                                       f"{decisions:,} = {appeals / decisions:.1%}", line,
                                 unit=unit)
        elif decisions == 0 and appeals:
            raise InputError(path, f"{where}: {appeals:,} appeals of 0 decisions", line,
                             unit=unit)
        missing = why_d if decisions is None else why_a
        out[year, method] = AppealYear(year, method, appeals, decisions, rate, missing)
    return out


def _identity(path: Path, name: str, code: str, line: int, unit: str,
              notes: list[str]) -> Identity:
    """The register's identity for a row, matched on its name and, where given, its code."""
    named = resolve(name)
    if len(named) != 1:
        # the name is not echoed: a cell that names no authority may hold anything
        what = "no local authority" if not named else "several local authorities"
        raise InputError(path, f"the name in the first column ({len(name)} characters) names "
                               f"{what} in the register; expected a local authority's name as "
                               "DfE writes it", line, unit=unit)
    identity = named[0]
    if not code:
        return identity  # Quirk: Bournemouth and Poole have no code: matched by name
    if not re.fullmatch(r"\d{3}", code):
        raise InputError(path, f"'{shown(code)}' is not a three-digit LA code", line,
                         unit=unit)
    coded = by_code(code)
    if coded is not None and coded.code == identity.code:
        return identity
    name = identity.name  # from here on the register's name, never the cell's
    right = KNOWN_WRONG_CODES.get((name.lower(), code))
    if right is not None and right == identity.dfe_code:
        notes.append(f"{path.name}, {unit} {line}: {name} has the code {code} "
                     f"({coded.name if coded else 'no authority'}'s); DfE's code for {name} is "
                     f"{right}: matched by name")
        return identity
    other = f"{coded.name}'s" if coded else "no authority's"
    raise InputError(path, f"{name} has the code {code}, which is {other} in the register "
                           f"(expected {identity.dfe_code}): check the row", line, unit=unit)


def _check_totals(path: Path, areas, england, line: int, unit: str) -> None:
    """The authorities' rows (predecessors included) sum exactly to the published total."""
    for key, total in england.items():
        for what in ("appeals", "decisions"):
            published = getattr(total, what)
            if published is None:
                continue
            summed = sum(getattr(a.years[key], what) or 0 for a in areas.values()
                         if key in a.years)
            if summed != published:
                raise InputError(path, f"{key[0]} ({key[1]} method): the local authorities' "
                                       f"{what} sum to {summed:,}, not the England total "
                                       f"{published:,}", line, unit=unit)


# --- several files ------------------------------------------------------------------------

def read_appeal_rates(paths, raws=None) -> AppealRates:
    """Read one or more appeal rate files (oldest first) into one table. A year and method
    given by two files must agree; where they do not, the later file's figures are kept and
    the difference said in the notes."""
    paths = [Path(p) for p in paths]
    raws = list(raws) if raws is not None else [read_input(p, "tribunal") for p in paths]
    areas: dict[str, AppealArea] = {}
    england: dict[tuple[int, str], AppealYear] = {}
    excluding: dict[tuple[int, str], AppealYear] = {}
    sources, notes = [], []
    for path, raw in zip(paths, raws, strict=True):
        one = _read_one(path, raw)
        sources.append(one.source)
        notes.extend(one.notes)
        for code, area in one.areas.items():
            known = areas.setdefault(code, AppealArea(area.code, area.name, area.ended,
                                                      area.successors, {}))
            for key, value in area.years.items():
                old = known.years.get(key)
                if old is not None and (old.appeals, old.decisions) != (value.appeals,
                                                                         value.decisions):
                    notes.append(f"{area.name} {key[0]} ({key[1]} method): {path.name} gives "
                                 f"{_pair(value)} where an earlier file gave {_pair(old)}; "
                                 f"the later file's figures are used")
                known.years[key] = value
        england.update(one.england)
        excluding.update(one.excluding)
    return AppealRates(areas, england, excluding, tuple(sources), tuple(notes))


def _pair(y: AppealYear) -> str:
    def n(x):
        return "?" if x is None else f"{x:,}"
    return f"{n(y.appeals)} of {n(y.decisions)}"
