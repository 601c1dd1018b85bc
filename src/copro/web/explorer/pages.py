"""What each page says, built from copro's findings: a template context for HTML, a document
for JSON and rows for CSV. No statistic is computed here: every number comes from the
``Findings`` that copro's audit engine produced; sentences and figures come from copro.render.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.render import area_table
from copro.render.json_out import findings_dict, to_plain
from copro.render.numbers import ZERO_CORRECTED_NOTE, interval, pct, ratio
from copro.render.sentences import (
    area_sentences,
    beside,
    coverage_sentence,
    covers_england,
    display_name,
    funnel_band,
    headline,
    national_name,
    not_on_funnel,
    plain_answer,
    possessive_of,
    provenance_line,
    scope,
    why_not_compared,
    zero_corrected_in,
)
from copro.render.table_notes import LEGEND as NOTES_LEGEND
from copro.render.table_notes import short_notes
from copro.web.explorer import hexmap

MAX_COMPARE = 4


@dataclass
class Page:
    """One page in its three forms."""

    template: str
    context: dict
    document: dict | list
    header: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    status: int = 200


def area_slug(name: str) -> str:
    from copro.register import normalise_name

    return normalise_name(name).replace(" ", "-")


def funnel_of(findings: Findings):
    return findings.pooled[findings.primary].funnels.get(findings.group_b)


def notes(findings: Findings) -> dict[str, list[str]]:
    """Per local authority, in words: why it was not compared, where its sources were partly
    recorded, where it lies outside the funnel's 99.8% limits (all read from the findings)."""
    pooled = findings.pooled[findings.primary]
    out: dict[str, list[str]] = {f.area.code: [] for f in findings.local_authorities}
    for x in pooled.coverage.not_comparable:
        out[x.area.code].append(f"Not compared: {NOT_COMPARABLE_REASONS[x.reason]} "
                                f"({x.detail}).")
    for area, share in pooled.coverage.partly_recorded:
        out[area.code].append(f"The source was not recorded for {pct(share, 0)} of requests.")
    national = national_name(findings)
    for group, funnel in pooled.funnels.items():
        for p in funnel.flagged:
            text = (f"{group.label}' {pooled.outcome.name} ({pct(p.rate)}) lies "
                    f"{funnel_band(p.band)} of the funnel plot around the rate for {national}, "
                    f"{pct(funnel.limits.target)}")
            if funnel.overdispersion is not None:
                text += ("; still outside the 99.8% limits once the real variation between "
                         "local authorities (over-dispersion) is allowed for"
                         if p.band_additive != "within" else
                         "; within the limits once the real variation between local "
                         "authorities (over-dispersion) is allowed for")
            out[p.area_code].append(text + ".")
    return out


def _provenance(findings: Findings) -> dict:
    return {"provenance": to_plain(findings.provenance), "options": to_plain(findings.options),
            "tool": {"name": "copro", "version": findings.tool_version}}


def _ratio_of(f: AreaFindings, key: str) -> float | None:
    c = f.outcomes[key].comparison
    return None if c is None else c.risk_ratio.estimate


