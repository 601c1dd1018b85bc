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
    doc = {"method": w.method, "description": w.description, "caveat": w.caveat,
           "timing": wt.TIMING, "not_weighted": w.not_weighted,
           "respondents_weighted": w.respondents if w.method else None,
           "effective_n": _num(w.effective_n, 1), "weights_trimmed": w.trimmed,
           "who_answered_vs_who_asked": [], "top_two": {}, "shares": {}, "partnership": None}
    if w.method is None:
        return doc
    for margin in ("rows", "columns"):
        for category, share in w.population_mix[margin].items():
            doc["who_answered_vs_who_asked"].append({
                "margin": MARGIN_LABELS[margin], "category": category,
                "label": wt.LABELS[category],
                "respondents_share": _num(w.respondents_mix[margin][category]),
                "dfe_share": _num(share)})
    doc["top_two"] = {q: figure_document(f) for q, f in w.top_two.items()}
    doc["shares"] = {q: {v: figure_document(f) for v, f in options.items()}
                     for q, options in w.shares.items()}
    doc["partnership"] = figure_document(w.partnership)
    return doc


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
    yield (area, audience, "weighting", w["method"] or "", "", w["respondents_weighted"],
           "families weighted to DfE's counts; estimate is Kish's effective sample size",
           w["effective_n"], None, None, w["description"], w["not_weighted"] or "")
    for m in w["who_answered_vs_who_asked"]:
        for figure, key in (("respondents_mix", "respondents_share"), ("dfe_mix", "dfe_share")):
            yield (area, audience, figure, m["margin"], m["category"], None,
                   "share of respondents weighted" if key == "respondents_share" else
                   "share of DfE's requests", m[key], None, None, "", "")

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
