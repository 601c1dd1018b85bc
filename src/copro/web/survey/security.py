"""Abuse controls: a keyed hash of the client (never its address), the per-client submission
rate limit, duplicate detection within a round, and login throttling.

Login throttling follows django-axes' "username and address together" policy
(``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`` with a growing cool-off), written
over copro's own table because axes stores the raw address and user agent, which copro never
stores: failures are counted per user name **and** client together (both keyed hashes), so
wrong passwords from one address lock only that address out of that account: the real
coordinator elsewhere, and other accounts from the same venue, still sign in. Each further
lockout of the same pair within a day doubles the wait (back-off), up to a day.

Across addresses, a per-account cap: ``COPRO_LOGIN_ACCOUNT_MAX_FAILURES`` (default 20) failed
sign-ins for one user name in a day, from any number of clients, lock that user name for every
client, so that guesses spread over many addresses stay at that many a day. While locked,
attempts are refused unchecked and not counted: the lock lifts as the day's failures age out.
It never shuts the owner out: reaching the cap emails the account's owner a single-use unlock
link (copro.web.accounts.unlock) that lets their browser past the account's cap, and a
password reset by email clears it. The same counts are kept for a user name with no account
(the refusal says nothing about which names exist).

Password-reset requests are limited likewise (``COPRO_RESET_PER_ADDRESS`` a day for one email
address, default 3; ``COPRO_RESET_PER_CLIENT`` an hour from one client, default 10): a refused
request sends no email. The owner loses nothing: the emails already sent are in their inbox
and each link works for a day.

Limits come from the environment (read here only):
- ``COPRO_SURVEY_RATE_LIMIT``: submissions per client per hour (default 20);
- ``COPRO_LOGIN_MAX_FAILURES``: failed logins for one user name from one client in
  ``COPRO_LOGIN_LOCKOUT_MINUTES`` (default 5 in 15) before that pair waits that long (then
  twice as long after each further lockout).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import timedelta

from django.conf import settings
from django.utils import timezone


def _int_env(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def rate_limit() -> int:
    return _int_env("COPRO_SURVEY_RATE_LIMIT", 20)


def login_max_failures() -> int:
    return _int_env("COPRO_LOGIN_MAX_FAILURES", 5)


def account_max_failures() -> int:
    return _int_env("COPRO_LOGIN_ACCOUNT_MAX_FAILURES", 20)


#: the per-account cap counts a day's failures
ACCOUNT_WINDOW = timedelta(days=1)


def reset_per_address() -> int:
    return _int_env("COPRO_RESET_PER_ADDRESS", 3)


def reset_per_client() -> int:
    return _int_env("COPRO_RESET_PER_CLIENT", 10)


def lockout_window() -> timedelta:
    return timedelta(minutes=_int_env("COPRO_LOGIN_LOCKOUT_MINUTES", 15))


def keyed_hash(*parts: str) -> str:
    """HMAC-SHA-256 of ``parts`` under the site's secret key: stable, not reversible."""
    msg = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), msg, hashlib.sha256).hexdigest()


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR`` (behind a proxy, the proxy must set it; a
    client-supplied X-Forwarded-For is not trusted)."""
    return request.META.get("REMOTE_ADDR", "")


def client_hash(request, scope: str) -> str:
    """The client within ``scope`` (a round, or 'login'): comparable only within it."""
    return keyed_hash("client", scope, client_address(request))


def answers_hash(audience: str, answers: dict, free_text: str) -> str:
    return keyed_hash("answers", audience, json.dumps(answers, sort_keys=True), free_text)


class TooManySubmissions(Exception):
    """The client has sent the round its hour's share of answers; ``retry_at`` is when the
    next hour begins."""

    def __init__(self, retry_at):
        super().__init__("too many submissions")
        self.retry_at = retry_at


def count_submission(round_id: int, client: str) -> None:
    """Count one submission of ``client`` to the round in this clock hour, atomically in the
    database (one statement: no check-then-insert race), and raise
    :class:`TooManySubmissions` beyond the limit. Call it inside the transaction that stores
    the answer, so that a refused submission leaves the count as it was."""
    from django.db import connection

    from copro.web.survey.models import SubmissionCount

    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    table = connection.ops.quote_name(SubmissionCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (round_id, client_hash, hour, count) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (round_id, client_hash, hour) "
            f"DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [round_id, client, hour])
        (count,) = cursor.fetchone()
    if count > rate_limit():
        raise TooManySubmissions(hour + timedelta(hours=1))


def user_hash(username: str) -> str:
    return keyed_hash("user", username.lower())


def _pair(username: str, request) -> tuple[str, str]:
    return user_hash(username), client_hash(request, "login")


def account_failures(username: str) -> int:
    """Failed sign-ins for ``username`` in the last day, from every client."""
    from copro.web.survey.models import LoginAttempt

    return LoginAttempt.objects.filter(username_hash=user_hash(username),
                                       at__gte=timezone.now() - ACCOUNT_WINDOW).count()


def account_locked(username: str) -> bool:
    """The user name has reached the per-account cap (from whatever clients)."""
    return account_failures(username) >= account_max_failures()


def clear_account_failures(username: str) -> None:
    """Every client's failures for ``username`` forgotten (after a password reset)."""
    from copro.web.survey.models import LoginAttempt

    LoginAttempt.objects.filter(username_hash=user_hash(username)).delete()


