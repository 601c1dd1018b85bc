"""Reader for a flat case file (CSV or XLSX): one row per request, for LAs whose case-management
systems export that rather than SEN2 XML. Same derivation, pseudonymisation and counts as SEN2.

Columns (header names, any order; others are ignored and never read, so a file may carry names
or postcodes without them going anywhere):

| column | meaning |
| --- | --- |
| ``la_code`` | the LA's ONS code (E08000035) or 3-digit DfE code (383); required |
| ``person_id`` | UPN, ULN or local identifier; replaced by a keyed hash on reading |
| ``birth_date`` | YYYY-MM-DD; used only to derive the age at request, then dropped |
| ``received_date`` | date the request was received, YYYY-MM-DD; required |
| ``sex`` | SEN2 Sex code (M, F); blank = not known |
| ``ethnicity`` | SEN2 Ethnicity code (WBRI, ...); blank = not known |
| ``request_source`` | SEN2 RequestSource code 1-5; blank = not known |
| ``request_outcome``, ``request_outcome_date`` | SEN2 RequestOutcome (Y, N, A, W, H) and its date |
| ``assessment_outcome``, ``assessment_outcome_date`` | SEN2 AssessmentOutcome (Y, N, A, W, H) |
| ``plan_start_date`` | date the EHC plan was issued |
| ``week20_exception`` | 1 if an exception to the 20-week limit applies, 0 if not |
| ``mediation``, ``tribunal`` | 1 if the request led to mediation / a tribunal appeal, 0 if not |
| ``primary_need_at_request`` | SEN2 SENtype code of the primary need as recorded when the request |
|  | was received (ASD, SEMH, ...); used to adjust for case mix |

Codes are read with the SEN2 code lists of the collection whose reference date is the file's
``--reference-date`` (see ``sen2_codes``). A ``primary_need`` column (need recorded at any time,
e.g. from the plan) is not read: adjusting for need recorded after the request would adjust for
the outcome.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from copro.counts import CountsTable, DataProvenance
from copro.errors import CoproError, InputError
from copro.inputs import (
    cell_text,
    csv_rows,
    decode_text,
    header_index,
    open_xlsx,
    sheet_rows,
    visible_sheets,
)
from copro.provenance import read_input
from copro.register import find_local_authority
from copro.sources.sen2 import (
    GROUPS,
    Aggregator,
    Sen2Summary,
    derive_request,
    parse_date,
    pseudonymise,
    to_counts,
)

COLUMNS = {
    "received_date": "ReceivedDate", "request_source": "RequestSource",
    "request_outcome": "RequestOutcome", "request_outcome_date": "RequestOutcomeDate",
    "assessment_outcome": "AssessmentOutcome",
    "assessment_outcome_date": "AssessmentOutcomeDate", "plan_start_date": "PlanStartDate",
    "week20_exception": "Week20", "mediation": "RequestMediation",
    "tribunal": "RequestTribunal", "sex": "Sex", "ethnicity": "Ethnicity",
    "primary_need_at_request": "NeedAtRequest",
}
REQUIRED = ("la_code", "received_date")


def _rows(path: Path, raw: bytes, columns: set) -> Iterator[tuple[int, dict]]:
    """(line or row number, {column: text}) for each row, through the input boundary: any
    encoding it knows, field limits, duplicate columns refused, the first visible sheet.
    ``columns`` receives every column name in the header (read or not)."""
    wanted = ("la_code", "person_id", "birth_date", *COLUMNS)
    if path.suffix.lower() == ".csv":
        text, _ = decode_text(raw)
        rows = csv_rows(path, text)
        _, first = next(rows, (1, []))
        header = [h.strip().lstrip("\ufeff").lower() for h in first]
        _check_header(path, header)
        columns.update(header)
        index = header_index(path, header, wanted)
        for line, fields in rows:
            if len(fields) > len(header):
                raise InputError(path, f"{len(fields)} fields; the header has {len(header)}",
                                 line=line)
            yield line, {name: fields[i] if i < len(fields) else None
                         for name, i in index.items()}
    elif path.suffix.lower() == ".xlsx":
        wb = open_xlsx(path, raw)
        sheets = visible_sheets(wb)
        if not sheets:
            raise InputError(path, "every sheet is hidden; expected the case table on the "
                                   "first visible sheet")
        rows = sheet_rows(path, sheets[0])
        _, first = next(rows, (1, ()))
        header = [(cell_text(c.value) or "").strip().lower() for c in first]
        _check_header(path, header)
        columns.update(header)
        index = header_index(path, header, wanted)
        for n, cells in rows:
            values = [c.value for c in cells]
            yield n, {name: cell_text(values[i]) if i < len(values) else None
                      for name, i in index.items()}
        wb.close()
    else:
        raise InputError(path, "expected a case file: .csv or .xlsx")


def _check_header(path: Path, header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(path, "missing column(s) " + ", ".join(f"'{c}'" for c in missing)
                               + "; see the case file's documented columns", line=1)


def read_cases(path: Path, reference: date, key: bytes | None = None
               ) -> tuple[CountsTable, Sen2Summary]:
    """The canonical counts table (with case-mix strata) from a case file. Requests still
    undecided at ``reference`` are counted as open (censored)."""
    path = Path(path)
    key = key or secrets.token_bytes(32)
    summary = Sen2Summary(files=1)
    agg = Aggregator()
    areas = {}
    raw = read_input(path, "cases")
    unit = "row" if path.suffix.lower() == ".xlsx" else "line"
    columns: set = set()
    for line, row in _rows(path, raw, columns):
        if not any((v or "").strip() for v in row.values()):
            continue
        summary.requests += 1

        def where(name: str, problem: str, line=line) -> InputError:
            column = next((c for c, f in COLUMNS.items() if f == name), name)
            return InputError(path, problem, line=line, column=column, unit=unit)

        la = (row.get("la_code") or "").strip()
        try:
            area = find_local_authority(la)
        except CoproError:
            raise InputError(path, "not a local authority's ONS or DfE code", line=line,
                             column="la_code", unit=unit) from None
        areas[area.code] = area
        ident = (row.get("person_id") or "").strip()
        birth = parse_date(row.get("birth_date"), lambda n, p, line=line: InputError(
            path, p, line=line, column="birth_date", unit=unit), "birth_date")
        fields = {f: row.get(c) for c, f in COLUMNS.items()}
        r = derive_request(fields, pseudonymise(ident, key) if ident else "", birth, reference,
                           summary, where)
        if r is None:
            continue
        agg.add(agg.key(area.code, str(r.received.year), GROUPS.index(r.group),
                        r.stratum()), r.bits())
    summary.persons = summary.requests
    if "primary_need" in columns and "primary_need_at_request" not in columns:
        summary.notes.append("column 'primary_need' not used: need recorded after the request "
                             "(e.g. from the plan) would adjust for the outcome; give the need "
                             "recorded when the request was received as "
                             "'primary_need_at_request'")
    summary.reference_dates.add(reference)
    provenance = DataProvenance(
        source=path.name, sha256=hashlib.sha256(raw).hexdigest(),
        description="case file ({cohort} requests in the cohort and {historical} historical "
                    "(H) outside it), pseudonymised on reading",
        _totals=summary.totals()[1:],
        attribution="Derived from a local authority's case records; counts below the "
                    "disclosure threshold are suppressed.",
        rows_read=summary.requests, rows_used=summary.requests - summary.not_counted())
    return to_counts(agg, areas, provenance), summary
