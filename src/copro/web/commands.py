"""``copro serve`` and ``copro db``: the website and its database.

Django (and the database drivers) are imported only when one of these commands runs, so
``copro audit`` starts as fast as before.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import click

from copro.errors import CoproError


def setup_django() -> None:
    """Configure Django with copro's settings (environment variables; see settings.py)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "copro.web.settings")
    import django

    django.setup()


@contextmanager
def _database_errors():
    """A database that cannot be reached or used: one line, exit 2, no traceback."""
    from django.db import DatabaseError

    try:
        yield
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        text = first.lower()
        advice = ""
        if "disk is full" in text or "no space" in text:
            advice = "; free some space, or set COPRO_DATA_DIR to a folder on another disk"
        elif "readonly" in text or "read-only" in text or "unable to open" in text:
            advice = "; set COPRO_DATA_DIR to a folder you can write to"
        raise CoproError(f"{_database_named()}: {first}{advice}") from None


def _database_named() -> str:
    """The database as a person can find it: the SQLite file, or PostgreSQL's database and
    host (never its password)."""
    from django.db import connection

    settings = connection.settings_dict
    if "sqlite" in settings.get("ENGINE", ""):
        return f"database {settings.get('NAME')}"
    return f"database {settings.get('NAME')} on {settings.get('HOST') or 'localhost'}"


def migrate(verbosity: int = 0) -> None:
    """Create or bring up to date every table (SQLite or PostgreSQL)."""
    from django.core.management import call_command

    with _database_errors():
        call_command("migrate", interactive=False, verbosity=verbosity)


def ensure_bundled_data() -> None:
    """On a database with no DfE dataset, import the bundled file."""
    from copro.web.explorer.importing import import_dfe
    from copro.web.explorer.store import current_dataset

    with _database_errors():
        if current_dataset(fresh=True) is None:
            imported = import_dfe()
            click.echo(f"copro: imported the bundled data ({imported.dataset.source})", err=True)


def warm_pages() -> None:
    """Draw every local authority's page (and the index and methods page) not already kept in
    the database for the current dataset, so that every worker serves them from its first
    request (copro.web.explorer.pagecache)."""
    import time

    from copro.web.explorer import pagecache
    from copro.web.explorer.store import current_dataset

    start = time.perf_counter()
    with _database_errors():
        dataset = current_dataset(fresh=True)
        drawn = 0 if dataset is None else pagecache.warm(dataset)
    if drawn:
        click.echo(f"copro: drew {drawn} pages for every worker in "
                   f"{time.perf_counter() - start:.1f} s", err=True)


def hold_pages() -> None:
    """Read every page :func:`warm_pages` keeps into this process's memory, before gunicorn
    forks: every worker starts holding them (shared, copy-on-write), so its first requests
    are answered from memory, not from the database."""
    from copro.web.explorer.store import current_dataset
    from copro.web.explorer.views import hold_every_page

    with _database_errors():
        dataset = current_dataset(fresh=True)
        if dataset is not None:
            hold_every_page(dataset)


#: in STATIC_ROOT: the fingerprint of the sources the files there were collected from
COLLECTED_FROM = ".copro-collected-from"


def collect_static() -> None:
    """Copy the built assets (``make assets``) where WhiteNoise serves them from, with hashed
    names and compressed copies. Fails with a clear message if they were never built.

    Skipped when the files there were collected from these very sources (the fingerprint in
    :data:`COLLECTED_FROM`, written after a collection completes) and every file the manifest
    names is still there: collecting again compresses every file anew (~0.45 s of CPU at each
    start of ``copro serve``) to write the same bytes."""
    from django.conf import settings
    from django.core.management import call_command

    css = Path(settings.STATICFILES_DIRS[0]) / "copro" / "copro.css"
    if not css.is_file():
        raise CoproError(f"{css}: the stylesheet has not been built; run `make assets` "
                         "(npm ci, then the GOV.UK Frontend Sass build) or `make serve`")
    root = Path(settings.STATIC_ROOT)
    stamp = root / COLLECTED_FROM
    fingerprint = _static_sources_fingerprint()
    if _collected(root) and stamp.is_file() and stamp.read_text() == fingerprint:
        return
    stamp.unlink(missing_ok=True)  # a collection cut short leaves no stamp
    call_command("collectstatic", interactive=False, verbosity=0)
    partial = stamp.with_name(stamp.name + ".partial")
    partial.write_text(fingerprint)
    partial.replace(stamp)


