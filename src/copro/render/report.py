"""The shareable HTML report: a self-contained index page and one page per local authority.

Figures are inline SVG, CSS and JavaScript inline: no server, no network. Every number comes from
the findings; this module only arranges them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.render import figures
from copro.render.benchmark import benchmark, benchmark_sentences
from copro.render.files import replace_folder, write_files
from copro.render.numbers import (
    MISSING,
    ZERO_CORRECTED_NOTE,
    missing_legend,
    missing_symbol,
    pct,
    points,
    ratio,
)
from copro.render.report_folder import AREA_DIR, report_file
from copro.render.sentences import (
    area_sentences,
    authorities,
    beside,
    caveats,
    compared_codes,
    coverage_sentence,
    covers_england,
    display_name,
    funnel_band,
    headline,
    in_text,
    methods,
    national_name,
    not_on_funnel,
    outcome_sentences,
    plain_answer,
    scope,
    why_not_compared,
    zero_corrected_in,
)
from copro.render.table_notes import LEGEND as NOTES_LEGEND
from copro.render.table_notes import short_notes
from copro.sources.neighbours import StatisticalNeighbours


class ReportFigures:
    """The report's figures, each drawn the first time a page asks for it and kept for the
    pages after it: the index uses all but ``funnel_plain``, an area page only
    ``funnel_plain`` (its own point highlighted), so `copro report --la` draws one figure,
    not six (matplotlib's figures cost 0.1-0.6 s of CPU each). A figure that cannot be drawn
    is None (``scatter``, ``forest`` and ``timeliness`` with fewer than two areas compared)."""

    def __init__(self, findings: Findings):
        self._findings = findings
        primary = findings.primary
        funnel = findings.pooled[primary].funnels.get(findings.group_b)
        self._funnel = None if funnel is None or len(funnel.points) < 2 else funnel
        self._several = len(findings.pooled[primary].coverage.compared) >= 2  # else nothing
        self._reference = national_name(findings)

    @cached_property
    def scatter(self) -> figures.SvgFigure | None:
        f = self._findings
        return (figures.rates_scatter(f, f.primary, "scatter", self._reference)
                if self._several else None)

    @cached_property
    def forest(self) -> figures.SvgFigure | None:
        f = self._findings
        return figures.forest_plot(f, f.primary, "forest") if self._several else None

    @cached_property
    def funnel(self) -> figures.SvgFigure | None:
        return self._funnel_plot(label=10)

    @cached_property
    def funnel_plain(self) -> figures.SvgFigure | None:
        """No names: an area page highlights its own point."""
        return self._funnel_plot(label=0)

    def _funnel_plot(self, label: int) -> figures.SvgFigure | None:
        f = self._findings
        if self._funnel is None:
            return None
        return figures.funnel_plot(self._funnel, f.outcome(f.primary).name, "funnel",
                                   self._reference, label=label, compared=compared_codes(f),
                                   counted=f.outcome(f.primary).counted)

    @cached_property
    def timeliness(self) -> figures.SvgFigure | None:
        f = self._findings
        return (None if f.secondary is None or not self._several else
                figures.rates_scatter(f, f.secondary, "timeliness", self._reference))

    @cached_property
    def mediation(self) -> figures.SvgFigure | None:
        return figures.national_rates_by_group(self._findings, "mediation", self._reference)


def _qvalue(q: float | None) -> str:
    return MISSING if q is None else "<0.001" if q < 0.001 else f"{q:.3f}"


@cache
def _environment() -> Environment:
    templates = Path(str(resources.files("copro") / "render" / "templates"))
    env = Environment(loader=FileSystemLoader(templates), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=pct, ratio=ratio, points=points, qvalue=_qvalue)
    env.filters.update(symbol=missing_symbol)
    env.globals.update(reasons=NOT_COMPARABLE_REASONS, zero_corrected_note=ZERO_CORRECTED_NOTE,
                       display_name=display_name,
                       why_not_compared=why_not_compared,
                       funnel_band=funnel_band, not_on_funnel=not_on_funnel,
                       notes_legend=NOTES_LEGEND,
                       in_text=in_text, authorities=authorities, missing_legend=missing_legend,
                       css=(templates / "report.css").read_text(encoding="utf-8"),
                       js=(templates / "table.js").read_text(encoding="utf-8"))
    return env


def build_figures(findings: Findings) -> ReportFigures:
    """Every figure, each drawn once, when first asked for; area pages reuse them."""
    return ReportFigures(findings)


def slug(name: str) -> str:
    """A file name a reader can map back to the area: 'Bristol, City of' -> 'bristol-city-of'."""
    text = "".join(c if c.isalnum() else "-" for c in name.lower())
    return "-".join(part for part in text.split("-") if part) or "area"


def _area_file(f: AreaFindings) -> str:
    return f"{AREA_DIR}/{slug(f.area.name)}.html"


def render_index(findings: Findings, figs: ReportFigures, generated: str,
                 area_pages: dict[str, str] | None = None) -> str:
    pooled = findings.pooled[findings.primary]
    env = _environment()
    secondary = findings.secondary
    timeliness = ([] if secondary is None
                  else outcome_sentences(findings, findings.pooled[secondary], full=False))
    adjusted = [(p.adjusted, p.outcome) for p in findings.pooled.values()
                if p.adjusted is not None]
    funnel = pooled.funnels.get(findings.group_b)
    compared = [f for f in findings.local_authorities
                if f.outcomes[findings.primary].comparison is not None]
    return env.get_template("index.html.j2").render(
        adjusted=adjusted, england=covers_england(findings), scope=scope(findings),
        national_name=national_name(findings), methods=methods(findings),
        caveats=caveats(findings), compared=compared,
        eb=None if pooled.empirical_bayes is None else pooled.empirical_bayes.by_area,
        primary=findings.outcome(findings.primary),
        secondary=None if secondary is None else findings.outcome(secondary),
        findings=findings, figures=figs, generated=generated, headline=headline(findings),
        timeliness_sentences=timeliness, coverage=pooled.coverage,
        coverage_sentence=coverage_sentence(pooled), pooled=pooled,
        funnel=funnel, notes=short_notes(findings),
        area_pages=area_pages or {}, appeals=None, association=_association_context(findings))


def render_area(findings: Findings, f: AreaFindings, figs: ReportFigures, generated: str,
                index_link: str | None = None,
                neighbours: StatisticalNeighbours | None = None,
                own_figures: bool = True) -> str:
    """One area's page. ``own_figures``: draw its own figures (the answer's two rates, the
    neighbours); off for --all-las, where 153 of each would cost about 35 s of CPU (the
    page then gives the same figures in its sentences and tables)."""
    pooled = findings.pooled[findings.primary]
    bench = [] if neighbours is None else benchmark(findings, f, neighbours)
    if not any(r.kind == "neighbour" and r.why_not != "not in these data" for r in bench):
        bench = []
    funnel = pooled.funnels.get(findings.group_b)
    point = None if funnel is None else next(
        (p for p in funnel.points if p.area_code == f.area.code), None)
    figure = None if point is None or figs.funnel_plain is None else figures.highlight_point(
        figs.funnel_plain, f.area.code, f.area.name)
    eb = None if pooled.empirical_bayes is None else pooled.empirical_bayes.by_area
    region = findings.region_of(f.area)
    others = beside(findings, f)
    return _environment().get_template("area.html.j2").render(
        findings=findings, f=f, generated=generated, sentences=area_sentences(findings, f),
        groups=(*COMPARABLE_GROUPS, RequesterGroup.ALL), region=region,
        beside=[f, *others], national_beside=findings.national in others, funnel=funnel,
        zero_corrected=zero_corrected_in([f, *others]),
        point=point, figure=figure,
        primary=findings.outcome(findings.primary), index_link=index_link,
        england=covers_england(findings), national_name=national_name(findings),
        scope=scope(findings), caveats=caveats(findings), shrunk=eb and eb.get(f.area.code),
        answer=plain_answer(findings, f),
        answer_figure=figures.two_rates(findings, f) if own_figures else None,
        neighbours=bench,
        neighbours_figure=figures.benchmark_plot(findings, bench) if own_figures else None,
        neighbours_sentences=benchmark_sentences(findings, bench),
        neighbours_credit="" if neighbours is None else neighbours.attribution,
        appeals=_appeals_context(findings, f, own_figures), association=None)


def _appeals_context(findings: Findings, f: AreaFindings, own_figure: bool) -> dict | None:
    """The area page's SEND Tribunal section (issue 25): words, table, figure."""
    from copro.render import appeals_text as t
    from copro.render.appeals_series import series_figure

    appeals = findings.appeals
    s = appeals.of(f.area.code) if appeals is not None else None
    if s is None:
        return None
    return {"name": s.area_name, "first_year": s.points[0].year, "last_year": s.points[-1].year,
            "sentence": t.series_sentence(s), "headers": t.HEADERS,
            "rows": t.series_rows(appeals, s), "notes": t.series_notes(appeals, s),
            "figure": series_figure(appeals, s, "appeals") if own_figure else None,
            "attribution": appeals.attribution}


