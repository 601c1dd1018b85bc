"""The one sign-in policy: every page that takes a password (the survey's sign-in, which the
admin's sends people to, and an authenticator set-up link) checks it here, through the
throttle of copro.web.survey.security: per user name and client together, then per user name
across every client, with the owner's unlock link past the latter."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate

from copro.web.accounts import unlock
from copro.web.survey import security


@dataclass
class Outcome:
    """``user`` signed in, or ``error`` to show with ``status``."""

    user: object | None = None
    error: str | None = None
    status: int = 200


def _minutes(wait) -> str:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def check_password(request, username: str, password: str) -> Outcome:
    """Whether ``username`` may sign in with ``password`` from this request, counted and
    throttled. Does not sign in (the caller calls ``login``)."""
    wait = security.login_wait(username, request)
    if wait is not None:
        return Outcome(error=(
            f"Too many failed attempts to sign in to this account from here. Wait "
            f"{_minutes(wait)}, then try again, or reset your password."), status=429)
    if security.account_locked(username) and not unlock.unlocked(request, username):
        # the same words whether or not the account exists
        return Outcome(error=(
            "This account is locked after many failed attempts to sign in from several "
            "places. If it is yours: we have emailed its address a link that lets you sign "
            "in, or reset your password."), status=429)
    user = authenticate(request, username=username, password=password)
    if user is None:
        if security.record_failed_login(username, request):
            unlock.account_locked(request, username)
        return Outcome(error="Enter a correct user name and password", status=400)
    security.clear_failed_logins(username, request)
    unlock.forget(request)
    return Outcome(user=user)
