"""The website's small per-area figures, dot-and-line drawings written directly as SVG: the
answer figure (two rates, each with its interval) and the neighbours figure (an area beside
its statistical neighbours); and the chosen area's mark on a funnel plot (highlight_point,
shared with the report). They draw what ``copro.render.figures``' matplotlib versions of
the same figures draw (the report keeps those), with the same title and description (the words
are here, shared by both), in a few milliseconds instead of a matplotlib round trip per area.

Coordinates are in points, as matplotlib writes them (a figure WIDTH inches wide is
72 * WIDTH units across; text FONT units high), so the text is the size the report's is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from copro.findings import Findings
from copro.render.numbers import interval, pct, ratio
from copro.render.sentences import display_name

# the same constants as copro.render.figures (not imported: that module loads matplotlib)
BLUE, ORANGE, VERMILLION, GREY, INK = "#0072B2", "#E69F00", "#D55E00", "#595959", "#0b0c0c"
GROUP_COLOURS = (BLUE, VERMILLION)
WIDTH, FONT, SCALE = 4.8, 11, 1.25
#: a character's mean width, as a share of the font size (for room beside text)
CHAR = 0.6
#: the distance between two lines of text
LINE = 1.2 * FONT


@dataclass(frozen=True)
class SvgFigure:
    """A figure ready to inline: ``svg`` carries its own title and description."""

    id: str
    title: str
    description: str
    svg: str


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(name: str, limit: int = 24) -> str:
    """A local authority's name, cut to fit a figure's margin (the tables give it whole)."""
    return name if len(name) <= limit else name[:limit - 1].rstrip(" ,") + "…"


def _svg(fig_id: str, title: str, description: str, width: float, height: float,
         body: list[str], scale: float = SCALE):
    widest = width / 72 * 96 * scale  # CSS px
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.1f} {height:.1f}" '
           f'role="img" aria-labelledby="{fig_id}-title {fig_id}-desc" class="figure" '
           f'style="max-width: {widest:.0f}px" font-family="sans-serif" font-size="{FONT}" '
           f'fill="{INK}">'
           f'<title id="{fig_id}-title">{_escape(title)}</title>'
           f'<desc id="{fig_id}-desc">{_escape(description)}</desc>'
           + "".join(body) + "</svg>")
    return SvgFigure(fig_id, title, description, svg)


#: The chosen area's mark on a funnel plot: a colour no limit line uses, drawn large.
HIGHLIGHT = "#009E73"  # GREEN in copro.render.figures (Okabe & Ito)


def _text_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """Rough extents (x0, y0, x1, y1) of the figure's text (tick labels, named points,
    legend), from each ``<text>`` element's position, anchor, size and length."""
    boxes = []
    for m in re.finditer(r"<text([^>]*)>([^<]*)</text>", svg):
        attrs, content = m.group(1), m.group(2)
        x, y = re.search(r'\bx="([-\d.]+)"', attrs), re.search(r'\by="([-\d.]+)"', attrs)
        if x is None or y is None:
            continue
        size = re.search(r"font-size:\s*([\d.]+)px", attrs) or re.search(
            r'font-size="([\d.]+)"', attrs)
        fs = float(size.group(1)) if size else FONT * 4 / 3
        w = 0.6 * fs * len(content.strip())
        x0 = float(x.group(1))
        if "text-anchor: end" in attrs or 'text-anchor="end"' in attrs:
            x0 -= w
        elif "text-anchor: middle" in attrs or 'text-anchor="middle"' in attrs:
            x0 -= w / 2
        y1 = float(y.group(1))
        boxes.append((x0, y1 - fs, x0 + w, y1 + 0.25 * fs))
    return boxes