def index_page(findings: Findings, query=None) -> Page:
    """The home page; its table of every local authority sorted and filtered as ``query``
    (a :class:`~copro.web.explorer.tables.TableQuery`; default: alphabetical, every area)."""
    from copro.web.explorer import tables

    query = query or tables.TableQuery()
    key = findings.primary
    outcome = findings.outcome(key)
    a, b = findings.group_a, findings.group_b
    by_code = {f.area.code: f for f in findings.local_authorities}
    area_notes = short_notes(findings)
    labels = _hex_labels(findings)
    bands = _bands(findings)
    whose = "England's" if covers_england(findings) else "the"
    title = (f"Map of {whose} {len(by_code)} local authorities coloured by the ratio of "
             f"{a.label.lower()}' to {b.label.lower()}' {outcome.name}")
    desc = ("Hex map, one hexagon per local authority, roughly in its place in England. "
            + " ".join(f"{x['band'].label.capitalize()}: {x['count']} local authorities."
                       for x in bands)
            + " The table below lists every local authority with its ratio and interval.")
    table = []
    for f in findings.local_authorities:
        out = f.outcomes[key]
        c = out.comparison
        table.append({"f": f, "rate_b": out.rates.get(b), "rate_a": out.rates.get(a),
                      "comparison": c, "notes": area_notes[f.area.code],
                      "why_not": None if c is not None else why_not_compared(findings, f),
                      "neighbours": out.against_neighbours,
                      "band": hexmap.band(_ratio_of(f, key)).label})
    shown = tables.apply(table, query)
    pooled = findings.pooled[key]
    answer = plain_answer(findings, findings.national)
    context = {
        "answer": answer, "answer_figure": _two_rates(findings, findings.national),
        "provenance_line": provenance_line(findings),
        "answer_rates": _answer_rates(findings, findings.national),
        "findings": findings, "headline": headline(findings), "outcome": outcome,
        "hexmap": hexmap.hex_svg(labels, title, desc, href=_la_href(),
                                 uncertain=_uncertain(findings)),
        "hexmap_title": title, "hatched": len(_uncertain(findings)),
        "hatch_swatch": hexmap.swatch("#ffffff", hatched=True),
        "regions": _by_region(findings),
        "hexmap_desc": desc, "bands": bands, "credit": hexmap.CREDIT, "table": shown,
        "table_query": query, "clear_link": query.link(region=None, compared=None),
        "filters": tables.filters(table, query, findings.regions),
        "sorts": {c: {"link": query.sort_link(c), "aria": query.aria_sort(c)}
                  for c in tables.SORTS},
        "notes_legend": NOTES_LEGEND,
        "coverage_sentence": coverage_sentence(pooled),
        "description": headline(findings)[0],
        "scope": scope(findings), "national": national_name(findings),
        "page_title": f"Does it matter who asks? EHC needs assessment requests in "
                      f"{scope(findings)}, {findings.period}",
    }
    return Page("explorer/index.html", context, findings_dict(findings),
                area_table.columns(findings), area_table.rows(findings))


_figures: dict[int, tuple[Findings, object]] = {}


def draw_funnel(findings: Findings):
    """The funnel plot every area page highlights its own point on (matplotlib), or None."""
    from copro.render.figures import funnel_plot
    from copro.render.sentences import compared_codes

    funnel = funnel_of(findings)
    return None if funnel is None else funnel_plot(
        funnel, findings.outcome(findings.primary).name, "funnel", national_name(findings),
        compared=compared_codes(findings), counted=findings.outcome(findings.primary).counted)


def held_funnel(findings: Findings) -> tuple[bool, object]:
    """(True, figure) when this process holds the findings' funnel plot, else (False, None)."""
    held = _figures.get(id(findings))
    return (True, held[1]) if held is not None and held[0] is findings else (False, None)


def hold_funnel(findings: Findings, figure) -> None:
    """Keep a funnel plot drawn (or read from where another process kept it) for findings."""
    _figures[id(findings)] = (findings, figure)


def _funnel_svg(findings: Findings):
    """The funnel plot, drawn once per findings (every area page highlights its own point)."""
    found, figure = held_funnel(findings)
    if not found:
        figure = draw_funnel(findings)
        hold_funnel(findings, figure)
    return figure


def _la_href() -> str:
    """The pattern of an LA page's address (``{code}`` for the code), looked up when a page is
    built (after URLs load), once for all its hexagons."""
    from django.urls import reverse

    return reverse("explorer:area", args=["E00000000"]).replace("E00000000", "{code}")


def _two_rates(findings: Findings, f: AreaFindings):
    from copro.render.dot_figures import two_rates

    return two_rates(findings, f)


def _answer_rates(findings: Findings, f: AreaFindings) -> list[dict]:
    """The two big numbers under the answer: each group's rate as 'N in 100', with its own
    base (requests decided, received...); none for an area not compared (its box says why
    instead)."""
    o = f.outcomes[findings.primary]
    if o.comparison is None:
        return []
    out = []
    for g in (findings.group_b, findings.group_a):
        r = o.rates.get(g)
        if r is None or not r.trials:
            return []
        out.append({"group": g, "rate": r, "whole": round(100 * r.estimate),
                    "base": findings.outcome(findings.primary).base})
    return out


