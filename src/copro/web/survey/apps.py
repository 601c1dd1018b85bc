from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "copro.web.survey"
    label = "survey"
    verbose_name = "Co-production survey"
    default_auto_field = "django.db.models.BigAutoField"