def login_wait(username: str, request) -> timedelta | None:
    """How long this user name must wait before trying again from this client (None: it may
    try now). Only failures of this user name from this client count."""
    from copro.web.survey.models import LoginAttempt

    user, client = _pair(username, request)
    now = timezone.now()
    failures = list(LoginAttempt.objects.filter(
        username_hash=user, client_hash=client, at__gte=now - timedelta(days=1)
    ).order_by("at").values_list("at", flat=True))
    limit, window = login_max_failures(), lockout_window()
    # walk the failures: every ``limit`` within a window is a lockout, each twice the last
    lockouts, start, until = 0, 0, None
    for i, at in enumerate(failures):
        if until is not None and at < until:
            continue  # refused while locked: not counted
        if until is not None:
            start, until = i, None
        recent = [t for t in failures[start:i + 1] if t >= at - window]
        if len(recent) >= limit:
            until = at + min(window * 2 ** lockouts, timedelta(days=1))
            lockouts += 1
            start = i + 1
    if until is not None and until > now:
        return until - now
    return None


def record_failed_login(username: str, request) -> bool:
    """Count one failure; True when it is the one that reaches the per-account cap."""
    from copro.web.survey.models import LoginAttempt

    user, client = _pair(username, request)
    LoginAttempt.objects.create(username_hash=user, client_hash=client)
    LoginAttempt.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
    return account_failures(username) == account_max_failures()


def reset_refused(email: str, request) -> str | None:
    """Count one password-reset request for ``email`` from this client; why it is refused
    (``"address"`` or ``"client"``), or None to send it. Kept in the login attempts' table
    under keys of their own (keyed hashes, as there)."""
    from copro.web.survey.models import LoginAttempt

    address = keyed_hash("reset", email.strip().lower())
    client = client_hash(request, "reset")
    now = timezone.now()
    by_client = LoginAttempt.objects.filter(client_hash=client,
                                            at__gte=now - timedelta(hours=1)).count()
    by_address = LoginAttempt.objects.filter(username_hash=address,
                                             at__gte=now - timedelta(days=1)).count()
    LoginAttempt.objects.create(username_hash=address, client_hash=client)
    if by_client >= reset_per_client():
        return "client"
    if by_address >= reset_per_address():
        return "address"
    return None


def clear_failed_logins(username: str, request) -> None:
    from copro.web.survey.models import LoginAttempt

    user, client = _pair(username, request)
    LoginAttempt.objects.filter(username_hash=user, client_hash=client).delete()


def record_turned_away(round_id: int) -> None:
    """Count one answer refused by the per-connection limit (round and clock hour only: no
    connection), for the manage page."""
    from django.db.models import F

    from copro.web.survey.models import TurnedAway

    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    row, created = TurnedAway.objects.get_or_create(round_id=round_id, hour=hour,
                                                    defaults={"count": 1, "last_at": now})
    if not created:
        TurnedAway.objects.filter(pk=row.pk).update(count=F("count") + 1, last_at=now)


def venue_window(round_, client: str):
    """The venue window open now for this connection in the round, or None."""
    from copro.web.survey.models import VenueWindow

    now = timezone.now()
    return VenueWindow.objects.filter(round=round_, client_hash=client, opened_at__lte=now,
                                      ends_at__gt=now).first()
