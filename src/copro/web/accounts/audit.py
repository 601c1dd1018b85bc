"""Writing the audit log: :func:`record` is the only way in."""

from __future__ import annotations

from copro.web.accounts.models import AuditEvent

#: What the log records, as the ``action`` column says it.
SIGN_IN, SIGN_IN_FAILED, SIGN_OUT = "sign-in", "failed sign-in", "sign-out"
SECOND_FACTOR, SECOND_FACTOR_FAILED = "second factor", "failed second factor"
ROUND_OPENED, ROUND_CLOSED, ROUND_PUBLISHED = "round opened", "round closed", "round published"
ROUND_REOPENED, SET_ASIDE, CODES_MADE = "round reopened", "answers set aside", "codes made"
DOWNLOAD, IMPORT, PURGE = "download", "import", "purge"
BACKUP, RESTORE = "backup", "restore"
ADMIN = "admin change"  # a round or another record changed in the admin
ACCOUNT = "account"  # invited, activated, password set or reset, 2FA enrolled, deactivated

#: The actor of a command run on the server
COMMAND_LINE = "(command line)"


def record(action: str, *, request=None, actor: str | None = None, area_code: str = "",
           subject: str = "", detail: str = "") -> AuditEvent:
    """Append one event. ``actor``: a user name; by default the request's signed-in user."""
    if actor is None:
        user = getattr(request, "user", None)
        actor = user.get_username() if user is not None and user.is_authenticated else ""
    return AuditEvent.objects.create(action=action, actor=actor[:150], area_code=area_code[:9],
                                     subject=subject[:200], detail=detail[:200])
