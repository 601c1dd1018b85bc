"""Single-use invitation codes: a round's second way in, beside the open link. The coordinator
chooses it when opening a round; the forum hands codes out (printed slips, or a CSV for a mail
merge); each answers once. Codes are stored only as keyed hashes, and one is used up by a
single conditional ``UPDATE`` in the transaction that stores the answer, so two people sending
the same code at the same moment store one answer between them."""

from __future__ import annotations

import secrets

from django.utils import timezone

from copro.web.survey.models import InvitationCode, Round
from copro.web.survey.security import keyed_hash

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L, 5/S, 2/Z).
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
LENGTH = 10
MOST_AT_ONCE = 1000


class CodeRefused(Exception):
    """The code is unknown, for another survey, or already used."""


USED = ("This code has already been used to send answers. Each code can be used once: ask the "
        "forum for another if you need one.")


def normalise(code: str) -> str:
    """A code as typed: case, spaces and dashes ignored."""
    return "".join(c for c in code.upper() if c.isalnum())[:LENGTH * 2]


def code_hash(code: str) -> str:
    return keyed_hash("invitation", normalise(code))


def make_codes(round_: Round, audience: str, n: int) -> list[str]:
    """``n`` new codes for the round's ``audience`` (shown once: only their hashes are kept),
    written as ``XXXXX-XXXXX``."""
    n = max(1, min(MOST_AT_ONCE, n))
    codes = []
    for _ in range(n):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    InvitationCode.objects.bulk_create([
        InvitationCode(round=round_, audience=audience, code_hash=code_hash(c))
        for c in codes])
    return codes


def check_code(round_: Round, audience: str, code: str) -> str:
    """The code's hash if it is an unused code of this round and audience; else
    :class:`CodeRefused` with what to tell the respondent."""
    h = code_hash(code)
    found = InvitationCode.objects.filter(code_hash=h, round=round_, audience=audience).first()
    if found is None:
        raise CodeRefused("This code is not one for this survey. Check it and try again.")
    if found.used_at is not None:
        raise CodeRefused(USED)
    return h


def use_code(round_: Round, audience: str, h: str) -> None:
    """Use the code up (call inside the transaction that stores the answer): one atomic
    conditional update; :class:`CodeRefused` if it was used meanwhile."""
    used = InvitationCode.objects.filter(code_hash=h, round=round_, audience=audience,
                                         used_at__isnull=True).update(used_at=timezone.now())
    if used != 1:
        raise CodeRefused(USED)
