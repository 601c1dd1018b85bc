"""Issue 28, item 3: merging rounds never published, then publishing, keeps every guarantee
of publication. Seeded sequences of rounds of 2 to 12 answers, merges of any rounds and
publications are replayed through copro.web.survey.rounds and copro.web.survey.publishing;
after every step, everything ever published is checked again with
copro.survey.publication.differencing_problems (nothing fewer than 10 people answered can be
worked out), every published block still holds what it held when published, and a round with
a publication block is never merged or deleted."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from copro.survey.answers import clean_answers
from copro.survey.publication import differencing_problems
from copro.web.survey import publishing, rounds, store
from copro.web.survey.models import PublishedBlock, Response, Round
from tests.web.survey_helpers import INST, LEEDS, random_answers

pytestmark = pytest.mark.django_db


def _round(rng, n: int, imported: bool) -> Round:
    now = timezone.now()
    r = Round.objects.create(area_code=LEEDS, instrument_version="1", imported=imported,
                             opened_at=now, closed_at=now)
    for _ in range(n):
        audience = rng.choice(["families", "forum"])
        answers, _ = clean_answers(INST, audience, random_answers(rng, audience))
        store.save_response(r, audience, answers, client="", token=None,
                            source="import" if imported else "web")
    return r


def _everything_published_is_safe(snapshot: dict) -> None:
    blocks = list(PublishedBlock.objects.filter(area_code=LEEDS))
    answers = dict(Response.objects.values_list("id", "answers"))
    keyed = [((b.round_id, b.audience, b.pk), b.responses) for b in blocks]
    assert differencing_problems(keyed, answers, INST) == []
    for b in blocks:
        assert len(b.responses) >= 10
        assert snapshot.setdefault(b.pk, sorted(b.responses)) == sorted(b.responses)
        # the answers published stay in the round they were published in
        assert set(Response.objects.filter(pk__in=b.responses)
                   .values_list("round_id", flat=True)) == {b.round_id}


@pytest.mark.parametrize("seed", range(6))
def test_merge_then_publish_sequences_keep_the_differencing_guarantee(seed):
    rng = random.Random(seed)
    snapshot: dict = {}
    published = merged = refused = 0
    for _step in range(30):
        action = rng.choice(["round"] * 3 + ["merge"] * 3 + ["publish"] * 2
                            + ["merge_published"])
        unpublished = rounds.mergeable(LEEDS)
        if action == "round" or not unpublished:
            _round(rng, rng.randint(2, 12), imported=rng.random() < 0.5)
        elif action == "merge" and len(unpublished) >= 2:
            chosen = rng.sample(unpublished, rng.randint(2, min(4, len(unpublished))))
            before = Response.objects.filter(round__in=chosen).count()
            kept, moved = rounds.merge(LEEDS, [r.pk for r in chosen])
            assert Response.objects.filter(round=kept).count() == before
            merged += 1
        elif action == "publish":
            # the round with the most answers (a small forum's merged round)
            r = max(unpublished, key=lambda x: (x.responses.count(), rng.random()))
            try:
                publishing.publish(r.pk, LEEDS)
                published += 1
            except publishing.PublishRefused:
                refused += 1
        elif action == "merge_published":
            done = list(Round.objects.filter(area_code=LEEDS, published_at__isnull=False))
            if done and unpublished:
                with pytest.raises(rounds.RoundsRefused, match="has been published"):
                    rounds.merge(LEEDS, [done[0].pk, unpublished[0].pk])
        _everything_published_is_safe(snapshot)
    assert merged >= 1 and published >= 1, (merged, published, refused)


def test_a_round_published_once_is_never_merged_or_deleted_even_if_unpublished():
    rng = random.Random(1)
    a = _round(rng, 24, imported=True)
    publishing.publish(a.pk, LEEDS)
    Round.objects.filter(pk=a.pk).update(published_at=None)  # unpublished by an administrator
    b = _round(rng, 4, imported=True)
    assert [r.pk for r in rounds.mergeable(LEEDS)] == [b.pk]
    with pytest.raises(rounds.RoundsRefused):
        rounds.merge(LEEDS, [a.pk, b.pk])
    with pytest.raises(rounds.RoundsRefused):
        rounds.delete_imported(LEEDS, a.pk)
    assert Response.objects.filter(round=a).count() == 24
