"""One local authority's SEND Tribunal appeal rate by year, written directly as SVG (as the
website's other per-area figures, copro.render.dot_figures): the old and the new method as two
separate lines, each year with its 95% interval; England and the statistical neighbours'
pooled rate as thin lines beside it; a flagged year drawn as a hollow red mark, apart from the
line. Drawn for every LA page before a server starts, so in milliseconds, not through a
matplotlib round trip (a third of a second each, half of a first start's work).

Coordinates are in points, as matplotlib writes them (see dot_figures)."""

from __future__ import annotations

import math

from copro.appeals import AppealFindings, AppealSeries
from copro.render.dot_figures import (
    BLUE,
    CHAR,
    FONT,
    GREY,
    INK,
    ORANGE,
    VERMILLION,
    WIDTH,
    SvgFigure,
    _line,
    _marker,
    _svg,
    _text,
)
from copro.render.numbers import pct

#: each method's colour, marker and name (the old to 2024, the new from 2024)
METHOD_STYLE = {"old": (BLUE, "o", "Old method, to 2024"),
                "new": (ORANGE, "s", "New method, from 2024")}
#: England's line and the neighbours' line: dotted and dashed
DOTTED, DASHED = ' stroke-dasharray="1.2 2.4"', ' stroke-dasharray="4 2"'
#: the year from which DfE counts appealable decisions the new way
METHOD_CHANGE = 2023.5
#: the legend, in two columns: each method's line, then England's and the neighbours'
LEGEND_OTHERS = (("England", DOTTED), ("Neighbours (pooled)", DASHED))


def nice_ticks(top: float) -> list[float]:
    """Round steps from 0 to at least ``top`` (4 to 7 of them): 1, 2, 2.5 or 5 times a power
    of ten."""
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _polyline(points: list[tuple[float, float]], colour: str, width: float,
              extra: str = "") -> str:
    if len(points) < 2:
        return ""
    joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (f'<polyline points="{joined}" fill="none" stroke="{colour}" '
            f'stroke-width="{width:g}"{extra}/>')


