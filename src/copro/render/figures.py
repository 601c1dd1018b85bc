"""The report's figures, as inline SVG drawn with matplotlib. They draw what the findings hold;
each comes with a title and a text description of what it shows."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from copro.findings import Findings, Funnel
from copro.groups import COMPARABLE_GROUPS
from copro.render.numbers import interval, pct, ratio

# Okabe & Ito (2008) colour-blind-safe palette
BLUE, ORANGE, VERMILLION, SKY, GREEN, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#595959")

rcParams.update({
    "svg.fonttype": "none",  # keep text as text: searchable, selectable, styled by the page
    "svg.hashsalt": "copro",  # stable ids, so the same findings give the same file
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#0b0c0c",
    "axes.labelcolor": "#0b0c0c",
    "xtick.color": "#0b0c0c",
    "ytick.color": "#0b0c0c",
})


@dataclass(frozen=True)
class SvgFigure:
    """A figure ready to inline: ``svg`` carries its own title and description."""

    id: str
    title: str
    description: str
    svg: str


def _to_svg(fig: Figure, fig_id: str, title: str, description: str) -> SvgFigure:
    buf = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = _prefix_ids(svg[svg.index("<svg"):], fig_id)
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                 rf'<svg\1 role="img" aria-labelledby="{fig_id}-title {fig_id}-desc" '
                 rf'class="figure"', svg, count=1)
    head_end = svg.index(">") + 1
    accessible = (f'<title id="{fig_id}-title">{_escape(title)}</title>'
                  f'<desc id="{fig_id}-desc">{_escape(description)}</desc>')
    svg = svg[:head_end] + accessible + svg[head_end:]
    return SvgFigure(fig_id, title, description, svg)


def _prefix_ids(svg: str, prefix: str) -> str:
    """matplotlib's element ids are unique within a figure; prefix them so that several figures
    can share one page. Ids the report styles (``pt-...``) are kept."""
    for old in set(re.findall(r'id="([^"]+)"', svg)):
        if old.startswith("pt-"):
            continue
        new = f"{prefix}-{old}"
        svg = (svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
               .replace(f'href="#{old}"', f'href="#{new}"'))
    return svg


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rates_scatter(findings: Findings, outcome_key: str, fig_id: str) -> SvgFigure:
    """Each compared local authority's rate for group A against group B, with the line of
    parity (equal rates)."""
    a, b = findings.group_a, findings.group_b
    pooled = findings.pooled[outcome_key]
    comps = [f.outcomes[outcome_key].comparison for f in findings.local_authorities
             if f.outcomes[outcome_key].comparison is not None]
    x = np.array([c.rate_b.estimate for c in comps]) * 100
    y = np.array([c.rate_a.estimate for c in comps]) * 100
    fig = Figure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    ax.plot([0, 100], [0, 100], color=GREY, linestyle="--", linewidth=1,
            label="Parity: equal rates")
    ax.scatter(x, y, s=18, color=BLUE, alpha=0.75, edgecolor="white", linewidth=0.4,
               label="A local authority")
    nat = pooled.national
    if nat is not None:
        ax.scatter([nat.rate_b.estimate * 100], [nat.rate_a.estimate * 100], marker="D", s=50,
                   color=VERMILLION, edgecolor="#0b0c0c", label="England", zorder=3)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    name = pooled.outcome.name
    ax.set_xlabel(f"{b.label}: {name} (%)")
    ax.set_ylabel(f"{a.label}: {name} (%)")
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    above = int(np.sum(y > x))
    below = int(np.sum(y < x))
    title = f"{name.capitalize()}: {a.label.lower()} against {b.label.lower()}, by local authority"
    description = (
        f"Scatter plot of {len(comps)} local authorities. Each dot is one authority: across, "
        f"the {name} for {b.requests_from}; up, for {a.requests_from}. The dashed line marks "
        f"equal rates. {above} authorities lie above the line ({a.label.lower()} higher), "
        f"{below} below it ({b.label.lower()} higher)"
        + (f"; England is at {pct(nat.rate_b.estimate)} for {b.label.lower()} and "
           f"{pct(nat.rate_a.estimate)} for {a.label.lower()}." if nat else "."))
    return _to_svg(fig, fig_id, title, description)


def forest_plot(findings: Findings, outcome_key: str, fig_id: str = "forest") -> SvgFigure:
    """Every compared local authority's risk ratio with its interval, sorted, with the pooled
    estimates and the prediction interval."""
    a, b = findings.group_a, findings.group_b
    pooled = findings.pooled[outcome_key]
    name = pooled.outcome.name
    rows = sorted(((f.area.name, f.outcomes[outcome_key].comparison.risk_ratio)
                   for f in findings.local_authorities
                   if f.outcomes[outcome_key].comparison is not None),
                  key=lambda r: r[1].estimate)
    k = len(rows)
    fig = Figure(figsize=(6.4, 1.6 + 0.115 * (k + 4)))
    ax = fig.add_subplot()
    ys = np.arange(k)[::-1] + 3
    est = np.array([r.estimate for _, r in rows])
    low = np.array([r.ci_low for _, r in rows])
    high = np.array([r.ci_high for _, r in rows])
    ax.hlines(ys, low, high, color=BLUE, linewidth=1)
    ax.scatter(est, ys, marker="s", s=10, color=BLUE, zorder=3, label="Local authority, 95% CI")
    summary = []
    mh = pooled.mantel_haenszel
    method = findings.options.tau2_methods[0]
    re = pooled.random_effects_ratio.get(method)
    if re is not None:
        if re.prediction_low is not None:
            ax.hlines([1], re.prediction_low, re.prediction_high, color=ORANGE, linewidth=3,
                      label="95% prediction interval")
        _diamond(ax, re.estimate, re.ci_low, re.ci_high, 1, VERMILLION,
                 f"Random effects ({method}), 95% CI")
        summary.append(f"random-effects ({method}) {ratio(re.estimate)} "
                       f"(95% CI {interval(re.ci_low, re.ci_high)}; prediction interval "
                       f"{interval(re.prediction_low, re.prediction_high)})")
    if mh is not None:
        _diamond(ax, mh.estimate, mh.ci_low, mh.ci_high, 2, "#0b0c0c",
                 "Mantel-Haenszel, 95% CI")
        summary.append(f"Mantel-Haenszel {ratio(mh.estimate)} "
                       f"(95% CI {interval(mh.ci_low, mh.ci_high)})")
    ax.axvline(1, color=GREY, linestyle="--", linewidth=1)
    ax.set_xscale("log")
    lowest = min(low.min(), 0.9) if k else 0.9  # no area compared: an empty plot, no error
    highest = max(high.max(), 1.1) if k else 1.1
    ticks = [t for t in (0.25, 0.5, 1, 2, 4, 8, 16, 32) if lowest / 1.2 <= t <= highest * 1.2]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(list(ys) + [2, 1], [n for n, _ in rows] + ["Pooled (M-H)", "Pooled (RE)"],
                  fontsize=5.5)
    ax.set_ylim(0.3, k + 3.7)
    ax.set_xlabel(f"Ratio of {name}s, {a.label.lower()} ÷ {b.label.lower()} "
                  "(log scale; 1 = no difference)")
    ax.legend(loc="upper left", bbox_to_anchor=(0, 1.0 + 0.6 / fig.get_figheight()),
              ncol=2, frameon=False, fontsize=7)
    fig.tight_layout()
    above = int(np.sum(low > 1))
    below = int(np.sum(high < 1))
    title = f"Ratio of {name}s, {a.label.lower()} ÷ {b.label.lower()}, by local authority"
    description = (
        f"Forest plot of {k} local authorities, sorted from the smallest ratio to the largest "
        f"({rows[0][0]} {ratio(rows[0][1].estimate)} to {rows[-1][0]} "
        f"{ratio(rows[-1][1].estimate)}). A ratio above 1 means {a.requests_from} were more "
        f"likely {pooled.outcome.likely}. In {above} authorities the whole 95% interval is "
        f"above 1, in {below} below 1. Pooled: " + "; ".join(summary) + "."
    ) if k else "No local authority could be compared."
    return _to_svg(fig, fig_id, title, description)


def _diamond(ax, est, low, high, y, color, label):
    ax.fill([low, est, high, est], [y, y + 0.4, y, y - 0.4], color=color, label=label,
            zorder=3)


def funnel_plot(funnel: Funnel, outcome_name: str, fig_id: str, label: int = 10) -> SvgFigure:
    """A group's rate against its number of decisions, with 95% and 99.8% limits around
    England's rate; each point has the id ``pt-<area code>`` so a page can highlight it."""
    lim = funnel.limits
    n = np.array(lim.n)
    fig = Figure(figsize=(6.4, 4.6))
    ax = fig.add_subplot()
    ax.axhline(lim.target * 100, color="#0b0c0c", linewidth=1,
               label=f"England: {pct(lim.target)}")
    ax.plot(n, np.array(lim.low_95) * 100, color=ORANGE, linewidth=1.2, label="95% limits")
    ax.plot(n, np.array(lim.high_95) * 100, color=ORANGE, linewidth=1.2)
    ax.plot(n, np.array(lim.low_998) * 100, color=VERMILLION, linewidth=1.2, linestyle="--",
            label="99.8% limits")
    ax.plot(n, np.array(lim.high_998) * 100, color=VERMILLION, linewidth=1.2, linestyle="--")
    for p in funnel.points:
        dot = ax.scatter([p.trials], [p.rate * 100], s=16, color=BLUE, alpha=0.8,
                         edgecolor="white", linewidth=0.4, zorder=3)
        dot.set_gid(f"pt-{p.area_code}")
    flagged = sorted(funnel.flagged, key=lambda p: -abs(p.rate - lim.target) * np.sqrt(p.trials))
    for p in flagged[:label]:
        ax.annotate(p.area_name, (p.trials, p.rate * 100), xytext=(4, 2),
                    textcoords="offset points", fontsize=6.5, color="#0b0c0c")
    ax.set_xscale("log")
    ax.set_ylim(0, 100)
    ax.set_xlabel(f"Decisions on {funnel.group.requests_from} (log scale)")
    ax.set_ylabel(f"{funnel.group.label}: {outcome_name} (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False,
              fontsize=7)
    fig.tight_layout()
    above = sum(p.band == "above 99.8%" for p in funnel.points)
    below = sum(p.band == "below 99.8%" for p in funnel.points)
    title = (f"Funnel plot: {funnel.group.label.lower()}' {outcome_name} against the number "
             "of decisions")
    description = (
        f"Funnel plot of {len(funnel.points)} local authorities with at least "
        f"{funnel.min_trials} decisions on {funnel.group.requests_from}. Across: the number of "
        f"decisions; up: the {outcome_name}. The horizontal line is England's rate, "
        f"{pct(lim.target)}; the curves are 95% and 99.8% control limits, which narrow as the "
        f"number of decisions grows. {above} authorities lie above the 99.8% limits and "
        f"{below} below them"
        + (f"; the {min(label, len(flagged))} furthest out are labelled." if flagged else "."))
    return _to_svg(fig, fig_id, title, description)


