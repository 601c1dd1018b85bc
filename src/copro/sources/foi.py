"""Reader for FOI returns: completed response templates (XLSX or CSV), and common variations.

A return is read by its labels, not by fixed cells, so a number in a different layout (rows and
columns swapped, extra rows, a different sheet) is still found as long as the labels are there.
Values are read strictly: whole numbers; '<5' and the like are suppressed, 'not held' is not
held (both missing, with the reason kept); 'nil' is 0; anything else is an error naming the file
and cell. A return whose numbers do not add up is rejected with the cell that breaks the sum.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from copro.counts import Area, Count, CountsTable, DataProvenance, Measure
from copro.errors import CoproError, InputError
from copro.foi.layout import GROUPS, MEASURES, NOT_ASKED
from copro.groups import RequesterGroup
from copro.inputs import csv_rows, decode_text, open_xlsx, sheet_rows, shown, visible_sheets
from copro.provenance import read_input, sha256_hex
from copro.register import find_local_authority, local_authorities

G = RequesterGroup
ATTRIBUTION = ("Information released by local authorities in answer to requests under the "
               "Freedom of Information Act 2000.")
NO_RETURN = "no FOI return"
NOT_ASKED_REASON = "not asked separately: counted under 'anyone else'"
MAX_COUNT = 10_000_000

_GROUP_PATTERNS = (  # checked in this order: 'School or other ...' is education, not other
    (G.FAMILY, re.compile(r"parent|young.?person|famil|carer")),
    (G.EDUCATION, re.compile(r"school|education|setting|college|senco")),
    (G.ALL, re.compile(r"^all\b|all.?requests|^total|total$")),
    (G.OTHER, re.compile(r"other|anyone|health|social")),
)
_MEASURE_PATTERNS = (  # checked in this order: the 20-week row also mentions plans issued
    (Measure.PLAN_WITHIN_20_WEEKS, re.compile(r"20.?week|twenty.?week|within.?20")),
    (Measure.PLAN_ISSUED, re.compile(r"plans?\b.*(issued|finali[sz]ed|result|made)|"
                                     r"(issued|finali[sz]ed).*plan|plan.?issued")),
    (Measure.DECIDED_TO_ASSESS, re.compile(r"decid.*assess|agreed.*assess|assess.*agreed|"
                                           r"decided.?to.?assess|assessments?.?agreed")),
    (Measure.RECEIVED, re.compile(r"received|requests?.?made|number of requests")),
)
_ONS_CODE = re.compile(r"\bE(?:0[6-9]|10)\d{6}\b")
_SUPPRESSED = re.compile(r"^(?:<|fewer than|less than)\s*(\d+)$")
_NOT_HELD = {"not held", "not recorded", "n/a", "na", "not available", "unknown", "not known",
             "information not held", "data not held"}
_NIL = {"nil", "none", "zero", "no requests"}
_WITHHELD = {"x", "c", "*", "[c]", "[x]", "withheld", "redacted", "suppressed"}
_AMBIGUOUS = {"-", "–", "—"}


@dataclass(frozen=True)
class Cell:
    value: object
    ref: str  # 'sheet Response, cell C9' or 'line 3, column 5'


@dataclass(frozen=True)
class FoiReturn:
    """One local authority's answer, read and checked."""

    area: Area
    path: Path
    year: str | None
    counts: dict[RequesterGroup, dict[Measure, Count]]
    sha256: str = ""


@dataclass(frozen=True)
class RejectedReturn:
    """A file that could not be accepted, and why (one line, naming the cell)."""

    path: Path
    area: Area | None
    message: str
    sha256: str = ""


