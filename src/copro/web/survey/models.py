"""What the survey stores: coordinators (one LA each), rounds, responses and login attempts.

A response holds its answers (JSON, by question id), the instrument version it answered and its
free text apart (cleaned of identifiers before storing; deleted after the retention period).
No name, email, IP address or other identifier is stored: ``client_hash`` is a keyed hash of the
client address and the round, used only for the per-client rate limit and duplicate detection,
and meaningless outside that round.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

AUDIENCE_CHOICES = [("families", "Families"), ("education", "Education professionals"),
                    ("forum", "Parent carer forum members")]


class Coordinator(models.Model):
    """A forum's coordinator: a user account tied to one local authority."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="survey_coordinator")
    area_code = models.CharField("local authority (ONS code)", max_length=9, db_index=True)
    forum = models.CharField("parent carer forum", max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.area_code})"


class Round(models.Model):
    """A period during which an LA's surveys take answers. Results are public only once a
    closed round is published (a coordinator's choice)."""

    area_code = models.CharField(max_length=9, db_index=True)
    instrument_version = models.CharField(max_length=20)
    label = models.CharField(max_length=100, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    imported = models.BooleanField(default=False, help_text="answers imported from a file")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    access = models.CharField(
        max_length=10, default="open", choices=[
            ("open", "Open link: anyone with the link can answer"),
            ("codes", "Single-use codes: each code answers once")],
        help_text="who may answer: anyone with the link, or only with a code the forum hands "
                  "out")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # one open round per LA (for all its audiences), held by the database itself so
            # that simultaneous "open a new round" requests cannot open two
            models.UniqueConstraint(
                fields=["area_code"], name="one_open_round_per_la",
                condition=models.Q(closed_at__isnull=True, imported=False)),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and not self.imported

    def __str__(self) -> str:
        state = "open" if self.is_open else ("published" if self.published_at else "closed")
        return f"{self.area_code} round {self.pk} ({state})"


class Response(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    area_code = models.CharField(max_length=9, db_index=True)
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES)
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict)
    free_text = models.TextField(blank=True)
    free_text_purged_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, default="web")  # 'web' or 'import'
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    answers_hash = models.CharField(max_length=64, blank=True)
    possible_duplicate = models.BooleanField(
        default=False, help_text="same answers from the same client in this round: left out "
                                 "of the results")
    import_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True,
        help_text="an imported row's identity (keyed hash): the same row imported again is "
                  "recognised and not added")
    seconds_to_complete = models.PositiveIntegerField(
        null=True, blank=True, help_text="from the first survey page to sending (web only)")
    set_aside_at = models.DateTimeField(
        null=True, blank=True, help_text="set aside by the coordinator (kept, left out of the "
                                         "results and of publication)")
    set_aside_reason = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="the coordinator who typed it in (a paper form), signed in")
    venue = models.ForeignKey(
        "VenueWindow", null=True, blank=True, on_delete=models.SET_NULL, related_name="answers",
        help_text="sent through a venue window (past the per-connection limit)")
    published = models.BooleanField(
        default=False, db_index=True,
        help_text="in the public figures: set when its round was published, for the answers "
                  "then in an audience with at least 10 (an answer arriving later is not)")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["round", "client_hash", "answers_hash"])]


class VenueWindow(models.Model):
    """A time-boxed window opened by a coordinator for one connection (a venue's shared Wi-Fi,
    the connection of the coordinator's own device there): answers from it are taken past the
    per-connection limit and marked as venue answers. Only the keyed hash of the connection
    within the round is kept, as for every answer."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="venues")
    client_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=100, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at", "-id"]


class TurnedAway(models.Model):
    """Answers refused by the per-connection limit, per round and clock hour (no connection
    kept): the manage page says how many, when, and what to do."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "hour"],
                                               name="one_turned_away_per_hour")]


class InvitationCode(models.Model):
    """A single-use code for one audience of a round. Only a keyed hash of the code is stored
    (the coordinator prints or downloads the codes once, when they are made); a code is used up
    by one atomic update in the transaction that stores the answer."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="codes")
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)


class SubmissionCount(models.Model):
    """Answers sent by one client (keyed hash) to one round in one clock hour: the rate limit's
    counter, incremented atomically in the database (``INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING``) in the transaction that stores the answer, so simultaneous submissions cannot
    all pass a check made before any of them is stored."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    client_hash = models.CharField(max_length=64)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "client_hash", "hour"],
                                               name="one_count_per_client_hour")]


class ImportedFile(models.Model):
    """A file imported by ``copro survey import`` (by its SHA-256): importing it again adds
    nothing."""

    area_code = models.CharField(max_length=9)
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES)
    file_hash = models.CharField(max_length=64)
    round = models.ForeignKey(Round, null=True, on_delete=models.SET_NULL, related_name="+")
    rows_added = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area_code", "audience", "file_hash"],
                                               name="one_import_per_file")]


class PublishedBlock(models.Model):
    """What one publication made public for one audience of a round: the responses in it. Kept
    for ever (also if the round is unpublished): every later publication is checked against all
    of them, so that no two published states can be subtracted to reveal fewer than 10
    answers (:mod:`copro.survey.publication`)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="blocks")
    area_code = models.CharField(max_length=9, db_index=True)
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES)
    published_at = models.DateTimeField(default=timezone.now)
    responses = models.JSONField(default=list, help_text="the ids of the responses published")

    class Meta:
        ordering = ["id"]


class LoginAttempt(models.Model):
    """A failed login, keyed by a hash of the user name and one of the client, for lockout."""

    username_hash = models.CharField(max_length=64, db_index=True)
    client_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
