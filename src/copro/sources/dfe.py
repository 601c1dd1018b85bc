"""Reader for DfE's "Education, health and care plans" open data, ``requests`` layout.

Reads the bundled 2025 extract, the full published file (all years, all breakdowns: rows of other
breakdown topics are skipped) or a later year's file, and keeps the source-of-request breakdown and
the all-requests total. DfE's symbols become missing counts with their reason kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from copro.counts import Area, CountsTable, DataProvenance, Level, Measure
from copro.errors import InputError
from copro.groups import DFE_BREAKDOWN_GROUPS, RequesterGroup
from copro.inputs import csv_rows, decode_text, header_index, shown
from copro.provenance import read_input, sha256_hex
from copro.register import canonical_code

BUNDLED_FILE = "dfe-ehc-requests-by-source-2025.csv"

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Department for Education, Education, health and care plans."
)
BUNDLED_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Department for Education, Education, health and care plans (reporting year 2026)."
)

#: DfE's publication page (Explore Education Statistics), its name, and the bundled file's
#: reporting year (a file of the user's may come from another year's release).
PUBLICATION_URL = ("https://explore-education-statistics.service.gov.uk/find-statistics/"
                   "education-health-and-care-plans")
PUBLICATION = "Department for Education, Education, health and care plans"
BUNDLED_PUBLICATION = f"{PUBLICATION}, reporting year 2026"

def publication_fields(source: str) -> dict[str, str]:
    """Where a DfE requests file (named ``source``) was published and what a period covers, as
    :class:`~copro.counts.DataProvenance` fields."""
    return {"publication_url": PUBLICATION_URL,
            "publication": BUNDLED_PUBLICATION if source == BUNDLED_FILE else PUBLICATION,
            "period_covers": "requests received in calendar year {period}"}


#: Symbols used in DfE (Explore Education Statistics) open data, and what each means.
SYMBOLS: dict[str, str] = {
    "x": "not available (x)",
    "c": "confidential, suppressed (c)",
    "z": "not applicable (z)",
    "low": "rounds to 0 but is not 0 (low)",
    "u": "low reliability (u)",
    ":": "not available (:)",
    "..": "not available (..)",
}

#: Measure -> DfE column.
MEASURE_COLUMNS: dict[Measure, str] = {
    Measure.RECEIVED: "requests_received_in_year",
    Measure.DECIDED_TO_ASSESS: "requests_decided_to_assess",
    Measure.DECIDED_NOT_TO_ASSESS: "requests_decided_not_to_assess",
    Measure.NOT_YET_DECIDED: "requests_decision_not_made",
    Measure.WITHDRAWN: "requests_withdrawn",
    Measure.DECIDED_WITHIN_6_WEEKS: "request_outcome_six_weeks",
    Measure.DECIDED_AFTER_6_WEEKS: "request_outcome_over_6_weeks",
    Measure.MEDIATION: "mediation_related_request",
    Measure.TRIBUNAL: "tribunal_related_request",
}

AREA_COLUMNS = ("time_period", "geographic_level", "country_code", "country_name", "region_code",
                "region_name", "new_la_code", "old_la_code", "la_name", "breakdown_topic",
                "breakdown")
REQUIRED_COLUMNS = AREA_COLUMNS + tuple(MEASURE_COLUMNS.values())

TOPICS = ("Source of request", "All requests for an EHC needs assessment")
LEVELS = {"National": Level.NATIONAL, "Regional": Level.REGIONAL,
          "Local authority": Level.LOCAL_AUTHORITY}
OUTCOME_MEASURES = (Measure.DECIDED_TO_ASSESS, Measure.DECIDED_NOT_TO_ASSESS,
                    Measure.NOT_YET_DECIDED, Measure.WITHDRAWN)

_WHOLE_NUMBER = re.compile(r"-?\d+")
MAX_COUNT = 10_000_000  # far above England's yearly requests; larger is a mistake


def bundled_dfe_path() -> Path:
    """Path of the bundled DfE 2025 source-of-request extract."""
    return Path(str(resources.files("copro") / "data" / BUNDLED_FILE))


def read_dfe_requests(path: Path | str, raw: bytes | None = None) -> CountsTable:
    """Read a DfE EHC-plans ``requests`` open-data CSV into the canonical counts table.

    Raises :class:`InputError` (file, line, column, what was expected) for a missing column, a
    count that is neither a whole number nor a DfE symbol, a negative count, a row whose four
    outcomes do not add up to the requests received, an unknown source-of-request label, or an
    area that appears twice. ``raw``: the file's bytes, if the caller has read them already.
    """
    path = Path(path)
    if raw is None:
        raw = read_input(path, "dfe")
    text, encoding = decode_text(raw)
    rows = csv_rows(path, text)
    _, header = next(rows, (0, None))
    if not header:
        raise InputError(path, "the file is empty; expected DfE's requests CSV with a header row")
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(path, "missing column(s) " + ", ".join(f"'{c}'" for c in missing)
                         + "; expected DfE's EHC plans 'requests' open-data layout"
                         + ("" if encoding == "UTF-8" else f" (the file was read as {encoding})"),
                         line=1)
    index = header_index(path, header, REQUIRED_COLUMNS)

    areas: dict[str, Area] = {}
    rows_seen: dict[tuple, int] = {}
    values: dict[tuple[str, str], dict[RequesterGroup, dict[Measure, tuple]]] = {}
    rows_read = rows_used = 0
    for line, fields in rows:
        if not fields or all(not f.strip() for f in fields):
            if len(fields) > len(header):
                raise InputError(path, f"a blank row with {len(fields)} fields; the header "
                                       f"has {len(header)}", line=line)
            continue
        rows_read += 1
        if len(fields) != len(header):
            raise InputError(path, f"expected {len(header)} fields as in the header, "
                                   f"found {len(fields)}", line=line)
        get = {name: fields[i].strip() for name, i in index.items()}
        if get["breakdown_topic"] not in TOPICS:
            continue
        level = LEVELS.get(get["geographic_level"])
        if level is None:
            continue  # other geographies (e.g. parliamentary constituency) are not audited
        group = DFE_BREAKDOWN_GROUPS.get(get["breakdown"])
        if group is None:
            known = ", ".join(f"'{k}'" for k in DFE_BREAKDOWN_GROUPS)
            raise InputError(path, f"unknown source of request '{shown(get['breakdown'])}'; "
                                   f"expected one of {known}", line=line, column="breakdown")
        area = _area(get, level, path, line)
        period = get["time_period"]
        if not period:
            raise InputError(path, "empty time period", line=line, column="time_period")
        key = (period, level, area.code, group)
        if key in rows_seen:
            raise InputError(path, f"{shown(area.name)} ({shown(area.code)}) appears twice for "
                                   f"{shown(period)}, '{shown(get['breakdown'])}' (first on "
                                   f"line {rows_seen[key]})",
                             line=line, column="breakdown")
        rows_seen[key] = line
        areas.setdefault(area.code, area)
        counts = {m: _count(get[col], path, line, col) for m, col in MEASURE_COLUMNS.items()}
        _check_outcomes_add_up(counts, path, line)
        values.setdefault((area.code, period), {})[group] = counts
        rows_used += 1

    if not values:
        raise InputError(path, "no rows with breakdown topic 'Source of request' or 'All requests "
                               "for an EHC needs assessment'; is this DfE's requests file?")
    records = list(_records(values))
    provenance = DataProvenance(
        source=path.name, sha256=sha256_hex(raw),
        description="DfE open data: requests for an EHC needs assessment by source of request",
        attribution=BUNDLED_ATTRIBUTION if path.name == BUNDLED_FILE else ATTRIBUTION,
        rows_read=rows_read, rows_used=rows_used, **publication_fields(path.name))
    return CountsTable.from_records(records, areas, provenance)


def _area(get: dict[str, str], level: Level, path: Path, line: int) -> Area:
    if level is Level.NATIONAL:
        code, name, column = get["country_code"], get["country_name"], "country_code"
    elif level is Level.REGIONAL:
        code, name, column = get["region_code"], get["region_name"], "region_code"
    else:
        # DfE codes three authorities by their old county codes (Somerset: E10000027); the
        # register gives every authority its current ONS code (E06000066), as other files use
        code, name, column = canonical_code(get["new_la_code"]), get["la_name"], "new_la_code"
    if not code:
        raise InputError(path, f"empty area code for a {level.value.replace('_', ' ')} row",
                         line=line, column=column)
    name = shown(name, 120)  # no control characters from a file reach a terminal or page
    return Area(code=code, name=name or code, level=level,
                region_code=get["region_code"] or None, region_name=get["region_name"] or None,
                old_la_code=get["old_la_code"] or None)


def _count(text: str, path: Path, line: int, column: str) -> tuple[int | None, str | None]:
    if text in SYMBOLS:
        return None, SYMBOLS[text]
    if not _WHOLE_NUMBER.fullmatch(text):
        raise InputError(path, f"expected a whole number or a DfE symbol "
                               f"(x, c, z, low, u, :, ..), found '{shown(text, 20)}'",
                         line=line, column=column)
    if len(text.lstrip("-")) > len(str(MAX_COUNT)):
        raise InputError(path, f"a count of {len(text)} digits; no area has more than "
                               f"{MAX_COUNT:,} requests", line=line, column=column)
    value = int(text)
    if value < 0:
        raise InputError(path, f"negative count {value}; counts of requests cannot be negative",
                         line=line, column=column)
    if value > MAX_COUNT:
        raise InputError(path, f"count {value:,} is larger than any area's {MAX_COUNT:,} "
                               "requests could be", line=line, column=column)
    return value, None


def _check_outcomes_add_up(counts: dict[Measure, tuple], path: Path, line: int) -> None:
    received = counts[Measure.RECEIVED][0]
    parts = [counts[m][0] for m in OUTCOME_MEASURES]
    if received is None or any(p is None for p in parts):
        return
    if sum(parts) != received:
        names = " + ".join(MEASURE_COLUMNS[m] for m in OUTCOME_MEASURES)
        raise InputError(path, f"{names} = {sum(parts)}, but requests_received_in_year = "
                               f"{received}; the four outcomes must add up to requests received",
                         line=line, column=MEASURE_COLUMNS[Measure.RECEIVED])


def _records(values: dict) -> Iterator[tuple]:
    """Canonical records; a source with no row in an area had no requests (DfE omits zero rows),
    unless the area's total is itself missing, in which case the source's counts are missing too."""
    for (code, period), by_group in values.items():
        total = by_group.get(RequesterGroup.ALL)
        for group in RequesterGroup:
            counts = by_group.get(group)
            for measure in MEASURE_COLUMNS:
                if counts is not None:
                    value, reason = counts[measure]
                elif total is not None and total[Measure.RECEIVED][0] is None:
                    value, reason = None, total[Measure.RECEIVED][1]
                else:
                    value, reason = 0, None
                yield (code, period, group.value, measure.value, value, reason)
