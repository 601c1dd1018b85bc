"""The report's figures, as inline SVG drawn with matplotlib. They draw what the findings hold;
each comes with a title and a text description of what it shows."""

from __future__ import annotations

import io
import re

import numpy as np
from matplotlib import rcParams
from matplotlib import ticker as matplotlib_ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from copro.findings import Findings, Funnel
from copro.groups import COMPARABLE_GROUPS
from copro.render.dot_figures import (  # noqa: F401 - HIGHLIGHT, _text_boxes: for the tests
    HIGHLIGHT,
    SvgFigure,
    _text_boxes,
    benchmark_words,
    highlight_point,
    national_marks,
    two_rates_axis_label,
    two_rates_words,
)
from copro.render.numbers import interval, names, pct, ratio
from copro.render.sentences import authorities

# Okabe & Ito (2008) colour-blind-safe palette
BLUE, ORANGE, VERMILLION, SKY, GREEN, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#009E73", "#CC79A7", "#595959")

#: Every figure is drawn WIDTH inches wide with no text smaller than FONT points, and shown at
#: most at SCALE times its natural size: on a 390 px phone (358 px of column) the smallest text
#: is then 11 * 4/3 * 358 / (4.8 * 96) = 11.4 px, and on a desktop 11 * 4/3 * 1.25 = 18 px.
WIDTH, FONT, SCALE = 4.8, 11, 1.25

rcParams.update({
    "svg.fonttype": "none",  # keep text as text: searchable, selectable, styled by the page
    "svg.hashsalt": "copro",  # stable ids, so the same findings give the same file
    "font.family": "sans-serif",
    "font.size": FONT,
    "legend.fontsize": FONT,
    "xtick.labelsize": FONT,
    "ytick.labelsize": FONT,
    "axes.labelsize": FONT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#0b0c0c",
    "axes.labelcolor": "#0b0c0c",
    "xtick.color": "#0b0c0c",
    "ytick.color": "#0b0c0c",
})


def _to_svg(fig: Figure, fig_id: str, title: str, description: str,
            scale: float = SCALE) -> SvgFigure:
    buf = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = _prefix_ids(svg[svg.index("<svg"):], fig_id)
    widest = fig.get_figwidth() * 96 * scale  # CSS px
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                 rf'<svg\1 role="img" aria-labelledby="{fig_id}-title {fig_id}-desc" '
                 rf'class="figure" style="max-width: {widest:.0f}px"', svg, count=1)
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


def rates_scatter(findings: Findings, outcome_key: str, fig_id: str,
                  reference: str = "England") -> SvgFigure:
    """Each compared local authority's rate for group A against group B, with the line of
    parity (equal rates)."""
    a, b = findings.group_a, findings.group_b
    pooled = findings.pooled[outcome_key]
    comps = [f.outcomes[outcome_key].comparison for f in findings.local_authorities
             if f.outcomes[outcome_key].comparison is not None]
    x = np.array([c.rate_b.estimate for c in comps]) * 100
    y = np.array([c.rate_a.estimate for c in comps]) * 100
    fig = Figure(figsize=(WIDTH, WIDTH + 0.9), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 100], [0, 100], color=GREY, linestyle="--", linewidth=1,
            label="Parity: equal rates")
    ax.scatter(x, y, s=18, color=BLUE, alpha=0.75, edgecolor="white", linewidth=0.4,
               label="A local authority")
    nat = pooled.national
    if nat is not None:
        ax.scatter([nat.rate_b.estimate * 100], [nat.rate_a.estimate * 100], marker="D", s=50,
                   color=VERMILLION, edgecolor="#0b0c0c", label=_short(reference, 30),
                   zorder=3)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    name = pooled.outcome.name
    ax.set_xlabel(f"{b.label}: {name} (%)")
    ax.set_ylabel(f"{a.label}: {name} (%)")
    fig.legend(loc="outside lower center", ncols=2, frameon=False, columnspacing=1.0,
               handletextpad=0.4)
    above = int(np.sum(y > x))
    below = int(np.sum(y < x))
    title = f"{name.capitalize()}: {a.label.lower()} against {b.label.lower()}, by local authority"
    description = (
        f"Scatter plot of {authorities(len(comps))}. Each dot is one authority: across, "
        f"the {name} for {b.requests_from}; up, for {a.requests_from}. The dashed line marks "
        f"equal rates. {above} {'authority lies' if above == 1 else 'authorities lie'} above "
        f"the line ({a.label.lower()} higher), {below} below it ({b.label.lower()} higher)"
        + (f"; {reference} is at {pct(nat.rate_b.estimate)} for {b.label.lower()} and "
           f"{pct(nat.rate_a.estimate)} for {a.label.lower()}." if nat else "."))
    return _to_svg(fig, fig_id, title, description)


