"""The campaign tracker: one SQLite file (named by the user) recording, for each local
authority, when the request was sent, when the answer is due, its status and notes, and every
return ingested. Overdue is worked out from the due date, never stored.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from copro.counts import Area
from copro.errors import CoproError
from copro.foi.deadlines import add_working_days
from copro.inputs import shown

#: Statuses a request can be given; 'overdue' is derived (awaiting, past its due date).
STATUSES = ("awaiting", "answered", "partial", "refused", "internal_review")
OPEN = ("awaiting", "internal_review")

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    la_code TEXT PRIMARY KEY,
    la_name TEXT NOT NULL,
    year TEXT NOT NULL,
    sent TEXT NOT NULL,          -- ISO date the request was sent (received by the LA)
    due TEXT NOT NULL,           -- 20 working days later (or after a review was asked for)
    status TEXT NOT NULL CHECK (status IN ('awaiting', 'answered', 'partial', 'refused',
                                           'internal_review')),
    section TEXT,                -- FOIA section cited in a refusal, e.g. '12'
    updated TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    la_code TEXT NOT NULL REFERENCES requests(la_code),
    day TEXT NOT NULL,
    status TEXT,
    section TEXT,
    note TEXT
);
CREATE TABLE IF NOT EXISTS returns (
    id INTEGER PRIMARY KEY,
    la_code TEXT,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    day TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    message TEXT
);
"""


@dataclass(frozen=True)
class TrackedRequest:
    la_code: str
    la_name: str
    year: str
    sent: date
    due: date
    status: str
    section: str | None
    notes: str

    def overdue(self, today: date) -> bool:
        return self.status in OPEN and today > self.due

    def shown_status(self, today: date) -> str:
        return "overdue" if self.overdue(today) else self.status


#: Marks a copro campaign database (SQLite's application_id header field): 'CPRO'.
APPLICATION_ID = 0x4350524F
TABLES = {"requests", "events", "returns"}
BUSY_TIMEOUT = 60.0  # seconds another process may hold the write lock before we give up


