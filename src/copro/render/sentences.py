"""The headline findings as plain-English sentences, with numbers and intervals.

Shared by every renderer (terminal, JSON, report) so they all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from copro.counts import Level
from copro.disclosure import WITHHELD
from copro.findings import NOT_COMPARABLE_REASONS, AreaFindings, Findings, PooledOutcome
from copro.groups import RequesterGroup
from copro.render.numbers import interval, names, p_value, pct, ratio


def covers_england(findings: Findings) -> bool:
    """Whether the national figures are England's own (a DfE England row), not the sum of
    the local authorities that happen to be in the data."""
    return findings.pooled[findings.primary].national_basis.startswith("England row")


def areas_with_figures(findings: Findings) -> list[str]:
    """Names of the local authorities that have any figures (an FOI campaign lists every
    authority, most with no return)."""
    return [f.area.name for f in findings.local_authorities if _has_figures(f)]


def _has_figures(f: AreaFindings) -> bool:
    """Whether an area has requests in the data: a total shown, or withheld by disclosure
    control (a withheld count is never 0; a missing FOI return is missing for another
    reason)."""
    if f.received.get(RequesterGroup.ALL) is not None:
        return True
    return any(reason.startswith(WITHHELD) for o in f.outcomes.values()
               for reason in o.missing.values())


def national_name(findings: Findings) -> str:
    """What the national figures are: 'England', or the local authorities added together
    (none, where every one is suppressed, not held or not returned)."""
    if covers_england(findings):
        return "England"
    with_figures = areas_with_figures(findings)
    if not with_figures:
        return "the local authorities together (none has figures)"
    if len(with_figures) <= 3:
        return f"{names(with_figures)} together" if len(with_figures) > 1 else with_figures[0]
    return f"the {len(with_figures)} local authorities together"


def scope(findings: Findings) -> str:
    """The audit's coverage, for titles: 'England', 'Kent and Leeds', '12 local authorities',
    or 'no local authority with figures' (every one suppressed, not held or not returned)."""
    if covers_england(findings):
        return "England"
    with_figures = areas_with_figures(findings)
    if not with_figures:
        return "no local authority with figures"
    if len(with_figures) <= 3:
        return names(with_figures)
    return f"{len(with_figures)} local authorities"


def beside(findings: Findings, f: AreaFindings) -> list[AreaFindings]:
    """What an area is set beside: its region and the national figures, leaving out any
    whose figures are the area's own (one local authority's data: the national figures are
    that authority's, and it is not compared with itself)."""
    only = (f.area.level is not Level.NATIONAL and not covers_england(findings)
            and areas_with_figures(findings) == [f.area.name])
    return [x for x in (findings.region_of(f.area), findings.national)
            if x is not None and x is not f and x.area.code != f.area.code
            and not (only and x is findings.national)]


def possessive(name: str) -> str:
    """'Leeds'', 'Kent's', 'England's'; a name that is several areas together takes 'that of'
    ('that of Essex, Kent and Leeds together', never 'Essex, Kent and Leeds together's')."""
    if name.endswith(" together"):
        return f"that of {name}"
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def possessive_of(name: str, thing: str) -> str:
    """'England's ratio'; for several areas together, 'the ratio of Essex, Kent and Leeds
    together' (never 'Essex, Kent and Leeds together's ratio')."""
    if name.endswith(" together"):
        return f"the {thing} of {name}"
    return f"{possessive(name)} {thing}"


def display_name(findings: Findings, f: AreaFindings) -> str:
    """An area's name as a reader should see it (the national figures by what they are)."""
    return national_name(findings) if f.area.level is Level.NATIONAL else f.area.name


def funnel_band(band: str) -> str:
    """Where a point lies on a funnel plot, in words: 'within the 95% limits', 'above the
    99.8% limits' (``band`` as the findings carry it: 'within', 'above 95%', 'below 99.8%')."""
    if band == "within":
        return "within the 95% limits"
    direction, level = band.split()
    return f"{direction} the {level} limits"


