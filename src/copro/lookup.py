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
    by_name = {normalise_name(f.area.name): f.area.name for f in areas}
    close = difflib.get_close_matches(q, list(by_name), n=5, cutoff=0.6)
    close += [by_name[n] for n in by_name if q and q in n and by_name[n] not in close][:5]
    suggestions = [by_name.get(c, c) for c in close]
    hint = f"; did you mean {', '.join(dict.fromkeys(suggestions))}?" if suggestions else (
        "; give a local authority's name, its ONS code (e.g. E06000046) or its 3-digit DfE code")
    raise CoproError(f"no area called '{query}' in {findings.provenance.source}{hint}")
