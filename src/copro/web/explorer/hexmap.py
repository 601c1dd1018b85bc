"""The hex map of England's 153 local authorities, drawn as inline SVG (no script).

Positions come from Open Innovations' hex cartogram (MIT; see copro/data/README.md), which
predates two reorganisations: each of Cumbria and Northamptonshire becomes two hexagons here.
Colours come from the findings (each LA's risk ratio); this module computes nothing else.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

HEXJSON = "uk-upper-tier-local-authorities.hexjson"
CREDIT = ("Hex map layout © Open Innovations (MIT licence), from their hexmaps repository; "
          "adjusted for the 2021 and 2023 reorganisations.")

#: Old code -> its successors and the cells they take: Westmorland and Furness keeps Cumbria's
#: cell and Cumberland the empty one to its north-west; on Northamptonshire's row, Herefordshire
#: and Warwickshire move one cell west so West Northamptonshire can take Warwickshire's cell.
SPLITS: dict[str, tuple[tuple[str, str, int, int], ...]] = {
    "E10000006": (("E06000064", "Westmorland and Furness", 6, 14),
                  ("E06000063", "Cumberland", 5, 15)),
    "E10000021": (("E06000061", "North Northamptonshire", 7, 6),
                  ("E06000062", "West Northamptonshire", 6, 6)),
}
MOVES: dict[str, tuple[int, int]] = {"E06000019": (4, 6),  # Herefordshire
                                     "E10000031": (5, 6)}  # Warwickshire


@dataclass(frozen=True)
class Hex:
    code: str
    name: str
    q: int
    r: int


@cache
def hexes() -> tuple[Hex, ...]:
    """Every local authority's cell, successors included (153 for England in 2025)."""
    text = (resources.files("copro") / "data" / HEXJSON).read_text(encoding="utf-8")
    raw = json.loads(text)
    if raw.get("layout") != "odd-r":
        raise ValueError(f"{HEXJSON}: expected the odd-r layout, got {raw.get('layout')!r}")
    out = []
    for code, h in raw["hexes"].items():
        if code in SPLITS:
            out += [Hex(c, n, q, r) for c, n, q, r in SPLITS[code]]
        else:
            q, r = MOVES.get(code, (h["q"], h["r"]))
            out.append(Hex(code, h["n"], q, r))
    cells = [(h.q, h.r) for h in out]
    if len(set(cells)) != len(cells):
        raise ValueError(f"{HEXJSON}: two local authorities share a cell after the splits")
    return tuple(sorted(out, key=lambda h: h.name))


@dataclass(frozen=True)
class Band:
    """A range of the ratio, its colour and its label in the legend."""

    low: float | None
    high: float | None
    colour: str
    label: str


#: Sequential bands (light to dark: schools' advantage growing); below 1: families' rate higher.
BANDS = (
    Band(None, 1.0, "#f2f0f7", "below 1 (families' rate higher)"),
    Band(1.0, 1.25, "#cbc9e2", "1 to 1.25"),
    Band(1.25, 1.5, "#9e9ac8", "1.25 to 1.5"),
    Band(1.5, 2.0, "#756bb1", "1.5 to 2"),
    Band(2.0, None, "#54278f", "2 or more"),
)
NOT_COMPARED = Band(None, None, "#b1b4b6", "not compared")


def band(ratio: float | None) -> Band:
    if ratio is None or ratio != ratio:
        return NOT_COMPARED
    for b in BANDS:
        if (b.low is None or ratio >= b.low) and (b.high is None or ratio < b.high):
            return b
    return BANDS[-1]


def _points(cx: float, cy: float, size: float) -> str:
    return " ".join(f"{cx + size * math.cos(math.radians(60 * i - 30)):.1f},"
                    f"{cy + size * math.sin(math.radians(60 * i - 30)):.1f}" for i in range(6))


def hex_svg(labels: dict[str, tuple[str, float | None]], title: str, description: str,
            fig_id: str = "hexmap", size: float = 14.0) -> str:
    """The map as an SVG string: ``labels`` maps ONS code -> (tooltip text, ratio or None)."""
    from html import escape

    cells = hexes()
    width = math.sqrt(3) * size
    max_r = max(h.r for h in cells)
    max_q = max(h.q for h in cells)
    view_w = width * (max_q + 1.5) + 2
    view_h = 1.5 * size * max_r + 2 * size + 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view_w:.0f} {view_h:.0f}" '
             f'role="img" aria-labelledby="{fig_id}-title {fig_id}-desc">',
             f'<title id="{fig_id}-title">{escape(title)}</title>',
             f'<desc id="{fig_id}-desc">{escape(description)}</desc>']
    for h in cells:
        cx = 1 + width * (h.q + 0.5 + 0.5 * (h.r & 1))
        cy = 1 + size + 1.5 * size * (max_r - h.r)
        text, ratio = labels.get(h.code, (f"{h.name}: no figures", None))
        parts.append(f'<polygon class="copro-hex" data-code="{h.code}" '
                     f'fill="{band(ratio).colour}" points="{_points(cx, cy, size)}">'
                     f'<title>{escape(text)}</title></polygon>')
    parts.append("</svg>")
    return "".join(parts)


def swatch(colour: str) -> str:
    """A small hexagon for the legend."""
    return (f'<svg width="18" height="20" viewBox="0 0 18 20" aria-hidden="true" focusable="false">'
            f'<polygon fill="{colour}" stroke="#0b0c0c" stroke-width="0.5" '
            f'points="{_points(9, 10, 9)}"/></svg>')
