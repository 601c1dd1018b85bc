"""The database: migrations from empty on SQLite and on a real PostgreSQL, the import, and the
same pages from either (through the real `copro serve`)."""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse

import pytest

from tests.web.conftest import COPRO


def _copro(args: list[str], data_dir, database_url: str | None = None):
    env = {**os.environ, "COPRO_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("COPRO_DATABASE_URL", None)
    if database_url:
        env["COPRO_DATABASE_URL"] = database_url
    return subprocess.run([COPRO, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.django_db
def test_models_match_the_migrations():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 if not


def test_sqlite_from_empty(tmp_path):
    assert not (tmp_path / "copro.sqlite3").exists()
    proc = _copro(["db", "migrate"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = _copro(["db", "import"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "10,269 counts" in proc.stderr
    with sqlite3.connect(tmp_path / "copro.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM explorer_count").fetchone()[0] == 10269
        assert db.execute("SELECT count(*) FROM explorer_area WHERE level = 'local_authority'"
                          ).fetchone()[0] == 153
    again = _copro(["db", "import"], tmp_path)  # the same file twice: one dataset
    assert again.returncode == 0 and "already imported" in again.stderr
    listed = _copro(["db", "list"], tmp_path)
    assert len(listed.stdout.strip().splitlines()) == 1


def test_bad_file_is_one_line_exit_2_and_imports_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_period,geographic_level\n2025,National\n")
    proc = _copro(["db", "import", "--dfe", str(bad)], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("copro: error: ") and len(proc.stderr.splitlines()) == 1
    assert _copro(["db", "list"], tmp_path).stdout.strip() == ""


def test_unreachable_database_is_one_line(tmp_path):
    proc = _copro(["db", "migrate"], tmp_path, "postgresql://nobody@127.0.0.1:1/none")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("copro: error: database none on 127.0.0.1: ")
    assert len(proc.stderr.splitlines()) == 1 and "nobody" not in proc.stderr


def test_a_data_folder_on_a_full_disk_is_one_line(tmp_path):
    """The website's database on a full disk: one line naming the file and what to do."""
    from tests.hostile.corpus import FULL, _make_place

    full = tmp_path / "full"
    full.mkdir()
    why = _make_place(full, FULL)
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        env = {**os.environ, "COPRO_DATA_DIR": str(full / "data")}
        env.pop("COPRO_DATABASE_URL", None)
        proc = subprocess.run([COPRO, "db", "migrate"], capture_output=True, text=True,
                              env=env, timeout=300)
        # no key is left half-written (an empty key file would be read as the key next time)
        keys = {p.name: p.read_text() for p in (full / "data").glob("*key*")}
    finally:
        subprocess.run(["umount", str(full)], capture_output=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    # the file that could not be written is named: the database, or a key kept beside it
    named = re.search(rf"{re.escape(str(full))}/data/(copro\.sqlite3|secret_key|integrity_key)",
                      proc.stderr)
    assert named and "free some space" in proc.stderr, proc.stderr
    assert all(v.strip() for v in keys.values()), keys


def test_postgresql_from_empty_and_the_same_pages(postgres_url, copro_server, live_url):
    from tests.web.conftest import Server

    # from an empty database: migrates and imports on start
    server: Server = copro_server(database_url=postgres_url, seeded=False)
    status, _, body = server.get("/la/E08000035")
    assert status == 200 and b"1.27 times as likely" in body
    pg = {path: server.get(path)[2] for path in ("/la/E08000035.json", "/index.json",
                                                 "/compare.json?la=Leeds&la=Kent")}
    health = json.loads(server.get("/healthz.json")[2])
    assert health == {"status": "ok", "database": "postgresql", "dataset": health["dataset"]}
    # the same bytes as on SQLite
    import urllib.request

    for path, body in pg.items():
        with urllib.request.urlopen(live_url + path, timeout=30) as r:
            assert r.read() == body, path
    # and the tables exist in PostgreSQL, filled
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        n = conn.execute("SELECT count(*) FROM explorer_count").fetchone()[0]
        applied = conn.execute("SELECT count(*) FROM django_migrations WHERE app = 'explorer'"
                               ).fetchone()[0]
    assert n == 10269 and applied >= 1


def test_head_is_answered_without_a_body_and_without_a_warning(copro_server):
    """A monitor's HEAD gets GET's status and length, no body, and leaves the server's log
    free of gunicorn's 'sent body bytes on a no-body response' warning."""
    server = copro_server()
    host = urllib.parse.urlsplit(server.url)
    con = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    con.request("GET", "/la/E08000035")
    got = con.getresponse()
    length = len(got.read())
    con.request("HEAD", "/la/E08000035")
    head = con.getresponse()
    assert head.status == 200 and head.read() == b""
    assert int(head.getheader("Content-Length")) == length
    con.close()
    time.sleep(0.5)  # the log line, if any, is written as the response goes out
    assert "no-body response" not in server.log.read_text()


def test_a_servers_copy_of_the_first_start_is_not_started_again(copro_server):
    """copro_server's sites are copies of one first start (tests/web/seed.py): the copy
    serves the bundled data without importing it or drawing its pages again."""
    server = copro_server()
    status, _, body = server.get("/la/E08000035")
    assert status == 200 and b"1.27 times as likely" in body
    log = server.log.read_text()
    assert "serving on" in log
    assert "imported the bundled data" not in log and "drew" not in log
