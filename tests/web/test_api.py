"""The versioned JSON API: its OpenAPI 3.1 description is valid (openapi-spec-validator), and
the real responses of every path, for several kinds of local authority, match the schemas it
gives them (jsonschema)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

pytestmark = pytest.mark.django_db

AREAS = ("E08000035", "E10000012", "E06000063", "E09000001", "E06000053")


@pytest.fixture(scope="module")
def description(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    return r.json()


def _validator(description: dict, path: str, status: str = "200") -> Draft202012Validator:
    schema = (description["paths"][path]["get"]["responses"][status]["content"]
              ["application/json"]["schema"])
    root = Resource.from_contents(description, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:copro-api", root)
    return Draft202012Validator({"$ref": "urn:copro-api" + schema["$ref"]}
                                if "$ref" in schema else schema, registry=registry)


def _check(description, path, status, body):
    errors = sorted(_validator(description, path, status).iter_errors(body),
                    key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]


def test_description_is_valid_openapi(description):
    validate(description)  # raises on an invalid description
    assert description["openapi"].startswith("3.1")
    assert set(description["paths"]) == {"/api/v1/areas", "/api/v1/areas/{code}",
                                         "/api/v1/measures", "/api/v1/survey/{code}",
                                         "/api/v1/openapi.json"}


def test_areas_list_matches_its_schema(client, description):
    r = client.get("/api/v1/areas")
    assert r.status_code == 200
    body = r.json()
    _check(description, "/api/v1/areas", "200", body)
    assert len(body["areas"]) == 153
    leeds = next(a for a in body["areas"] if a["code"] == "E08000035")
    assert leeds["url"] == "/api/v1/areas/E08000035" and leeds["page"] == "/la/E08000035"
    assert f"{leeds['ratio']['estimate']:.2f}" == "1.27"


@pytest.mark.parametrize("code", AREAS)
def test_area_matches_its_schema_and_is_the_la_page_json(client, description, code):
    r = client.get(f"/api/v1/areas/{code}")
    assert r.status_code == 200, r.content[:200]
    body = r.json()
    _check(description, "/api/v1/areas/{code}", "200", body)
    broken = {**body, "answer": "one string"}  # the schema does bite
    assert list(_validator(description, "/api/v1/areas/{code}").iter_errors(broken))
    assert body == client.get(f"/la/{code}.json").json()
    rows = body["statistical_neighbours"]["rows"]
    assert [x["kind"] for x in rows][:11] == ["area", *["neighbour"] * 10]
    assert body["survey"]["levels"] and body["survey"]["all_surveyed"]
    if code in ("E09000001", "E06000053"):  # only 'Not close' neighbours: said in words
        assert {x["closeness"] for x in rows if x["kind"] == "neighbour"} == {"Not close"}
        assert any("“Not close”" in s for s in body["statistical_neighbours"]["sentences"])


@pytest.mark.parametrize("path", ["/api/v1/areas/E99999999", "/api/v1/areas/leeds",
                                  "/api/v1/survey/E99999999"])
def test_unknown_area_is_a_json_404(client, description, path):
    r = client.get(path)
    assert r.status_code == 404 and r["Content-Type"] == "application/json"
    template = "/api/v1/areas/{code}" if "/areas/" in path else "/api/v1/survey/{code}"
    _check(description, template, "404", r.json())


def test_measures_and_survey_match_their_schemas(client, description):
    r = client.get("/api/v1/measures")
    _check(description, "/api/v1/measures", "200", r.json())
    r = client.get("/api/v1/survey/E08000035")
    assert r.status_code == 200
    _check(description, "/api/v1/survey/{code}", "200", r.json())
