"""The outcomes the audit measures: which requests count as successes, and out of which."""

from __future__ import annotations

from dataclasses import dataclass

from copro.counts import Measure


@dataclass(frozen=True)
class Outcome:
    """A rate: ``success`` requests out of the sum of ``trials`` measures."""

    key: str
    success: Measure
    trials: tuple[Measure, ...]
    name: str  # 'assessment rate'
    definition: str  # plain English, for footnotes
    compared: bool  # compared across areas (ratio, pooled estimates), or rates only


DENOMINATORS = ("decided", "received")


def outcomes(denominator: str = "decided") -> tuple[Outcome, ...]:
    """The audit's outcomes.

    ``denominator`` sets the assessment rate's base: ``"decided"`` (default) counts the decisions
    made (decided to assess + decided not to assess), so requests still awaiting a decision or
    withdrawn are left out rather than counted as refusals; ``"received"`` uses every request
    received, as DfE's published percentage does.
    """
    if denominator == "decided":
        assess = Outcome(
            "assessment", Measure.DECIDED_TO_ASSESS,
            (Measure.DECIDED_TO_ASSESS, Measure.DECIDED_NOT_TO_ASSESS), "assessment rate",
            "requests the local authority decided to assess, of requests with a decision "
            "(requests awaiting a decision or withdrawn are left out)", True)
    elif denominator == "received":
        assess = Outcome(
            "assessment", Measure.DECIDED_TO_ASSESS, (Measure.RECEIVED,), "assessment rate",
            "requests the local authority decided to assess, of all requests received "
            "(as DfE publishes it; requests awaiting a decision count against the rate)", True)
    else:
        raise ValueError(f"unknown denominator '{denominator}'; expected decided or received")
    return (
        assess,
        Outcome("timeliness", Measure.DECIDED_WITHIN_6_WEEKS,
                (Measure.DECIDED_WITHIN_6_WEEKS, Measure.DECIDED_AFTER_6_WEEKS),
                "6-week timeliness",
                "decisions whether to assess made within the statutory 6 weeks, of decisions "
                "made in the year", True),
        Outcome("mediation", Measure.MEDIATION, (Measure.RECEIVED,), "mediation rate",
                "requests that led to mediation, of requests received", False),
        Outcome("tribunal", Measure.TRIBUNAL, (Measure.RECEIVED,), "tribunal rate",
                "requests that led to a tribunal appeal, of requests received", False),
    )
