"""Finding an area by name or code, with suggestions for near misses."""

from __future__ import annotations

import difflib

from copro.errors import CoproError
from copro.findings import AreaFindings, Findings
from copro.register import normalise_name


def find_area(findings: Findings, query: str) -> AreaFindings:
    """The area whose name, ONS code or 3-digit DfE code is ``query`` (case-insensitive)."""
    q = normalise_name(query)
    areas = findings.all_areas()
    for f in areas:
        codes = (f.area.code.lower(), (f.area.old_la_code or "").lower())
        if q == normalise_name(f.area.name) or q in codes:
            return f
    starts = [f for f in areas if normalise_name(f.area.name).startswith(q)]
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
