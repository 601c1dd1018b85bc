"""Derive: one SEN2 request's raw fields -> a pseudonymised :class:`Request` and the measures
it counts towards.

A request is read with the code lists of the collection whose reference date it belongs to
(``sen2_codes``). Names and postcodes are never read; a date of birth only gives the age at
the request; UPN and ULN become a keyed hash (:func:`pseudonymise`). Errors name the field's
place (``where``), never its value.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import NamedTuple

import numpy as np

from copro.counts import Measure
from copro.groups import COMPARABLE_GROUPS, RequesterGroup
from copro.inputs import shown_code
from copro.sources import sen2_codes as codes
from copro.sources.sen2.summary import Sen2Summary

G = RequesterGroup
SIX_WEEKS = 42  # days: statutory weeks are calendar weeks from the day the request was received
TWENTY_WEEKS = 140

#: The measures a request can add to, as bits of one integer.
MEASURES = (Measure.RECEIVED, Measure.DECIDED_TO_ASSESS, Measure.DECIDED_NOT_TO_ASSESS,
            Measure.NOT_YET_DECIDED, Measure.WITHDRAWN, Measure.OUTCOME_NOT_KNOWN,
            Measure.DECIDED_WITHIN_6_WEEKS,
            Measure.DECIDED_AFTER_6_WEEKS, Measure.MEDIATION, Measure.TRIBUNAL,
            Measure.PLAN_ISSUED, Measure.PLAN_NOT_ISSUED, Measure.ASSESSMENT_OPEN,
            Measure.PLAN_ISSUED_NO_EXCEPTION, Measure.PLAN_WITHIN_20_WEEKS,
            Measure.PLAN_WITHIN_20_WEEKS_ANY)
BIT = {m: 1 << i for i, m in enumerate(MEASURES)}
GROUPS = COMPARABLE_GROUPS  # family, education, health, social care, other, unknown
AGE_BANDS = (*[b[0] for b in codes.AGE_BANDS], "over 25", "unknown")
#: What a request is stratified by to adjust for case mix: characteristics fixed before the
#: request. Need only where recorded at the time of the request (a case file's column); SEN2
#: records SENtype mainly for children with plans, so its need would adjust for the outcome.
FACTORS = ("age at request", "sex", "ethnicity", "primary need at request")
LEVELS = (AGE_BANDS, codes.SEXES, codes.ETHNIC_GROUPS, codes.NEEDS)
_INDEX = tuple({level: i for i, level in enumerate(levels)} for levels in LEVELS)
STRATA = int(np.prod([len(levels) for levels in LEVELS]))


#: measure bits as plain integers (looking an enum up costs a Python-level hash per request)
_RECEIVED, _DECIDED_TO_ASSESS, _DECIDED_NOT_TO_ASSESS, _NOT_YET_DECIDED, _WITHDRAWN, \
    _OUTCOME_NOT_KNOWN, _WITHIN_6_WEEKS, _AFTER_6_WEEKS, _MEDIATION, _TRIBUNAL, _PLAN_ISSUED, \
    _PLAN_NOT_ISSUED, _ASSESSMENT_OPEN, _PLAN_NO_EXCEPTION, _PLAN_WITHIN_20_WEEKS, \
    _PLAN_WITHIN_20_WEEKS_ANY = (BIT[m] for m in MEASURES)
_SEXES, _ETHNIC_GROUPS, _NEEDS = len(codes.SEXES), len(codes.ETHNIC_GROUPS), len(codes.NEEDS)
_AGE_BAND = tuple(codes.age_band(age) for age in range(100))  # whole years -> band


class Request(NamedTuple):
    """One request, derived and pseudonymised: nothing in it identifies a person."""

    person: str  # keyed hash of UPN or ULN ('' if neither)
    group: RequesterGroup
    age_band: str
    need: str  # primary need recorded at the time of the request, else 'not recorded ...'
    received: date
    # 'assess', 'not_assess', 'withdrawn', None (open at the reference date), or 'not known'
    # (a RequestOutcome code the year does not define: received, in no decision)
    decision: str | None
    decided: date | None
    # 'plan', 'no_plan', None (open), or left out of the plan stage: 'withdrawn',
    # 'historical', 'other_la' (see sen2_codes), 'not known' (a code the year lacks)
    assessment: str | None
    plan_date: date | None
    exception: bool
    mediation: bool
    tribunal: bool
    sex: str = codes.SEX_UNKNOWN
    ethnicity: str = codes.ETHNICITY_UNKNOWN

    def stratum(self) -> int:
        """The request's cell of age band x sex x ethnicity x need (an index)."""
        age, sex, eth, need = _INDEX
        return (((age[self.age_band] * _SEXES + sex[self.sex]) * _ETHNIC_GROUPS
                 + eth[self.ethnicity]) * _NEEDS + need[self.need])

    def bits(self) -> int:
        """The measures this request counts towards (bits of :data:`BIT`). Mediation and
        tribunal are rates of requests received: every request with the flag counts, whatever
        its outcome (open, withdrawn, or a code the year does not define)."""
        b = _RECEIVED
        if self.mediation:
            b |= _MEDIATION
        if self.tribunal:
            b |= _TRIBUNAL
        decision = self.decision
        if decision is None:
            return b | _NOT_YET_DECIDED
        if decision == codes.WITHDRAWN:
            return b | _WITHDRAWN
        if decision == codes.NOT_KNOWN:
            return b | _OUTCOME_NOT_KNOWN
        assess = decision == codes.ASSESS
        b |= _DECIDED_TO_ASSESS if assess else _DECIDED_NOT_TO_ASSESS
        if self.decided is not None:
            late = (self.decided - self.received).days > SIX_WEEKS
            b |= _AFTER_6_WEEKS if late else _WITHIN_6_WEEKS
        if assess:
            assessment = self.assessment
            if assessment is None:
                b |= _ASSESSMENT_OPEN
            elif assessment == codes.NO_PLAN:
                b |= _PLAN_NOT_ISSUED
            elif assessment == codes.PLAN:
                b |= _PLAN_ISSUED
                on_time = (self.plan_date is not None
                           and (self.plan_date - self.received).days <= TWENTY_WEEKS)
                if on_time:
                    b |= _PLAN_WITHIN_20_WEEKS_ANY
                if not self.exception:
                    b |= _PLAN_NO_EXCEPTION
                    if on_time:
                        b |= _PLAN_WITHIN_20_WEEKS
        return b