def series_figure(appeals: AppealFindings, s: AppealSeries,
                  fig_id: str = "appeals") -> SvgFigure | None:
    """The area's appeal rate by year with its 95% interval; None where no year has a rate."""
    if not any(p.rate is not None for p in s.points):
        return None
    years = sorted({p.year for p in s.points})
    top = 0.0
    for p in s.points:
        if p.rate is not None:
            top = max(top, 100 * (p.rate if p.flag else p.ci_high))
    for p in (*appeals.england, *s.neighbours):
        if p.rate is not None and p.method in METHOD_STYLE:
            top = max(top, 100 * p.rate)
    ticks = nice_ticks(max(1.0, top * 1.1))
    y_max = ticks[-1]
    labels = [f"{t:g}" for t in ticks]

    width, height = WIDTH * 72, 3.4 * 72
    legend_rows = 2
    left = 10 + FONT + 6 + CHAR * FONT * max(len(t) for t in labels) + 6
    right, top_edge = width - 8, 14
    row = 1.3 * FONT  # the legend's lines, apart
    bottom = height - 22 - legend_rows * row - 10
    first, span = years[0] - 0.5, years[-1] - years[0] + 1
    x = lambda v: left + (right - left) * (v - first) / span  # noqa: E731
    y = lambda v: bottom - (bottom - top_edge) * v / y_max  # noqa: E731

    body = [_line(left, y(t), right, y(t), "#dddddd", 0.8) for t in ticks[1:]]
    body += [_line(left, bottom, right, bottom), _line(left, top_edge, left, bottom)]
    for t, label in zip(ticks, labels, strict=True):
        body += [_line(left - 3.5, y(t), left, y(t), INK, 0.8),
                 _text(left - 6, y(t) + FONT / 3, label, "end")]
    for year in years:
        if year % 2 == years[-1] % 2:
            body += [_line(x(year), bottom, x(year), bottom + 3.5, INK, 0.8),
                     _text(x(year), bottom + 15, str(year))]
    middle = (top_edge + bottom) / 2
    body.append(_text(12, middle, "Appeal rate (%)", "middle",
                      f' transform="rotate(-90 12 {middle:.1f})"'))
    if years[0] < METHOD_CHANGE < years[-1]:
        body += [_line(x(METHOD_CHANGE), top_edge, x(METHOD_CHANGE), bottom, GREY, 0.8),
                 _text(x(METHOD_CHANGE) - 4, top_edge + FONT, "method changed", "end",
                       f' fill="{GREY}"')]

    for method, (colour, shape, _label) in METHOD_STYLE.items():
        nudge = -0.08 if method == "old" else 0.08  # the two methods' 2024 side by side
        at = lambda p: (x(p.year + nudge), y(100 * p.rate))  # noqa: B023, E731
        england = [p for p in appeals.england if p.method == method and p.rate is not None]
        body.append(_polyline([(x(p.year), y(100 * p.rate)) for p in england], colour, 1,
                              DOTTED))
        pooled = [n for n in s.neighbours if n.method == method and n.rate is not None]
        body.append(_polyline([(x(n.year), y(100 * n.rate)) for n in pooled], colour, 0.8,
                              DASHED + ' stroke-opacity="0.7"'))
        points = [p for p in s.points if p.method == method and p.rate is not None]
        good = [p for p in points if not p.flag]
        for p in good:
            body.append(_line(x(p.year + nudge), y(100 * p.ci_low), x(p.year + nudge),
                              y(100 * p.ci_high), colour, 1))
        body.append(_polyline([at(p) for p in good], colour, 1.5))
        body += [_marker(shape, *at(p), 4 if shape == "o" else 3.6, colour) for p in good]
        for p in points:
            if p.flag:
                px, py = at(p)
                body += [_marker(shape, px, py, 6, "#ffffff",
                                 f' stroke="{VERMILLION}" stroke-width="1"'),
                         _text(px - 7, py + FONT / 3, "flagged", "end",
                               f' fill="{VERMILLION}"')]

    entries = [(colour, shape, label, "") for colour, shape, label in METHOD_STYLE.values()]
    entries += [(GREY, None, label, dash) for label, dash in LEGEND_OTHERS]
    second = 10 + 26 + CHAR * FONT * max(len(e[2]) for e in entries[:legend_rows]) + 12
    for i, (colour, shape, label, dash) in enumerate(entries):  # down each column in turn
        ex = 10 if i < legend_rows else second
        ey = height - 8 - (legend_rows - 1 - i % legend_rows) * row
        body.append(_line(ex, ey - FONT / 3, ex + 20, ey - FONT / 3, colour, 1.5, dash))
        if shape:
            body.append(_marker(shape, ex + 10, ey - FONT / 3, 4, colour))
        body.append(_text(ex + 26, ey, label, "start"))

    title = f"{s.area_name}: SEND Tribunal appeal rate by year, {years[0]}–{years[-1]}"
    parts = []
    for p in s.points:
        if p.rate is None:
            continue
        parts.append(f"{p.year} ({p.method} method) {pct(p.rate)} "
                     f"({p.appeals:,} of {p.decisions:,}; 95% CI {pct(p.ci_low)} to "
                     f"{pct(p.ci_high)})" + (" flagged as implausible" if p.flag else ""))
    description = ("Line chart of appeals registered with the SEND Tribunal as a share of the "
                   "council's appealable decisions, each year with its 95% interval. The old "
                   "method (to 2024) and the new (from 2024) are separate lines: the new "
                   "counts about half as many decisions, so its rates are about twice as "
                   "high. Thin lines: England (dotted) and the statistical neighbours' pooled "
                   "rate (dashed). " + "; ".join(parts) + ".")
    return _svg(fig_id, title, description, width, height, body, scale=1.0)
