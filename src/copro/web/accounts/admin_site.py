"""Django's admin, for a session verified with a second factor only: an administrator can
read the audit log and change accounts, so the admin asks for the code as the free-text
download does. It has no sign-in page of its own: ``/admin/login/`` sends people to the one
sign-in page (/survey/login/), with its throttle, then to the second factor."""

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
        """No password is taken here: the one sign-in page, coming back to the admin."""
        target = request.GET.get("next") or ""
        if not target.startswith("/admin/"):
            target = reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            if user.is_verified():
                return HttpResponseRedirect(target)
            return HttpResponseRedirect(reverse("accounts:verify") + "?"
                                        + urlencode({"next": target}))
        return HttpResponseRedirect(reverse("survey:login") + "?" + urlencode({"next": target}))
