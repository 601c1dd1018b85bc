from django.contrib import admin

from copro.web.explorer.models import Area, Dataset


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("source", "kind", "periods", "sha256", "imported_at")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in Dataset._meta.fields]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "old_la_code", "level", "region_name", "dataset")
    list_filter = ("level", "dataset")
    search_fields = ("name", "code", "old_la_code")
