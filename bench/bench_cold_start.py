"""Cold start, two versions of copro alternated: `copro serve` restarted (no warm-up pass) and
50 wrk connections over every LA page for BENCH_WEB_SECONDS, for this checkout ("this") and for
another checkout's ``src`` folder ("base", named by BENCH_BASE_SRC, e.g. a `git worktree` of
main with its built assets copied in), on SQLite and on PostgreSQL. Each version keeps its own
data folder and database between rounds, so each round is a restart, as after a deploy; the
first start of each (which draws every page) is printed as "prime". Alternating the two is the
only fair comparison on a shared machine, whose load swings from minute to minute.

    BENCH_BASE_SRC=/work/base/src python bench/bench_cold_start.py [sqlite] [pg]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench_web as web  # noqa: E402 - beside this file

from tests.web.pg import Cluster  # noqa: E402
from tests.web.serve import server_env, start_serve  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def cold_start(version: str, data_dir: Path, database_url: str | None) -> dict:
    env = server_env(data_dir, database_url)
    env.pop("PYTHONPATH", None)
    if version == "base":
        env["PYTHONPATH"] = os.environ["BENCH_BASE_SRC"]
    proc, url = start_serve(env, data_dir / "serve.log", workers=None, timeout=600)
    try:
        codes = web.la_codes(url)
        return web.run_wrk(url, [f"/la/{c}" for c in codes], data_dir, warm=False)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def series(name: str, urls: dict) -> None:
    folders = {v: Path(tempfile.mkdtemp(prefix=f"copro-bench-cold-{v}-")) for v in urls}
    results: dict[str, list[dict]] = {v: [] for v in urls}
    for i in range(-1, ROUNDS):
        for version in ("base", "this") if i % 2 == 0 else ("this", "base"):
            r = cold_start(version, folders[version], urls[version])
            label = "prime" if i < 0 else f"round {i + 1}"
            print(f"{name:<11} {version:<5} {label:<8} {r['rate']:7.0f} req/s  p50 "
                  f"{r['p50']:7.1f}  p95 {r['p95']:7.1f}  p99 {r['p99']:7.1f} ms  errors "
                  f"{r['errors']}  load {os.getloadavg()[0]:.1f}", flush=True)
            if i >= 0:
                results[version].append(r)
    for version, rs in results.items():
        print(f"{name:<11} {version:<5} median of {len(rs)}: "
              f"{statistics.median(r['rate'] for r in rs):.0f} req/s, p99 "
              f"{statistics.median(r['p99'] for r in rs):.0f} ms", flush=True)


def main() -> int:
    if not os.environ.get("BENCH_BASE_SRC"):
        print("bench_cold_start: set BENCH_BASE_SRC to the other checkout's src folder",
              file=sys.stderr)
        return 2
    which = sys.argv[1:] or ["sqlite", "pg"]
    if "sqlite" in which:
        series("SQLite", {"base": None, "this": None})
    if "pg" in which:
        with Cluster() as base_url, Cluster() as this_url:
            series("PostgreSQL", {"base": base_url, "this": this_url})
    return 0


if __name__ == "__main__":
    sys.exit(main())
