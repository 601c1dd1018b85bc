"""Short notes for a table of every local authority (the report's index, the website's): why
an area was not compared, where its source was partly recorded, and where a group's rate lies
outside the funnel plot's 99.8% limits; each short enough for a narrow column, explained by
:data:`LEGEND` under the table. Pages about one area give the same facts in full sentences."""

from __future__ import annotations

from copro.findings import Findings
from copro.render.numbers import pct

#: What the table's marks mean, for the text under it.
LEGEND = "‡: still outside the 99.8% limits once over-dispersion is allowed for."


#: Short notes for the table of every local authority (explained under the table).
SHORT_REASONS = {
    "suppressed": "Not compared: figures withheld",
    "source_not_recorded": "Not compared: source not recorded",
    "too_few_requests": "Not compared: too few requests",
}


def short_notes(findings: Findings) -> dict[str, list[tuple[str, bool]]]:
    """Per local authority, short notes (text, is a flag): why it was not compared, funnel
    flags (‡ when still outside the limits allowing for over-dispersion), partly recorded
    sources."""
    pooled = findings.pooled[findings.primary]
    notes: dict[str, list] = {f.area.code: [] for f in findings.local_authorities}
    for x in pooled.coverage.not_comparable:
        notes[x.area.code].append((SHORT_REASONS.get(x.reason, "Not compared"), False))
    for area, share in pooled.coverage.partly_recorded:
        notes[area.code].append((f"Source unknown for {pct(share, 0)}", False))
    for group, funnel in pooled.funnels.items():
        for p in funnel.flagged:
            still = " ‡" if p.band_additive != "within" else ""
            notes[p.area_code].append(
                (f"{group.label} {p.band.split()[0]} 99.8% limit{still}", True))
    return notes