def _short(name: str, limit: int = 24) -> str:
    """A local authority's name, cut to fit a figure's margin (the tables give it whole)."""
    return name if len(name) <= limit else name[:limit - 1].rstrip(" ,") + "…"


def forest_plot(findings: Findings, outcome_key: str, fig_id: str = "forest") -> SvgFigure:
    """Every compared local authority's risk ratio with its interval, sorted, with the pooled
    estimates and the prediction interval. The axis is drawn at the top and at the foot."""
    a, b = findings.group_a, findings.group_b
    pooled = findings.pooled[outcome_key]
    name = pooled.outcome.name
    rows = sorted(((f.area.name, f.outcomes[outcome_key].comparison.risk_ratio)
                   for f in findings.local_authorities
                   if f.outcomes[outcome_key].comparison is not None),
                  key=lambda r: r[1].estimate)
    k = len(rows)
    row_height = 1.35 * FONT / 72  # inches: a line of text and a little space
    fig = Figure(figsize=(WIDTH, 2.6 + row_height * (k + 3)), layout="constrained")
    ax = fig.add_subplot()
    ys = np.arange(k)[::-1] + 3
    est = np.array([r.estimate for _, r in rows])
    low = np.array([r.ci_low for _, r in rows])
    high = np.array([r.ci_high for _, r in rows])
    ax.hlines(ys, low, high, color=BLUE, linewidth=1.2)
    ax.scatter(est, ys, marker="s", s=14, color=BLUE, zorder=3, label="Local authority, 95% CI")
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
    lo = min(low.min() if k else 0.9, 0.9)
    hi = max(high.max() if k else 1.1, 1.1)
    steps = ((0.5, 0.75, 1, 1.25, 1.5, 2, 3) if hi / lo < 4 else
             (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64))
    ticks = [t for t in steps if lo / 1.2 <= t <= hi * 1.2]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib_ticker.NullLocator())
    ax.tick_params(axis="x", top=True, labeltop=True)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_yticks(list(ys) + [2, 1], [_short(n) for n, _ in rows] + ["Pooled (M-H)",
                                                                      "Pooled (RE)"])
    ax.set_ylim(0.3, k + 3.7)
    ax.set_xlabel("Ratio (log scale)")
    fig.legend(loc="outside upper left", ncols=1, frameon=False, handletextpad=0.4)
    above = int(np.sum(low > 1))
    below = int(np.sum(high < 1))
    title = f"Ratio of {name}s, {a.label.lower()} ÷ {b.label.lower()}, by local authority"
    description = (
        f"Forest plot of {authorities(k)}, sorted from the smallest ratio to the largest "
        f"({rows[0][0]} {ratio(rows[0][1].estimate)} to {rows[-1][0]} "
        f"{ratio(rows[-1][1].estimate)}). A ratio above 1 means {a.requests_from} were more "
        f"likely {pooled.outcome.likely}. In {above} of them the whole 95% interval is "
        f"above 1, in {below} below 1. Pooled: " + "; ".join(summary) + "."
    ) if k else "No local authority could be compared."
    return _to_svg(fig, fig_id, title, description, scale=1.0)


def _diamond(ax, est, low, high, y, color, label):
    ax.fill([low, est, high, est], [y, y + 0.4, y, y - 0.4], color=color, label=label,
            zorder=3)


