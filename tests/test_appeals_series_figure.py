"""The LA page's SEND Tribunal figure, written directly as SVG (copro.render.appeals_series):
every year with a rate is drawn where its rate puts it, on its method's line, with its
interval; a flagged year hollow and named, off the line; England and the neighbours as their
own lines; the axis reaching every mark; no text smaller than 11 points, off the figure or
over other text; the same title and description as the figure's words in the table."""

from __future__ import annotations

import re

import pytest

from copro.render.appeals_series import METHOD_STYLE, nice_ticks, series_figure
from copro.render.dot_figures import FONT, _text_boxes

LEEDS, HERTFORDSHIRE, CUMBERLAND, CITY = "E08000035", "E10000015", "E06000063", "E09000001"


@pytest.fixture(scope="module")
def appeals(bundled_findings):
    return bundled_findings.appeals


def _axis(svg: str) -> tuple[float, float, float]:
    """The y axis as drawn: (y of 0, y of the top tick, the top tick's value), from the tick
    labels (each set a third of the font's size below its tick, to sit centred on it)."""
    ticks = [(float(m.group(2)), float(m.group(1)) - FONT / 3) for m in re.finditer(
        r'<text x="[-\d.]+" y="([-\d.]+)" text-anchor="end">([\d.]+)</text>', svg)]
    (zero, y0), (top, y1) = ticks[0], ticks[-1]
    assert zero == 0
    return y0, y1, top


def _marks(svg: str, colour: str, shape: str) -> list[tuple[float, float]]:
    if shape == "o":
        found = re.findall(rf'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+" '
                           rf'fill="{colour}"/>', svg)
    else:
        found = [(float(x) + float(w) / 2, float(y) + float(w) / 2) for x, y, w in re.findall(
            rf'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="[\d.]+" '
            rf'fill="{colour}"/>', svg)]
    return [(float(x), float(y)) for x, y in found]


def _lines(svg: str, colour: str) -> list[tuple[float, float, float, float]]:
    return [tuple(map(float, m)) for m in re.findall(
        rf'<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)" '
        rf'stroke="{colour}" stroke-width="1"/>', svg)]


@pytest.mark.parametrize("code", [LEEDS, HERTFORDSHIRE, CUMBERLAND, CITY])
def test_each_year_is_drawn_where_its_rate_puts_it(appeals, code):
    s = appeals.of(code)
    figure = series_figure(appeals, s)
    svg = figure.svg
    zero, top_y, top = _axis(svg)
    per_unit = (zero - top_y) / top  # points per percentage point
    for method, (colour, shape, _label) in METHOD_STYLE.items():
        drawn = [p for p in s.points if p.method == method and p.rate is not None
                 and not p.flag]
        # the legend's own marker for the method is the last of its colour and shape
        marks = _marks(svg, colour, shape)[:-1]
        assert len(marks) == len(drawn), method
        xs = [x for x, _ in marks]
        assert xs == sorted(xs)  # year by year, left to right
        for p, (_x, y) in zip(drawn, marks, strict=True):
            assert y == pytest.approx(zero - 100 * p.rate * per_unit, abs=0.15), p.year
            # its interval: an upright line of the method's colour from limit to limit
            low, high = (zero - 100 * c * per_unit for c in (p.ci_low, p.ci_high))
            assert any(x1 == x2 == pytest.approx(_x, abs=0.05)
                       and (y1, y2) == pytest.approx((low, high), abs=0.15)
                       for x1, y1, x2, y2 in _lines(svg, colour)), p.year
    # the axis reaches every mark, interval, England's and the neighbours' rates
    highest = max([100 * (p.rate if p.flag else p.ci_high) for p in s.points
                   if p.rate is not None]
                  + [100 * p.rate for p in (*appeals.england, *s.neighbours)
                     if p.rate is not None])
    assert highest <= top
    assert svg.count("<polyline") >= 4  # each method's line, England's and the neighbours'


def test_a_flagged_year_is_hollow_red_named_and_off_the_line(appeals):
    s = appeals.of(HERTFORDSHIRE)
    (flagged,) = [p for p in s.points if p.flag]
    assert (flagged.year, flagged.method) == (2024, "new")
    svg = series_figure(appeals, s).svg
    assert svg.count('fill="#ffffff" stroke="#D55E00"') == 1
    assert re.search(r'fill="#D55E00"[^>]*>flagged</text>', svg)
    zero, top_y, top = _axis(svg)
    y_flagged = zero - 100 * flagged.rate * (zero - top_y) / top
    new_line = re.findall(r'<polyline points="([^"]+)" fill="none" stroke="#E69F00" '
                          r'stroke-width="1.5"', svg)
    # the new method's line joins 2025 alone: no line runs to the implausible 27.9%
    assert all(f"{y_flagged:.1f}" not in points for points in new_line)


@pytest.mark.parametrize("code", [LEEDS, HERTFORDSHIRE, CUMBERLAND, CITY])
def test_no_text_runs_off_the_figure_or_over_other_text(appeals, code):
    svg = series_figure(appeals, appeals.of(code)).svg
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"',
                                                 svg).groups())
    # no text smaller than the figure's 11 points (11.4 px on a 390 px phone)
    assert {float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)} == {FONT}
    # the axis' title runs up the left edge, turned: its box is not the one estimated
    # (text without a size of its own takes the figure's, in the figure's units)
    sized = re.sub(r"<text (?![^>]*font-size)", f'<text font-size="{FONT}" ', svg)
    boxes = _text_boxes(re.sub(r'<text [^>]*rotate[^>]*>[^<]*</text>', "", sized))
    assert len(boxes) >= 12  # ticks, years, the legend and the change of method
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height, (x0, y0, x1, y1)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_the_figure_keeps_its_title_and_says_every_year_in_its_description(appeals):
    s = appeals.of(LEEDS)
    figure = series_figure(appeals, s)
    assert figure.title == "Leeds: SEND Tribunal appeal rate by year, 2014–2025"
    assert 'aria-labelledby="appeals-title appeals-desc"' in figure.svg
    assert "2025 (new method) 6.4% (171 of 2,673; 95% CI" in figure.description
    assert figure.description.count("method)") == len(s.points)


@pytest.mark.parametrize("top, ticks", [
    (1.0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]), (8.1, [0, 2, 4, 6, 8, 10]),
    (30.7, [0, 10, 20, 30, 40]), (58.6, [0, 20, 40, 60]), (12.0, [0, 2.5, 5, 7.5, 10, 12.5])])
def test_round_ticks_reach_the_top(top, ticks):
    assert nice_ticks(top) == ticks