def highlight_point(figure: SvgFigure, area_code: str, label: str) -> SvgFigure | None:
    """The same figure with one point (id ``pt-<area_code>``) drawn large, in a colour no
    limit line uses, on top of the others, and named where its name covers no other text
    (a thin line joins a name set further off to its point); None if the figure has no such
    point."""
    svg = figure.svg
    start = svg.find(f'<g id="pt-{area_code}">')
    if start < 0:
        return None
    # the point's own small label, if the figure named it, gives way to the large one
    svg = re.sub(r"<text [^>]*>" + re.escape(_escape(label)) + r"</text>", "", svg)
    start = svg.find(f'<g id="pt-{area_code}">')
    use = re.search(r'<use [^>]*x="([-\d.]+)" y="([-\d.]+)"', svg[start:])
    x, y = float(use.group(1)), float(use.group(2))
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    width, height = float(box.group(1)), float(box.group(2))
    fs = FONT + 2
    w, taken = 0.6 * fs * len(label), _text_boxes(svg)
    choice = None
    for dy in (-12, 18, -28, 34, -44, 50, -60, 66):
        for right in ((True, False) if x < width * 0.6 else (False, True)):
            x0 = x + 11 if right else x - 11 - w
            box_ = (x0 - 2, y + dy - fs, x0 + w + 2, y + dy + 0.3 * fs)
            if (box_[0] < 2 or box_[2] > width - 2 or box_[1] < 2 or box_[3] > height - 2
                    or any(box_[0] < t[2] and t[0] < box_[2] and box_[1] < t[3]
                           and t[1] < box_[3] for t in taken)):
                continue
            choice = (x0, y + dy, right)
            break
        if choice:
            break
    if choice is None:  # nowhere free: above the point, inside the figure
        right = x < width * 0.6
        choice = (min(max(x + 11 if right else x - 11 - w, 2), width - w - 2),
                  max(y - 12, fs + 2), right)
    tx, ty, right = choice
    leader = ""
    if abs(ty - y) > 20:
        leader = (f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{tx + (0 if right else w):.1f}" '
                  f'y2="{ty - fs / 3:.1f}" stroke="#0b0c0c" stroke-width="1"/>')
    mark = (f'<g class="highlight">{leader}<circle cx="{x:.1f}" cy="{y:.1f}" r="9" '
            f'fill="{HIGHLIGHT}" stroke="#0b0c0c" stroke-width="2"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#0b0c0c"/>'
            f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="start" font-size="{fs}" '
            f'font-weight="bold" fill="#0b0c0c" stroke="#ffffff" stroke-width="3" '
            f'paint-order="stroke">{_escape(label)}</text></g>')
    end = svg.rindex("</svg>")
    return SvgFigure(figure.id, figure.title,
                     figure.description + f" {label} is the large green point, named beside it.",
                     svg[:end] + mark + svg[end:])


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>'
            f"{_escape(text)}</text>")


def _line(x1, y1, x2, y2, colour=INK, width=1.0, extra="") -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{colour}" stroke-width="{width:g}"{extra}/>')


def _marker(shape: str, x: float, y: float, size: float, colour: str, extra: str = "") -> str:
    """A circle, square, diamond or upward triangle (``^``) ``size`` points across, centred
    on (x, y)."""
    h = size / 2
    if shape == "^":
        return (f'<polygon points="{x:.1f},{y - h:.1f} {x + h:.1f},{y + h:.1f} '
                f'{x - h:.1f},{y + h:.1f}" fill="{colour}"{extra}/>')
    if shape == "o":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{h:.1f}" fill="{colour}"{extra}/>'
    if shape == "s":
        return (f'<rect x="{x - h:.1f}" y="{y - h:.1f}" width="{size:.1f}" height="{size:.1f}" '
                f'fill="{colour}"{extra}/>')
    return (f'<path d="M{x:.1f} {y - h * 1.2:.1f}L{x + h:.1f} {y:.1f}L{x:.1f} {y + h * 1.2:.1f}'
            f'L{x - h:.1f} {y:.1f}Z" fill="{colour}"{extra}/>')


def two_rates(findings: Findings, f, fig_id: str = "answer"):
    """Group B's and group A's rate in one area, each with its 95% interval, on a 0-100
    scale, small enough to sit at the top of a page on a phone, with the national rate for
    each group marked by a black triangle under its row (under, so that it never runs into
    the label beside or above the point); None where the two were not compared (as
    copro.render.figures.two_rates)."""
    key = findings.primary
    a, b = findings.group_a, findings.group_b
    if f.outcomes[key].comparison is None:
        return None
    rates = [f.outcomes[key].rates.get(g) for g in (b, a)]
    marks = national_marks(findings, f)
    lines = two_rates_axis_label(findings, f)
    width, height = (WIDTH - 0.6) * 72, 1.6 * 72 + LINE * (len(lines) - 1)
    left = 10 + CHAR * FONT * max(len(b.label), len(a.label)) + 6
    right, top, bottom = width - 14, 6, height - 34 - LINE * (len(lines) - 1)
    x = lambda v: left + (right - left) * v / 100  # noqa: E731
    y = lambda v: bottom - (bottom - top) * (v + 0.6) / 2.2  # noqa: E731
    body = [_line(x(t), top, x(t), bottom, "#dddddd", 0.8) for t in (0, 25, 50, 75, 100)]
    body += [_line(left, bottom, right, bottom), _line(left, top, left, bottom)]
    for t in (0, 25, 50, 75, 100):
        body += [_line(x(t), bottom, x(t), bottom + 3.5, INK, 0.8),
                 _text(x(t), bottom + 15, f"{t}")]
    # the axis label under the axis' middle, moved in where it would run off the figure
    for i, line in enumerate(lines):
        half = CHAR * FONT * len(line) / 2
        body.append(_text(min(max((left + right) / 2, half + 4), width - half - 4),
                          height - 4 - LINE * (len(lines) - 1 - i), line))
    for level, r, colour, group in zip((1, 0), rates, GROUP_COLOURS, (b, a), strict=True):
        at = y(level)
        body.append(_line(left - 3.5, at, left, at, INK, 0.8))
        body.append(_text(left - 6, at + FONT / 3, group.label, "end"))
        body.append(_line(x(r.ci_low * 100), at, x(r.ci_high * 100), at, colour, 3))
        body.append(_marker("o", x(r.estimate * 100), at, math.sqrt(90), colour,
                            f' stroke="{INK}" stroke-width="0.8"'))
        # the label beside the interval where there is room, else above the point
        label = f"{round(r.estimate * 100)} in 100"
        if r.ci_high * 100 < 70:
            tx, ty, anchor = x(r.ci_high * 100) + 6, at + FONT / 3, "start"
        elif r.ci_low * 100 > 30:
            tx, ty, anchor = x(r.ci_low * 100) - 6, at + FONT / 3, "end"
        else:
            tx, ty = x(r.estimate * 100), at - 7
            anchor = "end" if r.estimate > 0.7 else "start" if r.estimate < 0.3 else "middle"
        body.append(_text(tx, ty, label, anchor, ' font-weight="bold"'))
    for level, m in zip((1, 0), marks, strict=True):
        if m is not None:  # under the row, pointing up at it: 0.32 of a row's step below
            body.append(_marker("^", x(m.estimate * 100), y(level - 0.32), math.sqrt(55),
                                INK, ' class="national"'))
    title, description = two_rates_words(findings, f, rates)
    return _svg(fig_id, title, description, width, height, body)


def benchmark_plot(findings: Findings, rows, fig_id: str = "neighbours"):
    """An area beside its statistical neighbours, its region and the national figures (rows
    from copro.render.benchmark.benchmark): on the left each group's rate with its interval,
    on the right the ratio with its interval (log scale); the area's own row shaded and its
    name in bold (as copro.render.figures.benchmark_plot). None without rows."""
    if not rows:
        return None
    a, b = findings.group_a, findings.group_b
    k = len(rows)
    height = (1.3 + 1.5 * FONT / 72 * k) * 72
    width = WIDTH * 72
    panel = 0.52 * width / 2.2
    l0 = 0.46 * width
    l1, r0 = l0 + panel, l0 + 1.2 * panel
    r1 = r0 + panel
    top, bottom = 0.12 * 72, height - 1.05 * 72
    row_y = lambda i: top + (bottom - top) * (i + 0.6) / k  # noqa: E731 - row i from the top
    step = (bottom - top) / k
    rate_x = lambda v: l0 + panel * v / 100  # noqa: E731
    his = [r.ratio.ci_high for r in rows if r.ratio is not None] or [1.1]
    los = [r.ratio.ci_low for r in rows if r.ratio is not None] or [0.9]
    lo, hi = min(min(los), 0.9), max(max(his), 1.1)
    x_lo, x_hi = math.log(lo / 1.05), math.log(hi * 1.05)
    ratio_x = lambda v: r0 + panel * (math.log(v) - x_lo) / (x_hi - x_lo)  # noqa: E731
    body = []
    for i, r in enumerate(rows):
        cy = row_y(i) - 0.1 * step  # rows sit 0.5 row apart from the panel's limits
        if r.kind == "area":
            for p0, p1 in ((l0, l1), (r0, r1)):
                body.append(f'<rect x="{p0:.1f}" y="{cy - step / 2:.1f}" width="{p1 - p0:.1f}" '
                            f'height="{step:.1f}" fill="#fff2cc"/>')
        if r.kind == "region":
            for p0, p1 in ((l0, l1), (r0, r1)):
                body.append(_line(p0, cy - step / 2, p1, cy - step / 2, "#b1b4b6", 0.8))
    body.append(_line(ratio_x(1), top, ratio_x(1), bottom, GREY, 1,
                      ' stroke-dasharray="3.7 1.6"'))
    for i, r in enumerate(rows):
        cy = row_y(i) - 0.1 * step
        for attr, colour, shape, dy in (("rate_b", GROUP_COLOURS[0], "o", -0.15),
                                        ("rate_a", GROUP_COLOURS[1], "s", 0.15)):
            x = getattr(r, attr)
            if x is None or not x.trials:
                continue
            at = cy + dy * step
            body.append(_line(rate_x(x.ci_low * 100), at, rate_x(x.ci_high * 100), at,
                              colour, 1.5))
            body.append(_marker(shape, rate_x(x.estimate * 100), at, 1.25 * math.sqrt(22), colour))
        if r.ratio is not None:
            c = r.ratio
            body.append(_line(ratio_x(c.ci_low), cy, ratio_x(c.ci_high), cy, INK, 1.5))
            body.append(_marker("D", ratio_x(c.estimate), cy, 1.25 * math.sqrt(22), INK))
        else:
            body.append(_text((r0 + r1) / 2, cy + FONT / 3, "not compared", "middle",
                              f' fill="{GREY}"'))
        body.append(_line(l0 - 3.5, cy, l0, cy, INK, 0.8))
        body.append(_text(l0 - 6, cy + FONT / 3, _short(r.name, 20), "end",
                          ' font-weight="bold"' if r.kind == "area" else ""))
    for p0, p1 in ((l0, l1), (r0, r1)):
        body += [_line(p0, bottom, p1, bottom), _line(p0, top, p0, bottom)]
    for t in (0, 50, 100):
        body += [_line(rate_x(t), bottom, rate_x(t), bottom + 3.5, INK, 0.8),
                 _text(rate_x(t), bottom + 15, f"{t}")]
    spread, ticks = x_hi - x_lo, []
    for t in (0.5, 1, 1.5, 2, 3, 4, 6):
        if lo / 1.1 <= t <= hi * 1.1 and (not ticks or math.log(t / ticks[-1]) >= spread / 4):
            ticks.append(t)
    for t in ticks:
        if r0 - 0.5 <= ratio_x(t) <= r1 + 0.5:
            body += [_line(ratio_x(t), bottom, ratio_x(t), bottom + 3.5, INK, 0.8),
                     _text(ratio_x(t), bottom + 15, f"{t:g}")]
    body += [_text((l0 + l1) / 2, bottom + 30, "Rate (%)"),
             _text((r0 + r1) / 2, bottom + 30, "Ratio")]
    # the key: circle for group B, square for group A, centred under the panels
    key_y = height - 12
    first, second = b.label, a.label
    span = 2 * 16 + CHAR * FONT * (len(first) + len(second)) + 14
    kx = width / 2 - span / 2
    body += [_marker("o", kx + 5, key_y - FONT / 3, 7, GROUP_COLOURS[0]),
             _text(kx + 14, key_y, first, "start")]
    kx += 16 + CHAR * FONT * len(first) + 14
    body += [_marker("s", kx + 5, key_y - FONT / 3, 7, GROUP_COLOURS[1]),
             _text(kx + 14, key_y, second, "start")]
    title, description = benchmark_words(findings, rows)
    return _svg(fig_id, title, description, width, height, body, scale=1.0)


