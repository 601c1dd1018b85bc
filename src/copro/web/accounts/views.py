"""Accepting an invitation (setting the first password), an authenticator set-up link (an
invitation to an active account), setting up and giving the second factor, the owner's unlock
link, and password resets (Django's own views, rate-limited, with the audit log).

A first authenticator app is set up only in a session that came through an emailed link (the
invitation, or a set-up link an administrator sent): :data:`ENROL` in the session names the
account. A password alone never enrols one, so whoever learns it cannot take the account's
second factor before its owner."""

from __future__ import annotations

import base64
import io

from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from copro.web.accounts import audit, invitations, twofactor

BACKEND = "django.contrib.auth.backends.ModelBackend"
#: The session may set up an authenticator app for this account's pk (given by an emailed link)
ENROL = "accounts:enrol"


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _home(user) -> str:
    return reverse("admin:index") if user.is_staff and not hasattr(
        user, "survey_coordinator") else reverse("survey:manage")


def _sign_in_first(request):
    return HttpResponseRedirect(reverse("survey:login") + "?next=" + request.path)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def accept_invitation(request, token):
    with transaction.atomic():
        invitation = invitations.accept(token)
        if invitation is None:
            return render(request, "accounts/invitation_invalid.html", {
                "page_title": "This link has expired or has been used"}, status=404)
        user = invitation.user
        if user.is_active:
            return _enrolment_link(request, invitation)
        form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            form.save()
            user.is_active = True
            user.save(update_fields=["is_active"])
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
            audit.record(audit.ACCOUNT, actor=user.get_username(), subject=user.get_username(),
                         detail="invitation accepted, password set")
            auth.login(request, user, backend=BACKEND)
            request.session[ENROL] = user.pk
            return HttpResponseRedirect(reverse("accounts:setup"))
    return render(request, "accounts/set_password.html", {
        "page_title": ("Error: " if form.errors else "") + "Set your password", "form": form,
        "username": user.get_username()}, status=400 if form.errors else 200)


def _enrolment_link(request, invitation):
    """An authenticator set-up link: the owner signs in with their password here (the one
    sign-in policy's throttle), and this session may then set up an app. The link is used up
    by the sign-in, not by opening it (a mail scanner's visit leaves it working)."""
    from copro.web.accounts import signin

    user = invitation.user
    error, status = None, 200
    if request.method == "POST":
        outcome = signin.check_password(request, user.get_username(),
                                        request.POST.get("password", ""))
        if outcome.user is not None:
            auth.login(request, outcome.user)
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
            request.session[ENROL] = user.pk
            audit.record(audit.ACCOUNT, actor=user.get_username(), subject=user.get_username(),
                         detail="authenticator set-up link used")
            return HttpResponseRedirect(reverse("accounts:setup"))
        error, status = outcome.error, outcome.status
    return render(request, "accounts/enrol_sign_in.html", {
        "page_title": ("Error: " if error else "") + "Sign in to set up your authenticator app",
        "error": error, "username": user.get_username()}, status=status)