def _hex_labels(findings: Findings) -> dict[str, tuple[str, float | None]]:
    key = findings.primary
    out = {}
    for f in findings.local_authorities:
        r = _ratio_of(f, key)
        out[f.area.code] = (f"{f.area.name}: ratio {ratio(r)}" if r is not None
                            else f"{f.area.name}: not compared", r)
    return out


def neighbours_of(findings: Findings, f: AreaFindings):
    """The area beside its statistical neighbours, region and England (bundled DfE list)."""
    from copro.render.benchmark import benchmark
    from copro.sources.neighbours import bundled_neighbours

    rows = benchmark(findings, f, bundled_neighbours())
    # neighbours none of which are in these data (an FOI or SEN2 audit) are not shown
    if not any(r.kind == "neighbour" and r.why_not != "not in these data" for r in rows):
        return []
    return rows


def area_page(findings: Findings, f: AreaFindings, survey: dict | None = None) -> Page:
    from copro.render.benchmark import (
        CSV_HEADER,
        benchmark_csv_rows,
        benchmark_records,
        benchmark_sentences,
    )
    from copro.render.dot_figures import benchmark_plot, highlight_point
    from copro.sources.neighbours import bundled_neighbours

    a, b = findings.group_a, findings.group_b
    funnel = funnel_of(findings)
    point = None if funnel is None else next(
        (p for p in funnel.points if p.area_code == f.area.code), None)
    figure = _funnel_svg(findings)
    svg = None
    if figure is not None and point is not None:
        marked = highlight_point(figure, f.area.code, f.area.name)
        svg = None if marked is None else marked.svg
    region = findings.region_of(f.area)
    others = beside(findings, f)
    sentences = area_sentences(findings, f)
    groups = (*COMPARABLE_GROUPS, RequesterGroup.ALL)
    scorecard = [{"group": g, "received": f.received.get(g),
                  "rates": [f.outcomes[o.key].rates.get(g) for o in findings.outcomes]}
                 for g in groups]
    # every outcome's ratio, pooled across areas or not (mediation and tribunal rates)
    beside_rows = [{"area": x.area, "name": display_name(findings, x), "outcome": o,
                    "comparison": x.outcomes[o.key].comparison,
                    "reason": NOT_COMPARABLE_REASONS.get(x.outcomes[o.key].not_comparable or ""),
                    "detail": x.outcomes[o.key].not_comparable_detail}
                   for x in (f, *others) for o in findings.outcomes]
    area_notes = notes(findings).get(f.area.code, [])
    bench = neighbours_of(findings, f)
    bench_figure = benchmark_plot(findings, bench)
    bench_sentences = benchmark_sentences(findings, bench)
    listed = bundled_neighbours()
    eb = findings.pooled[findings.primary].empirical_bayes
    answer = plain_answer(findings, f)
    labels = _hex_labels(findings)
    map_title = f"{f.area.name} on the map of local authorities"
    map_desc = (f"Hex map, one hexagon per local authority, coloured by the ratio; "
                f"{f.area.name} is outlined in black and named. "
                f"{labels.get(f.area.code, ('', None))[0]}.")
    context = {
        "national": national_name(findings), "national_beside": findings.national in others,
        "covers_england": covers_england(findings),
        "findings": findings, "f": f, "area": f.area, "a": a, "b": b, "sentences": sentences,
        "answer": answer, "answer_figure": _two_rates(findings, f),
        "answer_rates": _answer_rates(findings, f),
        "provenance_line": provenance_line(findings),
        "comparison": f.outcomes[findings.primary].comparison,
        "shrunk": None if eb is None else eb.by_area.get(f.area.code),
        "scorecard": scorecard, "beside": beside_rows, "region": region, "funnel": funnel,
        "zero_corrected": zero_corrected_in([f, *others]),
        "zero_corrected_note": ZERO_CORRECTED_NOTE,
        "point": point, "figure": figure, "funnel_svg": svg, "notes": area_notes,
        "point_band": None if point is None else funnel_band(point.band),
        "off_funnel": not_on_funnel(findings, f),
        "point_band_additive": None if point is None else funnel_band(point.band_additive),
        "primary": findings.outcome(findings.primary),
        "neighbours": bench, "neighbours_figure": bench_figure,
        "neighbours_sentences": bench_sentences,
        "neighbours_credit": listed.attribution,
        "hexmap": hexmap.hex_svg(labels, map_title, map_desc, fig_id="lamap", href=_la_href(),
                                 chosen=f.area.code, uncertain=_uncertain(findings)),
        "hatched": len(_uncertain(findings)),
        "hatch_swatch": hexmap.swatch("#ffffff", hatched=True),
        "hexmap_title": map_title, "bands": _bands(findings), "credit": hexmap.CREDIT,
        "description": " ".join(answer.sentences[:2]),
        "page_title": f"{f.area.name}: does it matter who asks for an EHC needs assessment? "
                      f"({findings.period})",
    }
    document = {"schema": "copro.web.area/3", "area": to_plain(f.area),
                "answer": answer.sentences, "answer_kind": answer.kind,
                "sentences": sentences, "notes": area_notes,
                "findings": to_plain(f),
                "region": None if region is None else to_plain(region),
                "england": to_plain(findings.national),
                "funnel_point": None if point is None else to_plain(point),
                "statistical_neighbours": {
                    "outcome": findings.primary, "group_a": a.value, "group_b": b.value,
                    "source": listed.source,
                    "sha256": listed.sha256,
                    "attribution": listed.attribution,
                    "sentences": bench_sentences,
                    "rows": benchmark_records(bench)},
                "survey": survey,
                "caveats": list(findings.caveats), **_provenance(findings)}
    header = ["section", *area_table.columns(findings)]
    rows = [["area", *area_table._row(findings, x)] for x in (f, *others)]
    by_code = {x.area.code: x for x in findings.local_authorities}
    rows += [["neighbour", *area_table._row(findings, by_code[r.code])]
             for r in bench if r.kind == "neighbour" and r.code in by_code]
    width = len(header)
    extra = [f"neighbours_{c}" for c in CSV_HEADER]
    header += extra
    rows = [row + [None] * len(extra) for row in rows]
    rows += [["neighbours_table", *([None] * (width - 1)), *row]
             for row in benchmark_csv_rows(bench)]
    if survey and survey.get("csv_rows"):
        survey_header = [f"survey_{c}" for c in survey["csv_header"]]
        header += survey_header
        rows = [row + [None] * len(survey_header) for row in rows]
        rows += [["survey", *([None] * (len(header) - len(survey_header) - 1)), *row]
                 for row in survey["csv_rows"]]
    if survey:
        document["survey"] = {k: v for k, v in survey.items()
                              if k not in ("csv_rows", "csv_header")}
    header, rows = _with_appeals(findings, f, document, header, rows)  # issue 25
    return Page("explorer/area.html", context, document, header, rows)


