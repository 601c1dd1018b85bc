"""The canonical table of counts every data source produces and every statistic reads.

One row per area x period x requester group x measure, with the count or, where the count is
missing, the reason it is missing (a DfE suppression symbol, say). Nothing downstream knows which
source the table came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from copro.groups import RequesterGroup


class Measure(StrEnum):
    """A count of requests at one stage of the process."""

    RECEIVED = "received"
    DECIDED_TO_ASSESS = "decided_to_assess"
    DECIDED_NOT_TO_ASSESS = "decided_not_to_assess"
    NOT_YET_DECIDED = "not_yet_decided"
    WITHDRAWN = "withdrawn"
    #: case-level data: received, but the decision's code is one the year does not define
    OUTCOME_NOT_KNOWN = "outcome_not_known"
    DECIDED_WITHIN_6_WEEKS = "decided_within_6_weeks"
    DECIDED_AFTER_6_WEEKS = "decided_after_6_weeks"
    MEDIATION = "mediation"
    TRIBUNAL = "tribunal"
    PLAN_ISSUED = "plan_issued"
    PLAN_WITHIN_20_WEEKS = "plan_within_20_weeks"  # exceptions excluded
    # stages known only from case-level data (SEN2)
    PLAN_NOT_ISSUED = "plan_not_issued"  # assessed, decided not to issue a plan
    ASSESSMENT_OPEN = "assessment_open"  # assessing, no decision yet at the reference date
    PLAN_ISSUED_NO_EXCEPTION = "plan_issued_no_exception"  # no 20-week exception recorded
    PLAN_WITHIN_20_WEEKS_ANY = "plan_within_20_weeks_any"  # exceptions included


class Level(StrEnum):
    """Geographic level of an area."""

    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL_AUTHORITY = "local_authority"


@dataclass(frozen=True)
class Area:
    """England, a region or a local authority."""

    code: str  # ONS code (E92..., E12..., E06/E08/E09/E10...)
    name: str
    level: Level
    region_code: str | None = None
    region_name: str | None = None
    old_la_code: str | None = None  # 3-digit DfE LA code



@dataclass(frozen=True)
class Count:
    """One count, or the reason it is missing (``value`` is None exactly when missing)."""

    value: int | None
    missing_reason: str | None = None

    @property
    def missing(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class DataProvenance:
    """Where the counts came from, shown wherever figures derived from them are shown."""

    source: str  # file name as given by the user (never a full path of theirs in outputs)
    sha256: str
    description: str
    attribution: str
    rows_read: int | None  # None: withheld (disclosure control; see ``_totals``)
    rows_used: int | None
    #: Case-level data: the counts of persons and requests ``description`` names, as
    #: ``(name, count, tied)``: ``description`` holds ``{name}`` fields, filled exactly here
    #: and by disclosure control when the table is published (a count below the threshold is
    #: "fewer than N"). ``tied``: the count is the sum of the table's total requests received
    #: over periods (so it is exact only where those are all shown).
    _totals: tuple = ()
    #: The publication the data come from: its web page, and its name with the reporting year
    #: (e.g. DfE's "Education, health and care plans", reporting year 2026), where known.
    publication_url: str | None = None
    publication: str | None = None
    #: What one period of the data covers, '{period}' standing for the period: "requests
    #: received in calendar year {period}".
    period_covers: str | None = None

    @property
    def text(self) -> str:
        """The description with its counts (exact: use only before publication)."""
        return self.description.format(**{n: f"{v:,}" for n, v, _ in self._totals}) \
            if self._totals else self.description



COLUMNS = ("area_code", "period", "group", "measure", "value", "missing_reason")


@dataclass(frozen=True)
class CountsTable:
    """Area x period x requester group x measure -> count (or missing with reason).

    ``records`` are ``(area_code, period, group, measure, value, missing_reason)`` tuples, with
    ``value`` None exactly when the count is missing; :meth:`to_frame` gives them as a pandas
    DataFrame for analysis elsewhere.
    """

    records: tuple[tuple, ...]
    areas: Mapping[str, Area]
    provenance: DataProvenance
    #: Case-level sources only: ``(measure names, factor names, ((area, period, group,
    #: (level of each factor), counts by measure), ...))``, for adjusting for case mix.
    #: Never published.
    strata: tuple | None = None
    default_period: str | None = None  # else the latest
    _cells: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_records(cls, records: Iterable[tuple], areas: Mapping[str, Area],
                     provenance: DataProvenance, strata: tuple | None = None) -> CountsTable:
        """Build from ``(area_code, period, group, measure, value|None, reason|None)`` tuples."""
        return cls(records=tuple(records), areas=dict(areas), provenance=provenance,
                   strata=strata)

    def to_frame(self):
        """The table as a pandas DataFrame with the columns :data:`COLUMNS`."""
        import pandas as pd

        frame = pd.DataFrame.from_records(list(self.records), columns=list(COLUMNS))
        frame["value"] = frame["value"].astype("Int64")
        return frame

    def measures(self) -> set[Measure]:
        """The measures this source provides."""
        return {Measure(r[3]) for r in self.records}

    def periods(self) -> list[str]:
        """Periods present, oldest first."""
        return sorted({r[1] for r in self.records})

    def cells(self, period: str) -> dict[str, dict[RequesterGroup, dict[Measure, Count]]]:
        """``{area_code: {group: {measure: Count}}}`` for one period (cached)."""
        if period not in self._cells:
            out: dict = {}
            for code, p, group, measure, value, reason in self.records:
                if p == period:
                    out.setdefault(code, {}).setdefault(RequesterGroup(group), {})[
                        Measure(measure)] = Count(value, reason)
            self._cells[period] = out
        return self._cells[period]
