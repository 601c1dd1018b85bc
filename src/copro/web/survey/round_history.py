"""A round's history, for the checks against it (:mod:`copro.survey.history_checks`): what the
LA's earlier rounds looked like.

- **answers**, per audience: the answers published from the LA's other rounds; where those hold
  fewer than 10 answers for the audience, its statistical neighbours' published answers pooled
  (the neighbours named nowhere: the coordinator sees only the pooled counts, in the report's
  words). An audience with neither has no history, and is not checked against one.
- **answers an hour**: the answers counted in the LA's closed web rounds (imported rounds have
  no arrival times), over the hours those rounds were open.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from copro.render.sentences import possessive
from copro.survey.history_checks import MIN_ANSWERS, History
from copro.survey.instrument import AUDIENCES
from copro.web.survey import store
from copro.web.survey.models import Response, Round


def _neighbours(code: str) -> list[str]:
    from copro.sources.neighbours import bundled_neighbours

    return [n.code for n in bundled_neighbours().of(code)]


def _counts(queryset) -> dict[str, tuple[int, dict[str, Counter]]]:
    """audience -> (answers, question -> answer -> number), closed answers only."""
    out: dict[str, tuple[int, dict[str, Counter]]] = {}
    for audience, answers in queryset.values_list("audience", "answers"):
        n, questions = out.get(audience, (0, defaultdict(Counter)))
        for question, value in answers.items():
            if isinstance(value, str) and question != store.FREE_TEXT:
                questions[question][value] += 1
        out[audience] = (n + 1, questions)
    return out


def per_hour(round_: Round) -> float | None:
    """Answers an hour in the LA's other closed web rounds (None when it has none)."""
    from copro.web.survey.tally import counted

    rounds = Round.objects.filter(area_code=round_.area_code, imported=False,
                                  closed_at__isnull=False).exclude(pk=round_.pk)
    hours = sum(max(0.0, (r.closed_at - r.opened_at).total_seconds() / 3600) for r in rounds)
    if hours <= 0:
        return None
    answers = counted(Response.objects.filter(round__in=rounds, source="web")).count()
    return answers / hours


def round_history(round_: Round) -> History:
    """The history of ``round_``'s LA (module docstring)."""
    name = store.local_authorities().get(round_.area_code, round_.area_code)
    published = Response.objects.filter(published=True)
    own = _counts(published.filter(area_code=round_.area_code).exclude(round=round_))
    pooled = None
    answers: dict[tuple[str, str], dict[str, int]] = {}
    source: dict[str, str] = {}
    for audience in AUDIENCES:
        n, questions = own.get(audience, (0, {}))
        words = f"{possessive(name)} other published rounds ({n} answers)"
        if n < MIN_ANSWERS:
            if pooled is None:
                pooled = _counts(published.filter(area_code__in=_neighbours(round_.area_code)))
            n, questions = pooled.get(audience, (0, {}))
            words = (f"{possessive(name)} statistical neighbours' published rounds, pooled "
                     f"({n} answers)")
        if n < MIN_ANSWERS:
            continue
        source[audience] = words
        for question, counts in questions.items():
            answers[(audience, question)] = dict(counts)
    return History(answers, source, per_hour(round_))