def not_on_funnel(findings: Findings, f: AreaFindings) -> str:
    """Why an area is not a point on the headline funnel plot (group B's rate), in words."""
    key, group = findings.primary, findings.group_b
    out = f.outcomes[key]
    if out.not_comparable == "source_not_recorded":
        return (f"{f.area.name} is not on the funnel plot: it did not record who made most of "
                f"its requests ({out.not_comparable_detail}).")
    rate = out.rates.get(group)
    if rate is None:
        reason = out.missing.get(group, "not available")
        return (f"{f.area.name} is not on the funnel plot: its figures for "
                f"{group.requests_from} are not available ({reason}).")
    counted = findings.outcome(key).counted
    return (f"{f.area.name} is not on the funnel plot: it has {rate.trials:,} {counted} on "
            f"{group.requests_from}, fewer than the {findings.options.min_trials} needed.")


def compared_codes(findings: Findings) -> frozenset[str]:
    """The codes of the local authorities compared on the headline outcome."""
    return frozenset(a.code for a in findings.pooled[findings.primary].coverage.compared)


def authorities(k: int) -> str:
    """'1 local authority', '2 local authorities'."""
    return "1 local authority" if k == 1 else f"{k} local authorities"


#: Regions named with 'the' in running text (GOV.UK style): 'in the North East'.
_WITHOUT_THE = {"London", "Yorkshire and The Humber"}


def in_text(findings: Findings, f: AreaFindings) -> str:
    """An area's name in a sentence: 'the North East', 'Leeds', 'England'."""
    name = display_name(findings, f)
    if f.area.level is Level.REGIONAL and name not in _WITHOUT_THE:
        return f"the {name}"
    return name


def caveats(findings: Findings) -> list[str]:
    """The findings' caveats, less any that the data at hand make untrue (case-level data do
    give plans issued and 20-week timeliness by source)."""
    has_plans = any(o.key.startswith("plan") for o in findings.outcomes)
    return [c for c in findings.caveats
            if not (has_plans and c.startswith("These are request-stage figures"))]


def methods(findings: Findings) -> list[str]:
    """How the pooled figures were made, once each, in plain words."""
    pooled = findings.pooled[findings.primary]
    out = []
    fits = list(pooled.random_effects.values())
    if fits:
        estimators = [fit.method.split("tau^2 by ", 1)[-1].split(",")[0].split(";")[0]
                      for fit in fits]
        text = ("Random-effects meta-analysis of the log ratios, the between-area variance τ² "
                f"estimated by {estimators[0]} (headline)")
        if len(estimators) > 1:
            text += " and, for comparison, by " + names(estimators[1:])
        if fits[0].hksj:
            text += "; 95% CI by the Hartung-Knapp-Sidik-Jonkman method (t, k−1 df)"
        text += ("; 95% prediction interval from t with k−2 df (Higgins, Thompson & "
                 "Spiegelhalter 2009).")
        out.append(text)
    if pooled.empirical_bayes is not None:
        out.append("Shrunken ratios: each group's rate in each local authority replaced by its "
                   "empirical-Bayes posterior mean (beta-binomial, marginal maximum "
                   "likelihood), which pulls rates from few requests towards the average; "
                   "interval by the delta method on the log scale. Used to order the "
                   "“largest gap” lists, beside the raw ratio.")
    funnel = pooled.funnels.get(findings.group_b)
    if funnel is not None and len(funnel.points) >= 2:
        text = (f"Funnel plot: exact binomial 95% and 99.8% limits around the rate for "
                f"{national_name(findings)} (Spiegelhalter 2005)")
        if funnel.overdispersion is not None:
            text += ("; and 99.8% limits allowing for over-dispersion, from z-scores "
                     "winsorised at 10% in each tail: a multiplicative factor φ and an "
                     "additive between-area variance τ² (Spiegelhalter 2005, section 5)")
        out.append(text + f"; local authorities with at least {funnel.min_trials} "
                   f"{findings.outcome(findings.primary).counted}.")
    return out


def headline(findings: Findings) -> list[str]:
    """The audit's findings, most important first: the headline outcome in full, then the
    national figure and the count of areas for each other compared outcome, then coverage."""
    out = []
    for i, outcome in enumerate(o for o in findings.outcomes if o.compared):
        pooled = findings.pooled[outcome.key]
        out += outcome_sentences(findings, pooled, full=i == 0)
    coverage = coverage_sentence(findings.pooled[findings.primary])
    return out + ([coverage] if coverage else [])


