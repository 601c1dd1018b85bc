"""Appeals to the SEND Tribunal beside the audit: each local authority's appeal rate for every
year DfE publishes (2014 on), and, across authorities, whether the gap between requesters goes
with appeals.

Findings layer: from the tribunal reader's table (:mod:`copro.sources.tribunal`), the
statistical neighbours and the audit's per-area comparisons to :class:`AppealFindings`, which
every renderer shows (terminal, report, website, JSON, CSV). It reads no file itself, except the
bundled tables when none are given.

Rules (docs/reading-the-figures.md says the same in plain words):

- the appeal rate is appeals registered / total appealable decisions, with a 95% Wilson
  interval from the counts; the published rate (rounded to 0.1%) is kept beside it;
- the two methods are two series, never one line: to 2024 the old method, from 2024 the new one
  (2024 is given on both);
- a new-method year is **flagged as implausible** when the authority's new-method appealable
  decisions, as a share of its own old-method decisions in 2024, are less than
  :data:`IMPLAUSIBLE_SHARE` of England's same share (England's new-method decisions are 53% of
  its old in 2024 and 59% in 2025, so Hertfordshire's 2,195 of 13,889 in 2024, 16%, is flagged:
  its rate, 27.9%, would be overstated about threefold). Flagged years are shown with the
  reason, drawn apart from the line, and left out of the neighbours' pooled rate and the
  across-authority association;
- England is DfE's published total; where some authorities' decisions are suppressed, the
  published new-method rate divides every appeal by the other authorities' decisions, and the
  like-for-like rate (appeals of the authorities with decisions) is given beside it;
- the statistical neighbours' rate is pooled: their appeals over their decisions, for the
  neighbours with both figures and no flag that year;
- predecessor authorities (Cumbria, Northamptonshire, Bournemouth, Poole) keep their own
  history, shown with their successors' series and never added into them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from copro.register import by_code, current_successors
from copro.sources.tribunal import (
    ATTRIBUTION,
    METHODS,
    NEW,
    OLD,
    AppealRates,
    AppealSource,
    AppealYear,
)

#: A new-method year is flagged when the authority's new/old ratio of appealable decisions is
#: below this fraction of England's (see the module's rules).
IMPLAUSIBLE_SHARE = 0.6
#: Fewest local authorities for the across-authority association (a regression line through a
#: handful of areas says nothing).
MIN_AREAS = 10
#: The old method's last year, given on both methods: the base for the flag.
BOTH_METHODS_YEAR = 2024
FLAG_RULE = (f"A new-method year is flagged when the authority's appealable decisions on the "
             f"new method, as a share of its own old-method decisions in {BOTH_METHODS_YEAR}, "
             f"are less than {IMPLAUSIBLE_SHARE:.0%} of England's same share: its rate is then "
             "likely overstated. Flagged years are shown with the reason, drawn apart from the "
             "line and left out of pooled and across-area figures.")
#: Quirk of the source: the Dorset row before its 2019 boundary change (footnote 6).
BOUNDARY_NOTES = {
    "E06000059": "Before 2019 the Dorset row is the old Dorset County Council area; its "
                 "boundaries changed in 2019 when Bournemouth and Poole merged (DfE's "
                 "footnote 6).",
}
ASSOCIATION_CAVEAT = (
    "This is an association between areas, not proof about any family: areas where one thing "
    "is higher may differ in many other ways, and what holds across areas need not hold for the "
    "families within them.")


@dataclass(frozen=True)
class AppealPoint:
    """One year on one method: appeals of appealable decisions, with the rate's interval."""

    year: int
    method: str  # 'old' or 'new'
    appeals: int | None
    decisions: int | None
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    published_rate: float | None
    flag: str | None = None  # why the year is not to be read as it stands
    missing: str | None = None  # why appeals or decisions are missing


@dataclass(frozen=True)
class PooledPoint:
    """The statistical neighbours' pooled appeal rate in one year on one method."""

    year: int
    method: str
    appeals: int
    decisions: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    neighbours: int  # how many of the ten contributed