def _with_appeals(findings: Findings, f: AreaFindings, document: dict, header, rows):
    """The area's SEND Tribunal series in its JSON (``appeals``) and CSV (``appeals_`` rows)."""
    from copro.render.appeals_text import APPEAL_CSV_HEADER, appeal_csv_rows, appeals_document

    document["appeals"] = appeals_document(findings.appeals, f.area.code)
    extra = [f"appeals_{c}" for c in APPEAL_CSV_HEADER]
    width = len(header)
    rows = [row + [None] * len(extra) for row in rows]
    rows += [["appeals", *([None] * (width - 1)), *r]
             for r in appeal_csv_rows(findings.appeals, f.area.code)]
    return header + extra, rows

def _uncertain(findings: Findings) -> frozenset[str]:
    """The local authorities whose ratio's 95% interval spans more than one colour of the map:
    hatched, so that a colour is not read as certain."""
    key = findings.primary
    return frozenset(
        f.area.code for f in findings.local_authorities
        if (c := f.outcomes[key].comparison) is not None
        and hexmap.spans_bands(c.risk_ratio.ci_low, c.risk_ratio.ci_high))


def _by_region(findings: Findings) -> list[dict]:
    """Every local authority region by region, with its ratio in words and its colour's band:
    the map as a list whose entries a thumb can reach (the hexagons are too small on a phone)."""
    key = findings.primary
    uncertain = _uncertain(findings)
    href = _la_href()
    out = []
    for region in findings.regions:
        members = []
        for f in findings.local_authorities:
            if f.area.region_code != region.area.code:
                continue
            c = f.outcomes[key].comparison
            members.append({
                "code": f.area.code, "name": f.area.name, "href": href.format(code=f.area.code),
                "swatch": hexmap.swatch(hexmap.band(_ratio_of(f, key)).colour,
                                        hatched=f.area.code in uncertain),
                "words": (f"ratio {ratio(c.risk_ratio.estimate)} (95% CI "
                          f"{interval(c.risk_ratio.ci_low, c.risk_ratio.ci_high)})"
                          + ("; the interval spans more than one colour"
                             if f.area.code in uncertain else "")
                          if c is not None else "not compared")})
        out.append({"code": region.area.code, "name": region.area.name, "members": members})
    return out


