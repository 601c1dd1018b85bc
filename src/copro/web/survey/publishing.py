"""Publishing a closed round: what would be made public, and the publication itself.

A round is published by audience: an audience with at least 10 answers (possible duplicates and
answers the coordinator set aside left out) is published whole, one with fewer is not published
at all (its answers stay with the coordinator), and a round with no such audience cannot be
published. The responses published are marked (``Response.published``) and recorded as blocks
(:class:`~copro.web.survey.models.PublishedBlock`), in one transaction with the round locked, so
an answer arriving afterwards (one begun before the round closed) is never added to figures
already public. Before anything is marked, every block ever published for the LA and the new
ones are checked together (:func:`copro.survey.publication.differencing_problems`): a
publication that would let published figures be subtracted to reveal fewer than 10 answers is
refused. (Blocks of different LAs hold different people, so checking each LA's blocks is
checking everything ever published.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from copro.stats import survey as st
from copro.survey.instrument import AUDIENCES, load_instrument
from copro.survey.publication import Problem, differencing_problems
from copro.web.survey.models import PublishedBlock, Response, Round


class PublishRefused(Exception):
    """The round cannot be published; the message says why, in words for a coordinator."""


@dataclass
class Plan:
    """What publishing a round would make public."""

    round: Round
    answers: dict[str, int] = field(default_factory=dict)  # audience -> answers counted
    shown: list[str] = field(default_factory=list)  # audiences that would be published
    problems: list[Problem] = field(default_factory=list)
    ids: dict[str, list[int]] = field(default_factory=dict)  # audience -> responses
    set_aside: int = 0  # answers the coordinator set aside (kept, not published)
    tally: object = None  # the round's one count (copro.web.survey.tally.Tally)

    @property
    def possible(self) -> bool:
        return bool(self.shown) and not self.problems and self.round.published_at is None

    @property
    def reason(self) -> str:
        if self.round.published_at is not None:
            return "This round's results are already published."
        if self.round.is_open:
            return "Close the round before publishing its results."
        if not self.shown:
            return (f"No audience has {st.MIN_ANSWERS} answers in this round, so nothing can "
                    "be published: a figure from fewer answers could identify the people who "
                    "gave them.")
        if self.problems:
            return ("Publishing this round would let published figures be subtracted from "
                    "each other to reveal fewer than "
                    f"{st.MIN_ANSWERS} people's answers ({self.problems[0]}).")
        return ""


def _rows(round_: Round):
    from copro.web.survey.tally import counted

    return counted(Response.objects.filter(round=round_)).values_list(
        "id", "audience", "answers").order_by("id")


def plan(round_: Round) -> Plan:
    """What publishing ``round_`` would publish, and whether it may."""
    out = Plan(round_)
    by_audience: dict[str, list[int]] = {a: [] for a in AUDIENCES}
    answers: dict[int, dict] = {}
    for rid, audience, ans in _rows(round_):
        by_audience.setdefault(audience, []).append(rid)
        answers[rid] = ans
    out.ids = by_audience
    from copro.web.survey.tally import round_tally

    out.tally = round_tally(round_)
    out.set_aside = out.tally.total.set_aside
    out.answers = {a: len(ids) for a, ids in by_audience.items()}
    out.shown = [a for a, ids in by_audience.items() if st.shown(len(ids))]
    if out.shown:
        previous = PublishedBlock.objects.filter(area_code=round_.area_code)
        old = [((b.round_id, b.audience), b.responses) for b in previous]
        new = [((round_.pk, a), by_audience[a]) for a in out.shown]
        ids = {i for _, block in old for i in block} - answers.keys()
        for rid, ans in Response.objects.filter(pk__in=ids).values_list("id", "answers"):
            answers[rid] = ans
        out.problems = differencing_problems(old + new, answers, load_instrument())
    return out


def publish(round_id: int, area_code: str) -> Plan:
    """Publish the round (locked while it is done); raises :class:`PublishRefused`."""
    with transaction.atomic():
        round_ = Round.objects.select_for_update().filter(pk=round_id,
                                                           area_code=area_code).first()
        if round_ is None:
            raise Round.DoesNotExist
        p = plan(round_)
        if not p.possible:
            raise PublishRefused(p.reason)
        now = timezone.now()
        for audience in p.shown:
            ids = sorted(p.ids[audience])
            PublishedBlock.objects.create(round=round_, area_code=round_.area_code,
                                          audience=audience, published_at=now, responses=ids)
            Response.objects.filter(pk__in=ids).update(published=True)
        round_.published_at = now
        round_.save(update_fields=["published_at"])
    return p
