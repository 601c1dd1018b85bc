"""The admin: coordinators (one LA each) and rounds. Responses are listed without free text;
an administrator sees free text only through a coordinator's download."""

from django.contrib import admin

from copro.web.survey.models import Coordinator, Response, Round


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ("user", "area_code", "forum")
    search_fields = ("user__username", "area_code", "forum")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("id", "area_code", "label", "opened_at", "closed_at", "published_at",
                    "imported")
    list_filter = ("imported",)
    search_fields = ("area_code",)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "area_code", "audience", "instrument_version", "source",
                    "possible_duplicate")
    list_filter = ("audience", "source", "possible_duplicate")
    exclude = ("free_text", "client_hash", "answers_hash", "submission_token")
    readonly_fields = ("round", "area_code", "audience", "instrument_version", "answers",
                       "submitted_at", "source", "possible_duplicate", "free_text_purged_at")
