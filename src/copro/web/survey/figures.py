"""The illusion-gap figure as inline SVG: one point per LA with both intervals."""

from __future__ import annotations

import math
from html import escape


def gap_svg(gap, names: dict[str, str], width: int = 640, height: int = 420) -> str:
    left, right, top, bottom = 70, 20, 20, 60
    pts = gap.points
    ys = [v for p in pts for v in (p.measured.ci_low, p.measured.ci_high) if v > 0]
    y_lo = min(0.5, min(ys) * 0.9) if ys else 0.5
    y_hi = max(2.0, max(ys) * 1.1) if ys else 2.0

    def x(v):
        return left + v * (width - left - right)

    def y(v):
        v = min(max(v, y_lo), y_hi)
        t = (math.log(v) - math.log(y_lo)) / (math.log(y_hi) - math.log(y_lo))
        return height - bottom - t * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" aria-labelledby="gap-title gap-desc" class="copro-figure__svg">',
           '<title id="gap-title">Perceived partnership against the measured ratio</title>',
           f'<desc id="gap-desc">{len(pts)} local authorities. Horizontal: families\' share '
           'answering at the top two rungs of the ladder of co-production, with its 95% '
           'interval. Vertical (log scale): how many times as likely requests from education '
           'settings were to be assessed as requests from families, with its 95% interval. '
           'The table below gives every value.</desc>']
    # axes and parity line
    out.append(f'<line x1="{left}" y1="{y(1):.1f}" x2="{width - right}" y2="{y(1):.1f}" '
               'stroke="#505a5f" stroke-dasharray="4 4"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" '
               'stroke="#0b0c0c"/>')
    out.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
               f'y2="{height - bottom}" stroke="#0b0c0c"/>')
    for v in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<text x="{x(v):.1f}" y="{height - bottom + 18}" font-size="12" '
                   f'text-anchor="middle" fill="#0b0c0c">{int(v * 100)}%</text>')
    for v in (0.5, 1, 1.5, 2, 3):
        if y_lo <= v <= y_hi:
            out.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" font-size="12" '
                       f'text-anchor="end" fill="#0b0c0c">{v:g}</text>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 15}" font-size="13" '
               'text-anchor="middle" fill="#0b0c0c">Families at the top two rungs</text>')
    out.append(f'<text transform="translate(16 {(top + height - bottom) / 2}) rotate(-90)" '
               'font-size="13" text-anchor="middle" fill="#0b0c0c">Ratio, education / '
               'families</text>')
    for p in pts:
        cx, cy = x(p.perceived.estimate), y(p.measured.estimate)
        out.append(f'<g><title>{escape(names.get(p.area_code, p.area_code))}</title>'
                   f'<line x1="{x(p.perceived.ci_low):.1f}" y1="{cy:.1f}" '
                   f'x2="{x(p.perceived.ci_high):.1f}" y2="{cy:.1f}" stroke="#1d70b8"/>'
                   f'<line x1="{cx:.1f}" y1="{y(p.measured.ci_low):.1f}" x2="{cx:.1f}" '
                   f'y2="{y(p.measured.ci_high):.1f}" stroke="#1d70b8"/>'
                   f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#1d70b8"/></g>')
    out.append("</svg>")
    return "".join(out)
