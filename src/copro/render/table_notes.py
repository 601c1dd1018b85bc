"""Short notes for a table of every local authority (the report's index, the website's): why
an area was not compared, where its source was partly recorded, and where a group's rate lies
outside the funnel plot's 99.8% limits; each short enough for a narrow column, explained by
:data:`LEGEND` under the table. Pages about one area give the same facts in full sentences."""

from __future__ import annotations

from copro.findings import Findings
from copro.render.numbers import pct

#: What the table's marks mean, for the text under it.
LEGEND = ("“Unusually high”, “unusually low”: the group's rate is further from the national "
          "rate than chance would explain for a council of its size (outside the funnel plot's "
          "exact 99.8% limits; common, as councils differ more than chance explains); ‡ (in "
          "red): still outside once that real variation between councils (over-dispersion) is "
          "allowed for.")


#: Short notes for the table of every local authority (explained under the table).
SHORT_REASONS = {
    "suppressed": "Not compared: figures withheld",
    "source_not_recorded": "Not compared: source not recorded",
    "too_few_requests": "Not compared: too few requests",
}


def short_notes(findings: Findings) -> dict[str, list[tuple[str, bool]]]:
    """Per local authority, short notes (text, is a flag): why it was not compared, partly
    recorded sources, and where a group's rate lies outside the exact 99.8% funnel limits (a
    flag, marked ‡, only when it stays outside the limits allowing for over-dispersion)."""
    pooled = findings.pooled[findings.primary]
    notes: dict[str, list] = {f.area.code: [] for f in findings.local_authorities}
    for x in pooled.coverage.not_comparable:
        notes[x.area.code].append((SHORT_REASONS.get(x.reason, "Not compared"), False))
    for area, share in pooled.coverage.partly_recorded:
        notes[area.code].append((f"Source unknown for {pct(share, 0)}", False))
    for group, funnel in pooled.funnels.items():
        for p in funnel.flagged:
            # flagged (shown in red) only where the rate stays outside once the real variation
            # between authorities is allowed for: outside the exact limits alone is common
            still = p.band_additive != "within"
            notes[p.area_code].append(
                (f"{group.label}' rate unusually "
                 f"{'high' if p.band.startswith('above') else 'low'}{' ‡' if still else ''}",
                 still))
    return notes
