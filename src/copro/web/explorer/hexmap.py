"""The hex map of England's 153 local authorities, drawn as inline SVG (no script).

Positions come from Open Innovations' hex cartogram (MIT; see copro/data/README.md), which
predates two reorganisations: each of Cumbria and Northamptonshire becomes two hexagons here.
Its codes are read through the register (copro.register): Buckinghamshire, North Yorkshire and
Somerset, under their old county codes in the file, take their current ones.
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
    from copro.register import by_code

    out = []
    for code, h in raw["hexes"].items():
        identity = by_code(code)
        if identity is None:
            raise ValueError(f"{HEXJSON}: {code} ({h['n']}) is not in the register")
        if not identity.current:
            cells = SPLITS.get(identity.code, ())
            if {c for c, *_ in cells} != set(identity.successors):
                raise ValueError(f"{HEXJSON}: {identity.name} ({code}) was replaced by "
                                 f"{', '.join(identity.successors)}; give each a cell")
            out += [Hex(c, n, q, r) for c, n, q, r in cells]
        else:
            q, r = MOVES.get(identity.code, (h["q"], h["r"]))
            out.append(Hex(identity.code, h["n"], q, r))
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
    Band(None, 1.0, "#dadaeb", "below 1 (families' rate higher)"),
    Band(1.0, 1.25, "#bcbddc", "1 to 1.25"),
    Band(1.25, 1.5, "#9e9ac8", "1.25 to 1.5"),
    Band(1.5, 2.0, "#756bb1", "1.5 to 2"),
    Band(2.0, None, "#54278f", "2 or more"),
)
NOT_COMPARED = Band(None, None, "#b1b4b6", "not compared")
#: Every hexagon's outline: 7:1 against the white page, so even the lightest shade stands out
#: from the background (WCAG 1.4.11 asks 3:1 of a graphical object).
OUTLINE = "#505a5f"
#: The hatching over an area whose 95% interval spans more than one band.
HATCH = "#0b0c0c"
#: Bands dark enough to need white labels.
DARK = {"#756bb1", "#54278f"}


def band(ratio: float | None) -> Band:
    if ratio is None or ratio != ratio:
        return NOT_COMPARED
    for b in BANDS:
        if (b.low is None or ratio >= b.low) and (b.high is None or ratio < b.high):
            return b
    return BANDS[-1]


def spans_bands(low: float | None, high: float | None) -> bool:
    """Whether an interval of the ratio reaches into more than one band: its colour, read from
    the point estimate alone, would look more certain than it is."""
    if low is None or high is None or low != low or high != high:
        return False
    return band(low) is not band(high)


@cache  # every LA page draws the same 154 hexagons
def _points(cx: float, cy: float, size: float) -> str:
    return " ".join(f"{cx + size * math.cos(math.radians(60 * i - 30)):.1f},"
                    f"{cy + size * math.sin(math.radians(60 * i - 30)):.1f}" for i in range(6))


_SMALL_WORDS = {"of", "and", "upon", "on", "the", "city", "county", "borough", "royal"}


@cache
def short_labels() -> dict[str, str]:
    """A short label (two or three letters) for every hexagon, unique across the map: the
    initials of a name of several words ('BCP', 'NYk' is not used: 'NY'), else its first
    three letters ('Lee'); a clash takes the next letters of the name instead ('Lei', 'Lcs')."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for h in sorted(hexes(), key=lambda h: (len(h.name), h.name)):
        words = [w for w in h.name.replace(",", " ").replace("-", " ").split()
                 if w.lower() not in _SMALL_WORDS]
        letters = "".join(c for c in h.name if c.isalpha())
        candidates = []
        if len(words) > 1:
            candidates.append("".join(w[0].upper() for w in words[:3]))
        candidates.append(letters[:3].capitalize())
        candidates += [letters[0].upper() + letters[i].lower() + letters[j].lower()
                       for i in range(1, len(letters)) for j in range(i + 1, len(letters))]
        label = next(c for c in candidates if c.lower() not in used)
        used.add(label.lower())
        out[h.code] = label
    return out


