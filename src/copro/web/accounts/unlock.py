"""The owner's way past the per-account cap on failed sign-ins: when guesses from several
places lock a user name, its owner is emailed a link; opening it lets that browser sign in to
that account for an hour, past the account's cap (not past the per-client one, and the
password is still needed). The link works once, for a day (``PASSWORD_RESET_TIMEOUT``), and not
after the account next signs in: Django's password-reset tokens, with a salt of their own and
the last opening of an unlock link in what they sign. The link is built only from
``COPRO_SITE_URL`` (the sign-in that locked the account may come from anyone, with any Host);
without it no link is sent."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from copro.web.accounts import audit
from copro.web.accounts.find import account_in_link, account_named
from copro.web.survey import security

SESSION_KEY = "accounts:unlocked"
#: how long an opened unlock link lets the browser past the account's cap
UNLOCKED_SECONDS = 3600


#: the audit entry of an opened link: a link signed before the latest one is used up
OPENED = "unlock link opened"


class UnlockTokens(PasswordResetTokenGenerator):
    key_salt = "copro.web.accounts.unlock.UnlockTokens"

    def _make_hash_value(self, user, timestamp):
        return super()._make_hash_value(user, timestamp) + f"|{_last_opened(user)}"


tokens = UnlockTokens()


def _last_opened(user) -> int:
    """The audit entry of the account's latest opened unlock link (0: none)."""
    from copro.web.accounts.models import AuditEvent

    latest = (AuditEvent.objects.filter(action=audit.ACCOUNT, subject=user.get_username(),
                                        detail=OPENED).order_by("-id").first())
    return latest.pk if latest is not None else 0


def _address(user) -> str:
    return user.email or (user.get_username() if "@" in user.get_username() else "")


def link_path(user) -> str:
    return reverse("accounts:unlock", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                            tokens.make_token(user)])


def account_locked(request, username: str) -> None:
    """The failure that reached the cap: email the owner (an account that exists, with an
    address) the unlock link, and record the lock in the audit log."""
    user = account_named(username, active_only=True)
    if user is None:
        return  # nothing to tell anyone; the refusal looks the same
    address = _address(user)
    sent = "no email address: reset the second factor or password from the command line"
    if address and not settings.SITE_URL:
        sent = "COPRO_SITE_URL not set: no unlock link sent"
    elif address and not settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        base = settings.SITE_URL
        try:
            send_mail(
                "Your Coproduction Audit account is locked",
                "There have been many failed attempts to sign in to your account "
                f"({user.get_username()}) from several places, so it is locked for a day.\n\n"
                "If you want to sign in now, open this link, then sign in with your password "
                "(the link works once, for a day):\n"
                f"{base.rstrip('/')}{link_path(user)}\n\n"
                "If the failed attempts were not yours, someone may be guessing your password: "
                "consider changing it.\n", None, [address])
            sent = "unlock link emailed"
        except OSError:
            sent = "the unlock link could not be emailed"
    elif address:
        sent = "COPRO_EMAIL_URL not set: no unlock link sent"
    audit.record(audit.ACCOUNT, actor="", subject=user.get_username(),
                 detail=f"locked after {security.account_max_failures()} failed sign-ins in a "
                        f"day; {sent}")


def open_link(request, uidb64: str, token: str) -> bool:
    """A valid link lets this browser past its account's cap for an hour, once: opening it
    is recorded, and that record is part of what the next link signs, so this one is used
    up (the account's row is locked meanwhile, so two openings at once count as two)."""
    with transaction.atomic():
        user = account_in_link(uidb64)
        if user is None:
            return False
        user = type(user).objects.select_for_update().get(pk=user.pk)
        if not tokens.check_token(user, token):
            return False
        audit.record(audit.ACCOUNT, actor="", subject=user.get_username(), detail=OPENED)
    request.session[SESSION_KEY] = [security.user_hash(user.get_username()),
                                    time.time() + UNLOCKED_SECONDS]
    return True


def unlocked(request, username: str) -> bool:
    mark = request.session.get(SESSION_KEY)
    return bool(mark) and mark[0] == security.user_hash(username) and time.time() < mark[1]


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