def _static_sources_fingerprint() -> str:
    """SHA-256 of every static source file (its name and bytes, finder by finder, as
    collectstatic finds them), the static URL and storage, and the versions of Django and
    WhiteNoise that collect them (~130 files, 1.6 MB: a few ms)."""
    import hashlib
    from importlib.metadata import version

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(
        f"{settings.STATIC_URL}\n{settings.STORAGES['staticfiles']['BACKEND']}\n"
        f"django {version('django')}\nwhitenoise {version('whitenoise')}\n".encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list(None), key=lambda found: found[0]):
            with storage.open(path) as fh:
                content = fh.read()
            digest.update(f"{path}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


def _collected(root: Path) -> bool:
    """Whether ``root`` holds the storage's manifest and every file it names (original and
    hashed)."""
    import json

    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = root / staticfiles_storage.manifest_name
    try:
        paths = json.loads(manifest.read_text())["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return all((root / name).is_file() and (root / hashed).is_file()
               for name, hashed in paths.items())


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: 2 per CPU core, at most 8).")
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True,
              help="Threads per worker.")
@click.option("--despite-broken-audit-log", "despite_broken", is_flag=True,
              help="Serve even though `copro db verify` finds the audit log or the tables "
                   "broken (after you have looked into it; see docs/deploy.md).")
def serve_command(host: str, port: int, workers: int | None, threads: int,
                  despite_broken: bool) -> None:
    """Run the website (gunicorn, a production WSGI server) on HOST:PORT.

    With no configuration it creates and migrates a SQLite database in the data folder
    (COPRO_DATA_DIR, default ~/.local/share/copro) and imports the bundled DfE data;
    COPRO_DATABASE_URL points it at PostgreSQL instead."""
    setup_django()
    from django.conf import settings

    from copro.web.survey import config

    if settings.HTTPS and config.notice_is_template():
        raise CoproError("COPRO_HTTPS=1 but the privacy notice is still the template: set "
                         "COPRO_SURVEY_CONTROLLER (the data controller) and COPRO_SURVEY_CONTACT "
                         "(how to reach them), see docs/deploy.md")
    migrate()
    problem = integrity_problem()
    if problem is not None:
        if not despite_broken:
            raise CoproError(f"{problem}; not serving: the database was changed outside copro "
                             "(see docs/deploy.md, 'The audit log is broken'), or serve anyway "
                             "with --despite-broken-audit-log")
        click.echo(f"copro: WARNING: {problem}; serving anyway (--despite-broken-audit-log)",
                   err=True)
    ensure_bundled_data()
    collect_static()
    from copro.web.explorer.store import current_dataset, findings_for

    with _database_errors():
        findings_for(current_dataset(fresh=True))  # computed once, before the workers fork
    warm_pages()
    hold_pages()
    from django.db import connections

    connections.close_all()  # each worker opens its own: a forked socket is not shareable
    from copro.web.server import run

    workers = workers or min(8, 2 * (os.cpu_count() or 1))
    click.echo(f"copro: serving on http://{host}:{port}/ ({workers} workers x {threads} "
               "threads); Ctrl+C stops", err=True)
    run(host, port, workers, threads)


@click.group("db")
def db_group() -> None:
    """The website's database: create its tables, import data, list what it holds, back it up
    and restore it.

    SQLite in the data folder unless COPRO_DATABASE_URL names another database."""


@db_group.command("migrate")
def db_migrate_command() -> None:
    """Create the tables, or bring them up to date."""
    setup_django()
    migrate(verbosity=1)


@db_group.command("import")
@click.option("--dfe", "dfe", type=click.Path(path_type=Path), default=None,
              help="A DfE EHC plans 'requests' CSV (default, with no option: the bundled file).")
@click.option("--foi", "foi", type=click.Path(path_type=Path), default=None,
              help="A folder of completed FOI returns.")
@click.option("--year", default=None, help="With --foi: the calendar year of the returns.")
@click.option("--sen2", "sen2", type=click.Path(path_type=Path), default=None,
              help="SEN2 returns (file or folder), stored as aggregate counts only.")
@click.option("--suppress-below", type=click.IntRange(min=1), default=5, show_default=True,
              help="With --sen2: withhold counts from 1 to this minus 1.")
