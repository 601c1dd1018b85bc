"""``copro db backup FILE`` and ``copro db restore FILE``: the website's whole database, while
it serves.

- SQLite: SQLite's online backup API (a consistent copy while answers keep arriving; WAL lets
  writers go on), written to ``FILE.part`` and renamed, as a self-contained database file;
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot) and ``pg_restore --clean
  --single-transaction``, Debian's PostgreSQL client tools (the newest installed).

The file is signed: a first line ``COPRO-BACKUP 1``, a one-line JSON manifest (the kind of
database, the payload's size and SHA-256, its migrations and tables, the key's id) with an
HMAC-SHA-256 signature under the integrity key (:mod:`copro.web.integrity`, kept outside the
database and so outside every backup), then the database itself. A restore checks, before
touching the live database: the signature (a file edited after it was made, or signed with
another key, is refused), the payload's size and SHA-256, then the payload's migration state and
tables against this version of copro's. Any mismatch is one line and exit 2, and the live
database is left as it was. Connection settings reach pg_dump/pg_restore through the environment
(PGHOST, PGPASSWORD ...), never the command line.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from copro.errors import CoproError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
BACKUP_MAGIC = b"COPRO-BACKUP 1\n"
_MANIFEST_MAX = 1 << 20
_CHUNK = 1 << 20


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
    """Write the database to ``dest``, signed; returns what was written, in words."""
    db = _database()
    dest = Path(dest)
    if dest.is_dir():
        raise CoproError(f"{dest}: is a folder; give a file name")
    if not dest.parent.is_dir():
        raise CoproError(f"{dest.parent}: no such folder")
    payload = dest.with_name(dest.name + ".payload.part")
    part = dest.with_name(dest.name + ".part")
    try:
        if _is_sqlite(db):
            if not Path(db["NAME"]).is_file():
                raise CoproError(f"{db['NAME']}: no database yet (run `copro db migrate`)")
            src = sqlite3.connect(db["NAME"], timeout=60)
            out = sqlite3.connect(payload)
            try:
                src.backup(out)  # one consistent snapshot; writers in WAL mode carry on
                out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                out.close()
                src.close()
            kind, what = "sqlite", "SQLite database (online backup)"
        else:
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={payload}"], _pg_env(db), "pg_dump")
            kind, what = "postgresql", "PostgreSQL database (pg_dump, custom format)"
        manifest = _sign({
            "database": kind, "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "payload_bytes": payload.stat().st_size, "payload_sha256": _sha256(payload),
            "migrations": sorted(map(list, _payload_migrations(kind, payload))),
            "tables": sorted(_payload_tables(kind, payload))})
        with part.open("wb") as out, payload.open("rb") as body:
            out.write(BACKUP_MAGIC)
            out.write(json.dumps(manifest, sort_keys=True).encode() + b"\n")
            shutil.copyfileobj(body, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, dest)
    finally:
        payload.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return what + ", signed"


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _signed_text(manifest: dict) -> str:
    return json.dumps({k: v for k, v in manifest.items() if k != "signature"}, sort_keys=True)


def _sign(manifest: dict) -> dict:
    from copro.web import integrity

    manifest = {**manifest, "key_id": integrity.key_id()}
    return {**manifest, "signature": integrity.mac("copro backup", _signed_text(manifest))}


def _payload_migrations(kind: str, path: Path) -> set[tuple[str, str]]:
    return _sqlite_migrations(path) if kind == "sqlite" else _pg_dump_migrations(path)


def _payload_tables(kind: str, path: Path) -> set[str]:
    if kind == "sqlite":
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                              "'table' AND name NOT LIKE 'sqlite_%'")}
        except sqlite3.DatabaseError:
            raise CoproError(f"{path}: not a copro backup (not a database)") from None
        finally:
            con.close()
    proc = _run([_pg_tool("pg_restore"), "--list", str(path)], dict(os.environ), f"{path}")
    tables = set()
    for line in proc.stdout.splitlines():
        parts = line.split()  # "215; 1259 16390 TABLE public accounts_auditevent copro"
        if len(parts) >= 7 and parts[3] == "TABLE" and parts[4] != "DATA":
            tables.add(parts[5])
    return tables


def expected_tables() -> set[str]:
    """Every table this version of copro's database has."""
    from django.db import connection

    return set(connection.introspection.django_table_names(include_views=False)) | {
        "django_migrations"}


