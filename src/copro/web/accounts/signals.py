"""Sign-ins, failed sign-ins and sign-outs into the audit log, from Django's own signals (so
the survey's sign-in page, the admin's and any other are all recorded), and changes made in
the admin (from its own log)."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from copro.web.accounts import audit


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    audit.record(audit.SIGN_IN, actor=user.get_username())


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.SIGN_OUT, actor=user.get_username())


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    """The account's name when it exists; otherwise not what was typed (it could be a
    password typed in the wrong box, or someone's name)."""
    name = str(credentials.get("username", ""))[:150]
    known = get_user_model().objects.filter(username=name).exists()
    audit.record(audit.SIGN_IN_FAILED, actor=name if known else "",
                 detail="" if known else "no such account")


@receiver(post_save, sender=LogEntry)
def _admin_change(sender, instance: LogEntry, created: bool, **kwargs):
    """A change made in the admin to anything but an account or an invitation (those record
    themselves, in more detail): coordinators' LAs, rounds. Which fields, never their values."""
    if not created:
        return
    model = instance.content_type.model_class() if instance.content_type_id else None
    if model is None or model._meta.label in ("auth.User", "accounts.Invitation",
                                              "accounts.AuditEvent"):
        return
    verb = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}.get(instance.action_flag,
                                                                         "changed")
    # Django's change message names the changed fields, never their values
    what = instance.get_change_message() if instance.action_flag == CHANGE else ""
    action = audit.ACCOUNT if model._meta.label == "survey.Coordinator" else audit.ADMIN
    audit.record(action, actor=instance.user.get_username(),
                 subject=f"{model._meta.verbose_name} {instance.object_id}"[:200],
                 detail=(f"{verb} in the admin" + (f": {what}" if what else ""))[:200])
