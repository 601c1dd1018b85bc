"""History that cannot be rewritten unnoticed (issue 27, item 5), each attack replayed through
the installed `copro` command on a real SQLite file and a real PostgreSQL cluster:

- an edited backup (audit rows deleted, a round changed, a table dropped; the manifest's hash
  recomputed), a truncated one, one signed with another key, and a correctly signed backup of a
  database with a table dropped are all refused by `copro db restore --yes` with one line and
  exit 2, the live database left exactly as it was; the same backup restores on a "new
  machine" once the integrity key is given there;
- an audit entry deleted, edited, or cut from the end of the log is found by `copro db verify`
  (exit 2, one line naming the first broken entry), and `copro serve` refuses to start;
- several processes of several threads appending at once leave one unbroken chain.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess

import pytest

from tests.web.serve import COPRO, server_env
from tests.web.survey_load import COPRO_PY, new_database, open_round

#: appends ``n`` audit entries from each of ``threads`` threads, through audit.record
APPEND = """
import sys, threading
from copro.web.commands import setup_django
setup_django()
from django.db import connections
from copro.web.accounts import audit
name, threads, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
barrier = threading.Barrier(threads)
def run(t):
    barrier.wait()
    for i in range(n):
        audit.record(audit.PURGE, actor=audit.COMMAND_LINE, detail=f"{name} {t} {i}")
    connections.close_all()
workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
"""


def copro(env: dict, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([COPRO, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def one_line_exit_2(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def append(env: dict, processes: int = 1, threads: int = 1, n: int = 5) -> None:
    procs = [subprocess.Popen([COPRO_PY, "-c", APPEND, f"p{p}", str(threads), str(n)], env=env,
                              stderr=subprocess.PIPE, text=True) for p in range(processes)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err


def site(tmp_path, name: str, database_url: str | None, **extra) -> dict:
    data_dir = tmp_path / name
    data_dir.mkdir()
    env = {**server_env(data_dir, database_url), **extra}
    r = copro(env, "db", "migrate")
    assert r.returncode == 0, r.stderr
    return env


def query(env: dict, sql: str, *params) -> list:
    url = env.get("COPRO_DATABASE_URL")
    if url is None:
        with sqlite3.connect(f"{env['COPRO_DATA_DIR']}/copro.sqlite3") as con:
            return con.execute(sql, params).fetchall()
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        cur = con.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []


def tamper(env: dict, sql: str) -> None:
    """What someone with the database's password does: on PostgreSQL the append-only
    trigger is first switched off (the table's owner may)."""
    url = env.get("COPRO_DATABASE_URL")
    if url is None:
        with sqlite3.connect(f"{env['COPRO_DATA_DIR']}/copro.sqlite3") as con:
            con.execute(sql)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER "
                    "accounts_auditevent_append_only")
        con.execute(sql)
        con.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER "
                    "accounts_auditevent_append_only")


def everything(env: dict) -> list:
    """The live database's contents that matter here, to compare before and after."""
    return [query(env, "select * from accounts_auditevent order by id"),
            query(env, "select * from accounts_audithead"),
            query(env, "select id, label, closed_at, published_at from survey_round order by id"),
            query(env, "select count(*) from survey_response")]


# -- the audit log's chain -------------------------------------------------------------------

def chain_attacks(env: dict) -> None:
    append(env, processes=3, threads=4, n=10)  # 120 entries written at once
    r = copro(env, "db", "verify")
    assert r.returncode == 0, r.stderr
    assert "120 entries unbroken" in r.stderr
    ids = [i for (i,) in query(env, "select id from accounts_auditevent order by id")]
    assert len(ids) == 120
    hashes = query(env, "select previous_hash from accounts_auditevent")
    assert len({h for (h,) in hashes}) == 120  # no two entries chained onto the same one

    # an edited entry is named
    tamper(env, f"update accounts_auditevent set detail = 'nothing happened' where id = {ids[40]}")
    one_line_exit_2(copro(env, "db", "verify"), f"audit entry {ids[40]} ", "was changed")
    # serve refuses to start, saying why and what to do
    one_line_exit_2(copro(env, "serve", "--port", "0", timeout=300),
                    f"audit entry {ids[40]} ", "not serving", "--despite-broken-audit-log")


def deleted_entries(env: dict) -> None:
    append(env, n=20)
    ids = [i for (i,) in query(env, "select id from accounts_auditevent order by id")]
    tamper(env, f"delete from accounts_auditevent where id in ({ids[7]}, {ids[8]})")
    one_line_exit_2(copro(env, "db", "verify"), f"audit entry {ids[9]} ",
                    f"deleted after entry {ids[6]}")


