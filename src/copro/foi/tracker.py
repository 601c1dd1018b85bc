"""The campaign tracker: one SQLite file (named by the user) recording, for each local
authority, when the request was sent, when the answer is due, its status and notes, and every
return ingested. Overdue is worked out from the due date, never stored.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from copro.counts import Area
from copro.errors import CoproError
from copro.foi.deadlines import add_working_days

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


class Tracker:
    """A campaign in a SQLite file; use as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise CoproError(f"{self.path}: is a folder; expected a campaign database file")
        try:
            self.db = sqlite3.connect(self.path)
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CoproError(f"{self.path}: not a copro campaign database ({exc})") from None

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.db.commit()
        self.db.close()

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

    def note(self, area: Area, text: str, day: date) -> None:
        current = self.get(area.code)
        notes = (current.notes + "\n" if current.notes else "") + f"{day.isoformat()}: {text}"
        self.db.execute("UPDATE requests SET notes=? WHERE la_code=?", (notes, area.code))

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

    @staticmethod
    def _request(row) -> TrackedRequest:
        return TrackedRequest(row[0], row[1], row[2], date.fromisoformat(row[3]),
                              date.fromisoformat(row[4]), row[5], row[6], row[7])

    def get(self, code: str) -> TrackedRequest:
        row = self.db.execute(f"SELECT {self._COLUMNS} FROM requests WHERE la_code=?",
                              (code,)).fetchone()
        if row is None:
            raise CoproError(f"no request to this local authority ({code}) is recorded in "
                             f"{self.path}; record it with 'copro foi track sent' first")
        return self._request(row)

    def all(self) -> list[TrackedRequest]:
        return [self._request(row) for row in self.db.execute(
            f"SELECT {self._COLUMNS} FROM requests ORDER BY la_name")]

    def returns(self) -> list[tuple]:
        return self.db.execute("SELECT la_code, file, day, accepted, message FROM returns "
                               "ORDER BY id").fetchall()
