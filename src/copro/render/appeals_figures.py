"""The across-authority figure for SEND Tribunal appeals, as inline SVG (matplotlib, through
the report's figure helpers): the scatter with the meta-regression line and its band, with a
title and a text description. One authority's appeal rate by year is drawn directly as SVG
(copro.render.appeals_series)."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import ticker as matplotlib_ticker
from matplotlib.figure import Figure

from copro.appeals import AppealAssociation
from copro.render.figures import BLUE, GREY, ORANGE, VERMILLION, WIDTH, SvgFigure, _to_svg


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
