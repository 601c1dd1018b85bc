"""The JSON API's description, OpenAPI 3.1: what /api/v1/ answers, in one place. Served at
/api/v1/openapi.json; the tests validate it (openapi-spec-validator) and check the real
responses against its schemas. A change to a response's shape is a new version (/api/v2/)."""

from __future__ import annotations

VERSION = "1.0.0"

_NUM = {"type": ["number", "null"]}
_STR_OR_NULL = {"type": ["string", "null"]}
_ONS = {"type": "string", "pattern": "^E\\d{8}$", "description": "ONS code"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(name: str) -> dict:
    return {"oneOf": [_ref(name), {"type": "null"}]}


SCHEMAS: dict = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"}}},
    "Area": {
        "type": "object", "description": "England, a region or a local authority.",
        "required": ["code", "name", "level"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                       "level": {"enum": ["national", "regional", "local_authority"]},
                       "region_code": _STR_OR_NULL, "region_name": _STR_OR_NULL,
                       "old_la_code": {**_STR_OR_NULL, "description": "DfE's 3-digit code"}}},
    "Rate": {
        "type": "object", "description": "successes of trials, as a share with its interval "
                                         "(estimate and interval null where trials is 0).",
        "required": ["successes", "trials", "estimate", "ci_low", "ci_high"],
        "properties": {"successes": {"type": "integer", "minimum": 0},
                       "trials": {"type": "integer", "minimum": 0},
                       "estimate": _NUM, "ci_low": _NUM, "ci_high": _NUM,
                       "confidence": {"type": "number"}, "method": {"type": "string"}}},
    "Estimate": {"type": "object", "required": ["estimate", "ci_low", "ci_high"],
                 "properties": {"estimate": _NUM, "ci_low": _NUM, "ci_high": _NUM}},
    "AreaFindings": {
        "type": "object", "description": "Everything the audit says of one area: requests "
        "received by group, and for each outcome every group's rate, the comparison of the "
        "two groups compared (ratio, difference, Fisher's test), or why it was not compared.",
        "required": ["area", "received", "outcomes"],
        "properties": {"area": _ref("Area"),
                       "received": {"type": "object",
                                    "additionalProperties": {"type": ["integer", "null"]}},
                       "unknown_share": _NUM,
                       "outcomes": {"type": "object", "additionalProperties": {
                           "type": "object", "required": ["rates", "missing", "comparison"],
                           "properties": {
                               "rates": {"type": "object",
                                         "additionalProperties": _nullable("Rate")},
                               "missing": {"type": "object",
                                           "additionalProperties": {"type": "string"}},
                               "comparison": {"type": ["object", "null"]},
                               "not_comparable": _STR_OR_NULL,
                               "not_comparable_detail": _STR_OR_NULL}}}}},
    "NeighbourRow": {
        "type": "object",
        "required": ["kind", "code", "name", "rank", "closeness", "rate_b", "rate_a", "ratio",
                     "shrunken_ratio", "not_compared"],
        "properties": {
            "kind": {"enum": ["area", "neighbour", "region", "national"]},
            "code": {"type": "string"}, "name": {"type": "string"},
            "rank": {"type": ["integer", "null"], "minimum": 1, "maximum": 10},
            "closeness": {"enum": ["Extremely close", "Very close", "Close", "Somewhat close",
                                   "Not close", None]},
            "rate_b": _nullable("Rate"), "rate_a": _nullable("Rate"),
            "ratio": _nullable("Estimate"), "shrunken_ratio": _nullable("Estimate"),
            "not_compared": _STR_OR_NULL}},
    "StatisticalNeighbours": {
        "type": "object", "description": "The area beside its 10 statistical neighbours (DfE's "
        "list, closest first), its region and England, for the headline outcome.",
        "required": ["outcome", "group_a", "group_b", "source", "sha256", "attribution",
                     "sentences", "rows"],
        "properties": {"outcome": {"type": "string"}, "group_a": {"type": "string"},
                       "group_b": {"type": "string"}, "source": {"type": "string"},
                       "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                       "attribution": {"type": "string"},
                       "sentences": {"type": "array", "items": {"type": "string"}},
                       "rows": {"type": "array", "items": _ref("NeighbourRow")}}},
    "SurveyLevel": {
        "type": "object", "description": "One audience's published survey figures (shares "
        "with their base; withheld under the minimum number of answers).",
        "required": ["area_code", "audience", "responses"],
        "properties": {"area_code": _STR_OR_NULL, "audience": {"type": "string"},
                       "responses": {"type": ["integer", "null"]},
                       "withheld": _STR_OR_NULL}},
    "SurveyFigures": {
        "type": "object",
        "required": ["caveat", "min_answers", "levels", "all_surveyed"],
        "properties": {"caveat": {"type": "string"}, "min_answers": {"type": "integer"},
                       "instrument_version": {"type": ["string", "integer", "null"]},
                       "levels": {"type": "array", "items": _ref("SurveyLevel")},
                       "all_surveyed": {"type": "array", "items": _ref("SurveyLevel")}}},
    "Provenance": {
        "type": "object", "required": ["source", "sha256", "attribution"],
        "properties": {"source": {"type": "string"}, "sha256": {"type": "string"},
                       "description": {"type": "string"}, "attribution": {"type": "string"},
                       "rows_read": {"type": ["integer", "null"]},
                       "rows_used": {"type": ["integer", "null"]}}},
    "AreaDocument": {
        "type": "object",
        "required": ["schema", "area", "answer", "answer_kind", "sentences", "notes",
                     "findings", "region", "england", "funnel_point", "statistical_neighbours",
                     "survey", "caveats",
                     "provenance", "options", "tool"],
        "properties": {
            "schema": {"const": "copro.web.area/3"},
            "area": _ref("Area"),
            "answer": {"description": "The answer first, as the page leads with it: for an "
                                      "area compared, the two rates with their decided base, "
                                      "whether it matters who asks, the area against "
                                      "England, DfE's published figure reconciled; for one "
                                      "not compared or with no data, why, the raw counts "
                                      "and what a reader can do.",
                       "type": "array", "items": {"type": "string"}, "minItems": 2},
            "answer_kind": {"enum": ["compared", "not_compared", "no_data"]},
            "sentences": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "findings": _ref("AreaFindings"),
            "region": _nullable("AreaFindings"), "england": _ref("AreaFindings"),
            "funnel_point": {"type": ["object", "null"]},
            "statistical_neighbours": _ref("StatisticalNeighbours"),
            "survey": _nullable("SurveyFigures"),
            "appeals": {"type": ["object", "null"],
                        "description": "SEND Tribunal appeals (DfE and HMCTS): the "
                                       "authority's series 2014 on, England's, sources and "
                                       "flags; fields as in docs/outputs.md, 'appeals'."},
            "caveats": {"type": "array", "items": {"type": "string"}},
            "provenance": _ref("Provenance"), "options": {"type": "object"},
            "tool": {"type": "object", "required": ["name", "version"],
                     "properties": {"name": {"const": "copro"},
                                    "version": {"type": "string"}}}}},
    "AreaList": {
        "type": "object", "required": ["schema", "period", "areas", "provenance"],
        "properties": {
            "schema": {"const": "copro.api.areas/1"}, "period": {"type": "string"},
            "areas": {"type": "array", "items": {
                "type": "object", "required": ["code", "name", "level", "url", "page"],
                "properties": {"code": _ONS, "name": {"type": "string"},
                               "level": {"const": "local_authority"},
                               "region_code": _STR_OR_NULL, "region_name": _STR_OR_NULL,
                               "dfe_code": _STR_OR_NULL,
                               "ratio": _nullable("Estimate"),
                               "compared": {"type": "boolean"},
                               "url": {"type": "string", "description": "this area in the API"},
                               "page": {"type": "string", "description": "its web page"}}}},
            "provenance": _ref("Provenance")}},
    "Measures": {
        "type": "object", "required": ["schema", "methods", "outcomes", "caveats"],
        "properties": {
            "schema": {"const": "copro.web.methods/1"},
            "methods": {"type": "object", "additionalProperties": {"type": "string"}},
            "outcomes": {"type": "array", "items": {
                "type": "object", "required": ["name", "definition", "compared"],
                "properties": {"name": {"type": "string"}, "definition": {"type": "string"},
                               "compared": {"type": "boolean"}}}},
            "caveats": {"type": "array", "items": {"type": "string"}},
            "provenance": _ref("Provenance")}},
}