def _qr_data_uri(url: str) -> str:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=5, border=4)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _grouped(key_b32: str) -> str:
    return " ".join(key_b32[i:i + 4] for i in range(0, len(key_b32), 4))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request):
    """Set up the authenticator app: a QR code (and the key to type in), then a code from the
    app confirms it; the recovery codes are shown once."""
    user = request.user
    if not user.is_authenticated:
        return _sign_in_first(request)
    if twofactor.has_app(user):  # a second set-up would let a stolen password replace it
        return HttpResponseRedirect(reverse("accounts:verify") + "?next=" + _home(user))
    if request.session.get(ENROL) != user.pk:  # a password alone never enrols an app
        return render(request, "accounts/enrol_needed.html", {
            "page_title": "Set up your authenticator app from your email",
            "username": user.get_username()}, status=403)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or \
        TOTPDevice.objects.create(user=user, name=twofactor.APP_NAME, confirmed=False)
    error = None
    if request.method == "POST":
        code = request.POST.get("code", "").replace(" ", "")
        if code.isdigit() and device.verify_token(code):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            request.session.pop(ENROL, None)
            codes = twofactor.new_recovery_codes(user)
            audit.record(audit.ACCOUNT, request=request, subject=user.get_username(),
                         detail="authenticator app set up, recovery codes issued")
            from urllib.parse import quote

            text = ("copro recovery codes for " + user.get_username() + "\r\n"
                    "Each works once instead of the authenticator app's code.\r\n\r\n"
                    + "\r\n".join(codes) + "\r\n")
            return render(request, "accounts/recovery_codes.html", {
                "page_title": "Your recovery codes", "codes": codes,
                "as_file": "data:text/plain;charset=utf-8," + quote(text),
                "continue": _next(request, _home(user))})
        error = "Enter the 6-digit code your authenticator app shows now"
    key = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/setup.html", {
        "page_title": ("Error: " if error else "") + "Set up your authenticator app",
        "error": error, "qr": _qr_data_uri(device.config_url), "key": _grouped(key),
        "next": request.GET.get("next", "")}, status=400 if error else 200)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """The second step: a code from the authenticator app, or one recovery code."""
    user = request.user
    if not user.is_authenticated:
        return _sign_in_first(request)
    target = _next(request, _home(user))
    if not twofactor.has_app(user):
        return HttpResponseRedirect(reverse("accounts:setup") + "?next=" + target)
    if user.is_verified():
        return HttpResponseRedirect(target)
    error = None
    if request.method == "POST":
        code = request.POST.get("code", "").replace(" ", "").replace("-", "")
        device = match_token(user, code) if 6 <= len(code) <= 16 else None
        if device is not None:
            otp_login(request, device)
            used = "recovery code" if isinstance(device, StaticDevice) else "authenticator app"
            audit.record(audit.SECOND_FACTOR, request=request, detail=used)
            return HttpResponseRedirect(target)
        audit.record(audit.SECOND_FACTOR_FAILED, request=request)
        error = "Enter the code your authenticator app shows now, or one of your recovery codes"
    return render(request, "accounts/verify.html", {
        "page_title": ("Error: " if error else "") + "Enter your code", "error": error,
        "next": target}, status=400 if error else 200)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        from copro.web.survey import security

        response = super().form_valid(form)
        name = form.user.get_username()
        security.clear_account_failures(name)  # the owner's other way past the account's cap
        audit.record(audit.ACCOUNT, actor=name, subject=name, detail="password reset by email")
        return response


class PasswordReset(auth_views.PasswordResetView):
    """Django's reset request, limited per email address and per client
    (copro.web.survey.security) and recorded in the audit log. Every request gets the same
    page, sent or not, account or not. The emailed link is built from ``COPRO_SITE_URL``;
    only where that is unset from the request's Host, which Django accepts only among
    ``COPRO_ALLOWED_HOSTS``."""

    @property
    def extra_email_context(self) -> dict:
        """The link's protocol and domain from ``COPRO_SITE_URL`` (Django's from the request
        where it is unset)."""
        from urllib.parse import urlsplit

        from django.conf import settings

        if not settings.SITE_URL:
            return {}
        site = urlsplit(settings.SITE_URL)
        return {"protocol": site.scheme, "domain": site.netloc + site.path.rstrip("/")}

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        from django.contrib.auth import get_user_model

        from copro.web.survey import security

        email = form.cleaned_data["email"]
        accounts = list(form.get_users(email))
        refused = security.reset_refused(email, self.request)
        if refused is None:
            super().form_valid(form)
        if not accounts:
            known = get_user_model().objects.filter(email__iexact=email).first()
        detail = ("refused: too many requests from this client in an hour"
                  if refused == "client" else
                  "refused: too many requests for this address in a day"
                  if refused == "address" else
                  "link emailed" if accounts else
                  "nothing sent: no active account with a password has this address")
        subject = (accounts[0].get_username() if accounts else
                   known.get_username() if known is not None else "")
        audit.record(audit.ACCOUNT, actor="", subject=subject,
                     detail=f"password reset requested; {detail}")
        return HttpResponseRedirect(self.get_success_url())


password_reset = PasswordReset.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html")
password_reset_confirm = PasswordResetConfirm.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html")


@never_cache
@require_http_methods(["GET", "HEAD"])
def unlock_account(request, uidb64, token):
    """The owner's unlock link (copro.web.accounts.unlock): this browser may sign in past the
    account's cap for an hour."""
    from copro.web.accounts import unlock

    if not unlock.open_link(request, uidb64, token):
        return render(request, "accounts/invitation_invalid.html", {
            "page_title": "This link has expired or has been used"}, status=404)
    return HttpResponseRedirect(reverse("survey:login"))