def outcome_sentences(f: Findings, p: PooledOutcome, full: bool = True) -> list[str]:
    """The national (or all-areas) comparison, the pooled ratios (``full`` only), how many
    areas favour each group, and (``full`` only) how many areas have rates below 50%. With a
    single local authority only what can be said of one area is said."""
    a, b = f.group_a, f.group_b
    o = p.outcome
    out = []
    n = p.national
    k = len(p.coverage.compared)
    if n is not None:
        if covers_england(f) or len(areas_with_figures(f)) == 1:
            where = f"In {in_text(f, f.national)} in {f.period}"
        else:
            where = f"In {f.period}, in {in_text(f, f.national)}"
        out.append(
            f"{where}, {a.requests_from} were {ratio(n.risk_ratio.estimate)} "
            f"times as likely as {b.requests_from} {o.likely} "
            f"(95% CI {interval(n.risk_ratio.ci_low, n.risk_ratio.ci_high)}): "
            f"{pct(n.rate_a.estimate)} against {pct(n.rate_b.estimate)} ({o.name}).")
    if full and p.mantel_haenszel is not None and k >= 2:
        mh = p.mantel_haenszel
        text = (f"Across the {k} local authorities where the two could be compared, the pooled "
                f"ratio was {ratio(mh.estimate)} (Mantel-Haenszel, 95% CI "
                f"{interval(mh.ci_low, mh.ci_high)}).")
        method = f.options.tau2_methods[0]
        re, fit = p.random_effects_ratio.get(method), p.random_effects.get(method)
        if re is not None:
            how = ("95% CI by the Hartung-Knapp-Sidik-Jonkman method" if fit.hksj
                   else "95% CI")
            text += (f" Local authorities differ (I² = {pct(fit.i2, 0)}): a random-effects "
                     f"meta-analysis ({method}) gives an average ratio of {ratio(re.estimate)} "
                     f"({how} {interval(re.ci_low, re.ci_high)})")
            if re.prediction_low is not None:
                between = interval(re.prediction_low, re.prediction_high, joiner=" and ")
                text += (f", and in a local authority like these the ratio would be expected to "
                         f"lie between {between} (95% prediction interval)")
            text += "."
        out.append(text)
    if p.sign_test is not None and k >= 2:
        s = p.sign_test
        out.append(
            f"The {o.name} was higher for {a.requests_from} in {s.favour_a} of {k} local "
            f"authorities, and for {b.requests_from} in {s.favour_b}"
            + (f" ({s.ties} equal)" if s.ties else "")
            + f" (exact sign test, {p_value(s.p_value)}).")
    if full and p.adjusted is not None:
        out.append(adjusted_sentence(p))
    if full and k >= 2:
        bb, ba = p.below_half[b], p.below_half[a]
        out.append(
            f"The {o.name} was below 50% for {b.requests_from} in {bb.areas} of {bb.of} local "
            f"authorities ({bb.significantly} of them significantly: the whole 95% interval "
            f"below 50%), and for {a.requests_from} in {ba.areas} "
            f"({ba.significantly} significantly).")
    return out


def adjusted_sentence(p: PooledOutcome) -> str:
    """Unadjusted and case-mix-adjusted estimates side by side, with what was adjusted for;
    an estimate that could not be made is named, with the reason, and no number."""
    x = p.adjusted
    mh = x.stratified
    text = (f"Adjusted for case mix ({x.adjusted_for}; {x.strata} strata: "
            f"{x.strata_definition}): ")
    same = ("over the same strata (those with requests from both groups"
            + (f"; the {ratio(p.national.risk_ratio.estimate)} above counts every request)"
               if p.national is not None else ")"))
    if mh is not None:
        text += (f"the Mantel-Haenszel ratio is {ratio(mh.estimate)} (95% CI "
                 f"{interval(mh.ci_low, mh.ci_high)}) against {ratio(x.crude_rr)} unadjusted "
                 + same)
    else:
        text += (f"no Mantel-Haenszel ratio ({x.stratified_missing}); {ratio(x.crude_rr)} "
                 "unadjusted " + same)
    if x.adjusted_or is not None and x.crude_or is not None:
        text += (f"; in a logistic regression the odds ratio is "
                 f"{ratio(x.adjusted_or.estimate)} (95% CI "
                 f"{interval(x.adjusted_or.ci_low, x.adjusted_or.ci_high)}) adjusted against "
                 f"{ratio(x.crude_or.estimate)} unadjusted")
    elif x.adjusted_or is None:
        text += f"; no adjusted odds ratio ({x.adjusted_or_missing})"
    return text + "."