@dataclass(frozen=True)
class PredecessorHistory:
    """An abolished authority's own series, shown with its successors'."""

    area_code: str
    area_name: str
    ended: int | None
    points: tuple[AppealPoint, ...]


@dataclass(frozen=True)
class AppealSeries:
    area_code: str
    area_name: str
    points: tuple[AppealPoint, ...]
    neighbours: tuple[PooledPoint, ...]
    predecessors: tuple[PredecessorHistory, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssociationPoint:
    area_code: str
    area_name: str
    log_ratio: float
    log_ratio_variance: float
    appeal_rate: float  # as a proportion
    appeals: int
    decisions: int


@dataclass(frozen=True)
class AppealAssociation:
    """Across authorities: the requesters' log ratio against the appeal rate (meta-regression
    carrying each log ratio's sampling variance)."""

    year: int
    outcome: str  # key of the compared outcome
    ratio: str  # 'schools' rate / families' rate'
    moderator: str
    k: int
    slope: float  # change in the log ratio per percentage point of appeal rate
    slope_ci_low: float
    slope_ci_high: float
    slope_p: float
    ratio_per_point: float  # exp(slope)
    ratio_per_point_ci_low: float
    ratio_per_point_ci_high: float
    intercept: float
    intercept_se: float
    slope_se: float
    covariance: float
    tau2: float
    tau2_without: float
    r2: float | None
    i2: float
    qe: float
    qe_df: int
    qe_p: float
    knapp_hartung_ci_low: float
    knapp_hartung_ci_high: float
    knapp_hartung_p: float
    method: str
    moderator_error: str  # the appeal rate's own sampling error, in words
    summary: str
    caveat: str
    points: tuple[AssociationPoint, ...]
    left_out: tuple[tuple[str, str, str], ...]  # (code, name, reason): compared, no point
    confidence: float = 0.95
    #: (code, name, reason): the authorities not compared on the gap, so never a point; with
    #: ``points`` and ``left_out``, every authority
    not_compared: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class AppealFindings:
    sources: tuple[AppealSource, ...]
    attribution: str
    methods: dict[str, str]
    flag_rule: str
    reader_notes: tuple[str, ...]
    england: tuple[AppealPoint, ...]
    local_authorities: tuple[AppealSeries, ...]
    association: AppealAssociation | None

    def of(self, code: str) -> AppealSeries | None:
        return next((s for s in self.local_authorities if s.area_code == code), None)


def _keys(rates: AppealRates) -> list[tuple[int, str]]:
    return sorted(rates.england, key=lambda k: (k[0], k[1] != OLD))


def _intervals(pairs) -> dict:
    """Wilson intervals for every (appeals, decisions) pair at once (imported here, not at
    the top: unpickling cached findings must not load SciPy)."""
    from copro.stats.rates import rates_for

    return rates_for(pairs)


def _point(y: AppealYear | None, key, intervals: dict, flag: str | None = None
           ) -> AppealPoint:
    if y is None:
        return AppealPoint(key[0], key[1], None, None, None, None, None, None, None,
                           "no row for this authority in the files")
    r = None
    if y.appeals is not None and y.decisions:
        r = intervals[y.appeals, y.decisions]
    return AppealPoint(y.year, y.method, y.appeals, y.decisions,
                       None if r is None else r.estimate, None if r is None else r.ci_low,
                       None if r is None else r.ci_high, y.published_rate, flag, y.missing)


def _flag(rates: AppealRates, code: str, key) -> str | None:
    year, method = key
    if method != NEW:
        return None
    area = rates.areas[code].years
    base = (BOTH_METHODS_YEAR, OLD)
    mine, old = area.get(key), area.get(base)
    eng, eng_old = rates.england.get(key), rates.england.get(base)
    if not (mine and old and eng and eng_old) or not (mine.decisions and old.decisions):
        return None
    share = mine.decisions / old.decisions
    england = eng.decisions / eng_old.decisions
    if share >= IMPLAUSIBLE_SHARE * england:
        return None
    return (f"implausible denominator: {mine.decisions:,} appealable decisions on the new "
            f"method are {share:.0%} of the {old.decisions:,} on the old method in "
            f"{BOTH_METHODS_YEAR}, where England's are {england:.0%}; the rate "
            f"({mine.appeals / mine.decisions:.1%}) is likely overstated"
            if mine.appeals is not None else
            f"implausible denominator: {share:.0%} of the old method's, England {england:.0%}")


def _england(rates: AppealRates, key, intervals: dict) -> AppealPoint:
    y = rates.england[key]
    flag = None
    suppressed = [a for a in rates.areas.values() if key in a.years
                  and a.years[key].decisions is None and a.years[key].appeals]
    if suppressed and y.decisions:
        appeals = sum(a.years[key].appeals or 0 for a in rates.areas.values()
                      if key in a.years and a.years[key].decisions is not None)
        n = len(suppressed)
        flag = (f"the published total divides all {y.appeals:,} appeals by the decisions of "
                f"the authorities whose decisions are published ({_authorities(n)} with "
                f"appeals {'has' if n == 1 else 'have'} none published); like for like, "
                f"{appeals:,} of {y.decisions:,} ({appeals / y.decisions:.1%})")
    return _point(y, key, intervals, flag)


def _authorities(n: int) -> str:
    return f"{n} authority" if n == 1 else f"{n} authorities"


def appeal_findings(rates: AppealRates, neighbours=None, comparisons=None,
                    year: int | None = None, outcome: str = "", ratio: str = "",
                    confidence: float = 0.95, not_compared=None) -> AppealFindings:
    """The series for England and every current authority in ``rates``; with
    ``comparisons`` ({code: (name, log ratio, its variance)}) and ``year``, the association,
    which also lists each authority in ``not_compared`` ({code: (name, reason)}): every
    authority is then a point, left out (no or a flagged appeal rate) or not compared."""
    keys = _keys(rates)
    flags = {(code, k): _flag(rates, code, k) for code in rates.areas for k in keys}
    current = sorted((a for a in rates.areas.values() if a.ended is None),
                     key=lambda a: a.name)
    pooled_counts = {} if neighbours is None else {
        (area.code, k): _pooled_counts(rates, [n.code for n in neighbours.of(area.code)], k,
                                       flags)
        for area in current for k in keys}
    # every interval this builds, computed together
    years = [*rates.england.values(), *(y for a in rates.areas.values() for y in a.years.values())]
    intervals = _intervals([(y.appeals, y.decisions) for y in years
                            if y.appeals is not None and y.decisions]
                           + [(c[0], c[1]) for c in pooled_counts.values() if c[1]])
    series = []
    for area in current:
        points = tuple(_point(area.years.get(k), k, intervals, flags[area.code, k])
                       for k in keys)
        pooled = ()
        if neighbours is not None:
            pooled = tuple(_pooled(k, pooled_counts[area.code, k], intervals) for k in keys)
        preds = tuple(
            PredecessorHistory(p.code, p.name, p.ended,
                               tuple(_point(p.years.get(k), k, intervals) for k in keys
                                     if k in p.years))
            for p in sorted(rates.areas.values(), key=lambda a: a.name)
            if p.ended is not None and area.code in
            {s.code for s in current_successors(by_code(p.code))})
        notes = (BOUNDARY_NOTES[area.code],) if area.code in BOUNDARY_NOTES else ()
        series.append(AppealSeries(area.code, area.name, points, pooled, preds, notes))
    association = None
    if comparisons and year is not None and (year, NEW) in rates.england:
        association = _association(rates, comparisons, year, flags, outcome, ratio,
                                   confidence, not_compared or {})
    return AppealFindings(rates.sources, ATTRIBUTION, dict(METHODS), FLAG_RULE, rates.notes,
                          tuple(_england(rates, k, intervals) for k in keys), tuple(series),
                          association)


def _pooled_counts(rates: AppealRates, codes: list[str], key, flags) -> tuple[int, int, int]:
    """(appeals, decisions, authorities used) of ``codes`` pooled in ``key``'s year, leaving
    out an authority without both counts or with a flagged rate."""
    appeals = decisions = used = 0
    for code in codes:
        y = rates.areas.get(code)
        y = y.years.get(key) if y else None
        if y is None or y.appeals is None or not y.decisions or flags.get((code, key)):
            continue
        appeals, decisions, used = appeals + y.appeals, decisions + y.decisions, used + 1
    return appeals, decisions, used


def _pooled(key, counts: tuple[int, int, int], intervals: dict) -> PooledPoint:
    appeals, decisions, used = counts
    if not decisions:
        return PooledPoint(key[0], key[1], 0, 0, None, None, None, 0)
    r = intervals[appeals, decisions]
    return PooledPoint(key[0], key[1], appeals, decisions, r.estimate, r.ci_low, r.ci_high, used)


def _association(rates, comparisons, year, flags, outcome, ratio, confidence,
                 not_compared=None):
    from copro.stats.meta import meta_regression

    key = (year, NEW)
    points = []
    left_out = []
    for code, (name, log_ratio, variance) in comparisons.items():
        area = rates.areas.get(code)
        y = area.years.get(key) if area else None
        if y is None or y.appeals is None or not y.decisions:
            left_out.append((code, name, f"no {year} appeal rate"
                             + (f" ({y.missing})" if y is not None and y.missing else "")))
            continue
        if flags.get((code, key)):
            left_out.append((code, name, f"{year} appeal rate flagged: {flags[code, key]}"))
            continue
        points.append(AssociationPoint(code, name, log_ratio, variance,
                                       y.appeals / y.decisions, y.appeals, y.decisions))
    if len(points) < MIN_AREAS:
        return None
    yi = np.array([p.log_ratio for p in points])
    vi = np.array([p.log_ratio_variance for p in points])
    x = 100 * np.array([p.appeal_rate for p in points])  # percentage points
    fit = meta_regression(yi, vi, x, confidence=confidence)
    kh = meta_regression(yi, vi, x, knapp_hartung=True, confidence=confidence)
    # the moderator's own sampling error, in words: binomial SE of each rate, in points
    se = 100 * np.sqrt(np.array([p.appeal_rate * (1 - p.appeal_rate) / p.decisions
                                 for p in points]))
    spread = float(np.std(x, ddof=1))
    error = (f"The appeal rate's own sampling error is not carried: its standard error is a "
             f"median {float(np.median(se)):.2f} percentage points (largest "
             f"{float(np.max(se)):.2f}) against a spread of {spread:.2f} points between "
             "areas, so it can only weaken (attenuate) the slope slightly, towards zero.")
    per = math.exp(fit.slope)
    lo, hi = math.exp(fit.slope_ci_low), math.exp(fit.slope_ci_high)
    crosses = fit.slope_ci_low <= 0 <= fit.slope_ci_high
    summary = (f"Across {len(points)} local authorities in {year}, where the appeal rate is one "
               f"percentage point higher, the {ratio} is on average {per:.3f} times as large "
               f"(95% interval {lo:.3f} to {hi:.3f}). "
               + ("The interval includes 1: no clear association either way."
                  if crosses else
                  f"The ratio tends to be {'higher' if fit.slope > 0 else 'lower'} where "
                  "appeals are more common."))
    return AppealAssociation(
        year, outcome, ratio, "appeal rate, percentage points (new method)", len(points),
        fit.slope, fit.slope_ci_low, fit.slope_ci_high, fit.slope_p, per, lo, hi,
        fit.intercept, fit.intercept_se, fit.slope_se, fit.covariance, fit.tau2,
        fit.tau2_without, fit.r2, fit.i2, fit.qe, fit.qe_df, fit.qe_p, kh.slope_ci_low,
        kh.slope_ci_high, kh.slope_p, fit.method, error, summary, ASSOCIATION_CAVEAT,
        tuple(points), tuple(sorted(left_out, key=lambda t: t[1])), confidence,
        tuple(sorted(((code, name, why) for code, (name, why) in (not_compared or {}).items()),
                     key=lambda t: t[1])))
