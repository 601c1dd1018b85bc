"""`copro db backup` while answers arrive, and `copro db restore` of it into an empty database:
every answer acknowledged before the backup started is in the restored copy, on SQLite (the
online backup API) and on PostgreSQL (pg_dump/pg_restore); a backup of another schema
version, or of the other kind of database, is refused with one line and exit 2."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time

import pytest

from tests.web.serve import COPRO, server_env, start_serve
from tests.web.survey_load import Submitters, new_database, open_round

MIGRATIONS = "django_migrations"


def copro(data_dir, database_url, *args) -> subprocess.CompletedProcess:
    return subprocess.run([COPRO, "db", *args], env=server_env(data_dir, database_url),
                          capture_output=True, text=True, timeout=600)


def stored_tokens(data_dir, database_url) -> set[str]:
    sql = "select submission_token from survey_response"
    if database_url is None:
        with sqlite3.connect(data_dir / "copro.sqlite3") as con:
            return {t for (t,) in con.execute(sql)}
    import psycopg

    with psycopg.connect(database_url) as con:
        return {t for (t,) in con.execute(sql)}


def execute(data_dir, database_url, sql: str) -> None:
    if database_url is None:
        with sqlite3.connect(data_dir / "copro.sqlite3") as con:
            con.execute(sql)
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as con:
        con.execute(sql)


def round_trip_under_load(tmp_path, database_url, restored_url, seeded):
    data_dir = tmp_path / "data"
    seeded.copy(data_dir, database_url)  # a site after its first start (tests/web/seed.py)
    env = {**server_env(data_dir, database_url), "COPRO_SURVEY_RATE_LIMIT": "1000000"}
    proc, url = start_serve(env, data_dir / "serve.log")
    backup = tmp_path / "copro.backup"
    try:
        open_round(data_dir, database_url)
        load = Submitters(url, clients=6).start()
        time.sleep(3)
        before = set(load.acknowledged)  # acknowledged before the backup starts
        r = copro(data_dir, database_url, "backup", str(backup))
        time.sleep(1)
        load.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert r.returncode == 0, r.stderr
    assert len(before) >= 20, f"only {len(before)} answers before the backup"
    during = set(load.acknowledged) - before
    assert during, "no answer arrived while the backup ran: not under load"
    assert load.errors == 0

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    # another machine: the site's integrity key (kept outside the backup) is copied there first
    shutil.copy(data_dir / "integrity_key", restored_dir / "integrity_key")
    r = copro(restored_dir, restored_url, "restore", "--yes", str(backup))
    assert r.returncode == 0, r.stderr
    restored = stored_tokens(restored_dir, restored_url)
    missing = before - restored
    assert missing == set(), f"{len(missing)} answers acknowledged before the backup are lost"
    assert restored <= set(load.acknowledged) | before
    # the restored database serves
    proc, url = start_serve(server_env(restored_dir, restored_url), restored_dir / "serve.log")
    proc.terminate()
    proc.wait(timeout=30)

    # another schema version is refused before anything changes
    execute(restored_dir, restored_url,
            f"insert into {MIGRATIONS} (app, name, applied) values "
            "('survey', '9999_from_the_future', CURRENT_TIMESTAMP)")
    future = tmp_path / "future.backup"
    assert copro(restored_dir, restored_url, "backup", str(future)).returncode == 0
    execute(restored_dir, restored_url,
            f"delete from {MIGRATIONS} where name = '9999_from_the_future'")
    r = copro(restored_dir, restored_url, "restore", "--yes", str(future))
    assert r.returncode == 2, r.stderr
    assert "another schema version" in r.stderr and "9999_from_the_future" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert stored_tokens(restored_dir, restored_url) == restored
    return backup


def test_backup_and_restore_under_load_sqlite(tmp_path, seeded):
    backup = round_trip_under_load(tmp_path, None, None, seeded)
    assert backup.read_bytes().startswith(b"COPRO-BACKUP 1\n")  # signed (test_history.py)


def test_backup_and_restore_under_load_postgresql(tmp_path, postgres_url, seeded):
    backup = round_trip_under_load(tmp_path, new_database(postgres_url, "copro_backup"),
                                   new_database(postgres_url, "copro_restored"), seeded)
    # a PostgreSQL dump is refused by a SQLite site, and a file that is no backup by either
    empty = tmp_path / "empty"
    empty.mkdir()
    for f in (backup, tmp_path / "restored" / "serve.log"):
        r = copro(empty, None, "restore", "--yes", str(f))
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "a PostgreSQL database's backup" in copro(empty, None, "restore", "--yes",
                                                     str(backup)).stderr


def test_the_audit_log_refuses_update_and_delete_on_postgresql(tmp_path, postgres_url):
    """Below the model: the trigger refuses UPDATE and DELETE from any client (psql, a script),
    while INSERT works."""
    import psycopg

    url = new_database(postgres_url, "copro_audit_trigger")
    r = copro(tmp_path, url, "migrate")
    assert r.returncode == 0, r.stderr
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("insert into accounts_auditevent (at, actor, action, area_code, subject, "
                    "detail) values (now(), 'a', 'purge', '', '', '')")
        for sql in ("update accounts_auditevent set actor = 'b'",
                    "delete from accounts_auditevent"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                con.execute(sql)
        assert con.execute("select actor from accounts_auditevent").fetchall() == [("a",)]