def coverage_sentence(p: PooledOutcome) -> str:
    """Which local authorities were compared, and which were not and why, by name."""
    c = p.coverage
    if c.local_authorities == 1:
        if c.compared:
            return ""  # nothing to say: the sentences above are about it
        text = ""
    else:
        text = f"{len(c.compared)} of {c.local_authorities} local authorities are compared."
    for reason, phrase in NOT_COMPARABLE_REASONS.items():
        areas = [x.area.name for x in c.not_comparable if x.reason == reason]
        if areas:
            text += (f" {names(areas, limit=40)} {phrase}." if len(areas) == 1 else
                     f" {len(areas)} {phrase}: {names(areas, limit=40)}.")
    text = text.strip()
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
            out.append(f"{display_name(findings, f)}: {whose(a)} and {whose(b)} "
                       f"cannot be "
                       f"compared on the {findings.pooled[key].outcome.name} "
                       f"({NOT_COMPARABLE_REASONS[o.not_comparable]}; "
                       f"{o.not_comparable_detail})"
                       f"{_symbols_note([o.not_comparable_detail or ''])}.")
            continue
        rr = o.comparison.risk_ratio
        text = (f"In {in_text(findings, f)}, {a.requests_from} were {ratio(rr.estimate)} times as "
                f"likely as {b.requests_from} {what} (95% CI {interval(rr.ci_low, rr.ci_high)}; "
                f"{pct(o.comparison.rate_a.estimate)} against "
                f"{pct(o.comparison.rate_b.estimate)} of the requests {outcome.base}).")
        for other in beside(findings, f):
            if other.outcomes[key].comparison is None:
                continue
            ref = other.outcomes[key].comparison.risk_ratio.estimate
            # decided by the interval of the ratio of the two ratios, as in the answer
            contrast = (o.against_national if other is findings.national else
                        o.against_region if other.area.code == f.area.region_code else None)
            if contrast is None:
                continue
            text += " " + _CONTRAST_SHORT[contrast.kind].format(
                other=in_text(findings, other), ref=ratio(ref),
                ror=interval(contrast.ratio_of_ratios.ci_low, contrast.ratio_of_ratios.ci_high))
        out.append(text)
    return out


#: The reasons of NOT_COMPARABLE_REASONS in the fewest words, for a table's narrow cell.
SHORT_REASONS = {
    "suppressed": "figures suppressed",
    "source_not_recorded": "source not recorded",
    "too_few_requests": "too few requests",
}


def why_not_compared(findings: Findings, f: AreaFindings, short: bool = False) -> str:
    """Why an area in a table of every local authority was not compared, for the cell where its
    rates would be (so that no rate is read without it, at any width: the website's and the
    report's tables), with its raw decided counts; ``short``: the reason in the fewest words
    only, for a table whose decided counts are in the cells beside it."""
    key = findings.primary
    o = f.outcomes[key]
    if short:
        return ("No figures published" if f.answer_kind(key) == "no_data" else
                f"Not compared: {SHORT_REASONS.get(o.not_comparable, 'see notes')}")
    if f.answer_kind(key) == "no_data":
        return (f"No figures: DfE published none for {findings.period} "
                f"({', '.join(sorted(set(o.missing.values())))})")
    base = findings.outcome(key).base
    counts = [f"{whose(g)}: {r.successes:,} of the {r.trials:,} {base}"
              for g in (findings.group_b, findings.group_a) if (r := o.rates.get(g))]
    text = f"Not compared: {NOT_COMPARABLE_REASONS[o.not_comparable]}"
    return text + (f" ({'; '.join(counts)})" if counts else "")


