"""Statutory deadlines for FOI requests: 20 working days (Freedom of Information Act 2000, s.10).

The day a request is received is day 0; the answer is due by the 20th working day after it.
Working days exclude Saturdays, Sundays and bank holidays in England and Wales (from the
maintained ``holidays`` library, which follows the proclamations, e.g. substitute days).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

WORKING_DAYS = 20


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int = WORKING_DAYS) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is day 0)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is
    earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
