"""The admin's accounts: invite a coordinator or an administrator (the email goes at once),
see invitations, change or deactivate accounts (recorded), and read the audit log (never
changed from here)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from copro.web.accounts import audit, invitations
from copro.web.accounts.models import AuditEvent, Invitation


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "area_code", "subject", "detail")
    list_filter = ("action",)
    search_fields = ("actor", "area_code", "subject")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _la_choices():
    from copro.web.survey import store

    return [("", "(an administrator: no local authority)")] + sorted(
        ((code, name) for code, name in store.local_authorities().items()),
        key=lambda x: x[1])


class InviteForm(forms.ModelForm):
    email = forms.EmailField()
    area_code = forms.ChoiceField(label="Local authority", choices=_la_choices, required=False)
    forum = forms.CharField(label="Parent carer forum", max_length=200, required=False)
    administrator = forms.BooleanField(required=False,
                                       help_text="All local authorities and this admin.")

    class Meta:
        model = Invitation
        fields = []

    def clean(self):
        data = super().clean()
        if not data.get("administrator") and not data.get("area_code"):
            raise forms.ValidationError("Choose the coordinator's local authority, or tick "
                                        "'administrator'.")
        return data


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "used_at", "invited_by")
    readonly_fields = ("user", "created_at", "expires_at", "used_at", "invited_by")
    exclude = ("token_hash",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InviteForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "area_code", "forum", "administrator"]
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        base_url = settings.SITE_URL  # never the request's Host
        try:
            invitation = invitations.invite(
                data["email"], area_code=data.get("area_code") or None,
                forum=data.get("forum", ""), admin=bool(data.get("administrator")),
                invited_by=request.user.get_username(), base_url=base_url)
        except invitations.InvitationError as exc:
            messages.error(request, str(exc))
            raise
        for field in Invitation._meta.concrete_fields:  # the admin names and logs ``obj``
            setattr(obj, field.attname, getattr(invitation, field.attname))
        obj._state.adding = False

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except invitations.InvitationError:
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.path)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin; every change is recorded (which fields, never their values)."""

    list_display = ("username", "email", "is_active", "is_staff", "last_login")
    actions = ["reset_second_factor"]

    @admin.action(description="Lost device: reset the second factor and email a set-up link")
    def reset_second_factor(self, request, queryset):
        """Each chosen account's authenticator app and recovery codes removed and a set-up
        link emailed to its owner (copro.web.accounts.invitations.enrolment_link, audited)."""
        base_url = settings.SITE_URL  # never the request's Host
        for user in queryset:
            try:
                invitations.enrolment_link(user.get_username(), actor=request.user.get_username(),
                                           base_url=base_url, reset=True)
            except (invitations.InvitationError, OSError) as exc:
                messages.error(request, f"{user.get_username()}: {exc}")
            else:
                messages.success(request, f"{user.get_username()}: second factor reset; a "
                                          "set-up link was emailed")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) or "nothing"
        detail = ("deactivated" if "is_active" in form.changed_data and not obj.is_active
                  else f"changed: {changed}" if change else "created")
        audit.record(audit.ACCOUNT, request=request, subject=obj.get_username(),
                     detail=detail[:200])

    def delete_model(self, request, obj):
        name = obj.get_username()
        super().delete_model(request, obj)
        audit.record(audit.ACCOUNT, request=request, subject=name, detail="deleted")