def parse_value(cell: Cell, path: Path) -> Count:
    """A count from one cell, or the reason it is missing; an :class:`InputError` otherwise."""
    v = cell.value
    if v is None or (isinstance(v, str) and not v.strip()):
        return Count(None, "left blank")
    if isinstance(v, bool):
        raise InputError(path, f"{cell.ref}: expected a whole number, found {v}")
    if isinstance(v, float) and not math.isfinite(v):
        raise InputError(path, f"{cell.ref}: expected a whole number, found {v}")
    if isinstance(v, int | float):
        if abs(v) > MAX_COUNT:
            raise InputError(path, f"{cell.ref}: {v:.3g} is larger than any local "
                                   "authority's requests could be")
        if v != int(v):
            raise InputError(path, f"{cell.ref}: expected a whole number, found {v}")
        if v < 0:
            raise InputError(path, f"{cell.ref}: negative count {int(v)}")
        return Count(int(v))
    text = " ".join(str(v).strip().lower().split())
    number = text.replace(",", "").replace(" ", "")
    if re.fullmatch(r"\d+(\.0+)?", number):
        if len(number.split(".")[0]) > len(str(MAX_COUNT)):
            raise InputError(path, f"{cell.ref}: a number of {len(number)} digits is larger "
                                   "than any local authority's requests could be")
        return Count(int(float(number)))
    if re.fullmatch(r"-\d+", number):
        raise InputError(path, f"{cell.ref}: negative count {shown(number, 20)}")
    if m := _SUPPRESSED.match(text.replace(" ", "") if text.startswith("<") else text):
        return Count(None, f"suppressed (<{m.group(1)})")
    if text in _NOT_HELD:
        return Count(None, "not held")
    if text in _NIL:
        return Count(0)
    if text in _WITHHELD:
        return Count(None, f"withheld ({text})")
    if text in _AMBIGUOUS:
        return Count(None, f"'{text}' given (nil or not available: not counted)")
    raise InputError(path, f"{cell.ref}: expected a whole number, '<5', 'not held' or 'nil', "
                           f"found '{shown(v, 30)}'")


