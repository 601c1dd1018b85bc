"""Reading answers collected in another survey tool: a CSV or XLSX export from Microsoft Forms,
Google Forms, SmartSurvey or JISC Online Surveys of the same questions.

Columns are matched to questions by their wording (any audience's wording or the easy-read one),
ignoring numbering ("1.", "Q3"), case, punctuation and a trailing "(optional)". A multi-select
question may be one column (choices joined by ";" as Microsoft Forms and JISC write them, or by
", " as Google Forms does) or one column per option ("Question - Option", "Question [Option]",
"Question: Option", any non-empty cell meaning chosen, as SmartSurvey can). Answers are matched to
options by their label (plain or easy-read) or value. Every other column (the tools' ID, times,
name or email columns) is reported as unmatched and never read.

An answer that is not one of a question's options stops the import with the file, line and
column (never the answer itself, which could be personal), so nothing is half-imported.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from copro.errors import InputError
from copro.survey.answers import AGREED_OVER_MADE, clean_answers
from copro.survey.instrument import Instrument, Question

_NUMBERING = re.compile(r"^\s*(?:q(?:uestion)?\s*)?\d+(?:\.\d+)*[.):]?\s+", re.IGNORECASE)
_OPTIONAL = re.compile(r"\(\s*optional\s*\)\s*$", re.IGNORECASE)
_NOT_CHOSEN = {"", "0", "no", "false", "n"}


def normalise(text: str) -> str:
    """How wording is compared: no numbering, lower case, letters and digits only."""
    text = _OPTIONAL.sub("", _NUMBERING.sub("", str(text).strip()))
    text = text.lower().replace("&", "and").replace("’", "'").replace("don't", "dont")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class ImportedAnswers:
    """The respondents' cleaned answers, and how the file's columns were read."""

    path: str
    rows: tuple[dict[str, object], ...]
    matched: dict[str, str]  # column header -> question id (or 'question id: option value')
    unmatched: tuple[str, ...]
    empty_rows: int
    free_text_cleaned: int
    #: each row's identity: a SHA-256 of its answers as read (:func:`answer_content`: cleaned,
    #: choices in a fixed order, spaces collapsed) and of how many rows with the same answers
    #: came before it in the file. The same answers exported again, re-formatted (other dates
    #: or IDs, other column order, CSV or XLSX), have the same keys; a second person giving the
    #: same answers in a later export of the form is the next one and is added
    row_keys: tuple[str, ...] = ()
    #: SHA-256 of the whole file
    file_hash: str = ""


#: The most a survey export may hold, checked as it is read (row by row, the file's size
#: first), so that a huge or hostile file is refused in moments instead of holding a worker
#: or the command for minutes: far above any forum's survey (hundreds of answers, tens of
#: columns).
MAX_ROWS = 20_000
MAX_COLUMNS = 1_000
MAX_MB = 50
#: An XLSX is a zip of XML: the most its parts may unpack to. A file under ``MAX_MB`` can
#: unpack to gigabytes, and opening a workbook parses a sheet written without its size (as
#: some tools write them) to its end: about 10 s a 100 MB. An export of 20,000 answers with
#: written answers unpacks to about half of this.
MAX_UNPACKED_MB = 2 * MAX_MB
_MB = 1024 * 1024
_ENCODINGS = ("utf-8-sig", "utf-16", "cp1252")


def _limited(path: Path, rows) -> tuple[list[tuple[int, list[str]]], int]:
    """``rows`` ((line number, cells), header first) read one at a time, refused past
    :data:`MAX_ROWS` answers or :data:`MAX_COLUMNS` columns; the rows with a value, and how
    many blank rows were passed over (a spreadsheet's formatted but empty rows)."""
    out, blank = [], 0
    for line, cells in rows:
        while cells and cells[-1].strip() == "":
            cells.pop()
        if not cells and out:
            blank += 1
            continue
        if len(cells) > MAX_COLUMNS:
            raise InputError(path, f"more than {MAX_COLUMNS:,} columns, the most a survey "
                             "export may have: delete the columns that are not the form's "
                             "questions and save it again", line=line)
        if len(out) > MAX_ROWS:  # the header and MAX_ROWS answers read: this is one more
            raise InputError(path, f"more than {MAX_ROWS:,} rows of answers, the most one "
                             f"file may have: split the answers into files of up to "
                             f"{MAX_ROWS:,} rows and import each", line=line)
        out.append((line, cells))
    return out, blank


def _xlsx_rows(path: Path) -> tuple[list[tuple[int, list[str]]], int]:
    import zipfile

    from openpyxl import load_workbook

    not_xlsx = "not an Excel workbook (.xlsx): save it again from Excel as .xlsx, or as CSV"
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(path, not_xlsx) from None
    if unpacked > MAX_UNPACKED_MB * _MB:
        raise InputError(path, f"an Excel workbook that unpacks to {unpacked / _MB:,.0f} MB, "
                         f"more than the {MAX_UNPACKED_MB} MB a survey export may: save it "
                         "again from Excel as CSV, or split the answers into smaller files")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a bad file
        raise InputError(path, not_xlsx) from None
    try:
        ws = wb.worksheets[0]
        # one column past the limit is read, to see whether anything is there
        cells = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        return _limited(path, ((i, ["" if c is None else str(c) for c in r])
                               for i, r in enumerate(cells, start=1)))
    except InputError:
        raise
    except Exception:  # a damaged sheet inside a readable zip
        raise InputError(path, not_xlsx) from None
    finally:
        wb.close()


def _csv_rows(path: Path) -> tuple[list[tuple[int, list[str]]], int]:
    with path.open("rb") as fh:
        start = fh.read(4096)
    for encoding in _ENCODINGS:
        if encoding == "utf-16" and not start.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            with path.open(encoding=encoding, newline="") as fh:
                sample = fh.read(4096)
                try:
                    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
                except csv.Error:
                    dialect = csv.excel
                fh.seek(0)
                reader = csv.reader(fh, dialect)
                try:
                    return _limited(path, ((reader.line_num, cells) for cells in reader))
                except csv.Error as exc:
                    raise InputError(path, f"not a well-formed CSV file ({exc})",
                                     line=reader.line_num) from None
        except UnicodeDecodeError:
            continue
    raise InputError(path, "not a text CSV file (unknown encoding): save it again as CSV "
                     "UTF-8")


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    """Header, (line number, cells) rows and the number of blank rows of the first sheet or
    the CSV, within the limits (:data:`MAX_MB`, :data:`MAX_ROWS`, :data:`MAX_COLUMNS`)."""
    size = path.stat().st_size
    if size > MAX_MB * _MB:
        raise InputError(path, f"{size / _MB:,.0f} MB, more than the {MAX_MB} MB a survey "
                         "export may be: export only the form's answers, or split them into "
                         "smaller files")
    is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    rows, blank = _xlsx_rows(path) if is_xlsx else _csv_rows(path)
    if not rows:
        raise InputError(path, "the file is empty")
    header = [h.strip() for h in rows[0][1]]
    return header, rows[1:], blank


def _texts(q: Question) -> set[str]:
    return {normalise(t) for t in (*q.wording.values(), q.easy_read)}


def _option_by_text(q: Question) -> dict[str, str]:
    out = {}
    for o in q.options:
        for t in (o.label, o.easy_read, o.value, o.value.replace("_", " ")):
            out[normalise(t)] = o.value
    return out


def _match_columns(header: list[str], questions: tuple[Question, ...]):
    """column index -> (question, option value or None), and the unmatched headers."""
    by_text = {}
    for q in questions:
        for t in _texts(q):
            by_text[t] = q
    columns: dict[int, tuple[Question, str | None]] = {}
    unmatched = []
    for i, h in enumerate(header):
        n = normalise(h)
        if n in by_text:
            columns[i] = (by_text[n], None)
            continue
        found = None
        for t, q in by_text.items():
            if q.type == "multi" and n.startswith(t + " "):
                option = _option_by_text(q).get(n[len(t) + 1:].strip())
                if option is not None:
                    found = (q, option)
                    break
        if found:
            columns[i] = found
        elif h:
            unmatched.append(h)
    return columns, unmatched


def _split_choices(cell: str, options: dict[str, str]) -> list[str] | None:
    """The option values in a multi-select cell, or None if some part matches no option."""
    parts = [p for p in re.split(r";" if ";" in cell else r",", cell) if p.strip()]
    values, i = [], 0
    while i < len(parts):
        for j in range(len(parts), i, -1):  # longest run first: labels may contain commas
            v = options.get(normalise(",".join(parts[i:j])))
            if v is not None:
                values.append(v)
                i = j
                break
        else:
            return None
    return values


def answer_content(answers: dict[str, object]) -> str:
    """A row's answers in one normal form: questions in id order, a multi-select's choices
    sorted, written answers with their spaces collapsed; nothing of the file's layout."""
    def norm(value):
        if isinstance(value, list):
            return sorted(norm(v) for v in value)
        if isinstance(value, str):
            return " ".join(value.split())
        return value

    return json.dumps({k: norm(v) for k, v in answers.items()}, sort_keys=True,
                      ensure_ascii=False)


def read_external(path: Path, instrument: Instrument, audience: str) -> ImportedAnswers:
    """Every respondent's answers in ``path`` for ``audience``'s questions, cleaned and checked
    as the web form checks them."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    header, rows, blank = _read_table(path)
    questions = instrument.questions_for(audience)
    columns, unmatched = _match_columns(header, questions)
    if not columns:
        raise InputError(path, "no column matches a question of the "
                         f"{audience} survey (version {instrument.version}); compare the "
                         "headers with `copro survey export`'s question list")
    seen_q = {}
    for i, (q, option) in columns.items():
        key = (q.id, option)
        if key in seen_q:
            raise InputError(path, f"two columns for the same question ({q.id})", line=1,
                             column=header[i])
        seen_q[key] = i
    out, empty, cleaned, keys = [], blank, 0, []
    seen_rows: dict[str, int] = {}
    for line, cells in rows:
        raw: dict[str, object] = {}
        for i, (q, option) in columns.items():
            cell = cells[i].strip() if i < len(cells) else ""
            if not cell:
                continue
            if option is not None:
                if normalise(cell) not in _NOT_CHOSEN:
                    raw.setdefault(q.id, []).append(option)
                continue
            if q.type == "single":
                value = _option_by_text(q).get(normalise(cell))
            elif q.type == "multi":
                value = _split_choices(cell, _option_by_text(q))
            else:
                value = cell
            if value is None:
                expected = "; ".join(o.label for o in q.options)
                raise InputError(path, f"an answer that is not one of the options of "
                                 f"'{q.id}' (expected: {expected})", line=line,
                                 column=header[i])
            raw[q.id] = value
        if not raw:
            empty += 1
            continue
        answers, errors = clean_answers(instrument, audience, raw)
        if errors:
            qid, message = next(iter(errors.items()))
            if message.startswith(AGREED_OVER_MADE):  # never the respondent's own number
                message = AGREED_OVER_MADE
            col = next(header[i] for i, (q, _) in columns.items() if q.id == qid)
            raise InputError(path, message, line=line, column=col)
        for q in questions:
            if q.type == "text" and q.id in answers and answers[q.id] != str(raw[q.id]).strip():
                cleaned += 1
        out.append(answers)
        digest = hashlib.sha256(answer_content(answers).encode()).hexdigest()
        seen_rows[digest] = seen_rows.get(digest, 0) + 1
        keys.append(hashlib.sha256(f"{digest}#{seen_rows[digest]}".encode()).hexdigest())
    matched = {header[i]: q.id + (f": {opt}" if opt else "") for i, (q, opt) in columns.items()}
    with path.open("rb") as fh:
        file_hash = hashlib.file_digest(fh, "sha256").hexdigest()
    return ImportedAnswers(str(path), tuple(out), matched, tuple(unmatched), empty, cleaned,
                           tuple(keys), file_hash)
