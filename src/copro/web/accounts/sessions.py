"""One session policy for everyone signed in (coordinators and administrators), whatever they
visited first: signed out after ``settings.SESSION_IDLE_MINUTES`` without a request (the
session and its cookie end; signing in again asks for the password, and the written answers
and the admin ask for the second factor again). Each request signed in moves the end on.

Django keeps a session's expiry across sign-in (so a survey page opened first, which sets a
respondent's short expiry, used to shorten a coordinator's session, while a clean sign-in got
Django's two weeks): here every signed-in request sets the same expiry."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

from copro.web.accounts import audit

LAST_SEEN = "accounts:last_seen"


class IdleSignOutMiddleware:
    """After AuthenticationMiddleware and OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idle = settings.SESSION_IDLE_MINUTES * 60
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > idle:
                name = user.get_username()
                logout(request)  # flushes the session: the second factor goes with it
                audit.record(audit.ACCOUNT, actor=name, subject=name,
                             detail=f"signed out after {settings.SESSION_IDLE_MINUTES} "
                                    "minutes without activity")
            else:
                request.session[LAST_SEEN] = now
                request.session.set_expiry(idle)
        return self.get_response(request)
