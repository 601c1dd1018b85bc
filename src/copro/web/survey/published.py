"""Published survey results: an LA's page of perceived figures beside its measured ratio (and
how its families feel beside what happened to their requests), and, across LAs, whether LAs
where families feel more involved treat their requests more equally; each as HTML, JSON and
CSV. Only published rounds count, and only
figures from at least 10 answers are shown (see :mod:`copro.survey.results`)."""

from __future__ import annotations

import csv
import io
import json
import math

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from copro.stats import survey as st
from copro.survey.instrument import AUDIENCES, load_instrument
from copro.web.survey import finding, store, weighted_doc

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


#: The level above one LA in the survey's results: every published round pooled, so the LAs
#: that have been surveyed (not England).
ALL_SURVEYED = "all_surveyed"


def _num(x, digits=4):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, digits)


def _rate(r):
    if r is None:
        return None
    return {"successes": r.successes, "answers": r.trials, "estimate": _num(r.estimate),
            "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high), "method": r.method}


def base_phrase(question) -> str:
    """Who a share of this question is out of, in words ('of 18 ...'): the answers that chose a
    counted option; the options left out of every base are named."""
    if question.measure == "ladder":
        who = "who placed themselves on the ladder"
    elif question.measure == "belief":
        who = "who gave a view"
    else:
        who = "who answered"
    return who


def left_out_labels(question) -> list[str]:
    """The options never in a share's base ("Don't know", "Prefer not to say")."""
    return [o.label for o in question.options if o.missing]


def level_document(level) -> dict:
    """One level's figures as plain data (what JSON, CSV and the templates read). Every share
    carries its base: ``answers`` (how many it is out of) and ``base`` (who they are)."""
    if level is None:  # nobody answered: nothing is withheld
        return {"responses": 0, "withheld": None}
    instrument = load_instrument()
    doc = {"area_code": level.area_code, "audience": level.audience,
           "responses": None if level.responses_withheld else level.responses,
           "withheld": st.WITHHELD if level.responses_withheld else None,
           "local_authorities": level.areas, "distributions": {}, "top_two": {}}
    for qid, d in level.distributions.items():
        q = instrument.question(qid)
        doc["distributions"][qid] = {
            "answers": None if d.withheld else d.answers, "base": base_phrase(q),
            "left_out": None if d.withheld else d.left_out,
            "left_out_options": left_out_labels(q), "withheld": d.withheld,
            "shares": {s.value: _rate(s.rate) for s in d.shares}}
    for qid, p in level.top_two.items():
        doc["top_two"][qid] = {"answers": None if p.withheld else p.answers,
                               "base": base_phrase(instrument.question(qid)),
                               "withheld": p.withheld, "share": _rate(p.rate)}
    if level.partnership is not None:
        m = level.partnership
        doc["partnership"] = {"answers": None if m.withheld else m.answers,
                              "base": "respondents who answered at least half the items",
                              "withheld": m.withheld, "mean": _num(m.estimate),
                              "ci_low": _num(m.ci_low), "ci_high": _num(m.ci_high),
                              "method": f"{m.method}; {m.note}" if m.note else m.method}
    if level.reported_agreed is not None:
        m = level.reported_agreed
        doc["reported_share_agreed"] = {
            "respondents": None if m.withheld else m.answers,
            "base": "respondents who reported requests made", "withheld": m.withheld,
            "estimate": _num(m.estimate), "ci_low": _num(m.ci_low), "ci_high": _num(m.ci_high),
            "method": f"{m.method}; {m.note}" if m.note else m.method,
            "of": "requests agreed of requests made in the last 12 months, as reported"}
    if level.beliefs is not None:
        b = level.beliefs
        doc["beliefs_against_data"] = {
            "answers": None if b.withheld else b.answers,
            "base": base_phrase(next(iter(instrument.measure("belief")))),
            "withheld": b.withheld,
            "believe_schools_favoured": _rate(b.believe_schools),
            "believe_parents_favoured": _rate(b.believe_parents),
            "believe_about_the_same": _rate(b.believe_same),
            "measured_ratio": None if b.measured is None else {
                "estimate": _num(b.measured.estimate), "ci_low": _num(b.measured.ci_low),
                "ci_high": _num(b.measured.ci_high), "method": b.measured.method,
                "of": "assessment rate, education settings over families"},
            "data_favour": b.data_favours, "share_whose_belief_the_data_bear_out":
                _rate(b.right)}
    if level.feeling is not None:
        doc["feeling_and_outcome"] = feeling_document(level.feeling)
    doc.update(weighted_doc.level_keys(level))
    return doc


def feeling_document(f: st.FeelingAndOutcome) -> dict:
    """One LA's families: how they feel beside what happened to their requests, as data."""
    p, rel = f.perceived, f.families_relative
    return {
        "perceived": {"figure": "families' share at the top two rungs of the ladder (engaging "
                                "or co-producing)",
                      "answers": None if p.withheld else p.answers,
                      "base": "families who placed themselves on the ladder",
                      "withheld": p.withheld, "share": _rate(p.rate), "reading": f.feeling},
        "measured": None if rel is None else {
            "figure": "families' assessment rate relative to schools' (DfE)",
            "estimate": _num(rel[0]), "ci_low": _num(rel[1]), "ci_high": _num(rel[2]),
            "method": f"the inverse of {f.measured.method}", "reading": f.outcome},
        "pointing": f.pointing, "sentence": f.sentence(), "rule": f.rule}


def _csv_rows(doc: dict):
    """Long format: one row per figure, each share with its base (``answers``, out of how many,
    and ``base``, who they are)."""
    # the level above the LA pools every published round: the LAs surveyed, not England
    area, audience = doc.get("area_code") or ALL_SURVEYED, doc.get("audience") or "all"
    yield (area, audience, "responses", "", "", doc.get("responses"), "respondents", None, None,
           None, "", doc.get("withheld") or "")
    for qid, d in doc.get("distributions", {}).items():
        if d["withheld"]:
            yield (area, audience, "share", qid, "", None, d["base"], None, None, None, "",
                   d["withheld"])
        for value, r in d["shares"].items():
            yield (area, audience, "share", qid, value, r["answers"], d["base"], r["estimate"],
                   r["ci_low"], r["ci_high"], r["method"], "")
        if not d["withheld"]:
            yield (area, audience, "left_out_of_base", qid, "", d["left_out"],
                   "answers left out of the base", None, None, None, "", "")
    for qid, p in doc.get("top_two", {}).items():
        r = p["share"] or {}
        yield (area, audience, "top_two_share", qid, "engaging or co_producing",
               p["answers"], p["base"], r.get("estimate"), r.get("ci_low"), r.get("ci_high"),
               r.get("method", ""), p["withheld"] or "")
    if "partnership" in doc:
        m = doc["partnership"]
        yield (area, audience, "partnership_score", "", "", m["answers"], m["base"], m["mean"],
               m["ci_low"], m["ci_high"], m["method"], m["withheld"] or "")
    if "reported_share_agreed" in doc:
        m = doc["reported_share_agreed"]
        yield (area, audience, "reported_share_agreed", "requests_agreed", "",
               m["respondents"], m["base"], m["estimate"], m["ci_low"], m["ci_high"],
               m["method"], m["withheld"] or "")
    if "beliefs_against_data" in doc:
        b = doc["beliefs_against_data"]
        for figure in ("believe_schools_favoured", "believe_parents_favoured",
                       "believe_about_the_same", "share_whose_belief_the_data_bear_out"):
            r = b[figure] or {}
            if b["withheld"] or r:
                yield (area, audience, figure, "who_is_favoured", "", b["answers"], b["base"],
                       r.get("estimate"), r.get("ci_low"), r.get("ci_high"),
                       r.get("method", ""), b["withheld"] or "")
    if "feeling_and_outcome" in doc:
        f = doc["feeling_and_outcome"]
        p, r = f["perceived"], f["perceived"]["share"] or {}
        yield (area, audience, "feeling_top_two_share", "ladder", p["reading"] or "",
               p["answers"], p["base"], r.get("estimate"), r.get("ci_low"), r.get("ci_high"),
               r.get("method", ""), p["withheld"] or "")
        if f["measured"]:
            m = f["measured"]
            yield (area, audience, "outcome_families_relative_to_schools", "dfe_assessment_rate",
                   m["reading"], None, "requests counted by DfE", m["estimate"], m["ci_low"],
                   m["ci_high"], m["method"], "")
        yield (area, audience, "feeling_and_outcome_point", "", f["pointing"], None,
               f["sentence"], None, None, None, f["rule"], "")
    yield from weighted_doc.csv_rows(area, audience, doc)


CSV_HEADER = ("area_code", "audience", "figure", "question", "option", "answers", "base",
              "estimate", "ci_low", "ci_high", "method", "withheld")


def _data_response(fmt: str, document: dict, rows, filename: str) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(document, ensure_ascii=False, allow_nan=False)
    else:
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(CSV_HEADER if rows is not None else ())
        out.writerows(["" if v is None else v for v in row] for row in rows)
        body = buf.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    if fmt == "csv":
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _questions_shown(instrument, audience: str, doc: dict) -> list[dict]:
    """Each question's distribution for the page: the question as this audience read it, each
    option by its label, and the base (and, for one LA's families, the weighted share)."""
    out = []
    weighted = (doc.get("weighted") or {}).get("shares", {})
    for qid, d in doc.get("distributions", {}).items():
        q = instrument.question(qid)
        out.append({"id": qid, "text": q.text(audience), "entry": d,
                    "weighted": bool(weighted.get(qid)),
                    "rows": [(q.option(v).label, {**d, "share": r},
                              weighted.get(qid, {}).get(v))
                             for v, r in d["shares"].items()],
                    "left_out_options": " or ".join(f"“{x}”" for x in d["left_out_options"])})
    return out


def area_context(results, code: str) -> dict:
    """What the LA page's results block and the results page show."""
    instrument = load_instrument()
    levels = []
    for audience in AUDIENCES:
        level = results.level(code, audience)
        levels.append({"audience": audience,
                       "label": instrument.audiences[audience].label,
                       "doc": level_document(level), "level": level})
    surveyed = []
    for audience in AUDIENCES:
        level = results.level(None, audience)
        surveyed.append({"audience": audience,
                         "label": f"Every LA surveyed: "
                                  f"{instrument.audiences[audience].label.lower()}",
                         "doc": level_document(level), "level": level})
    for x in levels:
        x["questions"] = _questions_shown(instrument, x["audience"], x["doc"])
    measured = store.measured_ratios().get(code)
    name = store.local_authorities().get(code, code)
    families = levels[AUDIENCES.index("families")]["doc"]
    return {"code": code, "levels": levels, "all_surveyed": surveyed, "caveat": results.caveat,
            "finding": finding.finding(area_document(results, code)[0], name),
            "weighted_summary": finding.weighted_summary(families),
            "reliability_summary": finding.reliability_summary(levels),
            "measured": measured,
            "min_answers": st.MIN_ANSWERS, "instrument": instrument,
            "any_shown": any(x["level"] is not None and not x["level"].responses_withheld
                             for x in levels)}


def area_document(results, code: str) -> tuple[dict, list[tuple]]:
    """One LA's published survey figures as data, beside those of every LA surveyed: the
    document (JSON) and its rows in long format (CSV, :data:`CSV_HEADER`). Used by the survey's
    results page and by the LA page's JSON and CSV."""
    docs = [level_document(results.level(code, a)) for a in AUDIENCES]
    for d, a in zip(docs, AUDIENCES, strict=True):
        d.setdefault("area_code", code)
        d.setdefault("audience", a)
    surveyed = [level_document(results.level(None, a)) for a in AUDIENCES]
    for d, a in zip(surveyed, AUDIENCES, strict=True):
        d.setdefault("audience", a)
    document = {"caveat": results.caveat, "min_answers": st.MIN_ANSWERS,
                "instrument_version": results.version, "levels": docs, "all_surveyed": surveyed}
    return document, [r for d in docs + surveyed for r in _csv_rows(d)]


@require_safe
def area_results(request, code, suffix=None):
    code = code.upper()
    name = store.local_authorities().get(code)
    if name is None:
        raise Http404("No such local authority")
    results = store.published_results()
    fmt = (suffix or ".html").lstrip(".")
    if fmt != "html":
        document, rows = area_document(results, code)
        return _data_response(fmt, {"area_code": code, "area_name": name, **document}, rows,
                              f"copro-survey-{code}")
    ctx = area_context(results, code)
    ctx.update({"page_title": f"{name}: what families and professionals say",
                "area_name": name,
                "description": f"Survey results for {name}, beside the DfE figures."})
    return render(request, "survey/results.html", ctx)


def across_document(results, names: dict[str, str]) -> dict:
    """Across LAs, as data: each LA's point and the correlation with its interval."""
    a = results.across
    points = []
    for p in a.points:
        rel = (1 / p.measured.estimate, 1 / p.measured.ci_high, 1 / p.measured.ci_low)
        points.append({"area_code": p.area_code, "area_name": names.get(p.area_code, p.area_code),
                       "perceived": _rate(p.perceived),
                       "families_relative_to_schools": {
                           "estimate": _num(rel[0]), "ci_low": _num(rel[1]),
                           "ci_high": _num(rel[2]),
                           "method": f"the inverse of {p.measured.method}"}})
    return {"question": a.question, "caveat": results.caveat, "min_answers": st.MIN_ANSWERS,
            "min_local_authorities": st.MIN_AREAS,
            "perceived": "families' share at the top two rungs of the ladder "
                         "(engaging or co-producing)",
            "measured": "families' assessment rate relative to schools' (DfE)",
            "points": points,
            "correlation": {"estimate": _num(a.estimate), "ci_low": _num(a.ci_low),
                            "ci_high": _num(a.ci_high), "method": a.method,
                            "answer": a.answer, "local_authorities": len(a.points),
                            "not_computed": a.not_computed, "note": a.note}}


@require_safe
def feeling_and_outcome(request, suffix=None):
    from copro.web.survey.figures import gap_svg

    results = store.published_results()
    names = store.local_authorities()
    document = across_document(results, names)
    fmt = (suffix or ".html").lstrip(".")
    if fmt != "html":
        rows = [(p["area_code"], "families", "feeling_and_outcome_point", "ladder",
                 p["area_name"], p["perceived"]["answers"],
                 "families who placed themselves on the ladder", p["perceived"]["estimate"],
                 p["perceived"]["ci_low"], p["perceived"]["ci_high"],
                 "families' rate relative to schools' "
                 f"{p['families_relative_to_schools']['estimate']} "
                 f"({p['families_relative_to_schools']['ci_low']} to "
                 f"{p['families_relative_to_schools']['ci_high']})", "")
                for p in document["points"]]
        c = document["correlation"]
        rows.append((ALL_SURVEYED, "families", "correlation_feeling_and_outcome", "", "",
                     c["local_authorities"], "local authorities", c["estimate"], c["ci_low"],
                     c["ci_high"], c["method"], c["not_computed"] or ""))
        return _data_response(fmt, document, rows, "copro-feeling-and-outcome")
    return render(request, "survey/feeling_and_outcome.html", {
        "page_title": "Do LAs where families feel more involved treat their requests more "
                      "equally?",
        "description": "Families' perceived partnership in each local authority against their "
                       "requests' assessment rate relative to schools'.",
        "doc": document, "svg": gap_svg(results.across, names) if results.across.points else "",
        "across": results.across})


@require_safe
def illusion_gap_moved(request, suffix=None):
    """The old address of the across-LA page: moved permanently."""
    from django.shortcuts import redirect

    if suffix:
        return redirect("feeling-and-outcome-data", suffix, permanent=True)
    return redirect("feeling-and-outcome", permanent=True)
