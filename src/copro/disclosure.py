"""Disclosure control for counts derived from case-level data, applied before any statistic so
that no output (terminal, JSON, CSV, XLSX, report) can show a small count.

Rule (documented in the README): in every area, period and measure,
1. primary suppression: a count from 1 to ``threshold - 1`` is withheld (zero is shown);
2. secondary suppression: if exactly one requester group's count is withheld while the total is
   shown, the smallest other non-zero group's count is withheld too, so the total cannot be used
   to work the first one out.
Withheld counts are missing values with their reason, so they are counted and reported like any
other missing figure, and every rate built on them is missing too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from copro.counts import CountsTable
from copro.groups import RequesterGroup

DEFAULT_THRESHOLD = 5


def suppress_small_counts(counts: CountsTable, threshold: int = DEFAULT_THRESHOLD
                          ) -> CountsTable:
    """``counts`` with small counts withheld (see the module's rule)."""
    primary = f"withheld: fewer than {threshold} (disclosure control)"
    secondary = "withheld so that a small count cannot be worked out (disclosure control)"
    cells: dict[tuple, dict[str, list]] = defaultdict(dict)
    for code, period, group, measure, value, reason in counts.records:
        cells[(code, period, measure)][group] = [value, reason]
    for by_group in cells.values():
        for cell in by_group.values():
            if cell[0] is not None and 0 < cell[0] < threshold:
                cell[:] = [None, primary]
        parts = {g: c for g, c in by_group.items() if g != RequesterGroup.ALL.value}
        withheld = [g for g, c in parts.items() if c[1] == primary]
        total = by_group.get(RequesterGroup.ALL.value)
        if len(withheld) == 1 and total is not None and total[0] is not None:
            others = [(c[0], g) for g, c in parts.items() if c[0]]
            if others:
                parts[min(others)[1]][:] = [None, secondary]
    records = tuple((code, period, group, measure, *by_group[group])
                    for (code, period, measure), by_group in cells.items()
                    for group in by_group)
    return replace(counts, records=records, _cells={})
