"""Figures for SEND Tribunal appeals, as inline SVG (matplotlib, through the report's figure
helpers): one local authority's appeal rate by year, and the across-authority scatter with the
meta-regression line and its band. Each carries a title and a text description."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import ticker as matplotlib_ticker
from matplotlib.figure import Figure

from copro.appeals import AppealAssociation, AppealFindings, AppealSeries
from copro.render.figures import BLUE, GREY, ORANGE, VERMILLION, WIDTH, SvgFigure, _to_svg

METHOD_STYLE = {"old": (BLUE, "-", "o", "old method (to 2024)"),
                "new": (ORANGE, "-", "s", "new method (from 2024)")}


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def series_figure(appeals: AppealFindings, s: AppealSeries,
                  fig_id: str = "appeals") -> SvgFigure | None:
    """The area's appeal rate by year with its 95% interval, the old and the new method as two
    separate lines; England and the statistical neighbours' pooled rate as thin lines beside
    it; flagged years drawn as hollow red marks, apart from the line."""
    if not any(p.rate is not None for p in s.points):
        return None
    fig = Figure(figsize=(WIDTH, 3.4))
    fig.subplots_adjust(left=0.13, right=0.98, top=0.97, bottom=0.33)
    ax = fig.add_subplot()
    top = 0.0
    for method, (colour, style, marker, _label) in METHOD_STYLE.items():
        pts = [p for p in s.points if p.method == method and p.rate is not None]
        good = [p for p in pts if not p.flag]
        dx = -0.08 if method == "old" else 0.08
        if good:
            xs = np.array([p.year + dx for p in good])
            ax.vlines(xs, [100 * p.ci_low for p in good], [100 * p.ci_high for p in good],
                      color=colour, linewidth=1)
            ax.plot(xs, [100 * p.rate for p in good], style, color=colour, marker=marker,
                    markersize=4, linewidth=1.5)
            top = max(top, max(100 * p.ci_high for p in good))
        for p in pts:
            if p.flag:
                ax.plot([p.year + dx], [100 * p.rate], marker=marker, markersize=6,
                        markerfacecolor="white", markeredgecolor=VERMILLION, linestyle="none")
                ax.annotate("flagged", (p.year + dx, 100 * p.rate), textcoords="offset points",
                            xytext=(-6, 0), fontsize=9, color=VERMILLION, ha="right",
                            va="center")
                top = max(top, 100 * p.rate)
        eng = [p for p in appeals.england if p.method == method and p.rate is not None]
        if eng:
            ax.plot([p.year for p in eng], [100 * p.rate for p in eng], ":", color=colour,
                    linewidth=1)
            top = max(top, max(100 * p.rate for p in eng))
        nb = [n for n in s.neighbours if n.method == method and n.rate is not None]
        if nb:
            ax.plot([n.year for n in nb], [100 * n.rate for n in nb], "--", color=colour,
                    linewidth=0.8, alpha=0.7)
            top = max(top, max(100 * n.rate for n in nb))
    years = sorted({p.year for p in s.points})
    ax.axvline(2023.5, color=GREY, linewidth=0.8)
    ax.text(2023.4, 0.98, "method changed", transform=ax.get_xaxis_transform(), va="top",
            ha="right", fontsize=9, color=GREY)
    ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    ax.set_xticks([y for y in years if y % 2 == years[-1] % 2])
    ax.set_ylim(0, max(1.0, top * 1.1))
    ax.set_ylabel("Appeal rate (%)")
    for (colour, _, marker, label) in METHOD_STYLE.values():
        ax.plot([], [], "-", color=colour, marker=marker, markersize=4, label=label.capitalize())
    ax.plot([], [], ":", color=GREY, label="England")
    ax.plot([], [], "--", color=GREY, label="Statistical neighbours")
    fig.legend(loc="lower center", ncols=2, frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 0), handlelength=1.6)
    title = f"{s.area_name}: SEND Tribunal appeal rate by year, {years[0]}–{years[-1]}"
    parts = []
    for p in s.points:
        if p.rate is None:
            continue
        parts.append(f"{p.year} ({p.method} method) {_pct(p.rate)} "
                     f"({p.appeals:,} of {p.decisions:,}; 95% CI {_pct(p.ci_low)} to "
                     f"{_pct(p.ci_high)})" + (" flagged as implausible" if p.flag else ""))
    description = ("Line chart of appeals registered with the SEND Tribunal as a share of the "
                   "council's appealable decisions, each year with its 95% interval. The old "
                   "method (to 2024) and the new (from 2024) are separate lines: the new "
                   "counts about half as many decisions, so its rates are about twice as "
                   "high. Thin lines: England (dotted) and the statistical neighbours' pooled "
                   "rate (dashed). " + "; ".join(parts) + ".")
    return _to_svg(fig, fig_id, title, description, scale=1.0)


def association_figure(a: AppealAssociation, fig_id: str = "appeals-association"
                       ) -> SvgFigure:
    """Each local authority's ratio (log scale) against its appeal rate, points sized by the
    ratio's precision, with the meta-regression line and its 95% band."""
    fig = Figure(figsize=(WIDTH, 3.6))
    fig.subplots_adjust(left=0.15, right=0.97, top=0.97, bottom=0.16)
    ax = fig.add_subplot()
    x = np.array([100 * p.appeal_rate for p in a.points])
    y = np.array([math.exp(p.log_ratio) for p in a.points])
    w = 1 / np.sqrt([p.log_ratio_variance for p in a.points])
    ax.scatter(x, y, s=6 + 40 * w / w.max(), color=BLUE, alpha=0.55, edgecolors="none")
    grid = np.linspace(x.min(), x.max(), 60)
    fit = a.intercept + a.slope * grid
    se = np.sqrt(a.intercept_se ** 2 + 2 * grid * a.covariance + grid ** 2 * a.slope_se ** 2)
    z = 1.959963984540054
    ax.fill_between(grid, np.exp(fit - z * se), np.exp(fit + z * se), color=ORANGE, alpha=0.25,
                    linewidth=0)
    ax.plot(grid, np.exp(fit), color=VERMILLION, linewidth=1.5)
    ax.axhline(1, color=GREY, linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    lo, hi = min(y.min(), 0.9), max(y.max(), 1.1)
    ticks = [t for t in (0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12) if lo / 1.1 <= t <= hi * 1.1]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_locator(matplotlib_ticker.NullLocator())
    ax.set_xlabel(f"Appeal rate, {a.year} (%, new method)")
    ax.set_ylabel("Ratio")
    title = (f"Across local authorities, {a.year}: the {a.ratio} against the SEND Tribunal "
             "appeal rate")
    description = (f"Scatter plot of {a.k} local authorities: across, the appeal rate; up, "
                   f"the {a.ratio} (log scale, 1 means no difference), larger points for more "
                   "precise ratios. The line is the meta-regression fit and the band its 95% "
                   f"interval. {a.summary} {a.caveat}")
    return _to_svg(fig, fig_id, title, description, scale=1.0)
