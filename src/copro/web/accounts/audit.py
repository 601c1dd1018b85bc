"""Writing the audit log: :func:`record` is the only way in; :func:`verify` checks its chain.

Each entry carries the keyed hash of the entry before it and its own (:mod:`copro.web.integrity`);
the single :class:`AuditHead` row holds the count and the last hash. An append locks that row
first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock, taken at ``BEGIN
IMMEDIATE``), reads the end of the chain, inserts and moves the head, in one transaction: two
writers never chain onto the same entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from django.db import transaction

from copro.web import integrity
from copro.web.accounts.models import AuditEvent, AuditHead

#: What the log records, as the ``action`` column says it.
SIGN_IN, SIGN_IN_FAILED, SIGN_OUT = "sign-in", "failed sign-in", "sign-out"
SECOND_FACTOR, SECOND_FACTOR_FAILED = "second factor", "failed second factor"
ROUND_OPENED, ROUND_CLOSED, ROUND_PUBLISHED = "round opened", "round closed", "round published"
ROUND_REOPENED, SET_ASIDE, CODES_MADE = "round reopened", "answers set aside", "codes made"
DOWNLOAD, IMPORT, PURGE = "download", "import", "purge"
BACKUP, RESTORE = "backup", "restore"
VENUE, MERGE, DELETE = "venue window", "rounds merged", "round deleted"
ADMIN = "admin change"  # a round or another record changed in the admin
ACCOUNT = "account"  # invited, activated, password set or reset, 2FA enrolled, deactivated

#: The actor of a command run on the server
COMMAND_LINE = "(command line)"


def record(action: str, *, request=None, actor: str | None = None, area_code: str = "",
           subject: str = "", detail: str = "") -> AuditEvent:
    """Append one event. ``actor``: a user name; by default the request's signed-in user."""
    if actor is None:
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else ""
    event = AuditEvent(action=action, actor=actor[:150], area_code=area_code[:9],
                       subject=subject[:200], detail=detail[:200])
    with transaction.atomic():
        head = _locked_head()
        event.previous_hash = head.last_hash
        event.entry_hash = entry_hash(event)
        event.save()
        head.entries += 1
        head.last_hash = event.entry_hash
        head.seal = _seal(head.entries, head.last_hash)
        head.save(update_fields=["entries", "last_hash", "seal"])
    return event


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a database made before the chain: made by migration accounts.0003
        head, _ = AuditHead.objects.get_or_create(pk=1, defaults={"seal": _seal(0, "")})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def _content(at, actor, action, area_code, subject, detail) -> tuple[str, ...]:
    return (at.astimezone(UTC).isoformat(timespec="microseconds"), actor, action, area_code,
            subject, detail)


def entry_hash(event) -> str:
    """An entry's keyed hash: of the previous entry's hash and of its own content."""
    return integrity.mac("audit entry", event.previous_hash,
                         *_content(event.at, event.actor, event.action, event.area_code,
                                   event.subject, event.detail))


def _seal(entries: int, last_hash: str) -> str:
    return integrity.mac("audit head", str(entries), last_hash)


@dataclass(frozen=True)
class Verified:
    """The audit log checked: ``entries`` intact, or ``broken`` (the first problem, in words,
    naming the entry)."""

    entries: int
    broken: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


_FIELDS = ("id", "at", "actor", "action", "area_code", "subject", "detail", "previous_hash",
           "entry_hash")


def verify() -> Verified:
    """Walk the chain in id order: each entry must follow the one before it and hash to what it
    says; the head must name the last entry and the count. Stops at the first break."""
    previous, previous_id, n = "", None, 0
    for row in AuditEvent.objects.order_by("id").values_list(*_FIELDS).iterator(2000):
        pk, at, actor, action, area_code, subject, detail, prev, own = row
        named = f"audit entry {pk} ({at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, {action!r})"
        if not own:
            return Verified(n, f"{named} has no chain hash: it was added outside copro")
        if prev != previous:
            where = f"after entry {previous_id}" if previous_id else "at the start"
            return Verified(n, f"{named} does not follow the entry before it: entries were "
                               f"deleted {where}, or this one was added outside copro")
        if not integrity.matches(own, "audit entry", prev,
                                 *_content(at, actor, action, area_code, subject, detail)):
            return Verified(n, f"{named} was changed after it was written, or the integrity "
                               "key is not the one that wrote it")
        previous, previous_id, n = own, pk, n + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return Verified(n, None if n == 0 else "the audit log's end record is missing")
    if not integrity.matches(head.seal, "audit head", str(head.entries), head.last_hash):
        return Verified(n, "the audit log's end record was changed, or the integrity key is not "
                           "the one that wrote it")
    if head.entries != n or head.last_hash != previous:
        after = f"after audit entry {previous_id}" if previous_id else "from an empty log"
        return Verified(n, f"the audit log ends early: {head.entries - n} entr"
                           f"{'y' if head.entries - n == 1 else 'ies'} deleted from its end "
                           f"({after})" if head.entries > n else
                        f"the audit log has {n - head.entries} entr"
                        f"{'y' if n - head.entries == 1 else 'ies'} after its recorded end "
                        f"(after audit entry {previous_id}): added outside copro")
    return Verified(n)
