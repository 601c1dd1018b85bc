"""``copro db backup FILE`` and ``copro db restore FILE``: the website's whole database, while
it serves.

- SQLite: SQLite's online backup API (a consistent copy while answers keep arriving; WAL lets
  writers go on), written to ``FILE.part`` and renamed, as a self-contained database file;
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot) and ``pg_restore --clean
  --single-transaction``, Debian's PostgreSQL client tools (the newest installed).

A restore first reads the file's migration state (its ``django_migrations`` rows) and refuses
a file whose schema differs from this version of copro's, with one line, before touching the
database. Connection settings reach pg_dump/pg_restore through the environment (PGHOST,
PGPASSWORD ...), never the command line.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from copro.errors import CoproError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def _database() -> dict:
    from django.conf import settings

    return settings.DATABASES["default"]


def _is_sqlite(db: dict) -> bool:
    return db["ENGINE"] == "django.db.backends.sqlite3"


def expected_migrations() -> set[tuple[str, str]]:
    """Every migration this version of copro has: (app, name)."""
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    tool = found[-1] if found else shutil.which(name)
    if tool is None:
        raise CoproError(f"{name} is not installed (Debian package 'postgresql-client')")
    return tool


def _pg_env(db: dict) -> dict:
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGCONNECT_TIMEOUT": "30"}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(args: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [x for x in proc.stderr.strip().splitlines() if x.strip()]
        raise CoproError(f"{what}: {lines[-1] if lines else f'exit {proc.returncode}'}")
    return proc


def backup(dest: Path) -> str:
    """Write the database to ``dest``; returns what was written, in words."""
    db = _database()
    dest = Path(dest)
    if dest.is_dir():
        raise CoproError(f"{dest}: is a folder; give a file name")
    if not dest.parent.is_dir():
        raise CoproError(f"{dest.parent}: no such folder")
    part = dest.with_name(dest.name + ".part")
    if _is_sqlite(db):
        if not Path(db["NAME"]).is_file():
            raise CoproError(f"{db['NAME']}: no database yet (run `copro db migrate`)")
        src = sqlite3.connect(db["NAME"], timeout=60)
        out = sqlite3.connect(part)
        try:
            src.backup(out)  # one consistent snapshot; writers in WAL mode carry on
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            out.close()
            src.close()
        what = "SQLite database (online backup)"
    else:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={part}"], _pg_env(db), "pg_dump")
        what = "PostgreSQL database (pg_dump, custom format)"
    os.replace(part, dest)
    return what


def _sqlite_migrations(path: Path) -> set[tuple[str, str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {(a, n) for a, n in con.execute("SELECT app, name FROM django_migrations")}
    except sqlite3.DatabaseError:
        raise CoproError(f"{path}: not a copro backup (no migration state in it)") from None
    finally:
        con.close()


def _pg_dump_migrations(path: Path) -> set[tuple[str, str]]:
    proc = _run([_pg_tool("pg_restore"), "--data-only", "--table=django_migrations",
                 "--file=-", str(path)], dict(os.environ), f"{path}")
    rows, inside = set(), False
    for line in proc.stdout.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            inside = True
        elif inside and line == "\\.":
            break
        elif inside:
            fields = line.split("\t")
            if len(fields) >= 3:
                rows.add((fields[1], fields[2]))
    if not rows:
        raise CoproError(f"{path}: not a copro backup (no migration state in it)")
    return rows


def check_schema(path: Path, found: set[tuple[str, str]]) -> None:
    expected = expected_migrations()
    if found != expected:
        newer, older = sorted(found - expected), sorted(expected - found)
        example = (f"it has {newer[0][0]}.{newer[0][1]}, unknown here" if newer
                   else f"it lacks {older[0][0]}.{older[0][1]}")
        raise CoproError(f"{path}: made by another schema version ({example}); restore it with "
                         "the copro version that made it")


def restore(src: Path) -> str:
    """Replace the database's contents with the backup ``src`` (of the same schema)."""
    db = _database()
    src = Path(src)
    try:
        with src.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise CoproError(f"{src}: {exc.strerror or exc}") from None
    if _is_sqlite(db):
        if not head.startswith(SQLITE_MAGIC):
            kind = "a PostgreSQL dump" if head.startswith(PGDUMP_MAGIC) else "not a backup"
            raise CoproError(f"{src}: {kind}; this site's database is SQLite")
        check_schema(src, _sqlite_migrations(src))
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        backup_ = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        live = sqlite3.connect(db["NAME"], timeout=60)
        try:
            backup_.backup(live)  # page by page, under SQLite's lock: whole or nothing
        finally:
            live.close()
            backup_.close()
        return "SQLite database"
    if not head.startswith(PGDUMP_MAGIC):
        kind = "a SQLite database" if head.startswith(SQLITE_MAGIC) else "not a backup"
        raise CoproError(f"{src}: {kind}; this site's database is PostgreSQL (pg_dump -Fc)")
    check_schema(src, _pg_dump_migrations(src))
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={db['NAME']}", str(src)],
         _pg_env(db), "pg_restore")
    return "PostgreSQL database"
