"""The shareable HTML report: a self-contained index page and one page per local authority.

Figures are inline SVG, CSS and JavaScript inline: no server, no network. Every number comes from
the findings; this module only arranges them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.render import figures
from copro.render.files import replace_folder, write_atomic
from copro.render.numbers import MISSING, is_missing, pct, ratio
from copro.render.sentences import (
    area_sentences,
    coverage_sentence,
    headline,
    outcome_sentences,
)

AREA_DIR = "la"


@dataclass(frozen=True)
class ReportFigures:
    scatter: figures.SvgFigure
    forest: figures.SvgFigure
    funnel: figures.SvgFigure | None
    timeliness: figures.SvgFigure | None
    mediation: figures.SvgFigure | None


def _points(x: float | None) -> str:
    return MISSING if is_missing(x) else f"{100 * x:+.1f}"


def _qvalue(q: float | None) -> str:
    return MISSING if q is None else "<0.001" if q < 0.001 else f"{q:.3f}"


@cache
def _environment() -> Environment:
    templates = Path(str(resources.files("copro") / "render" / "templates"))
    env = Environment(loader=FileSystemLoader(templates), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=pct, ratio=ratio, points=_points, qvalue=_qvalue)
    env.globals.update(reasons=NOT_COMPARABLE_REASONS,
                       css=(templates / "report.css").read_text(encoding="utf-8"),
                       js=(templates / "table.js").read_text(encoding="utf-8"))
    return env


def build_figures(findings: Findings) -> ReportFigures:
    """Draw every figure once; area pages reuse them."""
    primary, secondary = findings.primary, findings.secondary
    funnel = findings.pooled[primary].funnels.get(findings.group_b)
    return ReportFigures(
        scatter=figures.rates_scatter(findings, primary, "scatter"),
        forest=figures.forest_plot(findings, primary, "forest"),
        funnel=None if funnel is None else figures.funnel_plot(
            funnel, findings.outcome(primary).name, "funnel"),
        timeliness=None if secondary is None else figures.rates_scatter(
            findings, secondary, "timeliness"),
        mediation=figures.national_rates_by_group(findings, "mediation"),
    )


def _notes(findings: Findings) -> dict[str, list[str]]:
    """Per local authority: why it was not compared, funnel flags, partly recorded sources."""
    pooled = findings.pooled[findings.primary]
    notes: dict[str, list[str]] = {f.area.code: [] for f in findings.local_authorities}
    for x in pooled.coverage.not_comparable:
        notes[x.area.code].append(f"not compared: {NOT_COMPARABLE_REASONS[x.reason]}")
    for area, share in pooled.coverage.partly_recorded:
        notes[area.code].append(f"source not recorded for {pct(share, 0)} of requests")
    for group, funnel in pooled.funnels.items():
        for p in funnel.flagged:
            notes[p.area_code].append(f"{group.label.lower()}' rate outside funnel "
                                      f"({p.band.split()[0]} 99.8%)")
    return notes


def _area_file(f: AreaFindings) -> str:
    return f"{AREA_DIR}/{f.area.code}.html"


def render_index(findings: Findings, figs: ReportFigures, generated: str,
                 area_pages: dict[str, str] | None = None) -> str:
    pooled = findings.pooled[findings.primary]
    env = _environment()
    secondary = findings.secondary
    timeliness = ([] if secondary is None
                  else outcome_sentences(findings, findings.pooled[secondary], full=False))
    adjusted = [(p.adjusted, p.outcome) for p in findings.pooled.values()
                if p.adjusted is not None]
    return env.get_template("index.html.j2").render(
        adjusted=adjusted,
        primary=findings.outcome(findings.primary),
        secondary=None if secondary is None else findings.outcome(secondary),
        findings=findings, figures=figs, generated=generated, headline=headline(findings),
        timeliness_sentences=timeliness, coverage=pooled.coverage,
        coverage_sentence=coverage_sentence(pooled), pooled=pooled,
        funnel=pooled.funnels.get(findings.group_b), notes=_notes(findings),
        area_pages=area_pages or {})


def render_area(findings: Findings, f: AreaFindings, figs: ReportFigures, generated: str,
                index_link: str | None = None) -> str:
    funnel = findings.pooled[findings.primary].funnels.get(findings.group_b)
    point = None if funnel is None else next(
        (p for p in funnel.points if p.area_code == f.area.code), None)
    region = findings.region_of(f.area)
    beside = {x.area.code: x for x in (f, region, findings.national) if x is not None}
    return _environment().get_template("area.html.j2").render(
        findings=findings, f=f, generated=generated, sentences=area_sentences(findings, f),
        groups=(*COMPARABLE_GROUPS, RequesterGroup.ALL), region=region,
        beside=list(beside.values()), funnel=funnel, point=point, figure=figs.funnel,
        primary=findings.outcome(findings.primary),
        index_link=index_link)


def write_report(findings: Findings, out_dir: Path, area: AreaFindings | None = None,
                 all_las: bool = False) -> list[Path]:
    """Write the report into ``out_dir``: ``index.html``; with ``all_las`` also
    ``la/<code>.html`` for every local authority, linked both ways; with ``area`` only that
    area's page. Every page is rendered before any is written. Returns the paths written."""
    out_dir = Path(out_dir)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    figs = build_figures(findings)
    pages: dict[Path, str] = {}
    if area is not None:
        pages[out_dir / f"{area.area.code}.html"] = render_area(findings, area, figs, generated)
    else:
        area_pages = {}
        if all_las:
            for f in findings.local_authorities:
                area_pages[f.area.code] = _area_file(f)
                pages[out_dir / _area_file(f)] = render_area(findings, f, figs, generated,
                                                             index_link="../index.html")
        pages[out_dir / "index.html"] = render_index(findings, figs, generated, area_pages)
    if area is not None:
        (path, html), = pages.items()
        if not out_dir.exists():  # one page goes into the folder, made if need be
            replace_folder(out_dir, {}, lambda _: False)
        write_atomic(path, lambda tmp: tmp.write_text(html, encoding="utf-8"), ".html")
        return [path]
    # the report as a set: built whole beside the folder, then swapped in
    relative = {str(p.relative_to(out_dir)): html.encode("utf-8") for p, html in pages.items()}
    written = replace_folder(out_dir, relative, _report_file)
    return [out_dir / "index.html", *[p for p in written if p.name != "index.html"]]


_PAGE = re.compile(r"(la/)?[A-Za-z0-9_-]+\.html")


def _report_file(relative: Path) -> bool:
    """Whether a file in a report folder is one a copro report writes (so the folder may be
    replaced by a new report)."""
    return str(relative) == AREA_DIR or _PAGE.fullmatch(relative.as_posix()) is not None
