"""Finding an account: by the user name someone typed (a command, a sign-in that reached the
per-account cap), or by the account part of an emailed link. The one place these lookups are
made, so every path treats a name's case and spaces, and an inactive account, the same way."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.http import urlsafe_base64_decode


def account_named(username: str, *, active_only: bool = False):
    """The account called ``username`` (as typed, else in lower case, as invitations make
    them; spaces around it ignored), or None. ``active_only``: None for an inactive one."""
    qs = get_user_model().objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    name = username.strip()
    return qs.filter(username=name).first() or qs.filter(username=name.lower()).first()


def account_in_link(uidb64: str):
    """The active account a link's ``uidb64`` part names, or None for anything else (a bad
    encoding, no such account, an inactive one)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def site_address(request=None) -> str:
    """The address the site is reached at, for a link someone will follow from an email or a
    handout: ``COPRO_SITE_URL`` as the operator configured it. Without it, the address the
    ``request`` came to (its Host, which Django accepts only among ``COPRO_ALLOWED_HOSTS``)
    when a request is given, else "" (and the caller refuses to make the link)."""
    from django.conf import settings

    if settings.SITE_URL:
        return settings.SITE_URL
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""