def national_marks(findings: Findings, f) -> list:
    """The national rate of group B and of group A, marked on an area's answer figure; two
    Nones on the national figure itself or where the nation was not compared."""
    national = findings.national.outcomes[findings.primary].comparison
    if national is None or f is findings.national:
        return [None, None]
    return [national.rate_b, national.rate_a]


def two_rates_axis_label(findings: Findings, f) -> list[str]:
    """The answer figure's axis label, which names the triangles' marks (the nation), in lines
    that fit the figure's width: one where it fits, else the nation's key on a second line."""
    name = findings.outcome(findings.primary).name.capitalize()
    if not any(national_marks(findings, f)):
        return [f"{name} (%), with 95% interval"]
    lines = [f"{name} (%), 95% interval", f"▲ {display_name(findings, findings.national)}"]
    one = "; ".join(lines)
    return [one] if CHAR * FONT * len(one) <= (WIDTH - 0.6) * 72 - 8 else lines


def two_rates_words(findings: Findings, f, rates) -> tuple[str, str]:
    """The title and description of the answer figure, the same in the report's
    (copro.render.figures.two_rates) and the website's (:func:`two_rates`)."""
    a, b = findings.group_a, findings.group_b
    name = findings.outcome(findings.primary).name
    base = findings.outcome(findings.primary).base
    place = display_name(findings, f)
    title = f"{name.capitalize()} in {place}: {b.label.lower()} and {a.label.lower()}"
    description = (f"Two points on a scale from 0 to 100%, each with its 95% interval. "
                   f"{b.label}: {pct(rates[0].estimate)} (95% CI "
                   f"{interval(rates[0].ci_low, rates[0].ci_high, pct)}) of the "
                   f"{rates[0].trials:,} {b.whose_requests} {base}. {a.label}: "
                   f"{pct(rates[1].estimate)} "
                   f"(95% CI {interval(rates[1].ci_low, rates[1].ci_high, pct)}) of the "
                   f"{rates[1].trials:,} {a.whose_requests} {base}.")
    marks = national_marks(findings, f)
    if any(marks):
        nation = display_name(findings, findings.national)
        description += (f" A black triangle marks each group's rate for {nation}: "
                        f"{b.label.lower()} {pct(marks[0].estimate)}, {a.label.lower()} "
                        f"{pct(marks[1].estimate)}.")
    return title, description


def benchmark_words(findings: Findings, rows) -> tuple[str, str]:
    """The title and description of :func:`benchmark_plot` (and of the website's SVG drawing
    of the same figure, copro.render.dot_figures)."""
    a, b = findings.group_a, findings.group_b
    area = rows[0]
    name = findings.outcome(findings.primary).name
    title = (f"{area.name} beside its statistical neighbours: {name} by who asked, and the "
             "ratio")
    parts = []
    for r in rows:
        if r.ratio is None:
            parts.append(f"{r.name}: not compared ({r.why_not})")
        else:
            parts.append(f"{r.name}: {b.label.lower()} {pct(r.rate_b.estimate, 0)}, "
                         f"{a.label.lower()} {pct(r.rate_a.estimate, 0)}, ratio "
                         f"{ratio(r.ratio.estimate)} "
                         f"({interval(r.ratio.ci_low, r.ratio.ci_high)})")
    description = (f"Dot plot, one row per area: {area.name} (shaded), its "
                   f"{sum(r.kind == 'neighbour' for r in rows)} statistical neighbours closest "
                   "first, then its region and the national figures. Left: each group's rate "
                   "with its 95% interval; right: the ratio with its 95% interval (1 means no "
                   "difference). " + "; ".join(parts) + ".")
    return title, description
