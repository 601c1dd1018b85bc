"""The weighted families' figures and the partnership items' reliability as plain data, for
JSON, CSV and the templates (beside :func:`copro.web.survey.published.level_document`)."""

from __future__ import annotations

import math

from copro.stats import calibration as cal
from copro.survey import weighted as wt

MARGIN_LABELS = {"rows": "who made the request", "columns": "what was decided"}


def _num(x, digits=4):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, digits)


def figure_document(f: cal.WeightedFigure | None) -> dict | None:
    if f is None:
        return None
    shown = f.withheld is None
    return {"answers": f.answers if shown else None, "estimate": _num(f.estimate),
            "ci_low": _num(f.ci_low), "ci_high": _num(f.ci_high),
            "effective_n": _num(f.effective_n, 1) if shown else None, "method": f.method,
            "withheld": f.withheld}


def weighted_document(w: wt.WeightedFigures | None) -> dict | None:
    """The weighted figures of one LA's families, or None where none are computed."""
    if w is None:
        return None
    doc = {"weighting": "weighted" if w.method else w.not_weighted,
           "method": w.method, "description": w.description, "caveat": w.caveat,
           "timing": wt.TIMING, "not_weighted": w.not_weighted,
           "tolerance_points": (cal.MARGIN_TOLERANCE * 100
                                if math.isfinite(cal.MARGIN_TOLERANCE) else None),
           "margin_gaps": [gap_document(margin, w.gaps[margin], w.met[margin])
                           for margin in w.gaps] or None,
           "respondents_weighted": w.respondents if w.method else None,
           "effective_n": _num(w.effective_n, 1),
           "who_answered_vs_who_asked": [], "mix_gap": None, "top_two": {}, "shares": {},
           "partnership": None}
    if w.method is None:
        return doc
    for margin in ("rows", "columns"):
        for category, share in w.population_mix[margin].items():
            doc["who_answered_vs_who_asked"].append({
                "margin": MARGIN_LABELS[margin], "category": category,
                "label": wt.LABELS[category],
                "respondents_share": _num(w.respondents_mix[margin][category]),
                "weighted_share": figure_document(
                    w.weighted_mix.get(margin, {}).get(category)),
                "dfe_share": _num(share)})
    doc["mix_gap"] = mix_gap(w)
    doc["top_two"] = {q: figure_document(f) for q, f in w.top_two.items()}
    doc["shares"] = {q: {v: figure_document(f) for v, f in options.items()}
                     for q, options in w.shares.items()}
    doc["partnership"] = figure_document(w.partnership)
    return doc


def gap_document(margin: str, gap: cal.MarginGap | None, met: bool) -> dict:
    """One margin's largest gap between the weighted mix and DfE's, in percentage points
    (``None`` where stating it could reveal fewer families' answers than the threshold)."""
    return {"margin": MARGIN_LABELS[margin],
            "category": gap.category if gap else None,
            "weighted_share": _num(gap.weighted) if gap else None,
            "dfe_share": _num(gap.dfe) if gap else None,
            "gap_points": _num(gap.points, 2) if gap else None,
            "within_tolerance": met}


def mix_gap(w: wt.WeightedFigures) -> str:
    """The weighted mix against DfE's, in words, for weighted figures (every margin is then
    within :data:`copro.stats.calibration.MARGIN_TOLERANCE`: figures whose mix misses are not
    weighted)."""
    limit = f"{cal.MARGIN_TOLERANCE * 100:g} point"
    stated = [g for g in w.gaps.values() if g is not None]
    largest = ""
    if stated:
        worst = max(stated, key=lambda g: g.points)
        label = "largest gap" if len(stated) == len(w.gaps) else "largest gap that can be shown"
        largest = (f" ({label}: {worst.points:.1f} points, for "
                   f"“{wt.LABELS[worst.category]}”)")
    return (f"Weighted, the families' mix of who made the request and of what was decided "
            f"matches DfE's within {limit}{largest}; where it would not, the figures are not "
            f"weighted.")


def reliability_document(r) -> dict | None:
    from copro.stats.reliability import READING

    if r is None:
        return None
    shown = r.not_computed is None
    return {"complete_sets": r.complete_sets if shown else None, "items": r.items,
            "alpha": _num(r.alpha), "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high),
            "method": r.method, "not_computed": r.not_computed, "reading": READING}


def csv_rows(area: str, audience: str, doc: dict):
    """The weighted figures and the reliability in the long CSV's columns (see
    :data:`copro.web.survey.published.CSV_HEADER`); a weighted figure's effective sample size
    is in its ``base``."""
    r = doc.get("reliability")
    if r:
        yield (area, audience, "partnership_alpha", "", "", r["complete_sets"],
               "respondents who answered every partnership item", r["alpha"], r["ci_low"],
               r["ci_high"], r["method"], r["not_computed"] or "")
    w = doc.get("weighted")
    if not w:
        return
    state = "weighted" if w["method"] else "not weighted"
    yield (area, audience, "weighting", state, "", w["respondents_weighted"],
           "families weighted to DfE's counts; estimate is Kish's effective sample size",
           w["effective_n"], None, None, w["description"], w["not_weighted"] or "")
    for g in w["margin_gaps"] or ():
        yield (area, audience, "margin_gap_points", g["margin"], g["category"] or "", None,
               "largest gap between the weighted mix and DfE's, in percentage points",
               g["gap_points"], None, None,
               "within tolerance" if g["within_tolerance"] else "misses",
               "" if g["gap_points"] is not None
               else "withheld: could reveal fewer families' answers than the threshold")
    for m in w["who_answered_vs_who_asked"]:
        yield (area, audience, "respondents_mix", m["margin"], m["category"], None,
               "share of every family who answered the question (as answered, unweighted)",
               m["respondents_share"], None, None, "", "")
        f = m["weighted_share"]
        if f:
            yield (area, audience, "weighted_mix", m["margin"], m["category"], f["answers"],
                   "share of the families weighted, by weight", f["estimate"], f["ci_low"],
                   f["ci_high"], f["method"], f["withheld"] or "")
        yield (area, audience, "dfe_mix", m["margin"], m["category"], None,
               "share of DfE's requests", m["dfe_share"], None, None, "", "")

    def base(f):
        return (f"weighted families who answered (effective n {f['effective_n']})"
                if f["effective_n"] is not None else "weighted families who answered")

    for qid, f in w["top_two"].items():
        yield (area, audience, "weighted_top_two_share", qid, "engaging or co_producing",
               f["answers"], base(f), f["estimate"], f["ci_low"], f["ci_high"], f["method"],
               f["withheld"] or "")
    for qid, options in w["shares"].items():
        for value, f in options.items():
            yield (area, audience, "weighted_share", qid, value, f["answers"], base(f),
                   f["estimate"], f["ci_low"], f["ci_high"], f["method"], f["withheld"] or "")
    f = w["partnership"]
    if f:
        yield (area, audience, "weighted_partnership_score", "", "", f["answers"], base(f),
               f["estimate"], f["ci_low"], f["ci_high"], f["method"], f["withheld"] or "")


def level_keys(level) -> dict:
    """The keys this module adds to a level's document: ``reliability`` where the level has a
    partnership score, ``weighted`` for one LA's families."""
    out = {}
    if getattr(level, "reliability", None) is not None:
        out["reliability"] = reliability_document(level.reliability)
    if getattr(level, "weighted", None) is not None:
        out["weighted"] = weighted_document(level.weighted)
    return out