def check_tables(path, found: set[str]) -> None:
    expected = expected_tables()
    if found != expected:
        missing, extra = sorted(expected - found), sorted(found - expected)
        example = (f"it lacks the table {missing[0]}" if missing
                   else f"it has a table {extra[0]}, unknown here")
        raise CoproError(f"{path}: its tables do not match this copro version's ({example}); "
                         "not restored")


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


def _read_manifest(src: Path, fh, site: str) -> dict:
    head = fh.read(len(SQLITE_MAGIC))
    fh.seek(len(BACKUP_MAGIC))
    if not head.startswith(BACKUP_MAGIC):
        if head.startswith(SQLITE_MAGIC) or head.startswith(PGDUMP_MAGIC):
            raise CoproError(f"{src}: an unsigned database file, not a signed copro backup (made "
                             "by an older copro, or by hand); make a new one with `copro db "
                             "backup`")
        raise CoproError(f"{src}: not a copro backup")
    line = fh.readline(_MANIFEST_MAX)
    try:
        manifest = json.loads(line)
        if not isinstance(manifest, dict):
            raise ValueError
    except ValueError:
        raise CoproError(f"{src}: a damaged copro backup (its manifest cannot be read)"
                         ) from None
    if manifest.get("database") != site:  # said before the signature: the likelier mistake
        theirs = {"sqlite": "a SQLite", "postgresql": "a PostgreSQL"}.get(
            manifest.get("database"), "another kind of")
        raise CoproError(f"{src}: {theirs} database's backup; this site's database is "
                         f"{'SQLite' if site == 'sqlite' else 'PostgreSQL'}")
    from copro.web import integrity

    signature = str(manifest.get("signature", ""))
    if not integrity.matches(signature, "copro backup", _signed_text(manifest)):
        if manifest.get("key_id") not in (None, integrity.key_id()):
            raise CoproError(f"{src}: signed with another integrity key (key id "
                             f"{str(manifest.get('key_id'))[:12]}; this site's is "
                             f"{integrity.key_id()}): set COPRO_INTEGRITY_KEY to the key of "
                             "the site that made it (docs/deploy.md)")
        raise CoproError(f"{src}: its signature does not match: the backup was changed after "
                         "it was made; not restored")
    return manifest


def _unpack(src: Path, fh, manifest: dict, folder: Path) -> Path:
    """The payload into a file in ``folder``, checked against the signed size and SHA-256."""
    fd, name = tempfile.mkstemp(prefix=".copro-restore-", dir=folder)
    payload = Path(name)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if (size != manifest.get("payload_bytes")
                or digest.hexdigest() != manifest.get("payload_sha256")):
            raise CoproError(f"{src}: its contents do not match its signed manifest (changed or "
                             "cut short after it was made); not restored")
    except BaseException:
        payload.unlink(missing_ok=True)
        raise
    return payload


def restore(src: Path) -> str:
    """Replace the database's contents with the signed backup ``src`` (of the same schema),
    after every check; the live database is not touched if any fails."""
    db = _database()
    src = Path(src)
    try:
        fh = src.open("rb")
    except OSError as exc:
        raise CoproError(f"{src}: {exc.strerror or exc}") from None
    site = "sqlite" if _is_sqlite(db) else "postgresql"
    with fh:
        manifest = _read_manifest(src, fh, site)
        if site == "sqlite":
            folder = Path(db["NAME"]).parent
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = Path(tempfile.gettempdir())
        payload = _unpack(src, fh, manifest, folder)
    try:
        check_schema(src, _payload_migrations(site, payload))
        check_tables(src, _payload_tables(site, payload))
        if site == "sqlite":
            backup_ = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
            live = sqlite3.connect(db["NAME"], timeout=60)
            try:
                backup_.backup(live)  # page by page, under SQLite's lock: whole or nothing
            finally:
                live.close()
                backup_.close()
            return "SQLite database"
        _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
              "--no-privileges", "--single-transaction", "--exit-on-error",
              f"--dbname={db['NAME']}", str(payload)], _pg_env(db), "pg_restore")
        return "PostgreSQL database"
    finally:
        payload.unlink(missing_ok=True)
