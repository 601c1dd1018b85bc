"""Finding an area by name or code, with suggestions for near misses.

A query is first an area as the data name it (England, a region or a local authority, by name,
ONS code or DfE code), then whatever the register (:mod:`copro.register`) says it means: an older
ONS code (E10000027 is Somerset), a council's full name ('Leeds City Council'), a short name
('Bucks', 'Hull'), a short name shared by several ('Northants'), or an abolished authority
(Cumbria), which means its successors."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from copro.errors import CoproError
from copro.findings import AreaFindings, Findings
from copro.register import Identity, current_successors, normalise_name, resolve


@dataclass(frozen=True)
class Matches:
    """The areas a query names, and the abolished authority it named, if it did."""

    areas: tuple[AreaFindings, ...]
    replaced: Identity | None = None  # 'Cumbria': the areas are its successors

    def note(self) -> str | None:
        """'Cumbria was replaced in 2023 by Cumberland and Westmorland and Furness.'"""
        if self.replaced is None:
            return None
        names = [f.area.name for f in self.areas]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{self.replaced.name} was replaced in {self.replaced.ended} by {listed}."


def matches(findings: Findings, query: str) -> Matches:
    """Every area in ``findings`` that ``query`` names (several for 'Northants' or 'Beds')."""
    q = normalise_name(query)
    areas = findings.all_areas()
    for f in areas:
        codes = (f.area.code.lower(), (f.area.old_la_code or "").lower())
        if q == normalise_name(f.area.name) or q in codes:
            return Matches((f,))
    by_code = {f.area.code: f for f in areas}
    found: list[AreaFindings] = []
    replaced = None
    for identity in resolve(query):
        if identity.code in by_code:  # older data may hold an abolished authority itself
            now = (identity,)
        else:
            now = current_successors(identity)
            replaced = identity if not identity.current else replaced
        found += [by_code[i.code] for i in now if i.code in by_code
                  and by_code[i.code] not in found]
    return Matches(tuple(found), replaced if found else None)


def find_area(findings: Findings, query: str) -> AreaFindings:
    """The one area ``query`` names; a query that names none or several raises
    :class:`CoproError` with one line saying what to give instead."""
    found = matches(findings, query)
    if len(found.areas) == 1:
        return found.areas[0]
    if found.areas:
        listed = [f"{f.area.name} ({f.area.code})" for f in found.areas]
        either = ", ".join(listed[:-1]) + " or " + listed[-1]
        lead = (f"{found.note()[:-1]};" if found.replaced else f"'{query}' may mean {either};")
        raise CoproError(f"{lead} give one of these")
    q = normalise_name(query)
    starts = [f for f in findings.all_areas() if normalise_name(f.area.name).startswith(q)]
    if len(starts) == 1:
        return starts[0]
    close = suggestions(findings, query)
    hint = ("; did you mean " + ", ".join(f"'{f.area.name}'" for f in close) + "?") if close else (
        "; give a local authority's name, its ONS code (e.g. E06000046) or its 3-digit DfE code")
    raise CoproError(f"no area called '{query}' in {findings.provenance.source}{hint}")


def suggestions(findings: Findings, query: str) -> list[AreaFindings]:
    """Up to ten areas for a near miss: names that contain ``query`` (those that begin with it
    first), then names spelt like it."""
    q = normalise_name(query)
    by_name = {normalise_name(f.area.name): f for f in findings.all_areas()}
    containing = sorted((n for n in by_name if q and q in n), key=lambda n: not n.startswith(q))
    close = difflib.get_close_matches(q, list(by_name), n=5, cutoff=0.6)
    return [by_name[n] for n in dict.fromkeys(containing[:5] + close)]
