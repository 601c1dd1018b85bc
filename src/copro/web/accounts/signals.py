"""Sign-ins, failed sign-ins and sign-outs into the audit log, from Django's own signals (so
the survey's sign-in page, the admin's and any other are all recorded)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from copro.web.accounts import audit


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    audit.record(audit.SIGN_IN, actor=user.get_username())


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.SIGN_OUT, actor=user.get_username())


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    """The account's name when it exists; otherwise not what was typed (it could be a
    password typed in the wrong box, or someone's name)."""
    name = str(credentials.get("username", ""))[:150]
    known = get_user_model().objects.filter(username=name).exists()
    audit.record(audit.SIGN_IN_FAILED, actor=name if known else "",
                 detail="" if known else "no such account")
