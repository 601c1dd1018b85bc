"""The audit and one area's scorecard, for a terminal (Rich)."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.render.benchmark import benchmark, benchmark_sentences
from copro.render.numbers import (
    MISSING,
    ZERO_CORRECTED,
    ZERO_CORRECTED_NOTE,
    count,
    interval,
    missing_legend,
    missing_symbol,
    names,
    p_value,
    pct,
    points,
    ratio,
)
from copro.render.sentences import (
    area_sentences,
    authorities,
    beside,
    caveats,
    display_name,
    headline,
    in_text,
    methods,
    national_name,
    plain_answer,
    scope,
)
from copro.sources.neighbours import StatisticalNeighbours
from copro.stats.results import Rate

ROWS_EACH_WAY = 10


def print_audit(findings: Findings, console: Console) -> None:
    """Headline sentences, the areas with the largest and smallest gaps, coverage, sources."""
    a, b = findings.group_a, findings.group_b
    console.print(f"[bold]Coproduction Audit: does it matter who asks? {scope(findings)}, "
                  f"{findings.period}[/bold]")
    console.print(f"Requests for an EHC needs assessment: {a.requests_from} compared with "
                  f"{b.requests_from}.\n")
    for sentence in headline(findings):
        console.print(f"• {sentence}")
    console.print()

    key = findings.primary
    pooled = findings.pooled[key]
    compared = [f for f in findings.local_authorities if f.outcomes[key].comparison is not None]
    if len(compared) >= 2:
        eb = pooled.empirical_bayes
        ranked = sorted(compared, key=lambda f: (-eb.by_area[f.area.code].estimate, f.area.name))
        each_way = min(ROWS_EACH_WAY, len(ranked) // 2)
        name = findings.outcome(key).name
        console.print(_gap_table(findings, ranked[:each_way],
                                 f"Where the gap is largest: ratio of {name}s, "
                                 f"{a.label.lower()} ÷ {b.label.lower()}, ordered by the "
                                 "shrunken ratio", console.width))
        console.print(_gap_table(findings, ranked[::-1][:each_way],
                                 "Where the gap is smallest, ordered by the shrunken ratio",
                                 console.width))
        console.print("Shrunken: each group's rate pulled towards the average of the local "
                      "authorities compared, more the fewer its requests (empirical Bayes), so "
                      "a ratio from a few requests does not top the list by chance; raw: the "
                      "area's own figures.\n")
    for group, funnel in pooled.funnels.items():
        od = funnel.overdispersion
        if od is None:
            continue
        still = funnel.flagged_additive
        console.print(
            f"Funnel plot, {group.label.lower()}' {findings.outcome(key).name}: "
            f"{len(funnel.flagged)} of the {len(funnel.points)} local authorities with at least "
            f"{funnel.min_trials} decisions on {group.requests_from} lie outside the "
            f"exact 99.8% limits; their rates vary {od.phi:.1f} times as much as chance "
            "explains (over-dispersion). Allowing for the real variation between authorities "
            "(limits that add a between-area variance), "
            + (f"{len(still)} remain{'s' if len(still) == 1 else ''} outside: "
               f"{names([f'{p.area_name} ({pct(p.rate)} of {p.trials:,})' for p in still])}"
               if still else "none remains outside")
            + f"; with the limits widened by the factor {od.phi:.1f} instead, "
              f"{len(funnel.flagged_multiplicative)}.")
    console.print()
    if any(p.adjusted is not None for p in findings.pooled.values()):
        console.print(_adjusted_table(findings, console.width))
    if findings.pooled[key].coverage.not_comparable:
        console.print(_coverage_table(findings, console.width))
    _print_association(findings, console)
    _footer(findings, console)


def _table(title: str, headers: list[str], rows: list[list[str]], width: int,
           left: int = 1):
    """A table that fits in ``width`` columns, and whose cells wrap only between words: each
    column is at least as wide as its longest word, so an interval such as '(1.22–1.33)' is
    never cut. Where even that is too wide, the table is split into tables of fewer columns,
    each repeating the first ``left`` (the names). The first ``left`` columns are
    left-aligned, the rest (numbers) right-aligned."""
    cells = [[header, *[str(row[i]) for row in rows]] for i, header in enumerate(headers)]
    least = [max(len(w) for c in col for w in c.split()) for col in cells]
    room = width - 3 * (len(headers) - 1) - 2
    if sum(least) > room and len(headers) > left + 1:
        parts, chosen = [], []
        for i in range(left, len(headers)):
            used = sum(least[:left]) + sum(least[j] for j in chosen) + least[i]
            if chosen and used > width - 3 * (left + len(chosen)) - 2:
                parts.append(chosen)
                chosen = []
            chosen.append(i)
        parts.append(chosen)
        if len(parts) > 1:
            keep = list(range(left))
            return Group(*[_table(title if n == 0 else f"{title} (continued)",
                                  [headers[j] for j in keep + part],
                                  [[row[j] for j in keep + part] for row in rows], width, left)
                           for n, part in enumerate(parts)])
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    most = [max(len(c) for c in col) for col in cells]
    room = width - 3 * (len(headers) - 1) - 2  # padding and gaps between columns; edges
    widths = most
    if sum(most) > room:  # share what is left after every column's longest word
        spare = max(0, room - sum(least))
        want = [m - lo for m, lo in zip(most, least, strict=True)]
        total = sum(want) or 1
        widths = [lo + (spare * w) // total for lo, w in zip(least, want, strict=True)]
    for i, header in enumerate(headers):
        t.add_column(header, justify="left" if i < left else "right", overflow="fold",
                     width=widths[i])
    for row in rows:
        t.add_row(*row)
    return t


def _adjusted_table(findings: Findings, width: int) -> Table:
    a, b = findings.group_a, findings.group_b
    missing = []
    adjusted_for = {p.adjusted.adjusted_for for p in findings.pooled.values() if p.adjusted}
    one = adjusted_for.pop() if len(adjusted_for) == 1 else None
    rows = []
    for p in findings.pooled.values():
        x = p.adjusted
        if x is None:
            continue
        mh = x.stratified

        def odds(o, why, what, name=p.outcome.name):
            if o is None:
                missing.append(f"{name}, {what}: {why}")
                return MISSING
            return _ratio_cell(o.estimate, o.ci_low, o.ci_high)

        rows.append([p.outcome.name, f"{x.requests:,}", str(x.strata),
                     _ratio_cell(x.crude_rr, x.crude_rr_low, x.crude_rr_high),
                     odds(mh, x.stratified_missing, "Mantel-Haenszel ratio"),
                     odds(x.crude_or, x.crude_or_missing, "unadjusted odds ratio"),
                     odds(x.adjusted_or, x.adjusted_or_missing, "adjusted odds ratio"),
                     *(() if one else (x.adjusted_for,))])
    t = _table("Unadjusted and adjusted for case mix"
               + (f" (adjusted for {one})" if one else "")
               + f": {a.label.lower()} against {b.label.lower()}",
               ["Outcome", "Requests", "Strata", "Ratio, unadjusted", "Ratio, M-H adjusted",
                "Odds ratio, unadjusted", "Odds ratio, adjusted",
                *(() if one else ("Adjusted for",))], rows, width)
    if missing:
        t.caption = "Not estimated (" + MISSING + "): " + "; ".join(missing) + "."
        t.caption_justify = "left"
    return t


def _percent(x: float) -> str:
    return f"{100 * x:.1f}"


def _rate_cell(r: Rate | None) -> str:
    """'84.2 (81.7–86.4)': a percentage and its interval."""
    if r is None or not r.trials:
        return MISSING
    return f"{_percent(r.estimate)} ({interval(r.ci_low, r.ci_high, _percent, '–')})"


def _share(r: Rate) -> str:
    """'47.4% of 358': a rate and its base; wraps between the two, never inside a number."""
    return f"{_percent(r.estimate)}% of {r.trials:,}"


def _ratio_cell(estimate: float, low: float, high: float) -> str:
    """'1.73 (1.71–1.75)'; wraps before the interval, never inside it."""
    return f"{ratio(estimate)} ({interval(low, high, ratio, '–')})"


def _gap_table(findings: Findings, areas: list[AreaFindings], title: str, width: int) -> Table:
    a, b = findings.group_a, findings.group_b
    key = findings.primary
    eb = findings.pooled[key].empirical_bayes
    short = findings.outcome(key).short
    rows = []
    for f in areas:
        c = f.outcomes[key].comparison
        rr, shrunk = c.risk_ratio, eb.by_area[f.area.code]
        rows.append([f.area.name, _share(c.rate_b), _share(c.rate_a),
                     _ratio_cell(shrunk.estimate, shrunk.ci_low, shrunk.ci_high),
                     _ratio_cell(rr.estimate, rr.ci_low, rr.ci_high)])
    return _table(title, ["Local authority", f"{b.label}: {short}", f"{a.label}: {short}",
                          "Shrunken ratio, 95% CI", "Raw ratio, 95% CI"], rows, width)


def _q(q: float | None) -> str:
    """'q < 0.001', 'q = 0.042': written as the p-value beside it is."""
    return MISSING if q is None else "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


def _coverage_table(findings: Findings, width: int) -> Table:
    cov = findings.pooled[findings.primary].coverage
    rows = [[x.area.name, NOT_COMPARABLE_REASONS[x.reason], x.detail]
            for x in sorted(cov.not_comparable, key=lambda x: (x.reason, x.area.name))]
    return _table(f"Not compared: {len(cov.not_comparable)} of "
                  f"{authorities(cov.local_authorities)}", ["Local authority", "Why", "Detail"],
                  rows, width, left=3)


def _footer(findings: Findings, console: Console) -> None:
    console.print()
    console.print("[bold]Notes[/bold]")
    # only what the audit's output shows: its compared outcomes (mediation and tribunal rates
    # are in `copro la`, the JSON and the report), and no q-values or differences
    for o in findings.outcomes:
        if o.compared:
            console.print(f"- {o.name.capitalize()}: {o.definition}.")
    console.print(
        "- Rates: Wilson score 95% intervals. Ratio: Katz log interval. Pooled: Mantel-Haenszel "
        f"(Greenland-Robins variance). {MISSING} = missing (reason given).")
    for line in methods(findings):
        console.print(f"- {line}")
    for caveat in caveats(findings):
        console.print(f"- {caveat}")
    p = findings.provenance
    console.print(f"- Data: {p.source} (SHA-256 {p.sha256[:12]}…). {p.attribution}")
    console.print("- More: `copro la NAME` for one area; `--json`, `--csv FILE`, `--xlsx FILE` "
                  "for everything.")


def _print_neighbours(findings: Findings, f: AreaFindings, neighbours: StatisticalNeighbours,
                      console: Console) -> None:
    """The area beside its 10 statistical neighbours, its region and the national figures."""
    rows = benchmark(findings, f, neighbours)
    if not any(r.kind == "neighbour" and r.why_not != "not in these data" for r in rows):
        return
    a, b = findings.group_a, findings.group_b
    cells = []
    for r in rows:
        name = (f"{r.rank}. {r.name} ({r.closeness.lower()})" if r.kind == "neighbour"
                else r.name)
        if r.ratio is None:
            cells.append([name, _rate_cell(r.rate_b) if r.rate_b and r.rate_b.trials else
                          MISSING, _rate_cell(r.rate_a) if r.rate_a and r.rate_a.trials else
                          MISSING, f"not compared: {r.why_not}", ""])
            continue
        cells.append([name, _rate_cell(r.rate_b), _rate_cell(r.rate_a),
                      _ratio_cell(r.ratio.estimate, r.ratio.ci_low, r.ratio.ci_high),
                      MISSING if r.shrunken is None else
                      _ratio_cell(r.shrunken.estimate, r.shrunken.ci_low, r.shrunken.ci_high)])
    console.print()
    console.print(_table(f"{f.area.name} beside its statistical neighbours (DfE's list, closest "
                         f"first): {findings.outcome(findings.primary).name}, % (95% CI)",
                         ["Area", b.label, a.label, "Ratio, 95% CI",
                          "Shrunken ratio, 95% CI"], cells, console.width))
    for sentence in benchmark_sentences(findings, rows):
        console.print(f"• {sentence}")
    console.print(f"- Neighbours: {neighbours.attribution} A shrunken ratio is pulled towards "
                  "the average of all areas compared, the more so the fewer its requests.")


def _points(x: float) -> str:
    """A difference in percentage points with its sign: '+20.0', '−2.3' (a minus sign, not a
    hyphen, so that an interval's dash is not taken for one)."""
    return points(x).replace("-", "−")


def print_area(findings: Findings, f: AreaFindings, console: Console,
               neighbours: StatisticalNeighbours | None = None) -> None:
    """One area's scorecard: the answer in plain words, every group's rates, the comparison,
    region and England (or the areas in the data together) beside it, and its statistical
    neighbours (from ``neighbours``, where given)."""
    area = f.area
    codes = area.code + (f", DfE {area.old_la_code}" if area.old_la_code else "")
    where = f" — {area.region_name}" if area.region_name else ""
    console.print(f"[bold]{area.name}[/bold] ({codes}){where} — {findings.period}\n")
    answer = plain_answer(findings, f)
    console.print(f"[bold]{answer.lead}[/bold]")
    for line in answer.sentences[1:]:
        console.print(line)
    console.print()
    for sentence in area_sentences(findings, f):
        console.print(f"• {sentence}")
    console.print()

    rows, reasons = [], []
    for g in (*COMPARABLE_GROUPS, RequesterGroup.ALL):
        cells = [g.label, count(f.received[g])]
        for o in findings.outcomes:
            r = f.outcomes[o.key].rates[g]
            reason = f.outcomes[o.key].missing.get(g)
            reasons.append(reason)
            cells.append(_rate_cell(r) if r is not None and r.trials else
                         missing_symbol(reason))
        rows.append(cells)
    console.print(_table("Rates by who made the request: % (95% CI)",
                         ["Requests from", "Received",
                          *[o.name.capitalize() for o in findings.outcomes]], rows,
                         console.width))
    legend = missing_legend(reasons)
    if legend:
        console.print("In place of a figure: " + "; ".join(legend) + ".")

    a, b = findings.group_a, findings.group_b
    rows, corrected = [], False
    others = beside(findings, f)
    for other in (f, *others):
        for o in findings.outcomes:  # every outcome's ratio, pooled across areas or not
            c = other.outcomes[o.key].comparison
            if c is None:
                rows.append([display_name(findings, other), o.name, MISSING, MISSING,
                             NOT_COMPARABLE_REASONS[other.outcomes[o.key].not_comparable], "",
                             ""])
                continue
            rr, rd = c.risk_ratio, c.risk_difference
            # group B (families) first, as in the scorecard above, the report and the website
            corrected = corrected or rr.zero_corrected
            rows.append([display_name(findings, other), o.name, pct(c.rate_b.estimate),
                         pct(c.rate_a.estimate),
                         _ratio_cell(rr.estimate, rr.ci_low, rr.ci_high)
                         + (ZERO_CORRECTED if rr.zero_corrected else ""),
                         f"{_points(rd.estimate)} "
                         f"({interval(rd.ci_low, rd.ci_high, _points, '–')})",
                         p_value(c.fisher_p) + ("" if c.q_value is None
                                                else f"; {_q(c.q_value)}")])
    headers = ["Area", "Outcome", b.label, a.label, "Ratio, 95% CI", "Difference, 95% CI",
               "Fisher's exact test"]
    title = (f"{a.label} compared with {b.label.lower()}"
             + (", beside " + " and ".join(in_text(findings, x) if x is not findings.national
                                           else national_name(findings) for x in others)
                if others else f" in {in_text(findings, f)}")
             + " (difference in percentage points)")
    if console.width >= 90:
        console.print(_table(title, headers, rows, console.width, left=2))
    else:  # too narrow for every column: the tests in a table of their own
        console.print(_table(title, headers[:-1], [r[:-1] for r in rows], console.width, left=2))
        console.print(_table("Fisher's exact test", ["Area", "Outcome", "p; q"],
                             [[*r[:2], r[-1]] for r in rows if r[-1]], console.width, left=2))
    if corrected:
        console.print(ZERO_CORRECTED_NOTE + ".")
    if f.unknown_share:
        console.print(f"Source not recorded for {pct(f.unknown_share)} of requests.")
    if neighbours is not None:
        _print_neighbours(findings, f, neighbours, console)
    _print_appeals(findings, f, console)
    console.print()
    for o in findings.outcomes:
        console.print(f"- {o.name.capitalize()}: {o.definition}.")
    console.print("- Rates: Wilson score 95% intervals. Ratio: Katz log interval. Difference: "
                  "Newcombe hybrid score, in percentage points. p: Fisher's exact test; q: the "
                  "same adjusted because every local authority is tested at once "
                  "(Benjamini-Hochberg).")
    for caveat in caveats(findings):
        console.print(f"- {caveat}")
    console.print(f"- Data: {findings.provenance.source}. {findings.provenance.attribution}")


def _print_appeals(findings: Findings, f: AreaFindings, console: Console) -> None:
    """The area's SEND Tribunal appeal rate, every year DfE publishes, on each method."""
    from copro.render import appeals_text as t

    appeals = findings.appeals
    s = appeals.of(f.area.code) if appeals is not None else None
    if s is None:
        return
    console.print()
    console.print(t.series_sentence(s))
    console.print(_table(f"SEND Tribunal appeals, {s.area_name}: appeals registered ÷ "
                         "appealable decisions (95% CI)", t.HEADERS, t.series_rows(appeals, s),
                         console.width, left=2))
    for line in t.series_notes(appeals, s):
        console.print(f"- {line}")
    console.print(f"- Appeals: {appeals.attribution}")


def _print_association(findings: Findings, console: Console) -> None:
    """Across authorities: does the gap between requesters go with appeals?"""
    from copro.render import appeals_text as t

    a = findings.appeals.association if findings.appeals is not None else None
    if a is None:
        return
    console.print("[bold]Does the gap go with appeals to the SEND Tribunal?[/bold]")
    for line in t.association_lines(a):
        console.print(f"• {line}")
    console.print(f"- Appeals: {findings.appeals.attribution}")
    console.print()
