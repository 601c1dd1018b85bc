"""Disclosure control for counts derived from case-level data, applied before any statistic so
that no output (terminal, JSON, CSV, XLSX, report) can show a small count, or let one be worked
out by arithmetic on what is shown.

Rule (documented in the README):

1. primary suppression: a count from 1 to ``threshold - 1`` is withheld (zero is shown);
2. the published counts are tied together by sums: each area's total over requester groups,
   the total over areas (and a region's over its local authorities), and the stages of a
   request (received = decided to assess + decided not to + undecided + withdrawn, + outcome
   not known in case-level data). The
   differences between measures are counts too (plans issued minus those without a 20-week
   exception is the number *with* one): these unpublished counts are protected like the
   published ones. For every such sum, if its unknown counts are one withheld count, or small
   counts only, the smallest non-zero shown count in it is withheld as well (secondary
   suppression), until no sum gives a withheld count away;
3. a final check solves the whole system of sums (every area, group and measure at once, by
   linear algebra) and withholds more until no small count is determined by what is shown.

Every withheld count has the same reason, so a reader cannot tell a small count from one
withheld to protect it. Withheld counts are missing values with that reason, counted and
reported like any other missing figure, and every rate built on them is missing too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from copro.counts import CountsTable, Level, Measure
from copro.groups import RequesterGroup

DEFAULT_THRESHOLD = 5
M = Measure
ALL = RequesterGroup.ALL.value

#: Stages that add up exactly: the first is the sum of the rest.
EXACT_SUMS = ((M.RECEIVED, (M.DECIDED_TO_ASSESS, M.DECIDED_NOT_TO_ASSESS, M.NOT_YET_DECIDED,
                            M.WITHDRAWN)),)
#: Parts of a sum that only some sources have (case-level data: requests whose outcome code
#: the year does not define are received but in no decision): in the sum where present.
OPTIONAL_PARTS = {M.RECEIVED: (M.OUTCOME_NOT_KNOWN,)}
#: A measure and the measures it contains: the difference is an unpublished count (e.g. the
#: plans with a 20-week exception), protected as if it were published.
DIFFERENCES = (
    ("decided_without_a_date", (M.DECIDED_TO_ASSESS, M.DECIDED_NOT_TO_ASSESS),
     (M.DECIDED_WITHIN_6_WEEKS, M.DECIDED_AFTER_6_WEEKS)),
    ("assessment_other_outcome", (M.DECIDED_TO_ASSESS,),
     (M.PLAN_ISSUED, M.PLAN_NOT_ISSUED, M.ASSESSMENT_OPEN)),
    ("plan_with_exception", (M.PLAN_ISSUED,), (M.PLAN_ISSUED_NO_EXCEPTION,)),
    ("plan_late_no_exception", (M.PLAN_ISSUED_NO_EXCEPTION,), (M.PLAN_WITHIN_20_WEEKS,)),
    ("plan_late_any", (M.PLAN_ISSUED,), (M.PLAN_WITHIN_20_WEEKS_ANY,)),
    ("plan_on_time_with_exception", (M.PLAN_WITHIN_20_WEEKS_ANY,), (M.PLAN_WITHIN_20_WEEKS,)),
    ("no_mediation", (M.RECEIVED,), (M.MEDIATION,)),
    ("no_tribunal", (M.RECEIVED,), (M.TRIBUNAL,)),
    ("decided_after_6_weeks_any", (M.DECIDED_TO_ASSESS, M.DECIDED_NOT_TO_ASSESS),
     (M.DECIDED_WITHIN_6_WEEKS,)),
)


#: How every withheld count's reason begins (a withheld count is never 0).
WITHHELD = "withheld (disclosure control"


def reason(threshold: int) -> str:
    return (f"{WITHHELD}: a count from 1 to {threshold - 1}, or one that "
            "would let such a count be worked out)")


def suppress_small_counts(counts: CountsTable, threshold: int = DEFAULT_THRESHOLD
                          ) -> CountsTable:
    """``counts`` with small counts withheld, and with every count that would let one be
    worked out withheld too (see the module's rule)."""
    values: dict[tuple, int | None] = {}
    for code, period, group, measure, value, _ in counts.records:
        values[(code, period, group, measure)] = value
    published = set(values)
    relations = _relations(counts, values)  # adds the unpublished differences to ``values``
    withheld = {k for k in published if values[k] is not None and 0 < values[k] < threshold}
    Control(values, published, relations, withheld, threshold).run()
    why = reason(threshold)
    records = tuple(
        (code, period, group, measure,
         *((None, why) if (code, period, group, measure) in withheld else (value, missing)))
        for code, period, group, measure, value, missing in counts.records)
    out = replace(counts, records=records, _cells={})
    return replace(out, provenance=published_provenance(out, threshold))


def total_shown(counts: CountsTable, group: str = ALL) -> bool:
    """Whether every national total of requests received from ``group`` (each period) is
    shown in ``counts``: then their sum may be printed exactly."""
    national = {a.code for a in counts.areas.values() if a.level is Level.NATIONAL}
    return all(value is not None for code, _, g, measure, value, _ in counts.records
               if code in national and g == group and measure == M.RECEIVED.value)


def count_text(n: int, threshold: int, tied_withheld: bool = False) -> str:
    """A total of persons or requests as printed beside published counts: exact if zero or
    at least ``threshold``, else "fewer than N"; a total the table withholds part of
    (``tied_withheld``) is given only as "N or more", so no subtraction recovers the part."""
    if n == 0 or (n >= threshold and not tied_withheld):
        return f"{n:,}"
    return f"fewer than {threshold}" if n < threshold else f"{threshold:,} or more"


def published_provenance(counts: CountsTable, threshold: int):
    """``counts``' provenance with its totals (``DataProvenance._totals``) written as
    :func:`count_text` does; the numbers of rows read and used are withheld (None) unless
    every total is exact (their difference is a count too)."""
    p = counts.provenance
    if not p._totals:
        return p
    shown = total_shown(counts)
    texts = {name: count_text(n, threshold, tied and not shown) for name, n, tied in p._totals}
    exact = all(texts[name] == f"{n:,}" for name, n, _ in p._totals)
    return replace(p, description=p.description.format(**texts), _totals=(),
                   rows_read=p.rows_read if exact else None,
                   rows_used=p.rows_used if exact else None)


def _relations(counts: CountsTable, values: dict) -> list[dict[tuple, int]]:
    """Every linear tie between counts, as {cell: coefficient} summing to zero."""
    relations: list[dict[tuple, int]] = []
    by_area: dict[tuple, set] = defaultdict(set)  # (area, period) -> groups
    measures = {k[3] for k in values}
    for code, period, group, _ in values:
        by_area[(code, period)].add(group)
    for (code, period), groups in by_area.items():
        for group in groups:
            def cell(m, group=group, code=code, period=period):
                return (code, period, group, m.value if isinstance(m, Measure) else m)

            for total, parts in EXACT_SUMS:
                if {total, *parts} <= measures:
                    parts = (*parts, *(p for p in OPTIONAL_PARTS.get(total, ())
                                       if p in measures))
                    relations.append({cell(total): 1, **{cell(p): -1 for p in parts}})
            for name, whole, parts in DIFFERENCES:
                if {*whole, *parts} <= measures:
                    virtual = cell("~" + name)
                    known = [values.get(cell(m)) for m in (*whole, *parts)]
                    values[virtual] = None if any(v is None for v in known) else (
                        sum(known[:len(whole)]) - sum(known[len(whole):]))
                    rel = {cell(m): 1 for m in whole}
                    rel.update({cell(m): -1 for m in parts})
                    rel[virtual] = -1
                    relations.append(rel)
        if ALL in groups and len(groups) > 1:
            for m in measures:
                rel = {(code, period, ALL, m): 1}
                rel.update({(code, period, g, m): -1 for g in groups if g != ALL})
                if all(k in values for k in rel):
                    relations.append(rel)
    # areas: the nation is the sum of its local authorities, a region of its own
    areas = counts.areas
    las = [a for a in areas.values() if a.level is Level.LOCAL_AUTHORITY]
    tops = [(a.code, [x.code for x in las])
            for a in areas.values() if a.level is Level.NATIONAL]
    tops += [(a.code, [x.code for x in las if x.region_code == a.code])
             for a in areas.values() if a.level is Level.REGIONAL]
    periods = {k[1] for k in values}
    groups = {k[2] for k in values}
    for top, members in tops:
        if not members:
            continue
        for period in periods:
            for group in groups:
                for m in measures:
                    rel = {(top, period, group, m): 1}
                    rel.update({(c, period, group, m): -1 for c in members})
                    if all(k in values for k in rel):
                        relations.append(rel)
    return relations


def _free(rows, cols, vals, n: int) -> np.ndarray:
    """Which unknowns the sums leave free (not determined): those on which some vector of the
    null space of the sums' matrix is not zero. Random vectors are projected onto the null
    space (least squares, sparse), so a block of thousands of counts takes well under a
    second; a coordinate that is free is non-zero in a random projection with probability 1."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.linalg import lsqr

    a = csr_matrix((vals, (rows, cols)), shape=(max(rows) + 1 if rows else 0, n))
    free = np.zeros(n, bool)
    rng = np.random.default_rng(20260101)
    for _ in range(2):
        r = rng.standard_normal(n)
        y = lsqr(a.T, r, atol=1e-14, btol=1e-14, iter_lim=20 * n + 1000)[0]
        free |= np.abs(r - a.T @ y) > 1e-6
    return free


class Control:
    """Secondary suppression until no sum gives a small count away."""

    def __init__(self, values, published, relations, withheld, threshold):
        self.values, self.published, self.relations = values, published, relations
        self.withheld, self.t = withheld, threshold
        self.of_cell: dict[tuple, list[int]] = defaultdict(list)
        for i, rel in enumerate(relations):
            for k in rel:
                self.of_cell[k].append(i)

    def unknown(self, k) -> bool:
        return k in self.withheld or k not in self.published or self.values.get(k) is None

    def sensitive(self, k) -> bool:
        v = self.values.get(k)
        return v is not None and 0 < v < self.t and (k in self.withheld
                                                     or k not in self.published)

    def _gives_away(self, rel) -> bool:
        unknown = [k for k in rel if self.unknown(k)]
        if not unknown:
            return False
        if len(unknown) == 1:
            k = unknown[0]
            return k in self.withheld or self.sensitive(k)
        if not any(self.sensitive(k) for k in unknown):
            return False
        # small counts only: their total, worked out from the sum, bounds each one closely
        return not any(self.values.get(k) is None or self.values[k] >= self.t
                       for k in unknown)

    def _withhold_in(self, rel) -> bool:
        shown = [(self.values[k], k) for k in rel
                 if k in self.published and k not in self.withheld
                 and self.values.get(k) is not None and self.values[k] > 0]
        if not shown:
            return False
        # the smallest non-zero count; a total over groups or areas last
        shown.sort(key=lambda x: (x[1][2] == ALL, x[0], x[1]))
        self.withheld.add(shown[0][1])
        return True

    def run(self) -> None:
        pending = set(range(len(self.relations)))
        while True:
            while pending:
                i = pending.pop()
                rel = self.relations[i]
                if self._gives_away(rel) and self._withhold_in(rel):
                    for k in rel:
                        pending.update(self.of_cell[k])
            determined = self.determined()
            if not determined:
                return
            progress = False
            for k in determined:
                for i in sorted(self.of_cell[k], key=lambda i: len(self.relations[i])):
                    if self._withhold_in(self.relations[i]):
                        progress = True
                        pending.update(j for c in self.relations[i] for j in self.of_cell[c])
                        break
            if not progress:
                return

    def determined(self) -> list[tuple]:
        """Small withheld (or unpublished) counts that the sums determine exactly."""
        # a sum holding an unpublished difference that is not small says nothing about the
        # other counts in it (the difference takes up any value): left out of the system
        active = [i for i, rel in enumerate(self.relations)
                  if not any(k not in self.published and not self.sensitive(k) for k in rel)]
        relations = [self.relations[i] for i in active]
        of_cell: dict[tuple, list[int]] = defaultdict(list)
        for i, rel in enumerate(relations):
            for k in rel:
                of_cell[k].append(i)
        unknown = [k for k in of_cell if self.unknown(k)]
        # unknowns tied together by a sum form one block; solve each block on its own
        parent = {k: k for k in unknown}

        def find(k):
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for rel in relations:
            ks = [k for k in rel if k in parent]
            for a in ks[1:]:
                ra, rb = find(ks[0]), find(a)
                if ra != rb:
                    parent[ra] = rb
        blocks: dict[tuple, list] = defaultdict(list)
        for k in unknown:
            blocks[find(k)].append(k)
        found = []
        for members in blocks.values():
            if not any(self.sensitive(k) for k in members):
                continue
            index = {k: i for i, k in enumerate(members)}
            rows, cols, vals = [], [], []
            for r, i in enumerate({i for k in members for i in of_cell[k]}):
                for k, coef in relations[i].items():
                    if k in index:
                        rows.append(r)
                        cols.append(index[k])
                        vals.append(float(coef))
            free = _free(rows, cols, vals, len(members))
            found += [k for k in members if not free[index[k]] and self.sensitive(k)]
        return found
