"""Every address refuses a POST without a CSRF token; the access log carries no query string."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

pytestmark = pytest.mark.django_db

SAMPLES = {"code": "E08000035", "suffix": ".json", "slug": "x", "path": "x", "object_id": "1",
           "app_label": "auth", "content_type_id": "1", "url": "x", "uidb64": "x",
           "token": "x"}


def _groups(text: str) -> str:
    """Each regex group replaced: a named group by its sample, any other group dropped."""
    out, i = "", 0
    while i < len(text):
        if text[i] == "(":
            depth, j = 1, i + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            name = re.match(r"\(\?P<(\w+)>", text[i:])
            out += SAMPLES.get(name.group(1), "x") if name else ""
            i = j + (1 if j < len(text) and text[j] == "?" else 0)
        else:
            out += text[i]
            i += 1
    return out


def _sample(pattern) -> str:
    """A concrete path matching a route or regex pattern."""
    text = str(pattern.pattern)
    if isinstance(pattern.pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES.get(m.group(1), "1"), text)
    return _groups(text).lstrip("^").rstrip("$").replace("\\", "")


def _paths(resolver=None, prefix: str = "") -> list[str]:
    out = []
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            out += _paths(p, prefix + _sample(p))
        elif isinstance(p, URLPattern):
            out.append("/" + prefix + _sample(p))
    return out


def test_every_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    paths = _paths()
    assert len(paths) == len(set(paths)) > 20  # every pattern, the admin's included
    for path in paths:
        r = client.post(path, {"q": "x", "username": "a", "password": "b"})
        assert r.status_code == 403, (path, r.status_code)
        assert b"CSRF" in r.content, path


def test_a_post_with_the_token_gets_past_csrf():
    """The refusal above is the CSRF check, not a closed door: the same sign-in POST with the
    token is answered (400, wrong password)."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/survey/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    r = client.post("/survey/login/", {"csrfmiddlewaretoken": token.group(1),
                                       "username": "nobody", "password": "wrong-password"})
    assert r.status_code == 400 and b"Enter a correct user name and password" in r.content


def test_access_log_is_json_without_query_strings(client, caplog):
    caplog.set_level("INFO", logger="copro.access")
    client.get("/search", {"q": "Jane Smith 12 Acacia Avenue"})
    client.get("/compare", {"la": ["Leeds", "secret-name"]})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "copro.access"]
    assert [x["path"] for x in lines] == ["/search", "/compare"]
    assert {"time", "method", "path", "status", "bytes", "ms"} <= set(lines[0])
    text = caplog.text
    assert "Jane" not in text and "Acacia" not in text and "secret" not in text