def stratum_levels(stratum: int) -> tuple[str, ...]:
    """The (age band, sex, ethnicity, need) of a stratum index from :meth:`Request.stratum`."""
    out = []
    for levels in reversed(LEVELS):
        stratum, i = divmod(stratum, len(levels))
        out.append(levels[i])
    return tuple(reversed(out))


#: The fields a request is derived from (SEN2 element paths; the case file's columns map here).
#: ``NeedAtRequest`` exists only in case files: SEN2 has no need recorded at the request.
REQUEST_FIELDS = ("ReceivedDate", "RequestSource", "RequestOutcome", "RequestOutcomeDate",
                  "AssessmentOutcome", "AssessmentOutcomeDate", "PlanStartDate", "Week20",
                  "RequestMediation", "RequestTribunal")
PERSON_FIELDS = ("Sex", "GenderCurrent", "Ethnicity")


def derive_request(fields: dict, person: str, birth: date | None, reference: date,
                   summary: Sen2Summary, where) -> Request | None:
    """One pseudonymised request from its raw fields (texts, None where absent), read with the
    code lists of the collection whose reference date is ``reference``.

    ``where(name)`` gives the location of a field for an error message; values are never
    echoed. Returns None for a request outside the year's cohort (RequestOutcome H, counted in
    ``summary``). A request whose RequestOutcome code the year does not define was still
    received: it is counted as received (and in mediation and tribunal), with the decision
    ``not known``, so it is in no decision or later stage (the code is counted in
    ``summary``)."""
    lists = codes.code_lists(reference.year)
    year = lists.year
    decision = _code(fields.get("RequestOutcome"), "RequestOutcome", lists.request_outcome,
                     summary, year)
    if decision is KeyError:
        decision = codes.NOT_KNOWN  # received; decides nothing (counted in unknown_codes)
    if decision == codes.HISTORICAL:
        summary.historical[("RequestOutcome", "H")] += 1
        return None  # decided before the collection period: not in this year's cohort
    received = parse_date(fields.get("ReceivedDate"), where, "ReceivedDate", required=True)
    age = None
    if birth is not None:
        age = received.year - birth.year - ((received.month, received.day)
                                            < (birth.month, birth.day))
    source = _code(fields.get("RequestSource"), "RequestSource", lists.request_source,
                   summary, year)
    if source is None:
        summary.no_source += 1
    group = source if isinstance(source, RequesterGroup) else G.UNKNOWN
    decided = parse_date(fields.get("RequestOutcomeDate"), where, "RequestOutcomeDate")
    if decided is not None and received is not None and decided < received:
        raise where("RequestOutcomeDate", "before the request's ReceivedDate; a decision "
                                          "cannot come before its request")
    if decision == codes.OPEN or (decided is not None and decided > reference
                                  and decision != codes.NOT_KNOWN):
        decision = None  # no decision at the reference date: open (censored)
    assessment = plan_date = None
    exception = False
    if decision == codes.ASSESS:
        text = strip(fields.get("AssessmentOutcome"))
        assessment = _code(text, "AssessmentOutcome", lists.assessment_outcome, summary, year)
        if assessment is KeyError:
            assessment = "not known"  # counted: left out of the plan stage only
        elif assessment in (codes.HISTORICAL, codes.OTHER_LA):
            summary.historical[("AssessmentOutcome", text)] += 1
        elif assessment == codes.OPEN:
            assessment = None
        elif assessment == codes.PLAN:
            plan_date = (parse_date(fields.get("PlanStartDate"), where, "PlanStartDate")
                         or parse_date(fields.get("AssessmentOutcomeDate"), where,
                                        "AssessmentOutcomeDate"))
            if plan_date is not None and plan_date > reference:
                assessment, plan_date = None, None  # issued after the reference date: open
            else:
                flag = _code(fields.get("Week20"), "Week20", lists.flags, summary, year)
                if flag is None:
                    summary.week20_not_recorded += 1
                exception = flag is True
    sex_text = fields.get("Sex") if fields.get("Sex") is not None else fields.get("GenderCurrent")
    sex = _code(sex_text, lists.sex_element, lists.sex, summary, year)
    ethnicity = _code(fields.get("Ethnicity"), "Ethnicity", lists.ethnicity, summary, year)
    need = strip(fields.get("NeedAtRequest"))
    if _code(need, "primary need at request", lists.sen_types, summary, year) in (None,
                                                                                KeyError):
        need = codes.NEED_NOT_RECORDED
    band = _AGE_BAND[age] if age is not None and 0 <= age < 100 else codes.age_band(age)
    return Request(person, group, band, need, received,
                   decision, decided, assessment, plan_date, exception,
                   _code(fields.get("RequestMediation"), "RequestMediation", lists.flags,
                         summary, year) is True,
                   _code(fields.get("RequestTribunal"), "RequestTribunal", lists.flags,
                         summary, year) is True,
                   sex if isinstance(sex, str) else codes.SEX_UNKNOWN,
                   ethnicity if isinstance(ethnicity, str) else codes.ETHNICITY_UNKNOWN)