#: An area's ratio against the national one or its region's, for the detailed findings (by
#: CONTRAST_KINDS).
_CONTRAST_SHORT = {
    "larger": "It is larger than the ratio for {other} ({ref}; the one over the other: 95% CI "
              "{ror}).",
    "smaller": "It is smaller than the ratio for {other} ({ref}; the one over the other: 95% CI "
               "{ror}).",
    "opposite": "It runs the other way from the ratio for {other} ({ref}; the one over the "
                "other: 95% CI {ror}).",
    "similar": "It cannot be told apart from the ratio for {other} ({ref}; the one over the "
               "other: 95% CI {ror}).",
}


#: What a request's success was, in the plainest words, for the answer at the top of a page.
_PLAIN_OUTCOME = {
    "assessment": "led to an assessment",
    "plan": "ended in an EHC plan",
    "timeliness": "were decided within 6 weeks",
    "plan_timeliness": "had their plan within 20 weeks",
}


def in_every_100(rate: float) -> str:
    """A rate as 'N in every 100' (whole numbers: the page's tables carry the decimals)."""
    return f"{round(100 * rate)} in every 100"


def whose(group: RequesterGroup) -> str:
    """'families'' requests, 'schools'' requests, else 'requests from health professionals'."""
    return group.whose_requests


@dataclass(frozen=True)
class Answer:
    """What a page says first about an area, chosen by what can honestly be said (``kind``, a
    key of :data:`~copro.findings.ANSWER_KINDS`): the lead sentence, the verdict, the area
    against the national figures (compared areas), DfE's own published figure reconciled
    with ours, and what a reader can do (areas not compared). Big numbers and the answer
    figure belong only with ``kind == "compared"``."""

    kind: str
    lead: str
    verdict: str
    against_national: str | None = None
    published: str | None = None
    against_neighbours: str | None = None
    counts: str | None = None  # the raw counts of an area not compared
    actions: tuple[str, ...] = ()

    @property
    def compared(self) -> bool:
        return self.kind == "compared"

    @property
    def sentences(self) -> list[str]:
        """Every sentence, in order: the JSON's ``answer``."""
        return [x for x in (self.lead, self.verdict, self.counts, self.against_national,
                            self.against_neighbours, self.published) if x] + list(self.actions)


def actions(name: str, period: str, a: RequesterGroup = RequesterGroup.EDUCATION,
            b: RequesterGroup = RequesterGroup.FAMILY) -> tuple[str, ...]:
    """What a reader can do where an area was not compared (or has no figures), naming the
    two groups compared (``a`` over ``b``)."""
    return (f"What you can do: ask {name} for its own SEN2 figures for {period}: how many "
            f"{b.whose_requests} and {a.whose_requests} for an EHC needs assessment it "
            "received, and how many of each it decided to assess. "
            "copro's freedom of information kit "
            f"writes the letter: copro foi letters --year {period} --la \"{name}\" with your "
            "--name and --email.",)


