"""Request middleware: the client's address behind a trusted proxy, structured access logs, the
Content-Security-Policy header, and HEAD answered without a body."""

from __future__ import annotations

import json
import logging
import re
import time

from django.conf import settings

access_log = logging.getLogger("copro.access")

#: Paths that carry a secret (invitation, password reset, unlock links): logged without it
_SECRET_PATH = re.compile(
    r"^(/accounts/(?:invitation|password-reset|unlock))/(?!sent/$|done/$).+$")


def loggable_path(path: str) -> str:
    return _SECRET_PATH.sub(r"\1/(secret)/", path)


class SecretPathFilter(logging.Filter):
    """Django's request log (an error's "Internal Server Error: /path") with the path as the
    access log gives it: an invitation's, password reset's or unlock link's secret left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(loggable_path(a) if isinstance(a, str) else a
                                for a in record.args)
        return True


class AccessLogMiddleware:
    """One JSON line per request: time, method, path, status, bytes and duration.

    The path never includes the query string (a search box or a form could put personal data
    there) nor an invitation's or password reset's secret, and no client address, cookie or
    user agent is logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        if access_log.isEnabledFor(logging.INFO):
            size = (len(response.content) if not response.streaming else None)
            access_log.info(json.dumps({
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "method": request.method,
                "path": loggable_path(request.path),
                "status": response.status_code,
                "bytes": size,
                "ms": round((time.perf_counter() - start) * 1000, 2),
            }, ensure_ascii=False))
        return response


class ContentSecurityPolicyMiddleware:
    """Adds ``settings.CONTENT_SECURITY_POLICY`` to every response (no inline script)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy",
                                    "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        return response


class HeadWithoutBodyMiddleware:
    """A HEAD request gets GET's headers (Content-Length included) and no body. Django's
    handler sends the body; gunicorn drops it, with a warning on standard error for every
    HEAD a monitor or link checker sends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            response.content = b""
        return response


class TrustedProxyMiddleware:
    """Behind a reverse proxy (nginx), every request comes from the proxy's address: the
    client's is in X-Forwarded-For. Only when the peer is one of ``settings.TRUSTED_PROXIES``
    does ``REMOTE_ADDR`` become the last address there (the one the proxy wrote; anything a
    client put before it is ignored); from any other peer, X-Forwarded-For and
    X-Forwarded-Proto are dropped, so a client cannot choose the address the rate limits see
    nor claim HTTPS."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        if meta.get("REMOTE_ADDR", "") in self.trusted:
            forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
                         if a.strip()]
            if forwarded:
                meta["REMOTE_ADDR"] = forwarded[-1]
        else:
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


def _signed_in(request) -> bool:
    """The request's session cookie is a signed-in session (read from the session store)."""
    from importlib import import_module

    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    try:
        return "_auth_user_id" in store.load()
    except Exception:  # an unreadable session is no session
        return False


class RequestSizeMiddleware:
    """A request whose body is larger than ``settings.DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused
    (413, with a plain message) from its Content-Length, before anything reads it. A body sent
    without a length (chunked) is stopped by Django itself once it reads past the same size.
    No form of the site comes near it: the survey's longest (every question on one page, a
    written answer of the longest length in 4-byte characters, percent-encoded) is under 32 KB.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.upload_path = getattr(settings, "SURVEY_UPLOAD_PATH", None)
        self.upload_limit = getattr(settings, "SURVEY_UPLOAD_MAX_SIZE", self.limit)

    def _limit(self, request) -> int | None:
        """128 KB; on the survey export upload, 2 MB for a signed-in session only (its cookie
        looked up, nothing of the body read)."""
        if request.path == self.upload_path and _signed_in(request):
            return self.upload_limit
        return self.limit

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self.limit
        if limit is not None and length > limit:
            limit = self._limit(request)
        if limit is not None and length > limit:
            from django.shortcuts import render

            response = render(request, "413.html", {"limit_kb": limit // 1024},
                              status=413)
            response["Connection"] = "close"  # the unread body is not waited for
            return response
        return self.get_response(request)