def parse_date(text, where, name: str, required: bool = False) -> date | None:
    """A date YYYY-MM-DD (surrounding white space allowed); ``where(name, problem)`` gives the
    error for a missing (if ``required``) or malformed one. The value is never echoed."""
    if text is not None:
        try:
            return date.fromisoformat(text)  # the usual case, without white space
        except ValueError:
            pass
    text = strip(text)
    if text is None:
        if required:
            raise where(name, "missing; expected a date YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        # the value itself is not echoed: it could be personal data
        raise where(name, "not a date YYYY-MM-DD") from None


def strip(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


_ABSENT = object()


def _code(text: str | None, name: str, table: dict, summary: Sen2Summary, year: int
          ) -> object:
    """The meaning of a code in ``table`` (None if absent; ``KeyError`` if the year's list
    does not have it, counted in ``summary``)."""
    if text is None:
        return None
    found = table.get(text, _ABSENT)  # the usual case, without white space
    if found is not _ABSENT:
        return found
    text = text.strip()
    if not text:
        return None
    if text not in table:
        summary.unknown_codes[(name, shown_code(text), year)] += 1
        return KeyError
    return table[text]


def pseudonymise(identifier: str, key: bytes) -> str:
    """Keyed hash (BLAKE2b in keyed mode, a MAC) of a pupil or learner number: without the key
    it cannot be recomputed from a list of pupil numbers."""
    return hashlib.blake2b(identifier.upper().encode(), key=key[:64], digest_size=10).hexdigest()

