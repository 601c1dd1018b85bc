"""Helpers for the accounts' tests: the second factor given through the real page, with codes
computed as an authenticator app does (django-otp's TOTP)."""

from __future__ import annotations

import time

from django.test import Client


def totp_code(key, at: float | None = None) -> str:
    """The 6-digit TOTP code an authenticator app shows for ``key`` (bytes, or the base32 text
    a person would type in) at time ``at`` (default now)."""
    import base64

    from django_otp.oath import TOTP

    if isinstance(key, str):
        key = base64.b32decode(key.replace(" ", ""))
    t = TOTP(key, step=30, t0=0, digits=6)
    if at is not None:
        t.time = at
    return f"{t.token():06d}"


def next_code(device) -> str:
    """A code the device accepts now and has not accepted before (a code works once)."""
    t = max(int(time.time()) // 30, (device.last_t or -1) + 1)
    return totp_code(device.bin_key, at=t * 30)


def with_second_factor(client: Client, user) -> Client:
    """Give the signed-in ``client`` a second factor: an authenticator app for ``user`` (set
    up if it has none) and a code from it, through /accounts/two-factor/."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    r = client.post("/accounts/two-factor/", {"code": next_code(device), "next": "/"})
    assert r.status_code == 302, r.content[:300]
    return client