def _association_context(findings: Findings) -> dict | None:
    """The index's across-authority association with appeals (issue 25)."""
    from copro.render import appeals_text as t
    from copro.render.appeals_figures import association_figure

    a = findings.appeals.association if findings.appeals is not None else None
    if a is None:
        return None
    return {"lines": t.association_lines(a), "figure": association_figure(a),
            "attribution": findings.appeals.attribution}


def write_report(findings: Findings, out_dir: Path, area: AreaFindings | None = None,
                 all_las: bool = False,
                 neighbours: StatisticalNeighbours | None = None) -> list[Path]:
    """Write the report into ``out_dir``: ``index.html``; with ``all_las`` also
    ``la/<name>.html`` for every local authority, linked both ways; with ``area`` only that
    area's page. An area's page sets it beside its statistical ``neighbours``, where given.
    Every page is rendered before any is written. Returns the paths written."""
    out_dir = Path(out_dir)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    figs = build_figures(findings)
    pages: dict[Path, str] = {}
    if area is not None:
        pages[out_dir / f"{slug(area.area.name)}.html"] = render_area(
            findings, area, figs, generated, neighbours=neighbours)
    else:
        area_pages = {}
        if all_las:
            for f in findings.local_authorities:
                area_pages[f.area.code] = _area_file(f)
                pages[out_dir / _area_file(f)] = render_area(findings, f, figs, generated,
                                                             index_link="../index.html",
                                                             neighbours=neighbours,
                                                             own_figures=False)
        pages[out_dir / "index.html"] = render_index(findings, figs, generated, area_pages)
    if area is not None:
        (path, html), = pages.items()
        # one page goes into the folder, made if need be (and removed again if it fails)
        return write_files(out_dir, {path.name: lambda tmp: tmp.write_text(html,
                                                                           encoding="utf-8")})
    # the report as a set: built whole beside the folder, then swapped in
    relative = {str(p.relative_to(out_dir)): html.encode("utf-8") for p, html in pages.items()}
    written = replace_folder(out_dir, relative, report_file)
    return [out_dir / "index.html", *[p for p in written if p.name != "index.html"]]

