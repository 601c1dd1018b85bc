from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "copro.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from copro.web.accounts import signals  # noqa: F401 - sign-ins into the audit log


class CoproAdminConfig(admin_apps.AdminConfig):
    """Django's admin, open only to a session verified with a second factor."""

    default = False
    default_site = "copro.web.accounts.admin_site.CoproAdminSite"