def _bands(findings: Findings) -> list[dict]:
    key = findings.primary
    href = _la_href()  # once, not once a name: ~150 a page, a tenth of drawing every page
    out = []
    for band in (*hexmap.BANDS, hexmap.NOT_COMPARED):
        members = sorted((f.area.name, f.area.code, href.format(code=f.area.code))
                         for f in findings.local_authorities
                         if hexmap.band(_ratio_of(f, key)) is band)
        out.append({"band": band, "swatch": hexmap.swatch(band.colour), "count": len(members),
                    "names": members})
    return out


def compare_page(findings: Findings, chosen: list[AreaFindings], errors: list[str]) -> Page:
    compared = [o for o in findings.outcomes if o.compared]
    columns = [*chosen, findings.national]
    blocks = []
    for o in findings.outcomes:
        rows = []
        for g in (findings.group_b, findings.group_a):
            rows.append({"label": f"{g.label}: {o.name}",
                         "cells": [x.outcomes[o.key].rates.get(g) for x in columns],
                         "kind": "rate"})
        if o in compared:
            rows.append({"label": "Ratio", "cells": [x.outcomes[o.key].comparison
                                                     for x in columns], "kind": "ratio"})
            few = [x.outcomes[o.key].not_comparable == "too_few_requests" for x in columns]
            if any(few):  # the ratio was refused for small counts: say at what count
                least = f"{findings.options.min_trials:,} from each group"
                rows.append({"label": f"Fewest to compare (requests {o.base})",
                             "cells": ["" if x is findings.national else
                                       f"{least}: not met, not compared" if refused else least
                                       for x, refused in zip(columns, few, strict=True)],
                             "kind": "text"})
        blocks.append({"outcome": o, "rows": rows})
    from urllib.parse import urlencode

    context = {"findings": findings, "chosen": chosen, "columns": columns, "blocks": blocks,
               "national": national_name(findings),
               "data_query": urlencode([("la", x.area.code) for x in chosen]),
               "errors": errors, "max": MAX_COMPARE,
               "page_title": "Compare local authorities" + (
                   ": " + ", ".join(x.area.name for x in chosen) if chosen else ""),
               "sentences": {x.area.code: area_sentences(findings, x) for x in chosen},
               "description": "Local authorities side by side: "
                              + ", ".join(x.area.name for x in chosen)}
    document = {"schema": "copro.web.compare/1", "errors": errors,
                "areas": [{"area": to_plain(x.area), "sentences": area_sentences(findings, x),
                           "findings": to_plain(x)} for x in chosen],
                "england": to_plain(findings.national), **_provenance(findings)}
    return Page("explorer/compare.html", context, document, area_table.columns(findings),
                [area_table._row(findings, x) for x in columns], status=400 if errors else 200)


def _funnel_method(findings: Findings) -> str:
    funnel = funnel_of(findings)
    text = (f"exact binomial 95% and 99.8% limits around the rate for {national_name(findings)}"
            " (Spiegelhalter 2005)")
    if funnel is not None and funnel.overdispersion is not None:
        text += ("; and 99.8% limits allowing for over-dispersion (winsorised z-scores, "
                 "multiplicative factor φ and additive between-area variance τ², Spiegelhalter "
                 "2005, section 5)")
    return text


