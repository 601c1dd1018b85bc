"""`make bench`: survey submissions under load. `copro serve` (gunicorn, as deployed) on
loopback, on SQLite (WAL) and on a throwaway PostgreSQL cluster, with a survey round open for
Leeds; wrk (Debian's load generator) sends whole families' answer sets through the one-page
form (one POST each, CSRF cookie and token as a browser sends them, a fresh submission token
and random answers every time): every request is a stored response.

Reports submissions/s and the 50th, 95th and 99th percentile latency, flat out (each client
sends again as soon as it is answered: the capacity) and paced (the clients together send a
little over 100 a second: the latency at the target load), and checks the database holds as
many responses as wrk counted answered. Target (issue 12): >= 100 submissions/s with p95 <=
200 ms. The per-client rate limit is raised for the run (all clients share 127.0.0.1).
Bounded in time: BENCH_SURVEY_SECONDS (default 10) per run, four runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.pg import Cluster, pg_bin_dir  # noqa: E402
from tests.web.serve import WRK_DONE, server_env, start_serve  # noqa: E402
from tests.web.serve import run_wrk as wrk  # noqa: E402
from tests.web.survey_load import (  # noqa: E402
    PATH,
    csrf,
    new_database,
    open_round,
)

SECONDS = int(os.environ.get("BENCH_SURVEY_SECONDS", "10"))
CONNECTIONS = 16  # flat out
PACED_CONNECTIONS = 32  # paced: more clients, each pausing, as real respondents do
TARGET_P95_MS, TARGET_RATE = 200.0, 100.0
#: the paced runs ask a little more than the target, as each client's pause comes on top of
#: the time its submission takes
PACED_RATE = 1.2 * TARGET_RATE

LUA = """
local cookie, csrf = os.getenv("BENCH_COOKIE"), os.getenv("BENCH_CSRF")
local path = os.getenv("BENCH_PATH")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pause > 0 then delay = function() return pause end end
local ladder = {"decided_without_us", "informing", "consulting", "engaging", "co_producing"}
local agree = {"strongly_disagree", "disagree", "neither", "agree", "strongly_agree"}
local belief = {"parents", "schools", "same", "dont_know"}
local items = {"equal_partner", "knowledge_valued", "kept_informed", "honest_communication",
               "knew_child", "understood_decision"}
local threads = {}
local next_id = 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end
init = function(args)
  counter = 0
  math.randomseed(id * 7919)
end
request = function()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. csrf .. "&token=bench-" .. os.time() .. "-" .. id ..
    "-" .. counter .. "&ladder=" .. ladder[math.random(#ladder)] .. "&who_is_favoured=" ..
    belief[math.random(#belief)]
  for _, item in ipairs(items) do
    if math.random() < 0.8 then body = body .. "&" .. item .. "=" .. agree[math.random(#agree)] end
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie}, body)
end
response = function(status, headers, body)
  if status ~= 302 then wrk.thread:stop() end
end
""" + WRK_DONE


def start_server(data_dir: Path, database_url: str | None):
    env = {**server_env(data_dir, database_url), "COPRO_SURVEY_RATE_LIMIT": "100000000"}
    return start_serve(env, data_dir / "access.log", workers=None)


def stored(data_dir: Path, database_url: str | None) -> int:
    sql = "select count(*) from survey_response"
    if database_url is None:
        import sqlite3

        with sqlite3.connect(data_dir / "copro.sqlite3") as con:
            return con.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(database_url) as con:
        return con.execute(sql).fetchone()[0]


def run_wrk(url: str, workdir: Path, rate: float | None = None) -> dict:
    cookie, token = csrf(url)
    clients = PACED_CONNECTIONS if rate else CONNECTIONS
    (workdir / "bench.lua").write_text(LUA)
    return wrk(url, workdir / "bench.lua", clients, SECONDS, rate,
               {"BENCH_COOKIE": cookie, "BENCH_CSRF": token, "BENCH_PATH": PATH})


def bench(name: str, database_url: str | None) -> list[tuple]:
    work = Path(tempfile.mkdtemp(prefix="copro-bench-survey-"))
    rows = []
    try:
        proc, url = start_server(work, database_url)
        try:
            open_round(work, database_url)
            for mode, rate in (("flat out", None), ("paced", PACED_RATE)):
                before = stored(work, database_url)
                r = run_wrk(url, work, rate)
                time.sleep(0.5)  # requests still in flight when wrk stopped
                r["stored"] = stored(work, database_url) - before
                rows.append((name, mode, r))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> int:
    if shutil.which("wrk") is None:
        print("bench_survey: wrk is not installed (Debian package 'wrk'; `make bench` installs "
              "it)", file=sys.stderr)
        return 1
    print(f"survey submissions under load: {CONNECTIONS} connections flat out, "
          f"{PACED_CONNECTIONS} paced, {SECONDS} s per run "
          f"({os.cpu_count()} CPU cores, shared with wrk)")
    rows = bench("SQLite", None)
    if pg_bin_dir() is not None:
        with Cluster() as url:
            rows += bench("PostgreSQL", new_database(url, "copro_survey_bench"))
    else:
        print("bench_survey: PostgreSQL not installed; SQLite only", file=sys.stderr)
    print(f"{'database':<11} {'clients send':<13} {'subm/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6} {'stored':>7}  target (p95 <= {TARGET_P95_MS:.0f} ms "
          f"at >= {TARGET_RATE:.0f} submissions/s)")
    for db, mode, r in rows:
        ok = r["p95"] <= TARGET_P95_MS and r["rate"] >= TARGET_RATE and r["errors"] == 0
        print(f"{db:<11} {mode:<13} {r['rate']:>7.0f} {r['p50']:>7.1f} {r['p95']:>7.1f} "
              f"{r['p99']:>7.1f} {r['errors']:>6} {r['stored']:>7}  "
              f"{'met' if ok else 'NOT met'}")
    print(f"(paced: the {PACED_CONNECTIONS} clients pause "
          f"{1000 * PACED_CONNECTIONS / PACED_RATE:.0f} ms "
          f"between submissions, so that together they send at least {TARGET_RATE:.0f} a "
          "second; 'stored' is the responses the database gained during the run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
