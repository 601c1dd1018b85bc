"""What the SEN2 reader saw, beside the figures: persons and requests read, codes not in the
year's lists, requests outside the cohort. Never any personal data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from copro.inputs import is_code_shaped
from copro.sources import sen2_codes as codes


@dataclass
class Sen2Summary:
    """What the reader saw, to report beside the figures (never any personal data)."""

    files: int = 0
    persons: int = 0
    requests: int = 0
    #: (element, code, collection year of the lists) -> requests
    unknown_codes: Counter = field(default_factory=Counter)
    #: requests outside the year's cohort or the plan stage: (element, code) -> requests
    historical: Counter = field(default_factory=Counter)
    no_source: int = 0
    #: elements in Message/Persons that are not a Person (under any namespace): not read
    unread: int = 0
    week20_not_recorded: int = 0
    reference_dates: set = field(default_factory=set)
    notes: list = field(default_factory=list)

    def outside_cohort(self) -> int:
        """Requests decided before the collection period (RequestOutcome H)."""
        return self.historical[("RequestOutcome", "H")]

    def not_counted(self) -> int:
        """Requests in no count: historical (a request whose RequestOutcome code the year
        lacks was still received: it is counted, in no decision)."""
        return self.outside_cohort()

    def cohort(self) -> int:
        """Requests in the year's cohort: every request read but the historical ones."""
        return self.requests - self.outside_cohort()

    def totals(self) -> tuple:
        """The totals a description names (``DataProvenance._totals``): persons, requests in
        the cohort (tied to the table's requests received) and historical ones."""
        return (("persons", self.persons, False), ("cohort", self.cohort(), True),
                ("historical", self.outside_cohort(), False))

    def messages(self, withhold_below: int = 1, total_shown: bool = True,
                 unknown_shown: bool = True) -> list[str]:
        """What to tell the user about the input, one line each: elements in Persons that are
        not a Person (not read), codes not in the year's lists, requests outside the cohort,
        requests without a source. A count from 1 to ``withhold_below`` - 1 is withheld here
        as in every other output; a total of the table's requests received is exact only if
        the table shows it (``total_shown``; and ``unknown_shown`` for those from an unknown
        source)."""
        from copro.disclosure import count_text

        def how_many(n: int, tied: bool = False, shown: bool = total_shown) -> str:
            return count_text(n, withhold_below, tied and not shown)

        out = []
        if self.unread:
            out.append(f"copro: warning: {how_many(self.unread)} element(s) in Message/Persons "
                       "are not Person elements: not read (every person must be a Person "
                       "element; its namespace, if any, does not matter)")
        for (element, code, year), n in sorted(self.unknown_codes.items()):
            code = f"code '{code}'" if is_code_shaped(code) else code
            what = ("counted as received (and for mediation and tribunal), left out of the "
                    "decision whether to assess and every later stage"
                    if element == "RequestOutcome" else
                    "not counted for the stage or item it would decide")
            out.append(f"copro: warning: {how_many(n)} request(s) with {element} {code}, which "
                       f"is not in the {year} collection's SEN2 code lists: {what}")
        for year in sorted({d.year for d in self.reference_dates}):
            used = codes.lists_year(year)
            if used != year:
                out.append(f"copro: note: the {year} collection is not one copro has code "
                           f"lists for: read with the {used} lists")
        n = self.outside_cohort()
        if n:
            out.append(f"copro: note: {how_many(n)} request(s) decided before the collection "
                       "period (RequestOutcome H, historical) are outside the year's cohort: "
                       "not counted")
        for (element, code), n in sorted(self.historical.items()):
            if element == "AssessmentOutcome":
                what = ("decided before the collection period or transferred in (H)"
                        if code == "H" else "issued after another LA's assessment (S)")
                out.append(f"copro: note: {how_many(n)} request(s) with an assessment outcome "
                           f"{what}: counted at the request stage, left out of the plan stage")
        if self.no_source:
            out.append(f"copro: note: {how_many(self.no_source, True, unknown_shown)} of "
                       f"{how_many(self.cohort(), tied=True)} requests in the "
                       "cohort have no RequestSource (counted as 'not known')")
        return out + [f"copro: note: {n}" for n in self.notes]

    def add(self, part: Sen2Summary) -> None:
        """Add what another reader (a worker process's share of a file) saw."""
        self.persons += part.persons
        self.requests += part.requests
        self.no_source += part.no_source
        self.unread += part.unread
        self.week20_not_recorded += part.week20_not_recorded
        self.unknown_codes.update(part.unknown_codes)
        self.historical.update(part.historical)
        self.reference_dates |= part.reference_dates
