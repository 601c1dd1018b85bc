"""The site's addresses: the explorer (the audit's findings), the admin, accounts (invitations, two
factors, password resets), the survey and the documentation (/docs/)."""

from django.contrib import admin
from django.urls import include, path, re_path

from copro.web.documentation import documentation
from copro.web.survey.urls import root_urlpatterns as survey_root_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("copro.web.accounts.urls")),
    path("survey/", include("copro.web.survey.urls")),
    path("docs/", documentation, name="docs"),
    re_path(r"^docs/(?P<path>.+)$", documentation, name="docs-page"),
    path("", include(survey_root_urls)),
    path("", include("copro.web.explorer.urls")),
]
