"""The register of local authorities: codes, names and regions, from the bundled DfE data."""

from __future__ import annotations

import difflib
import re
from functools import cache

from copro.counts import Area, Level
from copro.errors import CoproError


@cache
def local_authorities() -> tuple[Area, ...]:
    """Every local authority in the bundled DfE file (153 in 2025), alphabetical."""
    from copro.sources.dfe import bundled_dfe_path, read_dfe_requests

    areas = read_dfe_requests(bundled_dfe_path()).areas.values()
    return tuple(sorted((a for a in areas if a.level is Level.LOCAL_AUTHORITY),
                        key=lambda a: a.name))


def normalise_name(text: str) -> str:
    """Lower case, '&' as 'and', punctuation as spaces: how names are matched."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower().replace("&", "and")).split())


def find_local_authority(query: str) -> Area:
    """A local authority by name, ONS code or 3-digit DfE code (case-insensitive)."""
    q = normalise_name(query)
    for a in local_authorities():
        if q in (normalise_name(a.name), a.code.lower(), (a.old_la_code or "").lower()):
            return a
    names = {normalise_name(a.name): a.name for a in local_authorities()}
    close = [names[n] for n in difflib.get_close_matches(q, list(names), n=3, cutoff=0.6)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise CoproError(f"no local authority called '{query}'{hint}")


def slug(area: Area) -> str:
    """A file-name-safe label: 'E08000035-leeds'."""
    return f"{area.code}-{normalise_name(area.name).replace(' ', '-')}"