def plain_answer(findings: Findings, f: AreaFindings) -> Answer:
    """The answer first, as GOV.UK puts it, for every kind of area: compared (the two rates
    in plain words with their decided base, whether it matters who asks, and how the area
    stands against the national figures), not compared (why, the raw counts, what a reader can
    do) or no data."""
    key = findings.primary
    o = f.outcomes[key]
    a, b = findings.group_a, findings.group_b
    name = display_name(findings, f)
    kind = f.answer_kind(key)
    if kind == "no_data":
        reasons = sorted(set(o.missing.values()))
        return Answer(
            kind, f"There are no figures for {in_text(findings, f)} for {findings.period}.",
            f"The Department for Education published none: every count for {name} in its "
            f"file is {_symbol_words(reasons)}, and the file gives no reason. "
            + _still_counted(findings, f),
            actions=actions(name, findings.period, a, b))
    if kind == "not_compared":
        why = (f"It {NOT_COMPARABLE_REASONS[o.not_comparable]} "
               f"({o.not_comparable_detail}){_symbols_note([o.not_comparable_detail or ''])}"
               + _WHY_IT_MATTERS.get(o.not_comparable, "."))
        outcome = findings.outcome(key)
        done = _PLAIN_OUTCOME.get(key, f"were counted in the {outcome.name}")
        counts = [f"{r.successes:,} of the {r.trials:,} {whose(g)} {outcome.base} {done}"
                  for g in (b, a) if (r := o.rates.get(g)) is not None]
        raw = ("The raw counts, too few or too incomplete to compare: "
               + "; ".join(counts) + "." if counts else "")
        return Answer(kind, f"We can't say for {name} whether it matters who asks.",
                      why, counts=raw or None,
                      actions=actions(name, findings.period, a, b))
    rate_a, rate_b = o.rates[a], o.rates[b]
    c = o.comparison
    where = in_text(findings, f)
    done = _PLAIN_OUTCOME.get(key, f"were counted in the {findings.outcome(key).name}")
    lead = (f"In {where}, {in_every_100(rate_b.estimate)} {whose(b)} {done} "
            f"({rate_b.successes:,} of the {rate_b.trials:,} {findings.outcome(key).base}); "
            f"{in_every_100(rate_a.estimate)} from "
            f"{a.label.lower()} ({rate_a.successes:,} of {rate_a.trials:,}).")
    if c.risk_ratio.ci_low > 1:
        verdict = (f"It matters who asks: {whose(a)} were {ratio(c.risk_ratio.estimate)} times "
                   f"as likely to succeed, a gap that chance alone is unlikely to explain.")
    elif c.risk_ratio.ci_high < 1:
        verdict = (f"It matters who asks: {whose(b)} were {ratio(1 / c.risk_ratio.estimate)} "
                   f"times as likely to succeed, a gap that chance alone is unlikely to "
                   f"explain.")
    else:
        verdict = ("The gap is small enough to be chance: these figures cannot tell whether it "
                   "matters who asks.")
    return Answer(kind, lead, verdict, against_national_sentence(findings, f),
                  published_sentence(findings, f),
                  against_neighbours=against_neighbours_sentence(findings, f))


def _still_counted(findings: Findings, f: AreaFindings) -> str:
    """Where a suppressed area's requests are still counted: in DfE's own England (and region)
    totals only where the national figures are DfE's England row; a sum of the local
    authorities in the data holds none of a suppressed area's requests."""
    if not covers_england(findings):
        return (f"Its requests are in none of the figures here: those for "
                f"{national_name(findings)} add up the local authorities' own counts.")
    region = findings.region_of(f.area)
    return ("Its requests are still counted in DfE's totals for England"
            + (f" and for {in_text(findings, region)}." if region is not None else "."))


#: Why an area's reason stops a comparison, in words (by NOT_COMPARABLE_REASONS).
_WHY_IT_MATTERS = {
    "source_not_recorded": ": the few requests whose source it did record need not be like "
                           "the rest, so their rates say nothing sure about who asks.",
    "too_few_requests": ": with so few, any difference between the two could be chance.",
}


def _symbol_words(reasons) -> str:
    """'“x”, DfE's symbol for “not available”' for reasons that name DfE's symbols; else
    the reasons themselves."""
    found = [sym for sym in DFE_SYMBOLS if any(f"({sym})" in t for t in reasons)]
    if not found:
        return names(reasons)
    return names([f"“{sym}”, DfE's symbol for “{DFE_SYMBOLS[sym]}”" for sym in found])


def _symbols_note(texts) -> str:
    """' (x: DfE's symbol for "not available")' where a text names a DfE symbol."""
    found = [sym for sym in DFE_SYMBOLS if any(f"({sym})" in t for t in texts)]
    return "".join(f" ({sym} is DfE's symbol for “{DFE_SYMBOLS[sym]}”)" for sym in found)


#: DfE's symbols in its open data, for a key wherever one is shown.
DFE_SYMBOLS = {
    "x": "not available",
    "c": "confidential: suppressed to protect individuals",
    "z": "not applicable",
    "low": "rounds to 0 but is not 0",
    "u": "low reliability",
}

#: What an area's ratio against the national one says (by CONTRAST_KINDS), in words.
_CONTRAST_WORDS = {
    "larger": "it matters more who asks in {where} than in {national}",
    "smaller": "it matters less who asks in {where} than in {national}",
    "opposite": "in {where} the gap runs the other way from {nationals}",
    "similar": "the gap in {where} cannot be told apart from {nationals}: the two ratios "
               "could differ by chance alone",
}


