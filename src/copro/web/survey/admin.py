"""The admin: coordinators (one LA each) and rounds. Responses are listed without free text,
and only read: an administrator cannot change, add or delete an answer here (the server refuses
the admin's POST, not only its buttons). Answers are set aside only through the coordinator's
audited page, and never once their round is published (its figures are fixed: an edit would
show in the difference). A round's dates and state are read-only too (opening, closing and
publishing go through the coordinator's pages, which check and log them), and a round with
answers or a publication cannot be deleted (deleting it would delete its answers)."""

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
    readonly_fields = ("area_code", "instrument_version", "opened_at", "closed_at",
                       "published_at", "imported", "opened_by", "access")

    def has_add_permission(self, request):
        return False  # a round is opened from the coordinator's page (one open round per LA)

    def has_delete_permission(self, request, obj=None):
        if obj is None:  # the list's "delete selected" action: never in bulk
            return False
        return (super().has_delete_permission(request, obj) and obj.published_at is None
                and not obj.responses.exists() and not obj.blocks.exists())

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("id", "area_code", "audience", "instrument_version", "source",
                    "possible_duplicate", "published", "set_aside_at")
    list_filter = ("audience", "source", "possible_duplicate", "published")
    exclude = ("free_text", "client_hash", "answers_hash", "submission_token", "import_key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