def national_rates_by_group(findings: Findings, fig_id: str = "mediation") -> SvgFigure | None:
    """England's mediation and tribunal rates for every requester group, with intervals
    (None where the data have no mediation or tribunal counts)."""
    keys = [o for o in findings.outcomes if o.key in ("mediation", "tribunal")]
    if not keys:
        return None
    fig = Figure(figsize=(6.4, 3.0))
    axes = fig.subplots(1, len(keys), sharey=True)
    axes = np.atleast_1d(axes)
    groups = [g for g in COMPARABLE_GROUPS
              if all(findings.national.outcomes[o.key].rates.get(g) is not None
                     and findings.national.outcomes[o.key].rates[g].trials for o in keys)]
    if not groups:
        return None
    parts = []
    for ax, outcome in zip(axes, keys, strict=True):
        rates = [findings.national.outcomes[outcome.key].rates[g] for g in groups]
        est = np.array([r.estimate for r in rates]) * 100
        err = np.array([[r.estimate - r.ci_low for r in rates],
                        [r.ci_high - r.estimate for r in rates]]) * 100
        ys = np.arange(len(groups))[::-1]
        ax.barh(ys, est, color=SKY, edgecolor=BLUE)
        ax.errorbar(est, ys, xerr=err, fmt="none", ecolor="#0b0c0c", capsize=2, linewidth=1)
        ax.set_yticks(ys, [g.label for g in groups])
        ax.set_xlabel(f"{outcome.name.capitalize()} (%)")
        parts.append(f"{outcome.name}: " + ", ".join(
            f"{g.label.lower()} {pct(r.estimate)}" for g, r in zip(groups, rates, strict=True)))
    fig.tight_layout()
    title = "Mediation and tribunal rates in England, by who made the request"
    description = ("Bar chart of the share of requests that led to mediation and to a tribunal "
                   "appeal in England, for each requester group, with 95% intervals. "
                   + "; ".join(parts) + ".")
    return _to_svg(fig, fig_id, title, description)