#: What each line of the methods list is, in words (the JSON and CSV keep the keys).
METHOD_LABELS = {
    "rates": "Each rate's interval", "risk_ratio": "Ratio of two rates",
    "risk_difference": "Difference of two rates", "test": "Test of no difference",
    "pooled_ratio": "Ratio over all local authorities",
    "random_effects": "Average ratio allowing for differences between authorities",
    "across_areas": "How many authorities favour each group", "funnel": "Funnel plot",
    "confidence": "Confidence level", "groups_compared": "Groups compared",
    "denominator": "Base of the assessment rate", "min_decisions": "Fewest to compare",
}


def methods_page(findings: Findings) -> Page:
    o = findings.options
    method = {
        "rates": "Wilson score interval (statsmodels)",
        "risk_ratio": "Katz log interval; 0.5 added to every cell of a table with a zero cell",
        "risk_difference": "Newcombe hybrid score interval (statsmodels)",
        "test": "Fisher's exact test; Benjamini-Hochberg q-values across local authorities",
        "pooled_ratio": "Mantel-Haenszel (Greenland-Robins interval), Cochran's Q",
        "random_effects": f"{', '.join(o.tau2_methods)} (headline {o.tau2_methods[0]}); "
                          "95% prediction interval (t, k-2 df)"
                          + ("; HKSJ interval" if o.hksj else ""),
        "across_areas": "exact sign test and Wilcoxon signed-rank test (SciPy)",
        "funnel": _funnel_method(findings),
        "confidence": f"{o.confidence:.0%}",
        "groups_compared": f"{findings.group_a.requests_from} over "
                           f"{findings.group_b.requests_from}",
        "denominator": ("decisions made: decided to assess or not (pending and withdrawn "
                        "requests left out)" if o.denominator == "decided"
                        else "all requests received (DfE's own definition)"),
        "min_decisions": f"{o.min_trials} requests from each group, counted on each rate's "
                         "own base (decided, received...), for an area to be compared",
    }
    definitions = [{"name": x.name, "definition": x.definition, "compared": x.compared}
                   for x in findings.outcomes]
    national = national_name(findings)
    context = {"findings": findings, "method": method, "definitions": definitions,
               "national": national, "national_ratio": possessive_of(national, "ratio"),
               "method_rows": [(METHOD_LABELS[k], v) for k, v in method.items()],
               "page_title": "About this measure: methods",
               "description": "How copro measures whether the outcome of a request depends "
                              "on who made it."}
    document = {"schema": "copro.web.methods/1", "methods": method,
                "outcomes": definitions, "caveats": list(findings.caveats),
                **_provenance(findings)}
    return Page("explorer/methods.html", context, document, ["item", "value"],
                [[k, v] for k, v in method.items()]
                + [[f"outcome: {d['name']}", d["definition"]] for d in definitions])


DATASET_FIELDS = ("slug", "kind", "source", "description", "periods", "sha256", "licence",
                  "attribution", "rows_read", "rows_used", "suppress_below", "imported_at")


def data_page(datasets, current) -> Page:
    docs = [{k: (str(getattr(d, k)) if k == "imported_at" else getattr(d, k))
             for k in DATASET_FIELDS} | {"current": d.pk == getattr(current, "pk", None)}
            for d in datasets]
    context = {"datasets": datasets, "current": current, "credit": hexmap.CREDIT,
               "page_title": "Data, provenance and licences",
               "description": "The datasets behind these pages: provenance, SHA-256, licences "
                              "and downloads."}
    return Page("explorer/data.html", context, {"schema": "copro.web.data/1", "datasets": docs},
                [*DATASET_FIELDS, "current"], [list(d.values()) for d in docs])



def dictionary_context() -> dict:
    """The data dictionary page: docs/outputs.md's sections (the one place the outputs are
    documented) and the key to DfE's symbols."""
    from copro.render.dictionary import OUTPUTS_DOC, sections
    from copro.render.sentences import DFE_SYMBOLS

    found = OUTPUTS_DOC.is_file()
    return {"sections": sections() if found else [], "symbols": DFE_SYMBOLS,
            "page_title": "Data dictionary: every column and field, with units",
            "description": "What every column of the CSV downloads and every field of the JSON "
                           "means, with units, and a key to DfE's symbols."}
