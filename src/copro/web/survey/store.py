"""Between the survey's tables and copro's survey results: saving a response, and reading
answers (published, or every round of one LA for its coordinator) into
:func:`copro.survey.results.survey_results`, beside the LA's measured ratio from the explorer's
findings (copro's audit engine; nothing recomputed here)."""

from __future__ import annotations

import threading
from functools import cache

from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from copro.stats.survey import MeasuredRatio
from copro.survey.instrument import load_instrument
from copro.survey.results import Answers, SurveyResults, survey_results
from copro.web.survey import security
from copro.web.survey.models import Response, Round

FREE_TEXT = "biggest_difference"
_lock = threading.Lock()
_results: dict[tuple, SurveyResults] = {}


@cache
def local_authorities() -> dict[str, str]:
    """ONS code -> name, from copro's register."""
    from copro.register import local_authorities as register

    return {a.code: a.name for a in register()}


def open_round(area_code: str) -> Round | None:
    return Round.objects.filter(area_code=area_code, closed_at__isnull=True,
                                imported=False).order_by("-opened_at", "-id").first()


def save_response(round_: Round, audience: str, answers: dict, client: str,
                  token: str | None, source: str = "web", import_key: str | None = None,
                  limited: bool = False, seconds: int | None = None,
                  code: str | None = None, entered_by=None,
                  venue=None) -> tuple[Response, bool]:
    """Store one response (free text apart). Returns ``(response, created)``: a resubmitted
    token returns the stored response. Identical answers from the same client in the round are
    kept but marked as a possible duplicate (left out of results). With ``limited``, the
    client's submissions are counted in the same transaction and
    :class:`~copro.web.survey.security.TooManySubmissions` is raised (nothing stored) beyond
    the limit. ``seconds``: how long the respondent took. ``code``: the hash of the invitation
    code it answers with, used up in the same transaction
    (:class:`~copro.web.survey.invitations.CodeRefused` if it was used meanwhile).
    ``entered_by``: the signed-in coordinator who typed it in (a paper form: never limited);
    ``venue``: the venue window it came through (not limited, marked as a venue answer)."""
    answers = dict(answers)
    free_text = str(answers.pop(FREE_TEXT, "") or "")
    digest = security.answers_hash(audience, answers, free_text)
    duplicate = bool(client) and Response.objects.filter(
        round=round_, client_hash=client, answers_hash=digest).exists()
    try:
        with transaction.atomic():
            if code is not None:
                from copro.web.survey import invitations

                invitations.use_code(round_, audience, code)
            elif limited and client and entered_by is None and venue is None:
                security.count_submission(round_.pk, client)
            response = Response.objects.create(
                round=round_, area_code=round_.area_code, audience=audience,
                instrument_version=round_.instrument_version, answers=answers,
                free_text=free_text, source=source, submission_token=token,
                client_hash=client, answers_hash=digest, possible_duplicate=duplicate,
                import_key=import_key, seconds_to_complete=seconds, entered_by=entered_by,
                venue=venue)
    except IntegrityError:  # the same token submitted twice at once
        if token is None:
            raise  # another unique value (an imported row's key): the caller decides
        return Response.objects.get(submission_token=token), False
    return response, True


def _answers(queryset, blocks: bool = False) -> list[Answers]:
    """The answers in ``queryset`` that count (:func:`copro.web.survey.tally.counted`);
    with ``blocks``, each in the block of its round (published figures pool whole blocks of at
    least 10)."""
    from copro.web.survey.tally import counted

    out = []
    for area, audience, version, answers, round_id in counted(queryset).values_list(
            "area_code", "audience", "instrument_version", "answers", "round_id"):
        out.append(Answers(area, audience, version, answers, round_id if blocks else None))
    return out


def measured_ratios() -> dict[str | None, MeasuredRatio]:
    """Each LA's ratio of assessment rates (education settings over families) and England's,
    from the site's current DfE dataset; empty if none is imported."""
    from copro.web.explorer.store import current_dataset, findings_for

    dataset = current_dataset()
    if dataset is None:
        return {}
    findings = findings_for(dataset)
    out: dict[str | None, MeasuredRatio] = {}
    for f in findings.local_authorities:
        outcome = f.outcomes.get("assessment")
        if outcome is not None and outcome.comparison is not None:
            rr = outcome.comparison.risk_ratio
            out[f.area.code] = MeasuredRatio(rr.estimate, rr.ci_low, rr.ci_high, rr.method)
    pooled = findings.pooled.get("assessment")
    if pooled is not None and pooled.national is not None:
        rr = pooled.national.risk_ratio
        out[None] = MeasuredRatio(rr.estimate, rr.ci_low, rr.ci_high, rr.method)
    return out


def _published_responses():
    """The answers made public: marked at publication, in a round still published."""
    return Response.objects.filter(published=True, round__published_at__isnull=False)


STAMP_SECONDS = 2.0
_stamp_memo: list = [0.0, None]


def publication_stamp() -> tuple:
    """What changes when published results change (a round published or unpublished, answers
    imported into a published round), asked of the database at most every 2 s per process: the
    explorer keys its cached LA pages by it, so their survey block is never older than that."""
    import time

    now = time.monotonic()
    if now - _stamp_memo[0] > STAMP_SECONDS or _stamp_memo[1] is None:
        published = _published_responses()
        _stamp_memo[:] = [now, (*_stamp(published), Round.objects.filter(
            published_at__isnull=False).aggregate(m=Max("published_at"))["m"])]
    return _stamp_memo[1]


def _stamp(queryset) -> tuple:
    agg = queryset.aggregate(n=Count("id"), last=Max("id"), at=Max("submitted_at"))
    return agg["n"], agg["last"], agg["at"]


def published_results() -> SurveyResults:
    """Results from every published round (what the public sees), computed once per state of
    the published answers."""
    qs = _published_responses()
    return _cached(("published", *_stamp(qs),
                    tuple(Round.objects.filter(published_at__isnull=False)
                          .values_list("id", "published_at").order_by("id"))), qs, blocks=True)


def coordinator_results(area_code: str) -> SurveyResults:
    """Results from every round of one LA, published or not (its coordinator's view)."""
    from django.db.models import Sum

    from copro.web.survey.tally import counted

    qs = Response.objects.filter(area_code=area_code)
    # keyed also by which answers count (set aside, put back, duplicates counted again)
    which = counted(qs).aggregate(n=Count("id"), s=Sum("id"))
    return _cached(("la", area_code, *_stamp(qs), which["n"], which["s"]), qs)


def _cached(key: tuple, queryset, blocks: bool = False) -> SurveyResults:
    from copro.web.explorer.store import current_dataset

    dataset = current_dataset()  # the measured ratios come from it
    key = (*key, dataset.pk if dataset else None)
    with _lock:
        hit = _results.get(key)
    if hit is not None:
        return hit
    from copro.web.survey.dfe_counts import dfe_margins

    answers = _answers(queryset, blocks)
    margins = dfe_margins() if any(a.audience == "families" for a in answers) else {}
    res = survey_results(answers, measured_ratios(), load_instrument(), margins=margins)
    with _lock:
        if len(_results) > 256:
            _results.clear()
        _results[key] = res
    return res
