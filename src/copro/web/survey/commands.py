"""The survey's commands that use the website's database: `copro survey import`, `copro survey
purge` (added to the `survey` group) and `copro users create`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from copro.errors import CoproError
from copro.render.cells import neutralise
from copro.survey.commands import survey_group
from copro.survey.instrument import AUDIENCES


def setup_database():
    """Django set up and the database migrated, for a command that uses it."""
    from copro.web.commands import migrate, setup_django

    setup_django()
    migrate()


def _area(query: str) -> str:
    from copro.register import find_local_authority

    return find_local_authority(query).code


def account_options(command):
    """``--la``, ``--forum`` and ``--admin``: whom a new account is for (``users create`` and
    ``users invite`` alike)."""
    for option in reversed((
            click.option("--la", "la", default=None, metavar="NAME_OR_CODE",
                         help="The local authority this coordinator's forum covers."),
            click.option("--forum", default="", help="The parent carer forum's name."),
            click.option("--admin", "is_admin", is_flag=True,
                         help="A site administrator (all LAs, the admin) instead of a "
                              "coordinator."))):
        command = option(command)
    return command


def account_area(la: str | None, is_admin: bool) -> str | None:
    """The new account's LA code (None for an administrator without ``--la``)."""
    if not is_admin and la is None:
        raise CoproError("--la is required for a coordinator (or give --admin)")
    return _area(la) if la else None


@survey_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--la", "la", required=True, metavar="NAME_OR_CODE",
              help="The local authority the answers are about.")
@click.option("--audience", type=click.Choice(AUDIENCES), required=True,
              help="Which survey the file answers.")
@click.option("--round", "round_id", type=int, default=None,
              help="Add to this round of the LA (default: a new round, closed, not published; "
                   "its coordinator publishes it).")
@click.option("--label", default="", help="A name for the new round, e.g. 'Forms, spring 2026'.")
def import_command(file: Path, la: str, audience: str, round_id: int | None, label: str) -> None:
    """Read a Microsoft Forms, Google Forms, SmartSurvey or JISC export (CSV/XLSX) of the same
    questions into the survey's tables. Columns are matched by question wording; the others are
    listed and left alone. Nothing is stored if any answer is wrong."""
    from copro.survey.external import read_external
    from copro.survey.instrument import load_instrument

    code = _area(la)
    instrument = load_instrument()
    imported = read_external(file, instrument, audience)  # all checked before anything stored
    setup_database()
    from django.db import IntegrityError

    from copro.web.survey.models import ImportedFile, Response
    from copro.web.survey.security import keyed_hash

    done = ImportedFile.objects.filter(area_code=code, audience=audience,
                                       file_hash=imported.file_hash).first()
    if done is not None:
        click.echo(f"copro: {file.name} was already imported for {code} ({audience}) on "
                   f"{done.imported_at:%Y-%m-%d %H:%M}"
                   + (f" into round {done.round_id}" if done.round_id else "")
                   + ": nothing added", err=True)
        return
    keys = [keyed_hash("import", code, audience, k) for k in imported.row_keys]
    known = set(Response.objects.filter(import_key__in=keys).values_list("import_key",
                                                                          flat=True))
    new = [(answers, key) for answers, key in zip(imported.rows, keys, strict=True)
           if key not in known]
    try:
        round_ = _store_import(code, audience, imported, new, round_id, label, file, instrument)
    except IntegrityError:  # the same file or rows imported at the same moment by another run
        click.echo(f"copro: {file.name} was imported for {code} at the same moment by another "
                   "run: nothing added by this one", err=True)
        return
    if not new:
        click.echo(f"copro: every row of {file.name} was already imported for {code} "
                   f"({len(imported.rows)} row(s)): nothing added", err=True)
        return
    already = len(imported.rows) - len(new)
    from copro.web.accounts import audit

    audit.record(audit.IMPORT, actor=audit.COMMAND_LINE, area_code=code,
                 subject=f"round {round_.pk}",
                 detail=f"{len(new)} {audience} response(s) from a file")
    click.echo(f"copro: imported {len(new)} {audience} response(s) for {code} into "
               f"round {round_.pk} ({imported.empty_rows} empty row(s) skipped; "
               + (f"{already} row(s) already imported, not added again; " if already else "")
               + f"{imported.free_text_cleaned} written answer(s) had identifiers removed)",
               err=True)
    for header, qid in imported.matched.items():
        click.echo(f"  matched: {neutralise(header)!r} -> {qid}", err=True)
    for header in imported.unmatched:
        click.echo(f"  not matched (ignored): {neutralise(header)!r}", err=True)


