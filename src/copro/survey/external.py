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
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from copro.errors import InputError
from copro.survey.answers import clean_answers
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


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) rows of the first sheet or the CSV."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise InputError(path, f"not a readable Excel workbook ({type(exc).__name__})"
                             ) from None
        ws = wb.worksheets[0]
        rows = [(i, ["" if c is None else str(c) for c in r])
                for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        wb.close()
    else:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "utf-16", "cp1252"):
            try:
                text = raw.decode(encoding)
                if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                    continue
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(path, "not a text CSV file (unknown encoding)")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        rows = []
        try:
            for cells in reader:
                rows.append((reader.line_num, cells))
        except csv.Error as exc:
            raise InputError(path, f"not a well-formed CSV file ({exc})",
                             line=reader.line_num) from None
    if not rows:
        raise InputError(path, "the file is empty")
    header = [h.strip() for h in rows[0][1]]
    return header, rows[1:]


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
    header, rows = _read_table(path)
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
    out, empty, cleaned, keys = [], 0, 0, []
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
