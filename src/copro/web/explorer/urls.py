"""Every page at its address, and at the same address with ``.json`` or ``.csv``."""

from django.urls import path, re_path

from copro.web.explorer import api, views

app_name = "explorer"
SUFFIX = r"(?P<suffix>\.json|\.csv)"


def _both(route: str, view, name: str) -> list:
    """``route`` (HTML) and ``route.json`` / ``route.csv``."""
    return [path(route, view, name=name),
            re_path(rf"^{route}{SUFFIX}$", view, name=f"{name}-data")]


urlpatterns = [
    path("", views.index, name="index"),
    re_path(rf"^(?:index)?{SUFFIX}$", views.index, name="index-data"),
    path("la/<slug:code>", views.area, name="area"),
    re_path(rf"^la/(?P<code>[A-Za-z0-9_-]+){SUFFIX}$", views.area, name="area-data"),
    path("search", views.search, name="search"),
    *_both("compare", views.compare, "compare"),
    *_both("methods", views.methods, "methods"),
    *_both("data", views.data, "data"),
    path("data/dictionary", views.dictionary, name="dictionary"),
    path("data/<slug:slug>/counts.csv", views.dataset_counts, name="dataset-counts"),
    *_both("healthz", views.healthz, "healthz"),
    path("accessibility", views.accessibility, name="accessibility"),
    # the versioned JSON API, described by /api/v1/openapi.json
    path("api/v1/", api.index, name="api-index"),
    *_both("status", views.status, "status"),
    path("api/v1/openapi.json", api.description, name="api-description"),
    path("api/v1/areas", api.areas, name="api-areas"),
    path("api/v1/areas/<str:code>", api.area, name="api-area"),
    path("api/v1/measures", api.measures, name="api-measures"),
    path("api/v1/survey/<str:code>", api.survey, name="api-survey"),
]