def hex_svg(labels: dict[str, tuple[str, float | None]], title: str, description: str,
            fig_id: str = "hexmap", size: float = 14.0, href: str | None = None,
            chosen: str | None = None, uncertain: frozenset[str] = frozenset()) -> str:
    """The map as an SVG string: ``labels`` maps ONS code -> (name and figure in words, ratio
    or None). With ``href`` (a pattern with ``{code}``) every hexagon is a link, reachable by
    keyboard, named by its words, which also show at the map's top left while it is hovered
    or focused. Each hexagon carries its short label; ``chosen`` is drawn outlined, last, and
    named at the top left; those in ``uncertain`` (an interval spanning bands) are hatched."""
    from html import escape

    cells = hexes()
    short = short_labels()
    width = math.sqrt(3) * size
    max_r = max(h.r for h in cells)
    max_q = max(h.q for h in cells)
    view_w = width * (max_q + 1.5) + 2
    view_h = 1.5 * size * max_r + 2 * size + 2
    role = "group" if href else "img"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view_w:.0f} {view_h:.0f}" '
             f'role="{role}" aria-labelledby="{fig_id}-title {fig_id}-desc" class="copro-map">',
             f'<title id="{fig_id}-title">{escape(title)}</title>',
             f'<desc id="{fig_id}-desc">{escape(description)}</desc>',
             "<defs>" + "".join(
                 f'<pattern id="{fig_id}-hatch{suffix}" width="5" height="5" '
                 f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                 f'<line x1="0" y1="0" x2="0" y2="5" stroke="{ink}" stroke-width="1.6"/>'
                 f'</pattern>' for suffix, ink in (("", HATCH), ("-light", "#ffffff")))
             + "</defs>"]
    last = []
    for h in cells:
        cx = 1 + width * (h.q + 0.5 + 0.5 * (h.r & 1))
        cy = 1 + size + 1.5 * size * (max_r - h.r)
        text, ratio = labels.get(h.code, (f"{h.name}: no figures", None))
        colour = band(ratio).colour
        ink = "#ffffff" if colour in DARK else "#0b0c0c"
        mine = h.code == chosen
        cls = "copro-hex copro-hex--chosen" if mine else "copro-hex"
        hatched = h.code in uncertain
        if hatched:
            text += "; its 95% interval spans more than one colour"
        shape = (f'<polygon class="{cls}" data-code="{h.code}" fill="{colour}" '
                 f'stroke="{OUTLINE}" stroke-width="0.8" points="{_points(cx, cy, size)}">'
                 f'<title>{escape(text)}</title></polygon>'
                 + (f'<polygon class="copro-hex-hatch" data-hatched="{h.code}" '
                    f'fill="url(#{fig_id}-hatch{"-light" if colour in DARK else ""})" '
                    f'fill-opacity="0.55" pointer-events="none" '
                    f'aria-hidden="true" points="{_points(cx, cy, size - 0.4)}"/>'
                    if hatched else "")
                 + f'<text class="copro-hex-label" x="{cx:.1f}" y="{cy + 3:.1f}" '
                 f'text-anchor="middle" fill="{ink}" aria-hidden="true">{short[h.code]}</text>')
        if href:
            shape = (f'<a href="{escape(href.format(code=h.code))}" aria-label="{escape(text)}" '
                     f'class="copro-hex-link">{shape}<text class="copro-hex-name" x="4" y="16" '
                     f'aria-hidden="true">{escape(text)}</text></a>')
        (last if mine else parts).append(shape)
    parts += last
    if chosen:
        text = labels.get(chosen, ("", None))[0]
        parts.append(f'<text class="copro-hex-chosen-name" x="4" y="16" aria-hidden="true">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def swatch(colour: str, hatched: bool = False) -> str:
    """A small hexagon for the legend (hatched: the mark of an uncertain colour)."""
    hatch = "".join(f'<line x1="{x:.1f}" y1="{y + 5:.1f}" x2="{x + 5:.1f}" y2="{y:.1f}" '
                    f'stroke="{HATCH}" stroke-width="1.4"/>'
                    for x, y in ((3.5, 8.5), (6.5, 7.5), (9.5, 6.5))) if hatched else ""
    return (f'<svg width="18" height="20" viewBox="0 0 18 20" aria-hidden="true" focusable="false">'
            f'<polygon fill="{colour}" stroke="{OUTLINE}" stroke-width="0.8" '
            f'points="{_points(9, 10, 9)}"/>{hatch}</svg>')