def _json(schema: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema)}}}


NOT_FOUND = _json("Error", "No such local authority (an ONS code: E and 8 digits).")
CODE = {"name": "code", "in": "path", "required": True, "schema": _ONS,
        "example": "E08000035"}


def description(server: str = "/") -> dict:
    """The OpenAPI 3.1 description of /api/v1/."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Coproduction Audit (copro) API",
            "version": VERSION,
            "summary": "Does it matter who asks for an EHC needs assessment? England's local "
                       "authorities, their figures with intervals, statistical neighbours and "
                       "published survey results.",
            "description": "Read-only, open data: no key, no cookies, CORS open. Figures come "
                           "from copro's audit of the Department for Education's data (Open "
                           "Government Licence v3.0); every response says which file.",
            "license": {"name": "MIT (the software); the data: Open Government Licence v3.0",
                        "identifier": "MIT"}},
        "servers": [{"url": server}],
        "paths": {
            "/api/v1/areas": {"get": {
                "operationId": "listAreas", "summary": "Every local authority",
                "responses": {"200": _json("AreaList", "Every local authority, with its "
                                                       "headline ratio")}}},
            "/api/v1/areas/{code}": {"get": {
                "operationId": "getArea",
                "summary": "One local authority: the answer, its figures, its statistical "
                           "neighbours and its published survey figures",
                "parameters": [CODE],
                "responses": {"200": _json("AreaDocument", "The area's figures"),
                              "404": NOT_FOUND}}},
            "/api/v1/measures": {"get": {
                "operationId": "getMeasures", "summary": "What is measured, and how",
                "responses": {"200": _json("Measures", "Outcomes and methods")}}},
            "/api/v1/survey/{code}": {"get": {
                "operationId": "getSurvey",
                "summary": "One local authority's published survey results",
                "parameters": [CODE],
                "responses": {"200": _json("SurveyFigures", "Published survey figures"),
                              "404": NOT_FOUND}}},
            "/api/v1/openapi.json": {"get": {
                "operationId": "getDescription", "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
