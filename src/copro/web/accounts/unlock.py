"""The owner's way past the per-account cap on failed sign-ins: when guesses from several
places lock a user name, its owner is emailed a link; opening it lets that browser sign in to
that account for an hour, past the account's cap (not past the per-client one, and the
password is still needed). The link works until the account next signs in, for a day
(``PASSWORD_RESET_TIMEOUT``): Django's password-reset tokens, with a salt of their own."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from copro.web.accounts import audit
from copro.web.survey import security

SESSION_KEY = "accounts:unlocked"
#: how long an opened unlock link lets the browser past the account's cap
UNLOCKED_SECONDS = 3600


class UnlockTokens(PasswordResetTokenGenerator):
    key_salt = "copro.web.accounts.unlock.UnlockTokens"


tokens = UnlockTokens()


def _account(username: str):
    User = get_user_model()
    return User.objects.filter(username=username, is_active=True).first() or \
        User.objects.filter(username=username.strip().lower(), is_active=True).first()


def _address(user) -> str:
    return user.email or (user.get_username() if "@" in user.get_username() else "")


def link_path(user) -> str:
    return reverse("accounts:unlock", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                            tokens.make_token(user)])


def account_locked(request, username: str) -> None:
    """The failure that reached the cap: email the owner (an account that exists, with an
    address) the unlock link, and record the lock in the audit log."""
    user = _account(username)
    if user is None:
        return  # nothing to tell anyone; the refusal looks the same
    address = _address(user)
    sent = "no email address: reset the second factor or password from the command line"
    if address and not settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        base = settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")
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


def open_link(request, user, token: str) -> bool:
    """A valid link lets this browser past ``user``'s account cap for an hour."""
    if user is None or not user.is_active or not tokens.check_token(user, token):
        return False
    request.session[SESSION_KEY] = [security.user_hash(user.get_username()),
                                    time.time() + UNLOCKED_SECONDS]
    audit.record(audit.ACCOUNT, actor="", subject=user.get_username(),
                 detail="unlock link opened")
    return True


def unlocked(request, username: str) -> bool:
    mark = request.session.get(SESSION_KEY)
    return bool(mark) and mark[0] == security.user_hash(username) and time.time() < mark[1]


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