def against_national_sentence(findings: Findings, f: AreaFindings) -> str | None:
    """The area set against the national figures in one plain sentence: the national rates
    and ratio, and whether it matters more, less or no clearer than there who asks (decided
    by the interval of the ratio of the two ratios; see :func:`copro.audit.contrast`)."""
    key = findings.primary
    x = f.outcomes[key].against_national
    n = findings.national.outcomes[key].comparison
    if x is None or n is None:
        return None
    a, b = findings.group_a, findings.group_b
    national = in_text(findings, findings.national)
    done = _PLAIN_OUTCOME.get(key, f"were counted in the {findings.outcome(key).name}")
    ror = x.ratio_of_ratios
    return (f"In {national}, {in_every_100(n.rate_b.estimate)} {whose(b)} {done} "
            f"({n.rate_b.successes:,} of the {n.rate_b.trials:,} {findings.outcome(key).base}) "
            f"and {whose(a)} were "
            f"{ratio(n.risk_ratio.estimate)} "
            f"times as likely to succeed: "
            + _CONTRAST_WORDS[x.kind].format(where=in_text(findings, f), national=national,
                                             nationals=possessive(national))
            + f" (ratio {ratio(f.outcomes[key].comparison.risk_ratio.estimate)} against "
            f"{ratio(n.risk_ratio.estimate)}; the one divided by the other is "
            f"{ratio(ror.estimate)}, 95% CI {interval(ror.ci_low, ror.ci_high)}).")


#: An area's ratio against its statistical neighbours' pooled ratio (by CONTRAST_KINDS).
_NEIGHBOUR_WORDS = {
    "larger": "it matters more who asks in {where} than among them",
    "smaller": "it matters less who asks in {where} than among them",
    "opposite": "in {where} the gap runs the other way from theirs",
    "similar": "the gap in {where} cannot be told apart from theirs: the two ratios could "
               "differ by chance alone",
}


