"""The site's addresses: the explorer (the audit's findings), the admin, and the survey."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # issue 12: path("survey/", include("copro.web.survey.urls")),
    path("", include("copro.web.explorer.urls")),
]