def db_import_command(dfe, foi, year, sen2, suppress_below) -> None:
    """Import a dataset (counts and provenance) into the database."""
    if sum(x is not None for x in (dfe, foi, sen2)) > 1:
        raise CoproError("--dfe, --foi and --sen2 cannot be combined: import one at a time")
    setup_django()
    migrate()
    from copro.web.explorer import importing

    with _database_errors():
        if foi is not None:
            imported, rejected = importing.import_foi(foi, year)
            for message in rejected:
                click.echo(f"copro: warning: return rejected, not imported: {message}",
                           err=True)
        elif sen2 is not None:
            imported = importing.import_sen2(sen2, suppress_below)
        else:
            imported = importing.import_dfe(dfe)
    d = imported.dataset
    try:
        collect_static()  # the pages drawn next name the stylesheet's hashed file
    except CoproError:
        click.echo("copro: the stylesheet has not been built (`make assets`): pages are drawn "
                   "when `copro serve` starts instead", err=True)
    else:
        warm_pages()
    if imported.created:
        click.echo(f"copro: imported {d.source} as dataset '{d.slug}' ({d.counts.count():,} "
                   f"counts, {d.areas.count()} areas, periods {d.periods}; SHA-256 {d.sha256})",
                   err=True)
    else:
        click.echo(f"copro: {d.source} was already imported as dataset '{d.slug}' "
                   f"(same SHA-256); nothing changed", err=True)


@db_group.command("list")
def db_list_command() -> None:
    """The datasets held, newest first."""
    setup_django()
    migrate()
    from copro.web.explorer.models import Dataset

    with _database_errors():
        for d in Dataset.objects.all():
            click.echo(f"{d.slug}\t{d.kind}\t{d.source}\t{d.periods}\t{d.sha256}\t"
                       f"{d.imported_at:%Y-%m-%d %H:%M}")


def integrity_problem() -> str | None:
    """What `copro db verify` finds wrong with the database (a missing table, a pending
    migration, a broken audit log), in one line, or None."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from copro.web import backup
    from copro.web.accounts import audit

    with _database_errors():
        missing = sorted(backup.expected_tables() - set(connection.introspection.table_names()))
        if missing:
            return (f"{_database_named()}: the table {missing[0]} is missing"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return f"{_database_named()}: not up to date; run `copro db migrate` first"
        checked = audit.verify()
    return None if checked.intact else f"{_database_named()}: {checked.broken}"


@db_group.command("verify")
def db_verify_command() -> None:
    """Check the database: every table present and the audit log's chain unbroken (no entry
    deleted or changed since it was written). Exit 2 with the first problem, in one line."""
    setup_django()
    problem = integrity_problem()
    if problem is not None:
        raise CoproError(problem)
    from copro.web.accounts import audit

    with _database_errors():
        n = audit.verify().entries
    click.echo(f"copro: {_database_named()} is intact: every table present, the audit log's "
               f"{n:,} entr{'y' if n == 1 else 'ies'} unbroken", err=True)


@db_group.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
def db_backup_command(file: Path) -> None:
    """Copy the whole database to FILE while the site runs (SQLite: its online backup API;
    PostgreSQL: pg_dump's custom format)."""
    setup_django()
    from copro.web import backup
    from copro.web.accounts import audit

    with _database_errors():
        audit.record(audit.BACKUP, actor=audit.COMMAND_LINE, subject=file.name)
        what = backup.backup(file)
    click.echo(f"copro: backed up the {what} to {file}", err=True)


@db_group.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore_command(file: Path, yes: bool) -> None:
    """Replace the database's contents with the backup FILE (made by `copro db backup` of this
    copro version, signed with this site's integrity key: a file changed since, signed with
    another key, of another schema version or with other tables is refused, and the database
    left as it was). Stop `copro serve` first."""
    setup_django()
    from copro.web import backup
    from copro.web.accounts import audit

    if not yes and not click.confirm(f"Replace everything in the database with {file}?"):
        raise CoproError("not restored")
    with _database_errors():
        what = backup.restore(file)
        from django.db import connections

        connections.close_all()  # the tables were replaced under Django's connection
        audit.record(audit.RESTORE, actor=audit.COMMAND_LINE, subject=file.name)
    click.echo(f"copro: restored the {what} from {file}", err=True)
    problem = integrity_problem()
    if problem is not None:
        click.echo(f"copro: WARNING: {problem} (it was so when backed up)", err=True)