def tail_cut(env: dict) -> None:
    append(env, n=10)
    ids = [i for (i,) in query(env, "select id from accounts_auditevent order by id")]
    tamper(env, f"delete from accounts_auditevent where id >= {ids[7]}")
    one_line_exit_2(copro(env, "db", "verify"), "3 entries deleted from its end",
                    f"after audit entry {ids[6]}")


def test_the_audit_chain_under_concurrent_writers_and_an_edit_sqlite(tmp_path):
    chain_attacks(site(tmp_path, "site", None))


def test_the_audit_chain_under_concurrent_writers_and_an_edit_postgresql(tmp_path,
                                                                        postgres_url):
    chain_attacks(site(tmp_path, "site", new_database(postgres_url, "copro_history_chain")))


@pytest.mark.parametrize("attack", [deleted_entries, tail_cut])
def test_deleted_audit_entries_are_found_sqlite(tmp_path, attack):
    attack(site(tmp_path, "site", None))


@pytest.mark.parametrize("attack", [deleted_entries, tail_cut])
def test_deleted_audit_entries_are_found_postgresql(tmp_path, postgres_url, attack):
    attack(site(tmp_path, "site", new_database(postgres_url, f"copro_history_{attack.__name__}")))


def test_a_missing_table_is_found(tmp_path):
    env = site(tmp_path, "site", None)
    tamper(env, "drop table survey_invitationcode")
    one_line_exit_2(copro(env, "db", "verify"), "survey_invitationcode is missing")


# -- signed backups --------------------------------------------------------------------------

def split(backup) -> tuple[bytes, bytes, bytes]:
    data = backup.read_bytes()
    magic, rest = data.split(b"\n", 1)
    manifest, payload = rest.split(b"\n", 1)
    return magic + b"\n", manifest, payload


def edited_sqlite_backup(backup, out, sql: str, rehash: bool = False):
    """The backup with ``sql`` run on its database, the signed manifest kept (or, with
    ``rehash``, its size and SHA-256 recomputed for the new contents: the signature then no
    longer matches)."""
    magic, manifest, payload = split(backup)
    db = out.with_suffix(".sqlite3")
    db.write_bytes(payload)
    with sqlite3.connect(db) as con:
        con.executescript(sql)
    con.close()
    payload = db.read_bytes()
    if rehash:
        m = json.loads(manifest)
        m["payload_bytes"], m["payload_sha256"] = len(payload), hashlib.sha256(
            payload).hexdigest()
        manifest = json.dumps(m, sort_keys=True).encode()
    out.write_bytes(magic + manifest + b"\n" + payload)
    return out


def test_edited_backups_are_refused_and_the_live_database_untouched_sqlite(tmp_path):
    env = site(tmp_path, "site", None)
    open_round(tmp_path / "site", None)
    append(env, n=30)
    backup = tmp_path / "copro.backup"
    assert copro(env, "db", "backup", str(backup)).returncode == 0
    assert backup.read_bytes().startswith(b"COPRO-BACKUP 1\n")
    append(env, n=3)  # the live database moves on after the backup
    before = everything(env)
    attacks = {
        "audit rows deleted": (edited_sqlite_backup(
            backup, tmp_path / "a.backup", "delete from accounts_auditevent where id <= 20"),
            "do not match its signed manifest"),
        "a round changed": (edited_sqlite_backup(
            backup, tmp_path / "b.backup", "update survey_round set published_at = "
                                           "'2026-01-01 00:00:00'", rehash=True),
            "signature does not match"),
        "a table dropped": (edited_sqlite_backup(
            backup, tmp_path / "c.backup", "drop table survey_response", rehash=True),
            "signature does not match"),
    }
    cut = tmp_path / "cut.backup"
    cut.write_bytes(backup.read_bytes()[:-4096])
    attacks["cut short"] = (cut, "do not match its signed manifest")
    unsigned = tmp_path / "unsigned.sqlite3"
    unsigned.write_bytes(split(backup)[2])
    attacks["unsigned"] = (unsigned, "not a signed copro backup")
    for what, (path, words) in attacks.items():
        one_line_exit_2(copro(env, "db", "restore", "--yes", str(path)), words)
        assert everything(env) == before, f"{what}: the live database changed"

    # a correctly signed backup of a database with a table dropped (by the key's holder)
    broken_dir = tmp_path / "broken"
    shutil.copytree(tmp_path / "site", broken_dir)
    broken_env = server_env(broken_dir, None)
    tamper(broken_env, "drop table survey_invitationcode")
    dropped = tmp_path / "dropped.backup"
    assert copro(broken_env, "db", "backup", str(dropped)).returncode == 0
    one_line_exit_2(copro(env, "db", "restore", "--yes", str(dropped)),
                    "tables do not match", "survey_invitationcode")
    assert everything(env) == before

    # another machine, another key: refused; given the key, it restores and verifies
    elsewhere = site(tmp_path, "elsewhere", None)
    one_line_exit_2(copro(elsewhere, "db", "restore", "--yes", str(backup)),
                    "another integrity key", "COPRO_INTEGRITY_KEY")
    key = (tmp_path / "site" / "integrity_key").read_text()
    new_machine = {**elsewhere, "COPRO_INTEGRITY_KEY": key}
    r = copro(new_machine, "db", "restore", "--yes", str(backup))
    assert r.returncode == 0 and "WARNING" not in r.stderr, r.stderr
    r = copro(new_machine, "db", "verify")
    assert r.returncode == 0, r.stderr