def _place_labels(fig: Figure, ax, points: list[tuple[str, float, float]]) -> list[str]:
    """Label points (name, x, y) in order, each beside its point where it overlaps no label
    already placed and stays inside the axes; a point with no such place is left unlabelled.
    Returns the names labelled."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # settle the layout, so that extents are final
    renderer = canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    placed, named = [], []
    for name, x, y in points:
        for dx, dy, ha, va in ((5, 3, "left", "bottom"), (5, -3, "left", "top"),
                               (-5, 3, "right", "bottom"), (-5, -3, "right", "top")):
            text = ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points",
                               ha=ha, va=va, color="#0b0c0c")
            text.set_in_layout(False)
            box = text.get_window_extent(renderer).expanded(1.06, 1.15)
            if (inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0
                    and box.y1 <= inside.y1 and not any(box.overlaps(p) for p in placed)):
                placed.append(box)
                named.append(name)
                break
            text.remove()
    return named


def funnel_plot(funnel: Funnel, outcome_name: str, fig_id: str, reference: str = "England",
                label: int = 10, compared: frozenset[str] | None = None,
                counted: str = "decisions") -> SvgFigure:
    """A group's rate against its number of decisions (``counted``: what the rate's base
    counts, 'requests received' for a rate of requests received), with 95% and 99.8% limits around
    the ``reference`` rate, and the 99.8% limits allowing for over-dispersion. Up to ``label``
    of the points outside the exact 99.8% limits are named, furthest first, where a name fits
    without covering another. Each point has the id ``pt-<area code>``. ``compared``: the
    codes of the local authorities compared, so that the caption reconciles its count of
    points with theirs (a point needs enough decisions from one group only)."""
    lim = funnel.limits
    n = np.array(lim.n)
    fig = Figure(figsize=(WIDTH, WIDTH + 0.6), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(lim.target * 100, color="#0b0c0c", linewidth=1,
               label=f"{reference}: {pct(lim.target)}")
    ax.plot(n, np.array(lim.low_95) * 100, color=ORANGE, linewidth=1.2, label="95% limits")
    ax.plot(n, np.array(lim.high_95) * 100, color=ORANGE, linewidth=1.2)
    ax.plot(n, np.array(lim.low_998) * 100, color=VERMILLION, linewidth=1.2, linestyle="--",
            label="99.8% limits")
    ax.plot(n, np.array(lim.high_998) * 100, color=VERMILLION, linewidth=1.2, linestyle="--")
    od = funnel.overdispersion
    if od is not None and od.tau2 > 0:
        ax.plot(n, np.array(od.low_998_additive) * 100, color=PURPLE, linewidth=1.6,
                linestyle=":", label="99.8%, allowing for over-dispersion")
        ax.plot(n, np.array(od.high_998_additive) * 100, color=PURPLE, linewidth=1.6,
                linestyle=":")
    for p in funnel.points:
        dot = ax.scatter([p.trials], [p.rate * 100], s=18, color=BLUE, alpha=0.8,
                         edgecolor="white", linewidth=0.4, zorder=3)
        dot.set_gid(f"pt-{p.area_code}")
    ax.set_xscale("log")
    ticks = [t for t in (10, 30, 100, 300, 1000, 3000, 10000, 30000) if n.min() <= t <= n.max()]
    ax.set_xticks(ticks, [f"{t:,}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib_ticker.NullLocator())
    ax.set_ylim(0, 100)
    ax.set_xlabel(f"{counted.capitalize()} (log scale)")
    ax.set_ylabel(f"{funnel.group.label}: {outcome_name} (%)")
    fig.legend(loc="outside lower center", ncols=2, frameon=False, columnspacing=1.0,
               handletextpad=0.4)
    flagged = sorted(funnel.flagged, key=lambda p: -abs(p.rate - lim.target) * np.sqrt(p.trials))
    named = [] if not label else _place_labels(
        fig, ax, [(p.area_name, p.trials, p.rate * 100) for p in flagged[:label]])
    above = sum(p.band == "above 99.8%" for p in funnel.points)
    below = sum(p.band == "below 99.8%" for p in funnel.points)
    title = (f"Funnel plot: {funnel.group.label.lower()}' {outcome_name} against the number "
             f"of {counted}")
    extra = ([] if compared is None else
             [p.area_name for p in funnel.points if p.area_code not in compared])
    why = ""
    if compared is not None:
        why = (f": the {len(funnel.points) - len(extra)} compared"
               + (f", and {names(extra)}, not compared (too few requests from the other "
                  "group) but with enough on this one" if extra else ""))
    description = (
        f"Funnel plot of {authorities(len(funnel.points))} with at least "
        f"{funnel.min_trials} {counted} on {funnel.group.requests_from}{why} (those that did "
        f"not record who made most requests are left out). Across: the number of "
        f"{counted}; up: the {outcome_name}. The horizontal line is the rate for {reference}, "
        f"{pct(lim.target)}; the curves are 95% and 99.8% control limits, which narrow as the "
        f"number of {counted} grows. Above the 99.8% limits: {above}; below them: {below}")
    if od is not None and od.tau2 > 0:
        still = funnel.flagged_additive
        description += (
            f". Allowing for the real variation between authorities (over-dispersion; dotted "
            f"curves), {len(still)} remain{'s' if len(still) == 1 else ''} outside"
            + (f": {names([p.area_name for p in still])}" if still else ""))
    description += (f". Labelled: {names(named)}." if named else ".")
    return _to_svg(fig, fig_id, title, description)


def national_rates_by_group(findings: Findings, fig_id: str = "mediation",
                            reference: str = "England") -> SvgFigure | None:
    """England's mediation and tribunal rates for every requester group, with intervals
    (None where the data have no mediation or tribunal counts)."""
    keys = [o for o in findings.outcomes if o.key in ("mediation", "tribunal")]
    if not keys:
        return None
    fig = Figure(figsize=(WIDTH, 1.2 + 1.9 * len(keys)), layout="constrained")
    axes = fig.subplots(len(keys), 1)
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
        ax.set_xlim(0, None)
        parts.append(f"{outcome.name}: " + ", ".join(
            f"{g.label.lower()} {pct(r.estimate)}" for g, r in zip(groups, rates, strict=True)))
    title = f"Mediation and tribunal rates in {reference}, by who made the request"
    description = ("Bar chart of the share of requests that led to mediation and to a tribunal "
                   f"appeal in {reference}, for each requester group, with 95% intervals. "
                   + "; ".join(parts) + ".")
    return _to_svg(fig, fig_id, title, description)


#: The two groups' colours wherever they stand side by side (Okabe-Ito: blue and vermillion
#: differ for every common colour vision deficiency); group B (families) first.
GROUP_COLOURS = (BLUE, VERMILLION)


def two_rates(findings: Findings, f, fig_id: str = "answer") -> SvgFigure | None:
    """The comparison that matters, drawn small enough to sit at the top of a page on a
    phone: group B's and group A's rate in one area, each with its 95% interval, on a 0-100
    scale, and the national rate for each group marked (a black triangle); None where the two
    were not compared (a figure of rates no one compared would lead where the page cannot).
    The website draws the same figure as plain SVG: copro.render.dot_figures.two_rates."""
    key = findings.primary
    a, b = findings.group_a, findings.group_b
    if f.outcomes[key].comparison is None:
        return None
    rates = [f.outcomes[key].rates.get(g) for g in (b, a)]
    marks = national_marks(findings, f)
    # narrower than the others: it sits indented, beside the answer, on a 390 px phone
    fig = Figure(figsize=(WIDTH - 0.6, 1.6), layout="constrained")
    ax = fig.add_subplot()
    ys = [1, 0]
    for y, r, colour in zip(ys, rates, GROUP_COLOURS, strict=True):
        ax.hlines(y, r.ci_low * 100, r.ci_high * 100, color=colour, linewidth=3)
        ax.scatter([r.estimate * 100], [y], s=90, color=colour, edgecolor="#0b0c0c",
                   linewidth=0.8, zorder=3, clip_on=False)
        # the label beside the interval where there is room, else above the point (a wide
        # interval leaves none on either side without running into the group's name)
        if r.ci_high * 100 < 70:
            at, offset, ha, va = r.ci_high * 100, (6, 0), "left", "center"
        elif r.ci_low * 100 > 30:
            at, offset, ha, va = r.ci_low * 100, (-6, 0), "right", "center"
        else:
            at, offset, va = r.estimate * 100, (0, 7), "bottom"
            ha = "right" if r.estimate > 0.7 else "left" if r.estimate < 0.3 else "center"
        ax.annotate(f"{round(r.estimate * 100)} in 100", (at, y), xytext=offset,
                    textcoords="offset points", ha=ha, va=va, fontweight="bold",
                    color="#0b0c0c")
    # the national rate for each group: a black triangle under the row, pointing up at it
    # (under, so that it never runs into the label beside or above the point)
    for y, m in zip(ys, marks, strict=True):
        if m is not None:
            ax.scatter([m.estimate * 100], [y - 0.32], marker="^", s=55, color="#0b0c0c",
                       zorder=4, clip_on=False)

    ax.set_yticks(ys, [b.label, a.label])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("\n".join(two_rates_axis_label(findings, f)))
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    title, description = two_rates_words(findings, f, rates)
    return _to_svg(fig, fig_id, title, description)


def benchmark_plot(findings: Findings, rows, fig_id: str = "neighbours") -> SvgFigure | None:
    """An area beside its statistical neighbours, its region and the national figures
    (``rows`` from :func:`copro.render.benchmark.benchmark`): on the left each group's rate
    with its interval, on the right the ratio with its interval (log scale); the area's own
    row is shaded and its name in bold."""
    if not rows:
        return None
    a, b = findings.group_a, findings.group_b
    k = len(rows)
    row_height = 1.5 * FONT / 72
    height = 1.3 + row_height * k
    fig = Figure(figsize=(WIDTH, height))
    # fixed margins (no layout engine: this figure is drawn for every local authority)
    # left: room for a 20-character name in bold; equal panels: "not compared" fits the right
    # one; the gap keeps the rate axis's "100" clear of the ratio axis's "1"
    fig.subplots_adjust(left=0.46, right=0.98, top=1 - 0.12 / height, bottom=1.05 / height,
                        wspace=0.2)
    left, right = fig.subplots(1, 2, sharey=True)
    ys = np.arange(k)[::-1]
    own = [y for y, r in zip(ys, rows, strict=True) if r.kind == "area"]
    for ax in (left, right):
        for y in own:
            ax.axhspan(y - 0.5, y + 0.5, color="#fff2cc", zorder=0)
        for y, r in zip(ys, rows, strict=True):
            if r.kind == "region":
                ax.axhline(y + 0.5, color="#b1b4b6", linewidth=0.8)
    for key, colour, marker, dy in (("rate_b", GROUP_COLOURS[0], "o", 0.15),
                                    ("rate_a", GROUP_COLOURS[1], "s", -0.15)):
        shown = [(y + dy, getattr(r, key)) for y, r in zip(ys, rows, strict=True)
                 if getattr(r, key) is not None and getattr(r, key).trials]
        if shown:
            at = np.array([y for y, _ in shown])
            left.hlines(at, [x.ci_low * 100 for _, x in shown],
                        [x.ci_high * 100 for _, x in shown], color=colour, linewidth=1.5)
            # unclipped: a rate of 0% or 100% shows its whole mark
            left.scatter([x.estimate * 100 for _, x in shown], at, s=22, marker=marker,
                         color=colour, zorder=3, clip_on=False)
    ratios = [(y, r.ratio) for y, r in zip(ys, rows, strict=True) if r.ratio is not None]
    if ratios:
        at = np.array([y for y, _ in ratios])
        right.hlines(at, [x.ci_low for _, x in ratios], [x.ci_high for _, x in ratios],
                     color="#0b0c0c", linewidth=1.5)
        right.scatter([x.estimate for _, x in ratios], at, s=22, marker="D", color="#0b0c0c",
                      zorder=3)
    for y, r in zip(ys, rows, strict=True):
        if r.ratio is None:
            right.text(0.5, y, "not compared", ha="center", va="center", color=GREY,
                       transform=right.get_yaxis_transform(),
                       bbox={"facecolor": "#fff2cc" if r.kind == "area" else "white",
                             "edgecolor": "none", "pad": 1})
    left.scatter([], [], marker="o", color=GROUP_COLOURS[0], label=b.label)
    left.scatter([], [], marker="s", color=GROUP_COLOURS[1], label=a.label)
    left.set_xlim(0, 100)
    left.set_xticks([0, 50, 100])
    left.set_xlabel("Rate (%)")
    labels = [_short(r.name, 20) for r in rows]
    left.set_yticks(ys, labels)
    for tick, r in zip(left.get_yticklabels(), rows, strict=True):
        if r.kind == "area":
            tick.set_fontweight("bold")
    left.set_ylim(-0.6, k - 0.4)
    right.axvline(1, color=GREY, linestyle="--", linewidth=1)
    right.set_xscale("log")
    his = [r.ratio.ci_high for r in rows if r.ratio is not None] or [1.1]
    los = [r.ratio.ci_low for r in rows if r.ratio is not None] or [0.9]
    lo, hi = min(min(los), 0.9), max(max(his), 1.1)
    right.set_xlim(lo / 1.05, hi * 1.05)
    # ticks at least a quarter of the panel apart, so that their labels do not touch
    spread, ticks = np.log(hi * 1.05 / (lo / 1.05)), []
    for t in (0.5, 1, 1.5, 2, 3, 4, 6):
        if lo / 1.1 <= t <= hi * 1.1 and (not ticks or np.log(t / ticks[-1]) >= spread / 4):
            ticks.append(t)
    right.set_xticks(ticks, [f"{t:g}" for t in ticks])
    right.xaxis.set_minor_locator(matplotlib_ticker.NullLocator())
    right.set_xlabel("Ratio")
    right.tick_params(axis="y", left=False)
    fig.legend(loc="lower center", ncols=2, frameon=False, handletextpad=0.4,
               bbox_to_anchor=(0.5, 0))
    title, description = benchmark_words(findings, rows)
    return _to_svg(fig, fig_id, title, description, scale=1.0)

