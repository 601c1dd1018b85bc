"""`make bench`: how long `copro audit` takes, end to end and in its parts.

End to end is wall-clock time from process start to the last byte of output, as a user sees it,
for the terminal output and for --json. The parts (read, statistics, rendering) are timed in this
process after the imports. Targets: `copro audit` end to end <= 1.5 s (issue 2); the report
for all 153 areas <= 10 s (issue 3); both on a 2-core machine.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TARGET_END_TO_END = 1.5
TARGET_REPORT = 10.0  # issue 3: index + every local authority's page
COPRO = str(Path(sys.executable).parent / "copro")


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def summary(times: list[float]) -> str:
    return (f"median {statistics.median(times):.3f} s  min {min(times):.3f}  "
            f"max {max(times):.3f}  (n={len(times)})")


def main() -> int:
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    results = {}
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        os.environ["COPRO_CACHE_DIR"] = cache  # a fresh cache, not the user's
        for label, args in (("copro audit", ["audit"]), ("copro audit --json", ["audit", "--json"]),
                            ("copro la Leeds", ["la", "Leeds"])):
            wall([COPRO, *args, "--no-cache"])  # warm the OS file cache once
            cold = [wall([COPRO, *args, "--no-cache"]) for _ in range(RUNS)]
            warm = [wall([COPRO, *args]) for _ in range(RUNS)]
            results[label] = statistics.median(cold)
            results[label + " (cached)"] = statistics.median(warm)
            print(f"{label:<22} end to end, computed: {summary(cold)}")
            print(f"{'':<22} end to end, cached:   {summary(warm)}")
        report = [wall([COPRO, "report", "--all-las", "--out", out, "--no-cache"])
                  for _ in range(3)]
    results["report"] = statistics.median(report)
    print(f"{'copro report --all-las':<22} end to end, computed: {summary(report)} "
          "(index + 153 area pages)")
    imports = [wall([sys.executable, "-c", "import copro.audit, copro.cli, "
                     "copro.render.terminal"]) for _ in range(RUNS)]
    print(f"{'imports alone':<22} {summary(imports)}")

    t0 = time.perf_counter()
    from copro.audit import audit
    from copro.render.terminal import print_audit
    from copro.sources.dfe import bundled_dfe_path, read_dfe_requests
    imported = time.perf_counter() - t0

    reads, stats, renders = [], [], []
    for _ in range(RUNS):
        t = time.perf_counter()
        counts = read_dfe_requests(bundled_dfe_path())
        reads.append(time.perf_counter() - t)
        t = time.perf_counter()
        findings = audit(counts)
        stats.append(time.perf_counter() - t)
        t = time.perf_counter()
        from rich.console import Console
        print_audit(findings, Console(file=io.StringIO(), width=110))
        renders.append(time.perf_counter() - t)
    print(f"{'in process: imports':<22} {imported:.3f} s (first import)")
    print(f"{'in process: read CSV':<22} {summary(reads)}")
    print(f"{'in process: statistics':<22} {summary(stats)}")
    print(f"{'in process: render':<22} {summary(renders)}")
    for label, target in (("copro audit", TARGET_END_TO_END),
                          ("copro audit (cached)", TARGET_END_TO_END), ("report", TARGET_REPORT)):
        verdict = "met" if results[label] <= target else "NOT met"
        print(f"target {label} <= {target} s: {verdict} (median {results[label]:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
