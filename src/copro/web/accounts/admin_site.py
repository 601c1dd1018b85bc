"""Django's admin, for a session verified with a second factor only: an administrator can
read the audit log and change accounts, so the admin asks for the code as the free-text
download does."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.http import HttpResponseRedirect
from django.urls import reverse


class CoproAdminSite(AdminSite):
    site_header = site_title = "Coproduction Audit administration"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff \
                and not user.is_verified():
            target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return HttpResponseRedirect(reverse("accounts:verify") + "?"
                                        + urlencode({"next": target}))
        return super().login(request, extra_context)