def _store_import(code, audience, imported, new, round_id, label, file, instrument):
    """The new rows in their round (a new closed round unless ``round_id``) and the file's
    record, in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from copro.web.survey import store
    from copro.web.survey.models import ImportedFile, Round

    with transaction.atomic():
        round_ = None
        if round_id is not None:
            round_ = Round.objects.filter(pk=round_id, area_code=code).first()
            if round_ is None:
                raise CoproError(f"--round {round_id}: no such round for {code}")
            if round_.published_at is not None:
                raise CoproError(f"--round {round_id}: that round is published; import into "
                                 "a new round (leave out --round)")
        elif new:
            now = timezone.now()
            round_ = Round.objects.create(area_code=code, instrument_version=instrument.version,
                                          label=label[:100] or f"imported from {file.name}"[:100],
                                          imported=True, opened_at=now, closed_at=now)
        for answers, key in new:
            store.save_response(round_, audience, answers, client="", token=None,
                                source="import", import_key=key)
        ImportedFile.objects.create(area_code=code, audience=audience,
                                    file_hash=imported.file_hash, rows_added=len(new),
                                    round=round_)
    return round_


@survey_group.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Delete free text from rounds closed more than this many days ago "
                   "(default: COPRO_SURVEY_RETENTION_DAYS, else 365).")
def purge_command(days: int | None) -> None:
    """Delete the free text of answers older than the retention period, expired sessions and
    the rate limit's old counters (run it daily)."""
    setup_database()
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from copro.web.survey import config
    from copro.web.survey.models import Response

    days = config.retention_days() if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    old = Response.objects.filter(Q(round__closed_at__lte=cutoff)
                                  | Q(round__closed_at__isnull=True, submitted_at__lte=cutoff)
                                  ).exclude(free_text="")
    n = old.update(free_text="", free_text_purged_at=timezone.now())
    from copro.web.survey.models import SubmissionCount

    # the rate limit's counters (keyed hashes by the hour) are needed for an hour only
    SubmissionCount.objects.filter(hour__lt=timezone.now() - timedelta(days=1)).delete()
    from django.core.management import call_command

    call_command("clearsessions")  # expired sessions, with any answers left in progress
    from copro.web.accounts import audit

    audit.record(audit.PURGE, actor=audit.COMMAND_LINE,
                 detail=f"written answers of {n} response(s) older than {days} days deleted")
    click.echo(f"copro: deleted the written answers of {n} response(s) older than {days} days",
               err=True)


@click.group("users")
def users_group() -> None:
    """Accounts for the website: survey coordinators, one local authority each."""


@users_group.command("create")
@click.argument("username")
@account_options
@click.option("--password-env", default="COPRO_NEW_PASSWORD", show_default=True,
              help="Read the password from this environment variable (else it is asked for).")
def users_create_command(username, la, forum, is_admin, password_env) -> None:
    """Create a coordinator account tied to one LA (or an administrator). Its authenticator
    app is set up from a link sent with `copro users enrol` (prefer `copro users invite`,
    which does both by email)."""
    code = account_area(la, is_admin)
    password = os.environ.get(password_env) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    setup_database()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from copro.web.survey.models import Coordinator

    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise CoproError(f"a user called '{username}' already exists")
    user = User(username=username, is_staff=is_admin, is_superuser=is_admin)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CoproError("password: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        user.set_password(password)
        user.save()
        if code:
            Coordinator.objects.create(user=user, area_code=code, forum=forum[:200])
    what = "administrator" if is_admin else f"coordinator for {code}"
    from copro.web.accounts import audit

    audit.record(audit.ACCOUNT, actor=audit.COMMAND_LINE, area_code=code or "",
                 subject=username,
                 detail=f"created as {'administrator' if is_admin else 'coordinator'}")
    click.echo(f"copro: created {what} '{username}'; it signs in with its password, and sets up "
               f"an authenticator app only from a link: copro users enrol {username}", err=True)
