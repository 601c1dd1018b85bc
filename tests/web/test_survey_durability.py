"""A kill -9 of the whole server (gunicorn master and workers) while clients are sending
answers loses no acknowledged answer: every submission answered "stored" (302) is in the
database afterwards, on SQLite (WAL) and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

from tests.web.serve import server_env, start_serve
from tests.web.survey_load import Submitters, new_database, open_round


def start(data_dir, database_url):
    env = {**server_env(data_dir, database_url), "COPRO_SURVEY_RATE_LIMIT": "1000000"}
    return start_serve(env, data_dir / "serve.log", own_group=True)  # to kill it whole


def stored_tokens(data_dir, database_url) -> set[str]:
    sql = "select submission_token from survey_response"
    if database_url is None:
        with sqlite3.connect(data_dir / "copro.sqlite3") as con:  # recovers the WAL
            return {t for (t,) in con.execute(sql)}
    import psycopg

    with psycopg.connect(database_url) as con:
        return {t for (t,) in con.execute(sql)}


def kill_under_load(tmp_path, database_url, seeded):
    data_dir = tmp_path / "data"
    seeded.copy(data_dir, database_url)  # a site after its first start (tests/web/seed.py)
    proc, url = start(data_dir, database_url)
    try:
        open_round(data_dir, database_url)
        load = Submitters(url, clients=8).start()
        time.sleep(3)
        os.killpg(proc.pid, signal.SIGKILL)  # master and workers, mid-request
        proc.wait(timeout=30)
        load.stop()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    acknowledged = set(load.acknowledged)
    assert len(acknowledged) >= 20, f"only {len(acknowledged)} submissions before the kill"
    assert load.errors > 0  # the kill really cut requests off
    missing = acknowledged - stored_tokens(data_dir, database_url)
    assert missing == set(), f"{len(missing)} acknowledged answers lost"


def test_kill_9_loses_no_acknowledged_answer_sqlite(tmp_path, seeded):
    kill_under_load(tmp_path, None, seeded)


def test_kill_9_loses_no_acknowledged_answer_postgresql(tmp_path, postgres_url, seeded):
    kill_under_load(tmp_path, new_database(postgres_url, "copro_survey_kill"), seeded)