def test_edited_backups_are_refused_and_the_live_database_untouched_postgresql(tmp_path,
                                                                              postgres_url):
    key = {"COPRO_INTEGRITY_KEY": "a test integrity key, the same on both machines"}
    env = site(tmp_path, "site", new_database(postgres_url, "copro_history_live"), **key)
    open_round(tmp_path / "site", env["COPRO_DATABASE_URL"])
    append(env, n=30)
    backup = tmp_path / "copro.backup"
    assert copro(env, "db", "backup", str(backup)).returncode == 0
    append(env, n=3)
    before = everything(env)
    magic, manifest, payload = split(backup)
    flipped = bytearray(payload)
    flipped[len(flipped) // 2] ^= 0xFF
    edited = tmp_path / "edited.backup"
    edited.write_bytes(magic + manifest + b"\n" + bytes(flipped))
    one_line_exit_2(copro(env, "db", "restore", "--yes", str(edited)),
                    "do not match its signed manifest")
    other_key = {**env, "COPRO_INTEGRITY_KEY": "another key"}
    one_line_exit_2(copro(other_key, "db", "restore", "--yes", str(backup)),
                    "another integrity key")
    # a signed backup of a database with a table dropped
    source = site(tmp_path, "source", new_database(postgres_url, "copro_history_dropped"), **key)
    tamper(source, "drop table survey_invitationcode")
    dropped = tmp_path / "dropped.backup"
    assert copro(source, "db", "backup", str(dropped)).returncode == 0
    one_line_exit_2(copro(env, "db", "restore", "--yes", str(dropped)),
                    "tables do not match", "survey_invitationcode")
    assert everything(env) == before
    # the genuine backup restores, and its history verifies
    r = copro(env, "db", "restore", "--yes", str(backup))
    assert r.returncode == 0 and "WARNING" not in r.stderr, r.stderr
    assert copro(env, "db", "verify").returncode == 0
    assert len(everything(env)[0]) == 30 + 1 + 1  # 30 appended, the backup, the restore


# -- one audit entry per action --------------------------------------------------------------

def reopen_at_once(tmp_path, database_url, seeded):
    from tests.web.test_survey_integrity import _at_once, _connected, _rows, _server, _sign_in

    data_dir, proc, url = _server(tmp_path, database_url, seeded)
    try:
        env = {**server_env(data_dir, database_url),
               "COPRO_NEW_PASSWORD": "a long test passphrase 42"}
        made = copro(env, "users", "create", "leeds", "--la", "Leeds")
        assert made.returncode == 0, made.stderr
        cookies, token = _sign_in(url)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies,
                   "Referer": url}
        con = _connected(url, 1)[0]
        con.request("POST", "/survey/manage/open/",
                    f"csrfmiddlewaretoken={token}&label=Spring", headers)
        con.getresponse().read()
        (round_id,), = _rows(data_dir, database_url, "select id from survey_round")
        con.request("POST", f"/survey/manage/round/{round_id}/close/",
                    f"csrfmiddlewaretoken={token}&confirm=yes", headers)
        con.getresponse().read()
        connections = _connected(url, 6)

        def send(i):
            connections[i].request("POST", f"/survey/manage/round/{round_id}/reopen/",
                                   f"csrfmiddlewaretoken={token}", headers)
            r = connections[i].getresponse()
            r.read()
            return r.status
        statuses = _at_once(6, send)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert statuses == [302] * 6, statuses
    logged = _rows(data_dir, database_url,
                   "select action, count(*) from accounts_auditevent where action like 'round%' "
                   "group by action order by action")
    assert logged == [("round closed", 1), ("round opened", 1), ("round reopened", 1)]
    assert copro(server_env(data_dir, database_url), "db", "verify").returncode == 0


def test_six_simultaneous_reopen_posts_log_one_entry_sqlite(tmp_path, seeded):
    reopen_at_once(tmp_path, None, seeded)


def test_six_simultaneous_reopen_posts_log_one_entry_postgresql(tmp_path, postgres_url, seeded):
    reopen_at_once(tmp_path, new_database(postgres_url, "copro_history_reopen"), seeded)
