"""SEND Tribunal appeals in words and table rows, shared by the terminal, the report and the
website (copro.appeals holds the figures; this says them)."""

from __future__ import annotations

from copro.appeals import AppealAssociation, AppealFindings, AppealPoint, AppealSeries
from copro.render.numbers import MISSING

METHOD_LABEL = {"old": "old method", "new": "new method"}
HEADERS = ["Year", "Method", "Appeals", "Appealable decisions", "Appeal rate %, 95% CI",
           "Neighbours' pooled rate % (and how many of 10)", "England %"]


def _pct(x: float | None) -> str:
    return MISSING if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return MISSING if x is None else f"{100 * x:.1f}"


def rate_cell(p) -> str:
    """'6.4 (5.5–7.4)': the rate in % and its interval, as the other tables write them."""
    if p.rate is None:
        return MISSING
    return f"{_num(p.rate)} ({_num(p.ci_low)}–{_num(p.ci_high)})"


def _n(x: int | None) -> str:
    return MISSING if x is None else f"{x:,}"


def series_rows(appeals: AppealFindings, s: AppealSeries) -> list[list[str]]:
    """One row per year and method, old method first in 2024; a flag or a missing figure's
    reason follows the rate ('*' with the note below the table)."""
    rows = []
    for p, n, e in zip(s.points, s.neighbours or [None] * len(s.points), appeals.england,
                       strict=True):
        rate = rate_cell(p) if p.rate is not None else (p.missing or MISSING)
        if p.flag:
            rate += " * flagged"
        rows.append([str(p.year), p.method, _n(p.appeals), _n(p.decisions), rate,
                     MISSING if n is None or n.rate is None
                     else f"{_num(n.rate)} [{n.neighbours}]",
                     _num(e.rate) + (" *" if e.flag else "")])
    return rows


def series_notes(appeals: AppealFindings, s: AppealSeries) -> list[str]:
    """The words that go with the table: the change of method, every flag, predecessors."""
    out = ["The method changed in 2024: to 2024 appealable decisions assumed an annual review "
           "of every plan; from 2024 they count the annual reviews actually completed, about "
           "half as many, so the same appeals give about twice the rate. 2024 is shown on "
           "both; the two methods are separate series, not one line."]
    for p in s.points:
        if p.flag:
            out.append(f"{s.area_name} {p.year} ({METHOD_LABEL[p.method]}) flagged: {p.flag}.")
    for p in appeals.england:
        if p.flag:
            out.append(f"England {p.year} ({METHOD_LABEL[p.method]}): {p.flag}.")
    for h in s.predecessors:
        years = [p for p in h.points if p.rate is not None or p.appeals is not None]
        if years:
            text = "; ".join(f"{p.year} {_n(p.appeals)} of {_n(p.decisions)}"
                             + (f" ({_pct(p.rate)})" if p.rate is not None else "")
                             for p in years)
            out.append(f"Before it, {h.area_name} (ended {h.ended}), its own figures, not "
                       f"added into these: {text}.")
    out.extend(s.notes)
    out.append(appeals.flag_rule)
    return out


def latest(s: AppealSeries) -> AppealPoint | None:
    return next((p for p in reversed(s.points) if p.rate is not None), None)


def series_sentence(s: AppealSeries) -> str:
    p = latest(s)
    if p is None:
        return f"No appeal rate is published for {s.area_name}."
    return (f"SEND Tribunal appeals, {p.year}: {p.appeals:,} appeals registered of "
            f"{p.decisions:,} appealable decisions, an appeal rate of {_pct(p.rate)} "
            f"(95% interval {_pct(p.ci_low)} to {_pct(p.ci_high)}; {METHOD_LABEL[p.method]})"
            + (" — flagged, see below" if p.flag else "") + ".")


def left_out_line(a: AppealAssociation) -> str:
    """How many authorities the association leaves out, counted by each reason: not compared
    on the gap (by why), no appeal rate, or a flagged appeal rate."""
    by_reason: dict[str, int] = {}
    for _code, _name, reason in (*a.not_compared, *a.left_out):
        if reason.startswith("not compared: "):
            why = f"not compared ({reason.removeprefix('not compared: ')})"
        elif "flagged" in reason:
            why = f"with a flagged {a.year} appeal rate"
        else:
            why = "with " + reason.split(" (")[0]
        by_reason[why] = by_reason.get(why, 0) + 1
    if not by_reason:
        return "Left out: none."
    parts = [f"{n} {why}" for why, n in sorted(by_reason.items(), key=lambda x: (-x[1], x[0]))]
    gone = len(a.left_out) + len(a.not_compared)
    return (f"Left out: {gone} of the {a.k + gone} local authorities: "
            + "; ".join(parts) + ".")


def association_lines(a: AppealAssociation) -> list[str]:
    return [a.summary,
            f"Method: {a.method}; {a.k} local authorities, each weighted by its log ratio's "
            f"sampling variance and a between-area variance (tau² {a.tau2:.4f}, residual "
            f"I² {100 * a.i2:.0f}%). Slope {a.slope:+.4f} per percentage point "
            f"(95% CI {a.slope_ci_low:+.4f} to {a.slope_ci_high:+.4f}, p = {a.slope_p:.2g}); "
            f"with Knapp-Hartung's interval {a.knapp_hartung_ci_low:+.4f} to "
            f"{a.knapp_hartung_ci_high:+.4f}.",
            a.moderator_error,
            left_out_line(a),
            a.caveat]


#: The per-year CSV columns (the audit's area CSV and the LA page's CSV).
APPEAL_CSV_HEADER = ["area_code", "area_name", "year", "method", "appeals", "decisions", "rate",
                     "ci_low", "ci_high", "published_rate", "flag", "missing",
                     "neighbours_rate", "neighbours_ci_low", "neighbours_ci_high",
                     "neighbours_count", "england_rate"]


def appeal_csv_rows(appeals: AppealFindings | None, code: str) -> list[list]:
    s = appeals.of(code) if appeals is not None else None
    if s is None:
        return []
    out = []
    for p, n, e in zip(s.points, s.neighbours or [None] * len(s.points), appeals.england,
                       strict=True):
        out.append([s.area_code, s.area_name, p.year, p.method, p.appeals, p.decisions, p.rate,
                    p.ci_low, p.ci_high, p.published_rate, p.flag, p.missing,
                    n and n.rate, n and n.ci_low, n and n.ci_high, n and n.neighbours, e.rate])
    return out


def appeals_document(appeals: AppealFindings | None, code: str) -> dict | None:
    """One authority's appeals for JSON: its series, England's, the sources and the rule."""
    from copro.render.json_out import to_plain

    s = appeals.of(code) if appeals is not None else None
    if s is None:
        return None
    return {"series": to_plain(s), "england": to_plain(appeals.england),
            "sources": to_plain(appeals.sources), "attribution": appeals.attribution,
            "methods": appeals.methods, "flag_rule": appeals.flag_rule}