def _grids(path: Path, raw: bytes) -> Iterator[list[list[Cell]]]:
    """Each sheet (or the CSV file) as rows of cells with their references."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, _ = decode_text(raw)
        yield [[Cell(v, f"line {line}, column {c + 1}") for c, v in enumerate(row)]
               for line, row in csv_rows(path, text)]
    elif suffix == ".xlsx":
        wb = open_xlsx(path, raw)
        for ws in visible_sheets(wb):  # a hidden draft or working sheet is never read
            title = shown(ws.title, 31)
            yield [[Cell(c.value, f"sheet {title}, cell {c.coordinate}")
                    for c in row if hasattr(c, "coordinate")]
                   for _, row in sheet_rows(path, ws)]
        wb.close()
    else:
        raise InputError(path, "expected a completed template: .xlsx or .csv")


def _label(value: object) -> str:
    return " ".join(str(value).lower().replace("_", " ").split()) if isinstance(value, str) \
        else ""


def _group_of(text: str) -> RequesterGroup | None:
    if not text or text.startswith("notes") or text.startswith("measure"):
        return None
    return next((g for g, pattern in _GROUP_PATTERNS if pattern.search(text)), None)


def _measure_of(text: str) -> Measure | None:
    return next((m for m, pattern in _MEASURE_PATTERNS if pattern.search(text)), None)


def _table(grid: list[list[Cell]], path: Path):
    """Find the header row of groups and the rows of measures: ``{measure: {group: Cell}}``."""
    for r, row in enumerate(grid):
        columns: dict[int, RequesterGroup] = {}
        twice = None
        for c, cell in enumerate(row):
            g = _group_of(_label(cell.value))
            if g is not None and g not in columns.values():
                columns[c] = g
            elif g is not None and twice is None:
                first = next(i for i, x in columns.items() if x is g)
                twice = (row[first], cell, g)
        if len(columns) < 2:
            continue
        if twice is not None:  # never resolved silently: which column would be the answer?
            first, second, g = twice
            raise InputError(path, f"{second.ref}: a second column for "
                                   f"'{g.label.lower()}' (the first is at {first.ref}); keep "
                                   "one")
        table = {}
        for below in grid[r + 1:]:
            text = " ".join(_label(cell.value) for c, cell in enumerate(below)
                            if c not in columns)
            measure = _measure_of(text)
            if measure is None or measure in table:
                continue
            table[measure] = {g: below[c] for c, g in columns.items() if c < len(below)}
        if Measure.RECEIVED in table:
            return table
    return None


def _transpose(grid: list[list[Cell]]) -> list[list[Cell]]:
    width = max((len(row) for row in grid), default=0)
    return [[row[c] if c < len(row) else Cell(None, "") for row in grid] for c in range(width)]


def _identify(grids: list[list[list[Cell]]], path: Path) -> tuple[Area, str | None]:
    area = year = None
    for grid in grids:
        for row in grid:
            labels = [_label(c.value) for c in row]
            for i, cell in enumerate(row):
                text = str(cell.value) if cell.value is not None else ""
                if area is None and (m := _ONS_CODE.search(text)):
                    try:
                        area = find_local_authority(m.group(0))
                    except CoproError:
                        raise InputError(path, f"{cell.ref}: {m.group(0)} is not a local "
                                               "authority in the register") from None
                if year is None and labels[i] in ("year", "year:") and i + 1 < len(row):
                    if m := re.search(r"(19|20)\d\d", str(row[i + 1].value)):
                        year = m.group(0)
    if area is None:
        stem = re.sub(r"^E\d{8}[-_ ]*", "", path.stem).replace("-", " ").replace("_", " ")
        try:
            area = find_local_authority(stem)
        except CoproError:
            raise InputError(path, "cannot tell which local authority this return is from: no "
                                   "ONS code (e.g. E08000035) in it, and the file name is not "
                                   "a local authority's name") from None
    return area, year


def _csv_year(grids) -> str | None:
    for grid in grids:
        if grid and "year" in [_label(c.value) for c in grid[0]]:
            col = [_label(c.value) for c in grid[0]].index("year")
            for row in grid[1:]:
                if col < len(row) and re.fullmatch(r"(19|20)\d\d", str(row[col].value).strip()):
                    return str(row[col].value).strip()
    return None


def read_return(path: Path, raw: bytes | None = None) -> FoiReturn:
    """Read and check one completed template. Raises :class:`InputError` naming the cell."""
    path = Path(path)
    raw = read_input(path, "foi") if raw is None else raw
    grids = list(_grids(path, raw))
    area, year = _identify(grids, path)
    try:
        return _read_table(grids, area, year or _csv_year(grids), path)
    except InputError as exc:
        exc.area = area  # a rejected return is still recorded against its local authority
        raise


def _read_table(grids, area: Area, year: str | None, path: Path) -> FoiReturn:
    table = None
    for grid in grids:
        table = _table(grid, path) or _table(_transpose(grid), path)
        if table:
            break
    if not table:
        raise InputError(path, "no table of requests by who made them: expected a row of "
                               "headings such as 'Parent or young person', 'School or other "
                               "education setting', and a row labelled 'requests received'")
    counts: dict[RequesterGroup, dict[Measure, Count]] = {g: {} for g, _, _ in GROUPS}
    cells: dict[tuple, Cell] = {}
    for measure, _ in MEASURES:
        row = table.get(measure, {})
        for group, _, _ in GROUPS:
            cell = row.get(group)
            cells[(group, measure)] = cell
            counts[group][measure] = (parse_value(cell, path) if cell is not None
                                      else Count(None, "not given"))
    _fill_total(counts)
    _check(counts, cells, path)
    return FoiReturn(area, path, year, counts)


def _fill_total(counts) -> None:
    parts = (G.FAMILY, G.EDUCATION, G.OTHER)
    for measure, _ in MEASURES:
        total = counts[G.ALL][measure]
        values = [counts[g][measure] for g in parts]
        if total.missing and total.missing_reason == "not given" and \
                not any(v.missing for v in values):
            counts[G.ALL][measure] = Count(sum(v.value for v in values))


def _check(counts, cells, path: Path) -> None:
    """Groups add up to the total; each stage is no more than the one before."""
    parts = (G.FAMILY, G.EDUCATION, G.OTHER)
    for measure, label in MEASURES:
        values = [counts[g][measure] for g in parts]
        total = counts[G.ALL][measure]
        if total.missing or any(v.missing for v in values):
            continue
        if sum(v.value for v in values) != total.value:
            cell = cells[(G.ALL, measure)]
            where = cell.ref if cell is not None else "the total"
            raise InputError(path, f"{where}: the groups add up to "
                                   f"{sum(v.value for v in values)} but the total for "
                                   f"'{label}' is {total.value}")
    stages = [m for m, _ in MEASURES]
    for group, glabel, _ in GROUPS:
        for before, after in zip(stages, stages[1:], strict=False):
            b, a = counts[group][before], counts[group][after]
            if not b.missing and not a.missing and a.value > b.value:
                cell = cells[(group, after)]
                raise InputError(path, f"{cell.ref if cell else glabel}: {a.value} is more "
                                       f"than the {b.value} of the stage before it "
                                       f"({before.value.replace('_', ' ')}), for "
                                       f"{glabel.lower()}")


def read_returns(folder: Path) -> tuple[list[FoiReturn], list[RejectedReturn], str]:
    """Every return in ``folder`` (``*.xlsx``, ``*.csv``), the rejected ones with their reason,
    and a SHA-256 over all the files read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CoproError(f"{folder}: not a folder; expected a folder of completed FOI templates")
    files = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith(("~$", ".")))
    accepted: list[FoiReturn] = []
    rejected: list[RejectedReturn] = []
    digest = []
    seen: dict[str, Path] = {}
    for path in files:
        raw = read_input(path, "foi")
        sha = sha256_hex(raw)
        digest.append(f"{path.name}:{sha}")
        try:
            ret = replace(read_return(path, raw), sha256=sha)
        except InputError as exc:
            rejected.append(RejectedReturn(path, getattr(exc, "area", None), str(exc), sha))
            continue
        if ret.area.code in seen:
            first = seen[ret.area.code].name
            rejected.append(RejectedReturn(path, ret.area, f"{path}: a second return for "
                                           f"{ret.area.name} (the first is {first})", sha))
            continue
        seen[ret.area.code] = path
        accepted.append(ret)
    return accepted, rejected, sha256_hex("\n".join(digest).encode())


