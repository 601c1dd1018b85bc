"""The table of every local authority, sorted and filtered on the server: no JavaScript.

A reader's choices arrive as the page's query (``?sort=ratio&order=desc&region=E12000003&
compared=yes``); each is checked against what the table offers, and anything else falls back to
the default (alphabetical, every area), so a page's address names one of a small, fixed set of
tables. Rows are the page's own (built from the findings in pages.py); nothing is computed here
but their order and which are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

#: The columns a reader can sort by: query value -> (heading's role, first order).
SORTS = ("name", "region", "rate_b", "rate_a", "ratio", "neighbours")
ORDERS = ("asc", "desc")
COMPARED = ("yes", "no")


@dataclass(frozen=True)
class TableQuery:
    """What the reader asked for, checked: the column sorted by, its order, the region shown
    (a region's code, or None for all) and whether compared areas only ("yes"), those not
    compared only ("no") or every area (None)."""

    sort: str = "name"
    order: str = "asc"
    region: str | None = None
    compared: str | None = None

    @property
    def key(self) -> tuple:
        """For the page cache: one entry per table."""
        return (self.sort, self.order, self.region, self.compared)

    def link(self, **change) -> str:
        """The query string of this table with ``change`` applied (defaults left out)."""
        values = {"sort": self.sort, "order": self.order, "region": self.region,
                  "compared": self.compared, **change}
        default = TableQuery()
        shown = {k: v for k, v in values.items() if v is not None and v != getattr(default, k)}
        return "?" + urlencode(shown) if shown else "?"

    def sort_link(self, column: str) -> str:
        """Sort by ``column``: ascending first, the other way if it is sorted by it already."""
        order = "desc" if self.sort == column and self.order == "asc" else "asc"
        return self.link(sort=column, order=order)

    def aria_sort(self, column: str) -> str | None:
        if self.sort != column:
            return None
        return "ascending" if self.order == "asc" else "descending"


def table_query(params, region_codes) -> TableQuery:
    """The reader's query (a mapping such as ``request.GET``), every value checked: unknown
    ones are ignored."""
    sort = params.get("sort")
    order = params.get("order")
    region = params.get("region")
    compared = params.get("compared")
    return TableQuery(sort if sort in SORTS else "name",
                      order if order in ORDERS else "asc",
                      region if region in set(region_codes) else None,
                      compared if compared in COMPARED else None)


def _sort_value(row: dict, column: str):
    """A row's value in ``column``; None where it has none (not compared)."""
    f = row["f"]
    if column == "name":
        return f.area.name.lower()
    if column == "region":
        return ((f.area.region_name or "").lower(), f.area.name.lower())
    if row["comparison"] is None:
        return None
    if column == "rate_b":
        return row["rate_b"].estimate
    if column == "rate_a":
        return row["rate_a"].estimate
    if column == "ratio":
        return row["comparison"].risk_ratio.estimate
    if column == "neighbours":
        n = row.get("neighbours")
        return None if n is None or n.rank is None else (n.rank.rank / n.rank.of, n.rank.of)
    raise ValueError(f"not a column to sort by: {column}")


def apply(rows: list[dict], query: TableQuery) -> list[dict]:
    """The rows the reader asked for, in their order; rows with no value in the sorted column
    (areas not compared) come last either way, alphabetically."""
    shown = [r for r in rows
             if (query.region is None or r["f"].area.region_code == query.region)
             and (query.compared is None
                  or (r["comparison"] is not None) == (query.compared == "yes"))]
    valued = [r for r in shown if _sort_value(r, query.sort) is not None]
    empty = sorted((r for r in shown if _sort_value(r, query.sort) is None),
                   key=lambda r: r["f"].area.name.lower())
    valued.sort(key=lambda r: (_sort_value(r, query.sort), r["f"].area.name.lower()),
                reverse=query.order == "desc")
    return valued + empty


def filters(rows: list[dict], query: TableQuery, regions) -> dict:
    """The choices of the filter form, each with how many areas it would show (given the
    other filter as chosen), and how many are shown now."""
    def count(region, compared):
        return len(apply(rows, TableQuery(query.sort, query.order, region, compared)))

    return {
        "regions": [{"code": r.area.code, "name": r.area.name,
                     "count": count(r.area.code, query.compared),
                     "selected": r.area.code == query.region} for r in regions],
        "all_regions": count(None, query.compared),
        "compared": [{"value": None, "label": "Every area", "count": count(query.region, None),
                      "selected": query.compared is None},
                     {"value": "yes", "label": "Compared", "count": count(query.region, "yes"),
                      "selected": query.compared == "yes"},
                     {"value": "no", "label": "Not compared",
                      "count": count(query.region, "no"), "selected": query.compared == "no"}],
        "total": len(rows),
    }
