"""The across-LA figure as inline SVG (how families feel against what happened to their
requests): one numbered point per LA with both intervals.

Drawn on a narrow canvas (360 units, text 12) shown at most 560 px wide, so its text is never
under 11 px from a phone's width (where it is shown about 1:1) to a desktop's. The vertical axis
always covers every point and every interval; its ticks run the whole range."""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT, FONT = 360, 340, 12
MAX_SHOWN_WIDTH = 560  # px: the figure's widest on screen
#: candidate ticks of the ratio's log axis
RATIO_TICKS = (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100,
               200, 500, 1000)
Y_LABEL = "Families' rate ÷ schools' (log scale)"
X_LABEL = "Families at the top two rungs"


def families_relative(p) -> tuple[float, float, float]:
    """A point's families' assessment rate relative to schools' (the measured ratio, schools'
    over families', inverted): estimate, low, high."""
    m = p.measured
    return 1 / m.estimate, 1 / m.ci_high, 1 / m.ci_low


def ratio_range(points) -> tuple[float, float]:
    """The vertical axis' range: from a tick at or below the lowest interval end to a tick at
    or above the highest, and never narrower than 0.5 to 2."""
    ys = [v for p in points for v in families_relative(p) if v > 0 and math.isfinite(v)]
    low, high = min([0.5, *ys]), max([2.0, *ys])
    y_lo = max([t for t in RATIO_TICKS if t <= low], default=low)
    y_hi = min([t for t in RATIO_TICKS if t >= high], default=high)
    return y_lo, y_hi


def gap_svg(gap, names: dict[str, str]) -> str:
    left, right, top, bottom = 50, 14, 14, 48
    pts = gap.points
    y_lo, y_hi = ratio_range(pts)
    plot_h = HEIGHT - top - bottom

    def x(v):
        return left + v * (WIDTH - left - right)

    def y(v):  # an infinite interval end (none from the Katz interval) is drawn at the edge
        v = min(max(v, y_lo), y_hi) if not math.isfinite(v) or v <= 0 else v
        t = (math.log(v) - math.log(y_lo)) / (math.log(y_hi) - math.log(y_lo))
        return HEIGHT - bottom - t * plot_h

    ticks, last = [], None
    for v in RATIO_TICKS:  # every candidate in range, thinned so labels keep 16 units apart
        if y_lo <= v <= y_hi and (last is None or y(last) - y(v) >= 16 or v == 1):
            if last is not None and y(last) - y(v) < 16:
                ticks.pop()  # keep 1 (the parity line) over its neighbour
            ticks.append(v)
            last = v
    if y_hi in RATIO_TICKS and ticks[-1] != y_hi:  # the top of the axis is always labelled
        if y(ticks[-1]) - y(y_hi) < 16 and ticks[-1] != 1:
            ticks.pop()
        ticks.append(y_hi)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'style="max-width:{MAX_SHOWN_WIDTH}px" role="img" '
           'aria-labelledby="gap-title gap-desc" class="copro-figure__svg">',
           '<title id="gap-title">Perceived partnership against the measured ratio</title>',
           f'<desc id="gap-desc">{len(pts)} local authorities, numbered as in the table below. '
           "Horizontal: families' share answering at the top two rungs of the ladder of "
           "co-production, with its 95% interval. Vertical (log scale): families' assessment "
           "rate relative to schools' (below 1: families' requests less likely to be assessed), "
           'with its 95% interval. The table below gives every value.</desc>']
    out.append(f'<line x1="{left}" y1="{y(1):.1f}" x2="{WIDTH - right}" y2="{y(1):.1f}" '
               'stroke="#505a5f" stroke-dasharray="4 4"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{HEIGHT - bottom}" '
               'stroke="#0b0c0c"/>')
    out.append(f'<line x1="{left}" y1="{HEIGHT - bottom}" x2="{WIDTH - right}" '
               f'y2="{HEIGHT - bottom}" stroke="#0b0c0c"/>')
    for v in (0, 0.25, 0.5, 0.75, 1):
        anchor = "start" if v == 0 else "end" if v == 1 else "middle"
        out.append(f'<text x="{x(v):.1f}" y="{HEIGHT - bottom + 16}" font-size="{FONT}" '
                   f'text-anchor="{anchor}" fill="#0b0c0c">{int(v * 100)}%</text>')
    for v in ticks:
        out.append(f'<line x1="{left - 4}" y1="{y(v):.1f}" x2="{left}" y2="{y(v):.1f}" '
                   'stroke="#0b0c0c"/>'
                   f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="{FONT}" '
                   f'text-anchor="end" fill="#0b0c0c">{v:g}</text>')
    out.append(f'<text x="{(left + WIDTH - right) / 2}" y="{HEIGHT - 10}" font-size="{FONT}" '
               f'text-anchor="middle" fill="#0b0c0c">{X_LABEL}</text>')
    out.append(f'<text transform="translate(13 {top + plot_h / 2:.1f}) rotate(-90)" '
               f'font-size="{FONT}" text-anchor="middle" fill="#0b0c0c">{Y_LABEL}</text>')
    for i, p in enumerate(pts, start=1):
        rel, rel_low, rel_high = families_relative(p)
        cx, cy = x(p.perceived.estimate), y(rel)
        right_side = cx < (left + WIDTH - right) / 2
        out.append(f'<g id="gap-pt-{escape(p.area_code)}"><title>{i}: '
                   f'{escape(names.get(p.area_code, p.area_code))}</title>'
                   f'<line x1="{x(p.perceived.ci_low):.1f}" y1="{cy:.1f}" '
                   f'x2="{x(p.perceived.ci_high):.1f}" y2="{cy:.1f}" stroke="#1d70b8"/>'
                   f'<line x1="{cx:.1f}" y1="{y(rel_low):.1f}" x2="{cx:.1f}" '
                   f'y2="{y(rel_high):.1f}" stroke="#1d70b8"/>'
                   f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#1d70b8"/>'
                   f'<text x="{cx + (6 if right_side else -6):.1f}" y="{cy - 5:.1f}" '
                   f'font-size="{FONT}" font-weight="bold" '
                   f'text-anchor="{"start" if right_side else "end"}" fill="#0b0c0c" '
                   f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{i}</text></g>')
    out.append("</svg>")
    return "".join(out)
