"""The outcomes the audit measures: which requests count as successes, and out of which.

Which outcomes an audit has depends on the measures its data source provides: DfE's open data
stop at the decision whether to assess; FOI returns and case-level data reach plans issued.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from copro.counts import Measure

M = Measure


@dataclass(frozen=True)
class Outcome:
    """A rate: ``success`` requests out of the sum of ``trials`` measures."""

    key: str
    success: Measure
    trials: tuple[Measure, ...]
    name: str  # 'assessment rate'
    definition: str  # plain English, for footnotes
    #: pooled across areas (pooled ratio, meta-analysis, ranks); every outcome, pooled or not,
    #: has each area's ratio of the two groups' rates
    compared: bool
    likely: str = ""  # completes '... were 1.7 times as likely as ... <likely>'
    short: str = ""  # column heading: 'assessed'


DENOMINATORS = ("decided", "received")

_PLAN = Outcome(
    "plan", M.PLAN_ISSUED, (M.RECEIVED,), "plan rate",
    "requests that ended in an EHC plan, of requests received (the study's success rate)",
    True, "to end in an EHC plan", "plan issued")
_PLAN_20 = Outcome(
    "plan_timeliness", M.PLAN_WITHIN_20_WEEKS, (M.PLAN_ISSUED,), "20-week timeliness",
    "plans issued within the statutory 20 weeks (exceptions excluded), of plans issued "
    "(the study's efficiency rate)", True, "to have the plan issued within 20 weeks",
    "within 20 weeks")
_ASSESS_DECIDED = Outcome(
    "assessment", M.DECIDED_TO_ASSESS, (M.DECIDED_TO_ASSESS, M.DECIDED_NOT_TO_ASSESS),
    "assessment rate",
    "requests the local authority decided to assess, of requests with a decision (requests "
    "awaiting a decision or withdrawn are left out)", True, "to lead to a decision to assess",
    "assessed")
_ASSESS_RECEIVED = Outcome(
    "assessment", M.DECIDED_TO_ASSESS, (M.RECEIVED,), "assessment rate",
    "requests the local authority decided to assess, of all requests received (as DfE "
    "publishes it; requests awaiting a decision count against the rate)", True,
    "to lead to a decision to assess", "assessed")
_TIMELINESS = Outcome(
    "timeliness", M.DECIDED_WITHIN_6_WEEKS, (M.DECIDED_WITHIN_6_WEEKS, M.DECIDED_AFTER_6_WEEKS),
    "6-week timeliness",
    "decisions whether to assess made within the statutory 6 weeks, of decisions made in the "
    "year", True, "to be decided within 6 weeks", "within 6 weeks")
_PLAN_20_ANY = Outcome(
    "plan_timeliness_all", M.PLAN_WITHIN_20_WEEKS_ANY, (M.PLAN_ISSUED,),
    "20-week timeliness including exceptions",
    "plans issued within 20 weeks of the request, of all plans issued (exceptions included, "
    "as DfE also reports it)", False)
_MEDIATION = Outcome("mediation", M.MEDIATION, (M.RECEIVED,), "mediation rate",
                     "requests that led to mediation, of requests received", False)
_TRIBUNAL = Outcome("tribunal", M.TRIBUNAL, (M.RECEIVED,), "tribunal rate",
                    "requests that led to a tribunal appeal, of requests received", False)


def outcomes(denominator: str = "decided",
             measures: Iterable[Measure] = tuple(Measure)) -> tuple[Outcome, ...]:
    """The audit's outcomes for data holding ``measures``, most important first.

    Where plans are known, the study's success rate (plans issued of requests) and efficiency
    rate (plans within 20 weeks) lead. ``denominator`` sets the assessment rate's base:
    ``"decided"`` (decisions made: requests awaiting a decision or withdrawn are left out rather
    than counted as refusals) or ``"received"`` (every request, as DfE publishes it); data
    without decisions not to assess always use ``"received"``.
    """
    if denominator not in DENOMINATORS:
        raise ValueError(f"unknown denominator '{denominator}'; expected decided or received")
    have = set(measures)
    assess = (_ASSESS_DECIDED if denominator == "decided"
              and M.DECIDED_NOT_TO_ASSESS in have else _ASSESS_RECEIVED)
    plan, plan_20 = _PLAN, _PLAN_20
    if M.PLAN_NOT_ISSUED in have:  # case-level data: final outcomes known, open ones censored
        plan = replace(_PLAN, trials=(M.DECIDED_NOT_TO_ASSESS, M.PLAN_NOT_ISSUED, M.PLAN_ISSUED),
                       definition="requests that ended in an EHC plan, of requests with a final "
                                  "outcome (not assessed, assessed without a plan, or plan "
                                  "issued); requests still open at the reference date are "
                                  "censored, not counted as failures, and withdrawn ones are "
                                  "left out")
    if M.PLAN_ISSUED_NO_EXCEPTION in have:
        plan_20 = replace(_PLAN_20, trials=(M.PLAN_ISSUED_NO_EXCEPTION,),
                          definition="plans issued within the statutory 20 weeks of the "
                                     "request, of plans issued without a recorded exception "
                                     "(reg. 13(3)); plans with an exception are left out")
    candidates = (plan, plan_20, assess, _TIMELINESS, _PLAN_20_ANY, _MEDIATION, _TRIBUNAL)
    return tuple(o for o in candidates if {o.success, *o.trials} <= have)
