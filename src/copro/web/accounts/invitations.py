"""Inviting someone (a coordinator for one LA, or an administrator) and handing a forum's
account over: the account is created inactive with no usable password, and an email carries a
single-use link, valid for ``settings.INVITATION_DAYS``, where they set their own password."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from copro.web.accounts import audit
from copro.web.accounts.find import account_named
from copro.web.accounts.models import Invitation


class InvitationError(ValueError):
    """An invitation that cannot be sent: one line saying why."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(email: str, *, area_code: str | None, forum: str = "", admin: bool = False,
           invited_by: str, base_url: str) -> Invitation:
    """Create (or re-invite) the account ``email`` and send its link. ``base_url``: the site's
    address as people reach it (``https://copro.example.org``)."""
    from copro.web.survey.models import Coordinator

    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError(f"'{email}' is not an email address") from None
    if not admin and not area_code:
        raise InvitationError("a coordinator needs a local authority (or make an administrator)")
    if settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        raise InvitationError("COPRO_EMAIL_URL is not set: no email can be sent "
                              "(e.g. COPRO_EMAIL_URL=smtp://user:pass@mail.example.org:587?tls=1)")
    if not base_url:
        raise InvitationError("COPRO_SITE_URL is not set: the address people reach the site at, "
                              "e.g. https://copro.example.org, for the link in the email")
    User = get_user_model()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        user = User.objects.filter(username=email).first()
        if user is not None and user.is_active:
            raise InvitationError(f"{email} already has an active account")
        if user is None:
            user = User(username=email, email=email)
        user.is_active = False
        user.is_staff = user.is_superuser = admin
        user.set_unusable_password()
        user.save()
        Coordinator.objects.filter(user=user).delete()
        if area_code and not admin:
            Coordinator.objects.create(user=user, area_code=area_code, forum=forum[:200])
        user.invitations.filter(used_at__isnull=True).update(expires_at=timezone.now())
        now = timezone.now()
        invitation = Invitation.objects.create(
            user=user, token_hash=token_hash(token), created_at=now, invited_by=invited_by,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS))
        role = "administrator" if admin else "coordinator"
        audit.record(audit.ACCOUNT, actor=invited_by, area_code=area_code or "", subject=email,
                     detail=f"invited as {role}")
    link = base_url.rstrip("/") + reverse("accounts:invitation", args=[token])
    what = ("an administrator of" if admin else
            f"the survey coordinator for {_area_name(area_code)} on")
    send_mail(
        "Your account for the Coproduction Audit",
        f"You have been invited to be {what} the Coproduction Audit website.\n\n"
        f"Set your password here (the link works once, for {settings.INVITATION_DAYS} days):\n"
        f"{link}\n\n"
        "You will then set up an authenticator app on your phone: a second step at sign-in, "
        "needed to read written answers.\n\n"
        "If you did not expect this email, you can ignore it.\n",
        None, [email])
    return invitation


def _area_name(code: str | None) -> str:
    from copro.web.survey import store

    return store.local_authorities().get(code or "", code or "")


def deactivate(username: str, *, actor: str) -> None:
    """Stop an account signing in (its sessions end at their next request); kept, with its
    rounds and audit entries."""
    user = account_named(username)
    if user is None:
        raise InvitationError(f"no account called '{username}'")
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    user.invitations.filter(used_at__isnull=True).update(expires_at=timezone.now())
    audit.record(audit.ACCOUNT, actor=actor, subject=user.get_username(), detail="deactivated")


def hand_over(old: str, new_email: str, *, actor: str, base_url: str) -> Invitation:
    """A forum's coordinator changes: ``old`` is deactivated and ``new_email`` invited for the
    same LA and forum."""
    from copro.web.survey.models import Coordinator

    coordinator = Coordinator.objects.filter(user__username=old.strip().lower()).first() or \
        Coordinator.objects.filter(user__username=old.strip()).first()
    if coordinator is None:
        raise InvitationError(f"'{old}' is not a coordinator")
    with transaction.atomic():
        invitation = invite(new_email, area_code=coordinator.area_code, forum=coordinator.forum,
                            invited_by=actor, base_url=base_url)
        deactivate(coordinator.user.get_username(), actor=actor)
    audit.record(audit.ACCOUNT, actor=actor, area_code=coordinator.area_code,
                 subject=new_email.strip().lower(),
                 detail=f"handed over from {coordinator.user.get_username()}")
    return invitation


def accept(token: str) -> Invitation | None:
    """The usable invitation for ``token`` (locked until the transaction ends), or None."""
    invitation = (Invitation.objects.select_for_update().select_related("user")
                  .filter(token_hash=token_hash(token)).first())
    return invitation if invitation is not None and invitation.usable else None


def enrolment_link(username: str, *, actor: str, base_url: str, reset: bool = False,
                   send: bool = True) -> str:
    """A single-use link (an invitation to an account that is already active, valid for
    ``settings.INVITATION_DAYS``) with which the account's owner, who also gives their
    password, sets up an authenticator app: the only way to a first app other than the
    invitation itself, so that a password alone never enrols one. ``reset``: the owner lost
    their device; their app and recovery codes are removed first. ``send``: emailed to the
    account's address (else only returned, for the command line to show). Both audited."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from copro.web.accounts import twofactor

    user = account_named(username)
    if user is None:
        raise InvitationError(f"no account called '{username}'")
    if not user.is_active:
        raise InvitationError(f"'{user.get_username()}' is not active: invite them instead")
    if twofactor.has_app(user) and not reset:
        raise InvitationError(f"'{user.get_username()}' already has an authenticator app; if "
                              "they lost it, reset it (copro users reset-two-factor)")
    address = user.email or (user.get_username() if "@" in user.get_username() else "")
    if send:
        if not address:
            raise InvitationError(f"'{user.get_username()}' has no email address: show the "
                                  "link instead (--show) and give it to them yourself")
        if settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
            raise InvitationError("COPRO_EMAIL_URL is not set: no email can be sent (or show "
                                  "the link with --show)")
    if not base_url:
        raise InvitationError("COPRO_SITE_URL is not set: the address people reach the site "
                              "at, e.g. https://copro.example.org, for the link")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if reset:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit.record(audit.ACCOUNT, actor=actor, subject=user.get_username(),
                         detail="second factor reset: authenticator app and recovery codes "
                                "removed")
        user.invitations.filter(used_at__isnull=True).update(expires_at=timezone.now())
        now = timezone.now()
        Invitation.objects.create(
            user=user, token_hash=token_hash(token), created_at=now, invited_by=actor,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS))
        audit.record(audit.ACCOUNT, actor=actor, subject=user.get_username(),
                     detail="authenticator set-up link " + ("emailed" if send else "shown"))
    link = base_url.rstrip("/") + reverse("accounts:invitation", args=[token])
    if send:
        send_mail(
            "Set up your authenticator app for the Coproduction Audit",
            f"An administrator has sent you a link to set up an authenticator app for your "
            f"account ({user.get_username()}) on the Coproduction Audit website"
            + (" in place of the one you lost" if reset else "") + ".\n\n"
            f"Open it, sign in with your password, then scan the code with the app (the link "
            f"works once, for {settings.INVITATION_DAYS} days):\n{link}\n\n"
            "If you did not ask for this, tell the site's administrator.\n",
            None, [address])
    return link
