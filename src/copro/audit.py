"""The audit: from the canonical counts table to :class:`~copro.findings.Findings`.

For one period and one pair of requester groups (default: education settings vs families), it
computes every group's rates in every area, compares the two groups area by area, and pools the
comparison across local authorities. It reads counts and calls statistics; it prints nothing.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from copro import __version__
from copro.counts import Area, Count, CountsTable, Level, Measure
from copro.disclosure import WITHHELD
from copro.errors import CoproError
from copro.findings import (
    AreaFindings,
    AreaOutcome,
    AuditOptions,
    BelowHalf,
    Coverage,
    EmpiricalBayes,
    Findings,
    Funnel,
    FunnelPoint,
    NationalContrast,
    NeighbourBenchmark,
    NotComparable,
    PooledOutcome,
    RatioSummary,
)
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.outcomes import Outcome, outcomes
from copro.sources.neighbours import StatisticalNeighbours, bundled_neighbours
from copro.stats.across_areas import sign_test, signed_rank
from copro.stats.adjust import case_mix_adjustment
from copro.stats.compare import compare_groups, ratio_of_ratios, with_q_values
from copro.stats.funnel import (
    funnel_bands,
    funnel_limits,
    overdispersed_bands,
    overdispersion,
)
from copro.stats.meta import random_effects
from copro.stats.pooling import mantel_haenszel_risk_ratio
from copro.stats.ranks import rank_interval
from copro.stats.rates import wilson_rates
from copro.stats.results import Rate, RiskRatio
from copro.stats.shrinkage import beta_binomial_prior, shrunken_ratios

RATE_GROUPS = (*COMPARABLE_GROUPS, RequesterGroup.ALL)
NOT_A_RATE = "not a rate"  # a missing rate's reason where the count exceeds its base
ENGLAND = "E92000001"


def audit(counts: CountsTable, options: AuditOptions | None = None,
          neighbours: StatisticalNeighbours | None = None) -> Findings:
    """Audit one period of ``counts``: does the outcome of a request depend on who made it?
    Each local authority is also set among its statistical ``neighbours`` (default: DfE's
    bundled list; areas not in it have none)."""
    options = options or AuditOptions()
    if neighbours is None:
        neighbours = bundled_neighbours()
    if options.group_a == options.group_b:
        raise CoproError(f"cannot compare '{options.group_a}' with itself; name two groups")
    period = _period(counts, options.period)
    cells = counts.cells(period)
    outs = outcomes(options.denominator, counts.measures())

    by_level: dict[Level, list[Area]] = {level: [] for level in Level}
    for code in cells:
        area = counts.areas[code]
        by_level[area.level].append(area)
    las = sorted(by_level[Level.LOCAL_AUTHORITY], key=lambda a: a.name)
    regions = sorted(by_level[Level.REGIONAL], key=lambda a: a.code)
    national_area = (by_level[Level.NATIONAL] or [None])[0]

    ordered = ([national_area] if national_area else []) + regions + las
    rates = {o.key: _rates(o, ordered, cells, options.confidence) for o in outs}
    findings_by_code = {a.code: _area_findings(a, cells[a.code], outs, rates, options)
                        for a in ordered}
    findings_by_code = _with_comparisons(findings_by_code, las, outs, options)

    if national_area is None:
        national = _national_from_las(las, cells, outs, options)
        basis = "sum of the local authorities in the file (it has no national row)"
    elif national_area.code != ENGLAND:
        national = findings_by_code[national_area.code]
        basis = f"sum of the local authorities in the data ({national_area.name})"
    else:
        national = findings_by_code[national_area.code]
        basis = "England row of the file (includes areas whose figures are suppressed locally)"
    findings_by_code = _against_national(findings_by_code, national, outs, options)
    findings_by_code = _against_region(findings_by_code, outs, options)
    findings_by_code = _against_neighbours(findings_by_code, outs, options, neighbours)
    la_findings = tuple(findings_by_code[a.code] for a in las)
    pooled = {o.key: _pooled(o, national, basis, la_findings, options)
              for o in outs if o.compared}
    if counts.strata is not None:
        pooled = {k: replace(p, adjusted=_adjusted(p.outcome, counts.strata, period, options))
                  for k, p in pooled.items()}
    return Findings(options=replace(options, period=period), period=period, outcomes=outs,
                    national=national,
                    regions=tuple(findings_by_code[a.code] for a in regions),
                    local_authorities=la_findings, pooled=pooled,
                    provenance=counts.provenance, tool_version=__version__,
                    appeals=_appeals(la_findings, outs, period, options))


def _period(counts: CountsTable, wanted: str | None) -> str:
    periods = counts.periods()
    if not periods:
        raise CoproError(f"{counts.provenance.source}: no request in any period; nothing to "
                         "audit")
    if wanted is None:
        return counts.default_period if counts.default_period in periods else periods[-1]
    if wanted not in periods:
        raise CoproError(f"no requests by source for {wanted} in {counts.provenance.source}; "
                         f"periods present: {', '.join(periods)}")
    return wanted


def _trials(counts: dict[Measure, Count], outcome: Outcome) -> Count:
    parts = [counts[m] for m in outcome.trials]
    missing = next((p for p in parts if p.missing), None)
    if missing is not None:
        return missing
    return Count(sum(p.value for p in parts))


def _rates(outcome: Outcome, areas: list[Area], cells: dict, confidence: float) -> dict:
    """Every area's and group's rate for one outcome, with one vectorised Wilson call."""
    keys, successes, trials, missing = [], [], [], {}
    for area in areas:
        for group in RATE_GROUPS:
            counts = cells[area.code][group]
            s, n = counts[outcome.success], _trials(counts, outcome)
            if s.missing or n.missing:
                missing[(area.code, group)] = s.missing_reason or n.missing_reason
                continue
            if s.value > n.value:  # e.g. mediation about requests received in earlier years
                missing[(area.code, group)] = (
                    f"{NOT_A_RATE}: {outcome.success.value.replace('_', ' ')} ({s.value}) "
                    f"exceeds its base ({n.value})")
                continue
            keys.append((area.code, group))
            successes.append(s.value)
            trials.append(n.value)
    est, low, high = wilson_rates(successes, trials, confidence)
    out: dict = {key: None for key in missing}
    for i, key in enumerate(keys):
        out[key] = Rate(successes[i], trials[i], float(est[i]), float(low[i]), float(high[i]),
                        confidence)
    out["missing"] = missing
    return out


def _area_findings(area: Area, counts: dict, outs: tuple[Outcome, ...], rates: dict,
                   options: AuditOptions) -> AreaFindings:
    received = {g: counts[g][Measure.RECEIVED].value for g in RATE_GROUPS}
    unknown_share = _unknown_share(counts)
    result = {}
    for outcome in outs:
        r = rates[outcome.key]
        group_rates = {g: r[(area.code, g)] for g in RATE_GROUPS}
        missing = {g: r["missing"][(area.code, g)] for g in RATE_GROUPS
                   if (area.code, g) in r["missing"]}
        reason, detail = _not_comparable(group_rates, missing, unknown_share, options)
        result[outcome.key] = AreaOutcome(group_rates, missing, None, reason, detail,
                                          of_received=_of_received(outcome, counts, options))
    return AreaFindings(area, received, unknown_share, result)


def _of_received(outcome: Outcome, counts: dict, options: AuditOptions
                 ) -> dict[RequesterGroup, Rate | None]:
    """An outcome's successes of every request received (DfE's published base: its
    ``request_assess_pc``), for the groups compared, where the outcome's own base is narrower
    (the assessment rate of requests decided); {} where it already is requests received."""
    if outcome.trials == (Measure.RECEIVED,) or outcome.success is not Measure.DECIDED_TO_ASSESS:
        return {}
    out: dict[RequesterGroup, Rate | None] = {}
    for g in (options.group_a, options.group_b, RequesterGroup.ALL):
        s, n = counts[g][outcome.success], counts[g][Measure.RECEIVED]
        if s.missing or n.missing or not n.value or s.value > n.value:
            out[g] = None
            continue
        est, low, high = wilson_rates([s.value], [n.value], options.confidence)
        out[g] = Rate(s.value, n.value, float(est[0]), float(low[0]), float(high[0]),
                      options.confidence)
    return out


def _unknown_share(counts: dict) -> float | None:
    """The share of an area's requests whose source was not known. Where disclosure control
    withholds the total but every known source's count is shown as 0, every request (there
    are some: a withheld count is never 0) had no known source: the share is 1, whatever the
    threshold, so the reason an area is not compared does not change with it."""
    def received(g):
        return counts[g][Measure.RECEIVED]

    total, unknown = received(RequesterGroup.ALL), received(RequesterGroup.UNKNOWN)
    if total.value and unknown.value is not None:
        return unknown.value / total.value
    known = [received(g).value for g in COMPARABLE_GROUPS if g is not RequesterGroup.UNKNOWN]
    if (total.missing and (total.missing_reason or "").startswith(WITHHELD)
            and all(v == 0 for v in known)):
        return 1.0
    return None


def _not_comparable(rates: dict, missing: dict, unknown_share: float | None,
                    options: AuditOptions) -> tuple[str | None, str | None]:
    pair = (options.group_a, options.group_b)
    gone = [g for g in pair if g in missing]
    not_rates = [g for g in gone if missing[g].startswith(NOT_A_RATE)]
    if not_rates:  # a count above its base (mediation about earlier years' requests)
        return "not_a_rate", "; ".join(f"{g.label}: {missing[g]}" for g in gone)
    if len(gone) == 2 and missing[gone[0]] == missing[gone[1]]:
        everyone = all(g in missing for g in RATE_GROUPS)
        who = "every group" if everyone else f"{gone[0].label} and {gone[1].label.lower()}"
        return "suppressed", f"{who}: {missing[gone[0]]}"
    if gone:
        return "suppressed", "; ".join(f"{g.label}: {missing[g]}" for g in gone)
    if unknown_share is not None and unknown_share >= options.unknown_threshold:
        return "source_not_recorded", f"source not known for {unknown_share:.0%} of requests"
    few = [g for g in pair if rates[g].trials < options.min_trials]
    if few:
        shown = ", ".join(f"{g.label} {rates[g].trials}" for g in pair)
        return "too_few_requests", f"{shown}; at least {options.min_trials} each needed"
    return None, None


def _with_comparisons(findings: dict[str, AreaFindings], las: list[Area],
                      outs: tuple[Outcome, ...], options: AuditOptions
                      ) -> dict[str, AreaFindings]:
    """Group A against group B in every comparable area, one vectorised call per outcome
    (every outcome: those not pooled across areas, such as the mediation and tribunal rates,
    still have each area's ratio); Benjamini-Hochberg q-values across the local authorities
    compared, outcome by outcome."""
    la_codes = {a.code for a in las}
    for outcome in outs:
        codes = [c for c, f in findings.items() if f.outcomes[outcome.key].not_comparable is None]
        pairs = [(findings[c].outcomes[outcome.key].rates[options.group_a],
                  findings[c].outcomes[outcome.key].rates[options.group_b]) for c in codes]
        comparisons = dict(zip(codes, compare_groups(
            [a.successes for a, _ in pairs], [a.trials for a, _ in pairs],
            [b.successes for _, b in pairs], [b.trials for _, b in pairs],
            options.confidence), strict=True))
        la_compared = [c for c in codes if c in la_codes]
        adjusted = with_q_values([comparisons[c] for c in la_compared])
        comparisons.update(zip(la_compared, adjusted, strict=True))
        for code, comparison in comparisons.items():
            f = findings[code]
            new = replace(f.outcomes[outcome.key], comparison=comparison)
            findings[code] = replace(f, outcomes={**f.outcomes, outcome.key: new})
    return findings


def _against_national(findings: dict[str, AreaFindings], national: AreaFindings,
                      outs: tuple[Outcome, ...], options: AuditOptions
                      ) -> dict[str, AreaFindings]:
    """Every compared area's ratio set against the national ratio (:func:`contrast`)."""
    for outcome in (o for o in outs if o.compared):
        reference = national.outcomes[outcome.key].comparison
        if reference is None:
            continue
        for code, f in findings.items():
            mine = f.outcomes[outcome.key]
            if code == national.area.code or mine.comparison is None:
                continue
            new = replace(mine, against_national=contrast(
                mine.comparison.risk_ratio, reference.risk_ratio, national.area.code,
                options.confidence))
            findings[code] = replace(f, outcomes={**f.outcomes, outcome.key: new})
    return findings


def _against_region(findings: dict[str, AreaFindings], outs: tuple[Outcome, ...],
                    options: AuditOptions) -> dict[str, AreaFindings]:
    """Every compared local authority's ratio set against its region's, by the same rule as
    against the national ratio (:func:`contrast`). The authority's requests are part of its
    region's, a larger part than of England's; treating the two as independent ignores that,
    which widens the interval (the test is cautious), never narrows it."""
    for outcome in (o for o in outs if o.compared):
        for code, f in findings.items():
            mine = f.outcomes[outcome.key]
            region = findings.get(f.area.region_code) if f.area.region_code else None
            if (f.area.level is not Level.LOCAL_AUTHORITY or region is None
                    or mine.comparison is None
                    or region.outcomes[outcome.key].comparison is None):
                continue
            new = replace(mine, against_region=contrast(
                mine.comparison.risk_ratio, region.outcomes[outcome.key].comparison.risk_ratio,
                region.area.code, options.confidence))
            findings[code] = replace(f, outcomes={**f.outcomes, outcome.key: new})
    return findings


def _against_neighbours(findings: dict[str, AreaFindings], outs: tuple[Outcome, ...],
                        options: AuditOptions, neighbours: StatisticalNeighbours
                        ) -> dict[str, AreaFindings]:
    """Every compared local authority among its statistical neighbours in the data: their
    requests pooled (Mantel-Haenszel, the neighbours as strata), the authority's ratio against
    the pooled one (:func:`contrast`; the authority is not among its own neighbours, so the two
    are independent), and its rank by ratio among itself and the neighbours compared, with a
    95% interval by simulation (:func:`copro.stats.ranks.rank_interval`)."""
    for outcome in (o for o in outs if o.compared):
        for code, f in findings.items():
            mine = f.outcomes[outcome.key]
            listed = tuple(n.code for n in neighbours.of(code))
            if (f.area.level is not Level.LOCAL_AUTHORITY or not listed
                    or mine.comparison is None):
                continue
            comps = [(n, findings[n].outcomes[outcome.key].comparison) for n in listed
                     if n in findings]
            comps = [(n, c) for n, c in comps if c is not None]
            pooled = mantel_haenszel_risk_ratio(
                [c.rate_a.successes for _, c in comps], [c.rate_a.trials for _, c in comps],
                [c.rate_b.successes for _, c in comps], [c.rate_b.trials for _, c in comps],
                options.confidence) if comps else None
            against = None
            if pooled is not None:
                reference = RiskRatio(pooled.estimate, pooled.ci_low, pooled.ci_high,
                                      float(np.log(pooled.estimate)), pooled.log_se, False,
                                      pooled.confidence, pooled.method)
                against = contrast(mine.comparison.risk_ratio, reference, "neighbours",
                                   options.confidence)
            ratios = [mine.comparison.risk_ratio, *(c.risk_ratio for _, c in comps)]
            rank = rank_interval([r.log_estimate for r in ratios], [r.log_se for r in ratios],
                                 0, confidence=options.confidence) if comps else None
            new = replace(mine, against_neighbours=NeighbourBenchmark(
                listed, tuple(n for n, _ in comps), pooled, against, rank))
            findings[code] = replace(f, outcomes={**f.outcomes, outcome.key: new})
    return findings


def contrast(mine: RiskRatio, reference: RiskRatio, reference_code: str,
             confidence: float = 0.95) -> NationalContrast:
    """An area's ratio against a reference ratio, decided by the interval of their ratio
    (Altman & Bland 2003), never by the point estimates: 'similar' where that interval
    includes 1; else 'larger' where the area's ratio lies further from 1 than the reference on
    the same side, 'opposite' where the area's own interval excludes 1 on the other side, and
    'smaller' otherwise."""
    ror = ratio_of_ratios(mine, reference, confidence)
    if ror.ci_low <= 1 <= ror.ci_high:
        kind = "similar"
    else:
        higher = ror.ci_low > 1  # the area's ratio is above the reference
        if (reference.estimate >= 1) == higher:
            kind = "larger"
        elif (mine.ci_high < 1) if reference.estimate >= 1 else (mine.ci_low > 1):
            kind = "opposite"
        else:
            kind = "smaller"
    return NationalContrast(reference_code, reference.estimate, ror, kind)


def _national_from_las(las: list[Area], cells: dict, outs: tuple[Outcome, ...],
                       options: AuditOptions) -> AreaFindings:
    """The local authorities added together, where a file has no England row (an FOI
    campaign, or a DfE file cut to some areas): named for what it is, never England."""
    england = Area("ALL", "All local authorities in the data, added together", Level.NATIONAL)
    summed: dict = {}
    measures = {m for o in outs for m in (o.success, *o.trials)} | {Measure.RECEIVED}
    for group in RATE_GROUPS:
        summed[group] = {}
        for measure in measures:
            parts = [cells[a.code][group][measure] for a in las]
            values = [p.value for p in parts if not p.missing]
            summed[group][measure] = Count(sum(values))
    cells = {england.code: summed}
    rates = {o.key: _rates(o, [england], cells, options.confidence) for o in outs}
    found = {england.code: _area_findings(england, summed, outs, rates, options)}
    return _with_comparisons(found, [], outs, options)[england.code]


def _pooled(outcome: Outcome, national: AreaFindings, basis: str,
            las: tuple[AreaFindings, ...], options: AuditOptions) -> PooledOutcome:
    a, b = options.group_a, options.group_b
    compared = [f for f in las if f.outcomes[outcome.key].comparison is not None]
    comps = [f.outcomes[outcome.key].comparison for f in compared]
    coverage = Coverage(
        local_authorities=len(las),
        compared=tuple(f.area for f in compared),
        not_comparable=tuple(
            NotComparable(f.area, f.outcomes[outcome.key].not_comparable,
                          f.outcomes[outcome.key].not_comparable_detail)
            for f in las if f.outcomes[outcome.key].comparison is None),
        partly_recorded=tuple(
            (f.area, f.unknown_share) for f in compared
            if f.unknown_share is not None
            and f.unknown_share >= options.partly_recorded_threshold),
    )
    mh, re, re_ratio, signs, ranks, eb = None, {}, {}, None, None, None
    if comps:
        a_s = np.array([c.rate_a.successes for c in comps])
        a_n = np.array([c.rate_a.trials for c in comps])
        b_s = np.array([c.rate_b.successes for c in comps])
        b_n = np.array([c.rate_b.trials for c in comps])
        log_rr = np.array([c.risk_ratio.log_estimate for c in comps])
        log_var = np.array([c.risk_ratio.log_se for c in comps]) ** 2
        mh = mantel_haenszel_risk_ratio(a_s, a_n, b_s, b_n, options.confidence)
        differences = np.array([c.risk_difference.estimate for c in comps])
        signs, ranks = sign_test(differences), signed_rank(differences)
        if len(comps) >= 2:
            eb = _empirical_bayes(compared, comps, options)
            for method in options.tau2_methods:
                fit = random_effects(log_rr, log_var, method, options.hksj, options.confidence)
                re[method] = fit
                re_ratio[method] = RatioSummary(
                    float(np.exp(fit.estimate)), float(np.exp(fit.ci_low)),
                    float(np.exp(fit.ci_high)),
                    None if fit.prediction_low is None else float(np.exp(fit.prediction_low)),
                    None if fit.prediction_high is None else float(np.exp(fit.prediction_high)),
                    fit.method)
    below = {g: BelowHalf(g, sum(1 for c in comps if (c.rate_a if g == a else c.rate_b)
                                 .below_half),
                          sum(1 for c in comps if (c.rate_a if g == a else c.rate_b)
                              .significantly_below_half), len(comps))
             for g in (a, b)}
    funnels = {g: _funnel(outcome, g, national, las, options) for g in (a, b)}
    return PooledOutcome(outcome, national.outcomes[outcome.key].comparison, basis, mh, re,
                         re_ratio, below, signs, ranks, coverage,
                         {g: f for g, f in funnels.items() if f is not None},
                         empirical_bayes=eb)


def _empirical_bayes(compared: list[AreaFindings], comps: list, options: AuditOptions
                     ) -> EmpiricalBayes:
    """Both groups' rates shrunk towards their common mean across the compared areas."""
    a_s = [c.rate_a.successes for c in comps]
    a_n = [c.rate_a.trials for c in comps]
    b_s = [c.rate_b.successes for c in comps]
    b_n = [c.rate_b.trials for c in comps]
    prior_a, prior_b = beta_binomial_prior(a_s, a_n), beta_binomial_prior(b_s, b_n)
    ratios = shrunken_ratios([f.area.code for f in compared], a_s, a_n, b_s, b_n, prior_a,
                             prior_b, options.confidence)
    return EmpiricalBayes(prior_a, prior_b, tuple(ratios))


def _adjusted(outcome: Outcome, strata: tuple, period: str, options: AuditOptions):
    """Group A against group B adjusted for case mix, from the (unpublished) strata."""
    names, factors, rows = strata
    index = {m: names.index(m.value) for m in (outcome.success, *outcome.trials)
             if m.value in names}
    if len(index) < len({outcome.success, *outcome.trials}):
        return None
    a, b = options.group_a.value, options.group_b.value
    picked = [(area, levels, group == a, int(values[index[outcome.success]]),
               int(sum(values[index[m]] for m in outcome.trials)))
              for area, p, group, levels, values in rows
              if p == period and group in (a, b)]
    return case_mix_adjustment(picked, factors, outcome.key, options.confidence)


def _funnel(outcome: Outcome, group: RequesterGroup, national: AreaFindings,
            las: tuple[AreaFindings, ...], options: AuditOptions) -> Funnel | None:
    """``group``'s rate in every local authority with at least ``min_trials`` decisions,
    around England's rate for the group. An LA that did not record who made most of its
    requests is left out: its groups' rates come from the few requests whose source it did
    record, and it is not compared for the same reason."""
    target = national.outcomes[outcome.key].rates.get(group)
    if target is None or not target.trials:
        return None
    rated = [(f, f.outcomes[outcome.key].rates[group]) for f in las
             if f.outcomes[outcome.key].not_comparable != "source_not_recorded"]
    rated = [(f, r) for f, r in rated if r is not None and r.trials >= options.min_trials]
    successes, trials = [r.successes for _, r in rated], [r.trials for _, r in rated]
    bands = funnel_bands(successes, trials, target.estimate)
    grid = (int(max(trials or [options.min_trials]) * 1.2),
            max(1, min(trials or [options.min_trials]) // 2))
    od = None
    multiplicative = additive = ["within"] * len(rated)
    if len(rated) >= 2 and 0 < target.estimate < 1:
        od = overdispersion(successes, trials, target.estimate, *grid)
        multiplicative, additive = overdispersed_bands(successes, trials, target.estimate, od)
    points = tuple(FunnelPoint(f.area.code, f.area.name, r.successes, r.trials, r.estimate, b,
                               bm, ba)
                   for (f, r), b, bm, ba in zip(rated, bands, multiplicative, additive,
                                                strict=True))
    limits = funnel_limits(target.estimate, *grid)
    return Funnel(group, limits, points, options.min_trials, od)


def _appeals(las: tuple[AreaFindings, ...], outs: tuple[Outcome, ...], period: str,
             options: AuditOptions):
    """SEND Tribunal appeals beside the audit (the bundled tables, a separate public source):
    every authority's series, and the association of the first compared outcome's ratio with
    the appeal rate of the audited year, across authorities."""
    from copro.appeals import appeal_findings
    from copro.sources.neighbours import bundled_neighbours
    from copro.sources.tribunal import bundled_appeal_rates

    primary = next((o for o in outs if o.compared), None)
    comparisons = {}
    if primary is not None:
        for f in las:
            c = f.outcomes[primary.key].comparison
            if c is not None and math.isfinite(c.risk_ratio.log_se) and c.risk_ratio.log_se > 0:
                comparisons[f.area.code] = (f.area.name, c.risk_ratio.log_estimate,
                                            c.risk_ratio.log_se ** 2)
    year = int(period) if period.isdigit() else None
    ratio = (f"ratio of {options.group_a.label.lower()}' to {options.group_b.label.lower()}' "
             f"{primary.name}" if primary else "")
    return appeal_findings(bundled_appeal_rates(), bundled_neighbours(), comparisons, year,
                           primary.key if primary else "", ratio, options.confidence)