def _guarded(method):
    """A tracker method whose database errors become one-line errors naming the file."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
    return run


class Tracker:
    """A campaign in a SQLite file; use as a context manager. Every change made inside the
    ``with`` block is one transaction, begun with the write lock held (``BEGIN IMMEDIATE``),
    so concurrent processes queue rather than overwrite each other's changes."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = Path(path)
        self.db = None
        self.created = not os.path.lexists(self.path)
        if os.path.lexists(self.path):
            st = os.stat(self.path) if os.path.exists(self.path) else os.lstat(self.path)
            if stat.S_ISDIR(st.st_mode):
                raise CoproError(f"{self.path}: is a folder; expected a campaign database "
                                 "file")
            if not stat.S_ISREG(st.st_mode):
                raise CoproError(f"{self.path}: is not a regular file; expected a campaign "
                                 "database file")
        elif read_only:
            raise CoproError(f"{self.path}: no such file")
        elif not self.path.parent.is_dir():
            raise CoproError(f"{self.path}: folder {self.path.parent} does not exist")
        try:
            if read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self.db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT,
                                          isolation_level=None)
                self.db.execute("BEGIN")
            else:
                self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT,
                                          isolation_level=None)
                self.db.execute("BEGIN IMMEDIATE")
            self._check_or_create(read_only)
        except sqlite3.Error as exc:
            error = self._error(exc)
            self._close(commit=False)
            raise error from None

    def _check_or_create(self, read_only: bool = False) -> None:
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if app not in (0, APPLICATION_ID) or (tables and not TABLES <= tables):
            raise CoproError(f"{self.path}: is an SQLite database, but not a copro campaign "
                             "database; name a new file or the campaign's own")
        if read_only:
            if not tables:
                raise CoproError(f"{self.path}: holds no campaign; record requests with "
                                 "'copro foi track sent' first")
            return
        if not tables:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
        if app != APPLICATION_ID:
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def _error(self, exc: Exception) -> CoproError:
        if isinstance(exc, CoproError):
            return exc
        text = str(exc).lower()
        if "disk is full" in text or "disk i/o" in text:
            why = ("cannot be written (the disk is full, or failed); free some space or name a "
                   "file on another disk")
        elif "readonly" in text or "read-only" in text:
            why = "is read-only (or its folder is); copro cannot record changes in it"
        elif "not a database" in text or "malformed" in text or "corrupt" in text:
            why = "is damaged or is not an SQLite database; name the campaign's own file"
        elif "locked" in text or "busy" in text:
            why = f"is locked by another process (waited {BUSY_TIMEOUT:.0f} s); try again"
        elif "unable to open" in text:
            why = ("cannot be opened or created; choose a folder that exists and that you can "
                   "write to")
        elif "no such table" in text or "no such column" in text:
            why = "is not a copro campaign database (its tables differ)"
        else:
            why = f"database error ({type(exc).__name__})"
        return CoproError(f"{self.path}: {why}")

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc) -> None:
        self._close(commit=exc[0] is None)

    def _close(self, commit: bool) -> None:
        if self.db is None:
            return
        db, self.db = self.db, None
        try:
            if db.in_transaction:
                db.execute("COMMIT" if commit else "ROLLBACK")
        except sqlite3.Error as exc:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            db.close()
            self._forget_if_new()
            raise self._error(exc) from None
        db.close()
        self._forget_if_new()

    def _forget_if_new(self) -> None:
        """A file this run created that still holds nothing (its first change failed) is
        removed: a failed run leaves no empty database behind."""
        try:
            if self.created and os.path.isfile(self.path) and os.path.getsize(self.path) == 0:
                os.unlink(self.path)
        except OSError:
            pass

    @_guarded
    def sent(self, area: Area, year: str, day: date) -> TrackedRequest:
        """Record a request sent (received by the LA) on ``day``; due 20 working days later."""
        due = add_working_days(day)
        self.db.execute(
            "INSERT INTO requests (la_code, la_name, year, sent, due, status, updated) "
            "VALUES (?, ?, ?, ?, ?, 'awaiting', ?) ON CONFLICT(la_code) DO UPDATE SET "
            "year=excluded.year, sent=excluded.sent, due=excluded.due, status='awaiting', "
            "section=NULL, updated=excluded.updated",
            (area.code, area.name, year, day.isoformat(), due.isoformat(), day.isoformat()))
        self._event(area.code, day, "awaiting", None, f"sent; due {due.isoformat()}")
        return self.get(area.code)

    @_guarded
    def update(self, area: Area, status: str, day: date, section: str | None = None,
               note: str | None = None) -> TrackedRequest:
        """A new status: answered, partial, refused (with the section cited) or
        internal_review (due 20 working days after it was asked for)."""
        if status not in STATUSES:
            raise CoproError(f"unknown status '{status}'; expected one of {', '.join(STATUSES)}")
        if status == "refused" and not section:
            raise CoproError("a refusal needs the section of the Act it cites (--section, "
                             "e.g. 12 for the cost limit)")
        current = self.get(area.code)
        due = add_working_days(day) if status == "internal_review" else current.due
        self.db.execute("UPDATE requests SET status=?, section=?, due=?, updated=? "
                        "WHERE la_code=?", (status, section, due.isoformat(), day.isoformat(),
                                            area.code))
        self._event(area.code, day, status, section, note)
        if note:
            self.note(area, note, day)
        return self.get(area.code)

    @_guarded
    def note(self, area: Area, text: str, day: date) -> None:
        """Add a note (one statement, inside the write-locked transaction: never lost)."""
        self.get(area.code)
        entry = f"{day.isoformat()}: {text}"
        self.db.execute("UPDATE requests SET notes = CASE WHEN notes = '' THEN ? "
                        "ELSE notes || char(10) || ? END WHERE la_code=?",
                        (entry, entry, area.code))

    @_guarded
    def record_return(self, area: Area | None, file: str, sha256: str, day: date,
                      accepted: bool, message: str | None) -> None:
        self.db.execute("INSERT INTO returns (la_code, file, sha256, day, accepted, message) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (area.code if area else None, file, sha256, day.isoformat(),
                         int(accepted), message))
        if area is not None and self._has(area.code):
            # answered, even when the return is rejected: no longer awaiting or overdue (the
            # rejection is in the returns table and the notes, and `foi status` lists it)
            self.db.execute("UPDATE requests SET status=CASE WHEN status IN "
                            "('awaiting', 'internal_review') THEN 'answered' ELSE status "
                            "END, updated=? WHERE la_code=?", (day.isoformat(), area.code))
            self.note(area, f"return {file} {'accepted' if accepted else 'rejected: ' + message}",
                      day)

    def _has(self, code: str) -> bool:
        return self.db.execute("SELECT 1 FROM requests WHERE la_code=?", (code,)).fetchone() \
            is not None

    def _event(self, code, day, status, section, note) -> None:
        self.db.execute("INSERT INTO events (la_code, day, status, section, note) "
                        "VALUES (?, ?, ?, ?, ?)", (code, day.isoformat(), status, section, note))

    _COLUMNS = "la_code, la_name, year, sent, due, status, section, notes"

    def _request(self, row) -> TrackedRequest:
        def day(value, column: str) -> date:
            try:
                return date.fromisoformat(value)
            except (TypeError, ValueError):
                raise CoproError(f"{self.path}: table requests, local authority "
                                 f"{shown(row[0], 12)}, column {column}: not a date YYYY-MM-DD "
                                 "(edited by hand?)") from None

        return TrackedRequest(row[0], row[1], row[2], day(row[3], "sent"),
                              day(row[4], "due"), row[5], row[6], row[7] or "")

    @_guarded
    def get(self, code: str) -> TrackedRequest:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM requests WHERE la_code=?",
                              (code,)).fetchone()
        if row is None:
            raise CoproError(f"no request to this local authority ({code}) is recorded in "
                             f"{self.path}; record it with 'copro foi track sent' first")
        return self._request(row)

    @_guarded
    def all(self) -> list[TrackedRequest]:
        return [self._request(row) for row in self.db.execute(
            f"SELECT {self._COLUMNS} FROM requests ORDER BY la_name")]

    @_guarded
    def returns(self) -> list[tuple]:
        return self.db.execute("SELECT la_code, file, day, accepted, message FROM returns "
                               "ORDER BY id").fetchall()