def read_foi_returns(folder: Path, year: str | None = None
                     ) -> tuple[CountsTable, list[RejectedReturn]]:
    """The canonical counts table from a folder of returns: every local authority in the
    register, with missing counts (and why) where there is no accepted return for it."""
    accepted, rejected, digest = read_returns(folder)
    if not accepted and not rejected:  # an audit of no return at all: a wrong folder, say so
        raise CoproError(f"{folder}: no FOI returns in it; expected the completed response "
                         "templates (.xlsx or .csv, one per local authority; `copro foi "
                         "letters` writes them)")
    years = Counter(r.year for r in accepted if r.year)
    period = year or (years.most_common(1)[0][0] if years else "unknown")
    by_code: dict[str, FoiReturn] = {}
    for r in accepted:
        if r.year and r.year != period:
            rejected.append(RejectedReturn(r.path, r.area, f"{r.path}: the return is for "
                                           f"{r.year}, the campaign for {period}", r.sha256))
        else:
            by_code[r.area.code] = r
    reasons = {r.area.code: "FOI return rejected" for r in rejected if r.area is not None}
    records = []
    for area in local_authorities():
        ret = by_code.get(area.code)
        for group in (*[g for g, _, _ in GROUPS], *NOT_ASKED):
            for measure, _ in MEASURES:
                if ret is None:
                    count = Count(None, reasons.get(area.code, NO_RETURN))
                elif group in NOT_ASKED:
                    count = Count(None, NOT_ASKED_REASON)
                else:
                    count = ret.counts[group][measure]
                records.append((area.code, period, group.value, measure.value, count.value,
                                count.missing_reason))
    provenance = DataProvenance(
        source=Path(folder).name, sha256=digest,
        description=f"FOI returns from local authorities ({len(by_code)} accepted, "
                    f"{len(rejected)} rejected)",
        attribution=ATTRIBUTION, rows_read=len(accepted) + len(rejected),
        rows_used=len(by_code))
    return (CountsTable.from_records(records, {a.code: a for a in local_authorities()},
                                     provenance), rejected)
