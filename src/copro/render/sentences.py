"""The headline findings as plain-English sentences, with numbers and intervals.

Shared by every renderer (terminal, JSON, report) so they all say the same thing.
"""

from __future__ import annotations

from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings, PooledOutcome
from copro.render.numbers import interval, names, p_value, pct, ratio


def headline(findings: Findings) -> list[str]:
    """The audit's findings, most important first: the headline outcome in full, then the
    national figure and the count of areas for each other compared outcome, then coverage."""
    out = []
    for i, outcome in enumerate(o for o in findings.outcomes if o.compared):
        pooled = findings.pooled[outcome.key]
        out += outcome_sentences(findings, pooled, full=i == 0)
    out.append(coverage_sentence(findings.pooled[findings.primary]))
    return out


def outcome_sentences(f: Findings, p: PooledOutcome, full: bool = True) -> list[str]:
    """England's comparison, the pooled ratios (``full`` only), how many areas favour each
    group, and (``full`` only) how many areas have rates below 50%."""
    a, b = f.group_a, f.group_b
    o = p.outcome
    out = []
    n = p.national
    if n is not None:
        where = (f"In England in {f.period}" if not p.national_basis.startswith("sum")
                 else f"In {f.period}, in the local authorities with figures taken together")
        out.append(
            f"{where}, {a.requests_from} were {ratio(n.risk_ratio.estimate)} "
            f"times as likely as {b.requests_from} {o.likely} "
            f"(95% CI {interval(n.risk_ratio.ci_low, n.risk_ratio.ci_high)}): "
            f"{pct(n.rate_a.estimate)} against {pct(n.rate_b.estimate)} ({o.name}).")
    k = len(p.coverage.compared)
    if full and p.mantel_haenszel is not None:
        mh = p.mantel_haenszel
        text = (f"Across the {k} local authorities where the two could be compared, the pooled "
                f"ratio was {ratio(mh.estimate)} (Mantel-Haenszel, 95% CI "
                f"{interval(mh.ci_low, mh.ci_high)}).")
        method = f.options.tau2_methods[0]
        re, fit = p.random_effects_ratio.get(method), p.random_effects.get(method)
        if re is not None:
            text += (f" Local authorities differ (I² = {pct(fit.i2, 0)}): a random-effects "
                     f"meta-analysis ({method}) gives an average ratio of {ratio(re.estimate)} "
                     f"(95% CI {interval(re.ci_low, re.ci_high)})")
            if re.prediction_low is not None:
                between = interval(re.prediction_low, re.prediction_high, joiner=" and ")
                text += (f", and in a local authority like these the ratio would be expected to "
                         f"lie between {between} (95% prediction interval)")
            text += "."
        out.append(text)
    if p.sign_test is not None:
        s = p.sign_test
        out.append(
            f"The {o.name} was higher for {a.requests_from} in {s.favour_a} of {k} local "
            f"authorities, and for {b.requests_from} in {s.favour_b}"
            + (f" ({s.ties} equal)" if s.ties else "")
            + f" (exact sign test, {p_value(s.p_value)}).")
    if full and p.adjusted is not None:
        out.append(adjusted_sentence(p))
    if full:
        bb, ba = p.below_half[b], p.below_half[a]
        out.append(
            f"The {o.name} was below 50% for {b.requests_from} in {bb.areas} of {bb.of} local "
            f"authorities ({bb.significantly} of them significantly: the whole 95% interval "
            f"below 50%), and for {a.requests_from} in {ba.areas} "
            f"({ba.significantly} significantly).")
    return out


def adjusted_sentence(p: PooledOutcome) -> str:
    """Unadjusted and case-mix-adjusted estimates side by side."""
    x = p.adjusted
    mh = x.stratified
    text = (f"Adjusted for case mix ({x.strata_definition}, {x.strata} strata): the "
            f"Mantel-Haenszel ratio is {ratio(mh.estimate)} (95% CI "
            f"{interval(mh.ci_low, mh.ci_high)}) against {ratio(x.crude_rr)} unadjusted")
    if x.adjusted_or is not None and x.crude_or is not None:
        text += (f"; in a logistic regression the odds ratio is "
                 f"{ratio(x.adjusted_or.estimate)} (95% CI "
                 f"{interval(x.adjusted_or.ci_low, x.adjusted_or.ci_high)}) adjusted against "
                 f"{ratio(x.crude_or.estimate)} unadjusted")
    return text + "."


def coverage_sentence(p: PooledOutcome) -> str:
    """Which local authorities were compared, and which were not and why, by name."""
    c = p.coverage
    text = f"{len(c.compared)} of {c.local_authorities} local authorities are compared."
    for reason, phrase in NOT_COMPARABLE_REASONS.items():
        areas = [x.area.name for x in c.not_comparable if x.reason == reason]
        if areas:
            text += f" {len(areas)} {phrase}: {names(areas, limit=40)}."
    if c.partly_recorded:
        listed = [f"{a.name} ({pct(s, 0)})" for a, s in c.partly_recorded]
        text += (f" {len(listed)} compared did not record the source of some requests: "
                 f"{names(listed, limit=40)}.")
    return text


def area_sentences(findings: Findings, f: AreaFindings) -> list[str]:
    """Plain-English findings for one area, set beside England and its region."""
    a, b = findings.group_a, findings.group_b
    out = []
    for outcome in (x for x in findings.outcomes if x.compared):
        key, what = outcome.key, outcome.likely
        o = f.outcomes[key]
        if o.comparison is None:
            out.append(f"{f.area.name}: {a.label.lower()} and {b.label.lower()} cannot be "
                       f"compared on {findings.pooled[key].outcome.name} "
                       f"({NOT_COMPARABLE_REASONS[o.not_comparable]}; "
                       f"{o.not_comparable_detail}).")
            continue
        rr = o.comparison.risk_ratio
        text = (f"In {f.area.name}, {a.requests_from} were {ratio(rr.estimate)} times as "
                f"likely as {b.requests_from} {what} (95% CI {interval(rr.ci_low, rr.ci_high)}; "
                f"{pct(o.comparison.rate_a.estimate)} against "
                f"{pct(o.comparison.rate_b.estimate)}).")
        for other in (findings.region_of(f.area), findings.national):
            if other is None or other is f or other.outcomes[key].comparison is None:
                continue
            ref = other.outcomes[key].comparison.risk_ratio.estimate
            if rr.ci_low > ref:
                where = "above"
            elif rr.ci_high < ref:
                where = "below"
            else:
                where = "consistent with"
            text += (f" Its interval lies {where} the ratio for {other.area.name} "
                     f"({ratio(ref)})." if where != "consistent with" else
                     f" That is consistent with the ratio for {other.area.name} "
                     f"({ratio(ref)}).")
        out.append(text)
    return out
