"""The audit and one area's scorecard, for a terminal (Rich)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.render.numbers import MISSING, count, interval, p_value, pct, ratio
from copro.render.sentences import area_sentences, headline
from copro.stats.results import Rate

ROWS_EACH_WAY = 10


def print_audit(findings: Findings, console: Console) -> None:
    """Headline sentences, the areas with the largest and smallest gaps, coverage, sources."""
    a, b = findings.group_a, findings.group_b
    where = findings.national.area.name.replace(" (sum of local authorities)", "")
    console.print(f"[bold]Coproduction Audit: does it matter who asks? {where}, "
                  f"{findings.period}[/bold]")
    console.print(f"Requests for an EHC needs assessment: {a.requests_from} compared with "
                  f"{b.requests_from}.\n")
    for sentence in headline(findings):
        console.print(f"• {sentence}")
    console.print()

    key = findings.primary
    compared = [f for f in findings.local_authorities if f.outcomes[key].comparison is not None]
    ranked = sorted(compared, key=lambda f: f.outcomes[key].comparison.risk_ratio.estimate,
                    reverse=True)
    console.print(_gap_table(findings, ranked[:ROWS_EACH_WAY],
                             f"Where the gap is largest: ratio of {findings.outcome(key).name}s, "
                             f"{a.label.lower()} ÷ {b.label.lower()}"))
    console.print(_gap_table(findings, ranked[::-1][:ROWS_EACH_WAY],
                             "Where the gap is smallest"))
    if any(p.adjusted is not None for p in findings.pooled.values()):
        console.print(_adjusted_table(findings))
    console.print(_coverage_table(findings))
    _footer(findings, console)


def _adjusted_table(findings: Findings) -> Table:
    a, b = findings.group_a, findings.group_b
    missing = []
    adjusted_for = {p.adjusted.adjusted_for for p in findings.pooled.values() if p.adjusted}
    one = adjusted_for.pop() if len(adjusted_for) == 1 else None
    t = Table(title="Unadjusted and adjusted for case mix"
                    + (f" (adjusted for {one})" if one else "")
                    + f": {a.label.lower()} against {b.label.lower()}",
              title_justify="left", box=box.SIMPLE_HEAD, caption_justify="left")
    for h in ("Outcome", "Requests", "Strata", "Ratio, unadjusted", "Ratio, M-H adjusted",
              "Odds ratio, unadjusted", "Odds ratio, adjusted", *(() if one else
                                                                  ("Adjusted for",))):
        t.add_column(h, justify="left" if h in ("Outcome", "Adjusted for") else "right")
    for p in findings.pooled.values():
        x = p.adjusted
        if x is None:
            continue
        mh = x.stratified

        def odds(o, why, what, name=p.outcome.name):
            if o is None:
                missing.append(f"{name}, {what}: {why}")
                return MISSING
            return f"{ratio(o.estimate)} ({interval(o.ci_low, o.ci_high, ratio, '–')})"

        t.add_row(p.outcome.name, f"{x.requests:,}", str(x.strata),
                  f"{ratio(x.crude_rr)} ({interval(x.crude_rr_low, x.crude_rr_high, ratio, '–')})",
                  odds(mh, x.stratified_missing, "Mantel-Haenszel ratio"),
                  odds(x.crude_or, x.crude_or_missing, "unadjusted odds ratio"),
                  odds(x.adjusted_or, x.adjusted_or_missing, "adjusted odds ratio"),
                  *(() if one else (x.adjusted_for,)))
    if missing:
        t.caption = "Not estimated (" + MISSING + "): " + "; ".join(missing) + "."
    return t


def _percent(x: float) -> str:
    return f"{100 * x:.1f}"


def _rate_cell(r: Rate | None) -> str:
    """'84.2 (81.7–86.4)': a percentage and its interval."""
    if r is None or not r.trials:
        return MISSING
    return f"{_percent(r.estimate)} ({interval(r.ci_low, r.ci_high, _percent, '–')})"


def _gap_table(findings: Findings, areas: list[AreaFindings], title: str) -> Table:
    a, b = findings.group_a, findings.group_b
    key = findings.primary
    short = findings.outcome(key).short
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    t.add_column("Local authority")
    t.add_column(f"{a.label}: % {short}", justify="right")
    t.add_column("n", justify="right")
    t.add_column(f"{b.label}: % {short}", justify="right")
    t.add_column("n", justify="right")
    t.add_column("Ratio (95% CI)", justify="right")
    t.add_column("q", justify="right")
    for f in areas:
        c = f.outcomes[key].comparison
        rr = c.risk_ratio
        t.add_row(f.area.name, _rate_cell(c.rate_a), f"{c.rate_a.trials:,}",
                  _rate_cell(c.rate_b), f"{c.rate_b.trials:,}",
                  f"{ratio(rr.estimate)} ({interval(rr.ci_low, rr.ci_high, ratio, '–')})",
                  _q(c.q_value))
    return t


def _q(q: float | None) -> str:
    return MISSING if q is None else "<0.001" if q < 0.001 else f"{q:.3f}"


def _coverage_table(findings: Findings) -> Table:
    cov = findings.pooled[findings.primary].coverage
    t = Table(title=f"Not compared: {len(cov.not_comparable)} of {cov.local_authorities} "
                    f"local authorities", title_justify="left", box=box.SIMPLE_HEAD)
    t.add_column("Local authority")
    t.add_column("Why")
    t.add_column("Detail")
    for x in sorted(cov.not_comparable, key=lambda x: (x.reason, x.area.name)):
        t.add_row(x.area.name, NOT_COMPARABLE_REASONS[x.reason], x.detail)
    return t


def _footer(findings: Findings, console: Console) -> None:
    re_method = findings.options.tau2_methods[0]
    primary = findings.pooled[findings.primary]
    console.print()
    console.print("[bold]Notes[/bold]")
    for o in findings.outcomes:
        console.print(f"- {o.name.capitalize()}: {o.definition}.")
    console.print(
        "- Rates: Wilson score 95% intervals. Ratio: Katz log interval. Difference: Newcombe "
        "hybrid score. q: Benjamini-Hochberg q-value of Fisher's exact test across local "
        "authorities. Pooled: Mantel-Haenszel (Greenland-Robins variance); "
        + (primary.random_effects[re_method].method
           if re_method in primary.random_effects else "random effects")
        + f". {MISSING} = missing (reason given).")
    for caveat in findings.caveats:
        console.print(f"- {caveat}")
    p = findings.provenance
    console.print(f"- Data: {p.source} (SHA-256 {p.sha256[:12]}…). {p.attribution}")
    console.print("- More: `copro la NAME` for one area; `--json`, `--csv FILE`, `--xlsx FILE` "
                  "for everything.")


def _points(x: float) -> str:
    return f"{100 * x:+.1f}"


def print_area(findings: Findings, f: AreaFindings, console: Console) -> None:
    """One area's scorecard: every group's rates, the comparison, England and region beside it."""
    area = f.area
    codes = area.code + (f", DfE {area.old_la_code}" if area.old_la_code else "")
    where = f" — {area.region_name}" if area.region_name else ""
    console.print(f"[bold]{area.name}[/bold] ({codes}){where} — {findings.period}\n")
    for sentence in area_sentences(findings, f):
        console.print(f"• {sentence}")
    console.print()

    t = Table(title="Rates by who made the request: % (95% CI)", title_justify="left",
              box=box.SIMPLE_HEAD)
    t.add_column("Requests from")
    t.add_column("Received", justify="right")
    for o in findings.outcomes:
        t.add_column(o.name.capitalize(), justify="right")
    for g in (*COMPARABLE_GROUPS, RequesterGroup.ALL):
        cells = [g.label, count(f.received[g])]
        for o in findings.outcomes:
            r = f.outcomes[o.key].rates[g]
            cells.append(_rate_cell(r) if r is not None and r.trials else
                         f"{MISSING} {f.outcomes[o.key].missing.get(g, '')}".strip())
        t.add_row(*cells)
    console.print(t)

    a, b = findings.group_a, findings.group_b
    t = Table(title=f"{a.label} compared with {b.label.lower()}, beside region and England "
                    "(difference in percentage points)", title_justify="left", box=box.SIMPLE_HEAD)
    t.add_column("Area")
    t.add_column("Outcome")
    t.add_column(a.label, justify="right")
    t.add_column(b.label, justify="right")
    t.add_column("Ratio (95% CI)", justify="right")
    t.add_column("Difference (95% CI)", justify="right")
    t.add_column("Fisher p / q", justify="right")
    beside = {x.area.code: x for x in (f, findings.region_of(area), findings.national)
              if x is not None}
    for other in beside.values():
        for o in (o for o in findings.outcomes if o.compared):
            c = other.outcomes[o.key].comparison
            if c is None:
                t.add_row(other.area.name, o.name, MISSING, MISSING,
                          NOT_COMPARABLE_REASONS[other.outcomes[o.key].not_comparable], "", "")
                continue
            rr, rd = c.risk_ratio, c.risk_difference
            t.add_row(other.area.name, o.name, pct(c.rate_a.estimate), pct(c.rate_b.estimate),
                      f"{ratio(rr.estimate)} ({interval(rr.ci_low, rr.ci_high, ratio, '–')})",
                      f"{_points(rd.estimate)} "
                      f"({interval(rd.ci_low, rd.ci_high, _points, '–')})",
                      p_value(c.fisher_p) + f" / q {_q(c.q_value)}")
    console.print(t)
    if f.unknown_share:
        console.print(f"Source not recorded for {pct(f.unknown_share)} of requests.")
    console.print()
    for caveat in findings.caveats:
        console.print(f"- {caveat}")
    console.print(f"- Data: {findings.provenance.source}. {findings.provenance.attribution}")
