"""Abuse controls: a keyed hash of the client (never its address), the per-client submission
rate limit, duplicate detection within a round, and login lockout.

Limits come from the environment (read here only):
- ``COPRO_SURVEY_RATE_LIMIT``: submissions per client per hour (default 20);
- ``COPRO_LOGIN_MAX_FAILURES``: failed logins per user name, or per client, in
  ``COPRO_LOGIN_LOCKOUT_MINUTES`` (default 5 in 15) before logins are refused for that long.
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


def too_many_submissions(round_id: int, client: str) -> bool:
    from copro.web.survey.models import Response

    since = timezone.now() - timedelta(hours=1)
    return Response.objects.filter(round_id=round_id, client_hash=client,
                                   submitted_at__gte=since).count() >= rate_limit()


def login_locked(username: str, request) -> bool:
    from copro.web.survey.models import LoginAttempt

    since = timezone.now() - lockout_window()
    recent = LoginAttempt.objects.filter(at__gte=since)
    limit = login_max_failures()
    return (recent.filter(username_hash=keyed_hash("user", username.lower())).count() >= limit
            or recent.filter(client_hash=client_hash(request, "login")).count() >= limit * 4)


def record_failed_login(username: str, request) -> None:
    from copro.web.survey.models import LoginAttempt

    LoginAttempt.objects.create(username_hash=keyed_hash("user", username.lower()),
                                client_hash=client_hash(request, "login"))
    LoginAttempt.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_failed_logins(username: str) -> None:
    from copro.web.survey.models import LoginAttempt

    LoginAttempt.objects.filter(username_hash=keyed_hash("user", username.lower())).delete()
