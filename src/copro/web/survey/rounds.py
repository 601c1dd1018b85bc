"""Rounds a small forum can publish: merging rounds not yet published, and deleting an imported
round not yet published.

Only rounds that have never been published (no publication block: a round published and then
unpublished keeps its blocks for ever) and are not open can be merged or deleted, so every
figure ever made public stays exactly as it was; the merged round is then published through
:mod:`copro.web.survey.publishing`, whose differencing check sees it against every block
published before. (The weighted figures weight each published round on its own: merging after
publication would change them, which is why it is refused.)
"""

from __future__ import annotations

from django.db import transaction

from copro.web.survey.models import (
    ImportedFile,
    InvitationCode,
    PublishedBlock,
    Response,
    Round,
    VenueWindow,
)


class RoundsRefused(Exception):
    """The rounds cannot be merged or deleted; the message says why, for a coordinator."""


def _why_not(r: Round) -> str | None:
    if r.published_at is not None or PublishedBlock.objects.filter(round=r).exists() or \
            Response.objects.filter(round=r, published=True).exists():
        return f"round {r.pk} has been published: its figures are public and stay as they are"
    if r.is_open:
        return f"round {r.pk} is open: close it first"
    return None


def mergeable(area_code: str) -> list[Round]:
    """The LA's rounds that can be merged (closed or imported, never published)."""
    return [r for r in Round.objects.filter(area_code=area_code, published_at__isnull=True)
            if _why_not(r) is None]


def target(rounds: list[Round]) -> Round:
    """The round the others are merged into: the earliest opened on the website, else the
    earliest."""
    web = [r for r in rounds if not r.imported]
    return min(web or rounds, key=lambda r: (r.opened_at, r.pk))


def merge(area_code: str, ids: list[int]) -> tuple[Round, int]:
    """Move every answer (and code, venue window and import record) of the rounds ``ids`` into
    one of them (:func:`target`) and delete the others, in one transaction with the rounds
    locked. Returns the round kept and the number of answers moved."""
    with transaction.atomic():
        rounds = list(Round.objects.select_for_update().filter(area_code=area_code,
                                                               pk__in=ids))
        if len(rounds) < 2 or len(rounds) != len(set(ids)):
            raise RoundsRefused("Choose at least two of your rounds to merge.")
        for r in rounds:
            if (why := _why_not(r)) is not None:
                raise RoundsRefused(f"These rounds cannot be merged: {why}.")
        kept = target(rounds)
        others = [r.pk for r in rounds if r.pk != kept.pk]
        moved = Response.objects.filter(round_id__in=others).update(round=kept)
        InvitationCode.objects.filter(round_id__in=others).update(round=kept)
        VenueWindow.objects.filter(round_id__in=others).update(round=kept)
        ImportedFile.objects.filter(round_id__in=others).update(round=kept)
        kept.opened_at = min(r.opened_at for r in rounds)
        kept.closed_at = max(r.closed_at or r.opened_at for r in rounds)
        kept.save(update_fields=["opened_at", "closed_at"])
        Round.objects.filter(pk__in=others).delete()
    return kept, moved


def delete_imported(area_code: str, round_id: int) -> int:
    """Delete an imported round never published, with its answers and import records (so
    the file can be imported again, corrected). Returns the number of answers deleted."""
    with transaction.atomic():
        r = Round.objects.select_for_update().filter(area_code=area_code,
                                                     pk=round_id).first()
        if r is None:
            raise RoundsRefused("No such round.")
        if not r.imported:
            raise RoundsRefused("Only a round imported from a file can be deleted: a round "
                                "answered on the website is kept (set answers aside instead).")
        if (why := _why_not(r)) is not None:
            raise RoundsRefused(f"This round cannot be deleted: {why}.")
        n = Response.objects.filter(round=r).count()
        ImportedFile.objects.filter(round=r).delete()
        r.delete()
    return n
