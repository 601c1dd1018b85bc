"""The one count of a round's answers: every page that counts answers (the rounds table, the
close and publish pages, "All rounds together", the results and the checks page) asks here, so
they all give the same number and say the same about the answers left out.

An answer stored for a round is **counted** unless it is left out, for one reason, in this
order:

- **set aside** by the coordinator (from the checks page; kept, and can be put back until the
  round is published);
- **possible duplicate**: the same answers sent again from the same connection in the round
  (kept; the coordinator can count it again from the checks page);
- **empty**: nothing answered and nothing written (refused on the website now; an older or
  imported answer may be empty).

:func:`counted` is the filter the results and publication use; :func:`tally` the numbers the
pages show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from copro.survey.instrument import AUDIENCES

#: Why an answer is left out, in words for the coordinator (the order above).
REASONS = {
    "set_aside": "set aside by you",
    "duplicate": "the same answers again from the same connection (possible duplicates)",
    "empty": "nothing answered",
}


def _empty() -> Q:
    return Q(answers={}, free_text="")


def counted(queryset):
    """The answers of ``queryset`` that count (not set aside, not duplicates, not empty)."""
    return queryset.filter(set_aside_at__isnull=True, possible_duplicate=False).exclude(
        _empty())


@dataclass
class Count:
    """One audience's answers (or all audiences'): stored, and left out by reason."""

    stored: int = 0
    set_aside: int = 0
    duplicate: int = 0
    empty: int = 0

    @property
    def counted(self) -> int:
        return self.stored - self.left_out

    @property
    def left_out(self) -> int:
        return self.set_aside + self.duplicate + self.empty

    def add(self, other: Count) -> None:
        self.stored += other.stored
        self.set_aside += other.set_aside
        self.duplicate += other.duplicate
        self.empty += other.empty

    def reasons(self) -> list[tuple[int, str]]:
        """``(number, why)`` for each reason with answers left out."""
        return [(getattr(self, k), why) for k, why in REASONS.items() if getattr(self, k)]

    def explain(self) -> str:
        """'2 left out: 2 possible duplicates' style sentence ('' when none)."""
        if not self.left_out:
            return ""
        parts = "; ".join(f"{n} {why}" for n, why in self.reasons())
        return f"{self.left_out} not counted ({parts})"


@dataclass
class Tally:
    """Counts by audience (every audience present, possibly zero) and their total."""

    audiences: dict[str, Count] = field(default_factory=lambda: {a: Count() for a in AUDIENCES})

    @property
    def total(self) -> Count:
        out = Count()
        for c in self.audiences.values():
            out.add(c)
        return out

    def __getitem__(self, audience: str) -> Count:
        return self.audiences[audience]


def _reason(aside, duplicate, answers, free_text) -> str | None:
    if aside is not None:
        return "set_aside"
    if duplicate:
        return "duplicate"
    if not answers and not free_text:
        return "empty"
    return None


def tallies(queryset) -> dict[int, Tally]:
    """Each round's tally, for the answers in ``queryset`` (keyed by round id)."""
    out: dict[int, Tally] = {}
    for rid, audience, aside, duplicate, answers, text in queryset.values_list(
            "round_id", "audience", "set_aside_at", "possible_duplicate", "answers",
            "free_text"):
        c = out.setdefault(rid, Tally()).audiences.setdefault(audience, Count())
        c.stored += 1
        reason = _reason(aside, duplicate, answers, text)
        if reason is not None:
            setattr(c, reason, getattr(c, reason) + 1)
    return out


def tally(queryset) -> Tally:
    """The tally of every answer in ``queryset`` (one round's, or an LA's over its rounds)."""
    out = Tally()
    for t in tallies(queryset).values():
        for a, c in t.audiences.items():
            out.audiences.setdefault(a, Count()).add(c)
    return out


def round_tally(round_) -> Tally:
    from copro.web.survey.models import Response

    return tally(Response.objects.filter(round=round_))
