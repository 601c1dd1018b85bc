from django.apps import AppConfig


class ExplorerConfig(AppConfig):
    name = "copro.web.explorer"
    label = "explorer"
    verbose_name = "Findings explorer"
