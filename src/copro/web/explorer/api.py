"""The versioned JSON API (/api/v1/): thin views over the same pages the site serves, as its
OpenAPI description (openapi.py) says. Unknown areas answer 404 with a JSON error."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from copro.render.json_out import to_plain
from copro.web.explorer import openapi, pages, views


def _json(document, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False, allow_nan=False),
                            status=status, content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found(code: str) -> HttpResponse:
    return _json({"error": f"No local authority with the ONS code '{code[:20]}'"}, 404)


@require_safe
def index(request):
    """/api/v1/: the API's front door in words, every endpoint with an example and a link to
    the OpenAPI description (built from that description, so the two never disagree)."""
    from django.template.loader import render_to_string

    described = openapi.description()
    example_code = openapi.CODE["example"]
    endpoints = []
    for path, methods in described["paths"].items():
        get = methods["get"]
        example = path.replace("{code}", example_code)
        endpoints.append({"path": path, "summary": get["summary"], "example": example,
                          "operation": get["operationId"],
                          "answers": [f"{status}: {r['description']}"
                                      for status, r in get["responses"].items()]})
    html = render_to_string("explorer/api_index.html", {
        "info": described["info"], "endpoints": endpoints, "version": openapi.VERSION,
        "example_code": example_code,
        "page_title": "The copro API (version 1)",
        "description": "Every endpoint of copro's read-only JSON API, with an example, and its "
                       "OpenAPI description."}, request=request)
    return HttpResponse(html)


@require_safe
def description(request):
    return _json(openapi.description(request.build_absolute_uri("/").rstrip("/") or "/"))


@require_safe
def areas(request):
    dataset, findings = views._dataset_and_findings()
    key = findings.primary

    def entry(f):
        c = f.outcomes[key].comparison
        return {"code": f.area.code, "name": f.area.name, "level": "local_authority",
                "region_code": f.area.region_code, "region_name": f.area.region_name,
                "dfe_code": f.area.old_la_code, "compared": c is not None,
                "ratio": None if c is None else to_plain(
                    {"estimate": c.risk_ratio.estimate, "ci_low": c.risk_ratio.ci_low,
                     "ci_high": c.risk_ratio.ci_high}),
                "url": reverse("explorer:api-area", args=[f.area.code]),
                "page": reverse("explorer:area", args=[f.area.code])}

    return _json({"schema": "copro.api.areas/1", "period": findings.period,
                  "areas": [entry(f) for f in findings.local_authorities],
                  "provenance": to_plain(findings.provenance)})


@require_safe
def area(request, code):
    dataset, findings = views._dataset_and_findings()
    f = views._find_la(findings, code) if views.ONS_CODE.match(code) else None
    if f is None or f.area.code != code:
        return _not_found(code)
    from copro.web.survey.store import publication_stamp

    # the same bytes as the LA page's JSON, so the same kept page (drawn ahead by pagecache)
    return views._cached(request, dataset, views._area_parts(code, publication_stamp())("json"),
                         "json", lambda: (views.area_page(dataset, findings, f),
                                  f"copro-{findings.period}-{code}"))


@require_safe
def measures(request):
    dataset, findings = views._dataset_and_findings()
    return _json(pages.methods_page(findings).document)


@require_safe
def survey(request, code):
    dataset, findings = views._dataset_and_findings()
    if views._find_la(findings, code) is None or not views.ONS_CODE.match(code):
        return _not_found(code)
    figures = views._survey_figures(code)
    return _json({k: v for k, v in figures.items() if k not in ("csv_rows", "csv_header")})
