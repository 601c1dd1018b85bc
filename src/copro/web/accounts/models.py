"""Invitations (a single-use, expiring link that sets an account's first password) and the
audit log (append-only: who did what, when; never an answer's content)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Invitation(models.Model):
    """An emailed link for ``user`` to set their first password. Only a SHA-256 hash of the
    link's secret is stored; it works once, until ``expires_at``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for {self.user.get_username()}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and timezone.now() < self.expires_at


class AppendOnly(Exception):
    """The audit log is never changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("the audit log is append-only")

    def delete(self):
        raise AppendOnly("the audit log is append-only")


class AuditEvent(models.Model):
    """One thing done: a sign-in (or a failed one), a round opened, closed or published, a
    download, an import, a purge, an account change. ``actor`` is the account's user name as it
    was (kept when the account goes); ``area_code``, ``subject`` and ``detail`` say what was
    acted on, never what anyone answered. Rows are only ever added (on PostgreSQL a trigger
    refuses UPDATE and DELETE too); ``copro survey purge`` does not touch them.

    Each entry is chained to the one before it (by id): ``entry_hash`` is a keyed hash
    (:mod:`copro.web.integrity`) of ``previous_hash`` and the entry's own content, so an entry
    deleted or edited in the database, even by hand, is found by ``copro db verify``."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    area_code = models.CharField(max_length=9, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True, db_default="")
    entry_hash = models.CharField(max_length=64, blank=True, db_default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the audit log is append-only")


class AuditHead(models.Model):
    """The audit log's end, one row: how many entries it holds and the last one's hash, with a
    keyed hash of both (``seal``). Appending locks this row first (one append at a time, on
    SQLite and PostgreSQL alike), and it lets ``copro db verify`` notice entries deleted from
    the end of the log, which the chain alone cannot."""

    entries = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    seal = models.CharField(max_length=64, blank=True)

    class Meta:
        default_permissions = ()