def against_neighbours_sentence(findings: Findings, f: AreaFindings) -> str | None:
    """The area set against its statistical neighbours' pooled ratio in one plain sentence,
    decided as against England (the interval of the ratio of the two ratios)."""
    key = findings.primary
    x = f.outcomes[key].against_neighbours
    if x is None or x.contrast is None:
        return None
    a = findings.group_a
    ror = x.contrast.ratio_of_ratios
    return (f"Among its statistical neighbours ({len(x.compared)} of DfE's {len(x.listed)} "
            f"compared, their requests pooled), {whose(a)} were {ratio(x.pooled.estimate)} "
            f"times as likely to succeed (95% CI "
            f"{interval(x.pooled.ci_low, x.pooled.ci_high)}): "
            + _NEIGHBOUR_WORDS[x.contrast.kind].format(where=in_text(findings, f))
            + f" (the one divided by the other is {ratio(ror.estimate)}, 95% CI "
            f"{interval(ror.ci_low, ror.ci_high)}).")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 21st."""
    end = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{end}"


def rank_sentence(findings: Findings, f: AreaFindings) -> str | None:
    """The area's rank by ratio among itself and its neighbours compared, with the interval
    of that rank (simulated from each ratio's sampling distribution, in the findings)."""
    x = f.outcomes[findings.primary].against_neighbours
    if x is None or x.rank is None:
        return None
    r = x.rank
    a, b = findings.group_a, findings.group_b
    name = display_name(findings, f)
    where = (f"{ordinal(r.rank)} lowest" if r.rank > 1 else "lowest")
    sure = (f"allowing for chance, it could be anywhere from {ordinal(r.low)} to "
            f"{ordinal(r.high)}" if r.low != r.high else
            f"allowing for chance, it is {ordinal(r.low)} in at least 95% of simulations")
    return (f"Ranked by the ratio of the two {findings.outcome(findings.primary).name}s "
            f"({whose(a)} over {whose(b)}), {name} has the {where} of the {r.of} ({name} and its "
            f"{r.of - 1} neighbours compared; the lowest is where {whose(b)} fare best "
            f"against {whose(a)}); {sure} (95% interval of the rank).")


#: How a ratio stands against a reference, in the fewest words (by CONTRAST_KINDS).
_GAP_WORDS = {"larger": "larger than", "smaller": "smaller than",
              "opposite": "the other way from", "similar": "not clearly different from"}


def benchmark_verdict(findings: Findings, f: AreaFindings) -> str | None:
    """One plain sentence, as Fingertips colours a value better, similar or worse: is the gap
    between the groups smaller, no clearer or larger than among the area's neighbours and
    than in England, each decided by the interval of the ratio of the ratios."""
    o = f.outcomes[findings.primary]
    n, e = o.against_neighbours, o.against_national
    parts = []
    if n is not None and n.contrast is not None:
        parts.append(("its statistical neighbours'", n.contrast.kind))
    if e is not None:
        parts.append((possessive(in_text(findings, findings.national)), e.kind))
    if not parts:
        return None
    a, b = findings.group_a, findings.group_b
    text = f"In short, the gap between {whose(a)} and {whose(b)} in {in_text(findings, f)} is "
    if len(parts) == 2 and parts[0][1] == parts[1][1]:
        return text + f"{_GAP_WORDS[parts[0][1]]} {parts[0][0]} and {parts[1][0]}."
    return text + " and ".join(f"{_GAP_WORDS[k]} {who}" for who, k in parts) + "."


def published_sentence(findings: Findings, f: AreaFindings) -> str | None:
    """DfE's own published figure, of requests received, beside ours, of requests decided,
    with the line that reconciles the two (once per page)."""
    key = findings.primary
    o = f.outcomes[key]
    b = findings.group_b
    ours, theirs = o.rates.get(b), o.of_received.get(b)
    if ours is None or theirs is None:
        return None
    if findings.provenance.publication_url is None:  # not DfE's file: DfE published none of it
        return (f"Of requests received, the base DfE uses in its own statistics, the rate is "
                f"{pct(theirs.estimate)} of the {theirs.trials:,} {whose(b)} received in "
                f"{display_name(findings, f)}, against {pct(ours.estimate)} of the "
                f"{ours.trials:,} decided here.")
    if theirs.trials == ours.trials:  # nothing awaiting a decision: the two bases agree
        return (f"DfE publishes this rate of requests received, not decided; in "
                f"{display_name(findings, f)} every one of the {theirs.trials:,} {whose(b)} "
                f"received was decided, so the two agree: {pct(theirs.estimate)}.")
    return (f"DfE publishes this rate of requests received, not decided: {pct(theirs.estimate)} "
            f"of the {theirs.trials:,} {whose(b)} received in {display_name(findings, f)}, "
            f"against {pct(ours.estimate)} of the {ours.trials:,} decided here: DfE's base also "
            f"counts the {theirs.trials - ours.trials:,} still awaiting a decision or "
            f"withdrawn, which these pages leave out.")


@dataclass(frozen=True)
class Published:
    """Where the figures were published and what they cover, for every page and download."""

    publication: str  # "Department for Education, Education, health and care plans, reporting
    # year 2026"
    url: str | None
    covers: str  # "requests received in calendar year 2025"

    @property
    def text(self) -> str:
        """One line, the address written out (terminal, CSV notes)."""
        return (f"Source: {self.publication}" + (f" ({self.url})" if self.url else "")
                + f". The figures cover {self.covers}.")


def provenance_line(findings: Findings) -> Published:
    """The publication the figures come from, its page and reporting year, and the period they
    cover; for data without a publication (FOI returns, SEN2), the file and the period."""
    p = findings.provenance
    covers = ((p.period_covers or "the period {period}").format(period=findings.period))
    return Published(p.publication or p.source, p.publication_url, covers)


def zero_corrected_in(areas) -> bool:
    """Whether any of ``areas`` (:class:`AreaFindings`) has a ratio, on any outcome, for which
    0.5 was added to every count (a group's requests led to none, or all): the tables that
    show them mark it and say so (:data:`~copro.render.numbers.ZERO_CORRECTED_NOTE`)."""
    return any(o.comparison is not None and o.comparison.risk_ratio.zero_corrected
               for f in areas for o in f.outcomes.values())
