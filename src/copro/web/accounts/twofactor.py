"""The second factor: a TOTP authenticator app (django-otp), with single-use recovery codes
(django-otp's static tokens) for a lost phone. A view that shows free text calls
:func:`second_factor_needed`; the admin checks ``is_verified()`` on every request."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
APP_NAME = "authenticator app"
RECOVERY_NAME = "recovery codes"


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_needed(request) -> HttpResponseRedirect | None:
    """None if this session was verified with a second factor; else a redirect to give one
    (or to set one up first), coming back to this address."""
    if request.user.is_verified():
        return None
    return HttpResponseRedirect(reverse("accounts:verify") + "?" + urlencode(
        {"next": request.get_full_path()}))


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with :data:`RECOVERY_CODES` new ones (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes
